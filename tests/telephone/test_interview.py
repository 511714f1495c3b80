"""The interview screen: one question at a time with the words to read aloud and the
interviewer's note; pausing and resuming the same answers; finishing stores one telephone
response, with the interviewer and the duration, beside the online ones."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from engage.extensions import db
from engage.surveys.models import Channel, Response, ResponseDraft
from engage.telephone.forms import CONSENT_QUESTION
from engage.telephone.models import Call, CaseStatus, Outcome
from tests.helpers import csrf_token, page_text, title
from tests.surveys.support import make_response
from tests.telephone.support import (
    NOTE,
    begin_interview,
    case_row,
    case_url,
    consultation_with_note,
    count,
    end_call,
    recorded_case,
    sign_in,
    start_call,
)


def _answer(client, location: str, data: dict):
    return client.submit(location, data)


def _interview_to_the_end(client, first: str) -> str:
    """Answer every screen of the small questionnaire; returns the check page's address."""
    at = _answer(client, first, {"q_priorities": ["burglary", "robbery"]}).headers["Location"]
    at = _answer(client, at, {"q_confidence": "good"}).headers["Location"]
    at = _answer(client, at, {"q_victim": "no"}).headers["Location"]
    at = _answer(client, at, {"q_comments": "More patrols at night"}).headers["Location"]
    assert at.endswith("/interview/about-them")
    at = _answer(client, at, {"consent": "yes"}).headers["Location"]
    at = _answer(client, at, {"q_age_band": "25-to-64"}).headers["Location"]
    assert at.endswith("/interview/check")
    return at


def test_one_question_a_screen_with_the_words_to_read_and_the_note(client, app,
                                                                   in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    assert start_call(client, case_id).status_code == 302
    begun = begin_interview(client, case_id)
    assert begun.status_code == 302 and begun.headers["Location"].endswith(
        "/interview/questions/priorities")

    first = client.get(begun.headers["Location"])
    html = first.get_data(as_text=True)
    assert 'id="read-aloud"' in html and "Timer started" in page_text(first)
    # How many they may choose is read out before the choices, as the online page shows it.
    assert ("Read aloud Which of these should the police in your area focus on? You can "
            "choose up to 3. The choices are: Burglary") in page_text(first)
    assert 'name="q_priorities"' in html and 'name="q_confidence"' not in html
    assert NOTE not in page_text(first)
    # Nothing chosen: the error is in the summary, linked to the question.
    refused = _answer(client, begun.headers["Location"], {})
    assert refused.status_code == 200 and title(refused).startswith("Error: ")
    assert 'href="#q_priorities"' in refused.get_data(as_text=True)
    # The message names the question, as it does on the public pages: it reads as well to an
    # interviewer, who has only this question on the screen.
    assert ("Select at least one answer to \u201cWhich of these should the police in your area "
            "focus on?\u201d") in page_text(refused)

    second = _answer(client, begun.headers["Location"], {"q_priorities": ["burglary"]})
    assert second.headers["Location"].endswith("/interview/questions/confidence")
    page = client.get(second.headers["Location"])
    text = page_text(page)
    assert "Read aloud How good a job are the police doing in this area?" in text
    assert "Excellent Good Fair Poor Very poor" in text  # the options, read out
    assert f"Interviewer note (do not read out) {NOTE}" in text
    assert 'name="q_priorities"' not in page.get_data(as_text=True)
    assert "/interview/questions/priorities" in page.get_data(as_text=True)  # the back link


def test_finishing_stores_one_telephone_response_beside_the_online_ones(client, app,
                                                                        in_calling_hours):
    made = consultation_with_note(app)
    online_id = make_response(app, made.version_id)
    interviewer_id = sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    check = _interview_to_the_end(client, begin_interview(client, case_id).headers["Location"])
    page = client.get(check)
    text = page_text(page)
    assert "Check the answers" in text and "Burglary Robbery" in text
    assert "More patrols at night" in text and "25 to 64" in text

    token = csrf_token(page.get_data(as_text=True))
    with app.app_context():
        key = case_row(case_id).draft.submission_key
    finished = client.post(check, {"csrf_token": token, "submission_key": key})
    assert finished.status_code == 302
    # The same click again (a double click, a replayed POST) stores nothing more.
    again = client.post(check, {"csrf_token": token, "submission_key": key})
    assert again.status_code == 302 and again.headers["Location"].endswith(case_url(case_id))
    assert "The interview is finished" in page_text(client.get(finished.headers["Location"]))

    with app.app_context():
        call_case = case_row(case_id)
        assert call_case.status == CaseStatus.COMPLETE and call_case.response_id is not None
        response = call_case.response
        assert response.channel == Channel.TELEPHONE
        assert response.entered_by_id == interviewer_id
        assert response.duration_seconds is not None and response.duration_seconds >= 0
        assert response.started_at is not None and response.idempotency_key == key
        assert response.equality_consent is True
        assert [c.outcome for c in call_case.calls] == [Outcome.COMPLETE]
        # In the same responses as the online ones, for the same questionnaire.
        channels = {r.id: r.channel for r in db.session.scalars(
            select(Response).where(Response.consultation_id == made.consultation_id))}
        assert channels == {online_id: Channel.ONLINE, response.id: Channel.TELEPHONE}


def test_pause_and_resume_the_same_answers_on_a_later_call(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    first = begin_interview(client, case_id).headers["Location"]
    _answer(client, first, {"q_priorities": ["knife-crime"]})
    with app.app_context():
        draft_id = case_row(case_id).draft_id
        # Two minutes of interview on this call, as if the clock had run: two minutes before
        # the pages' clock (stopped by in_calling_hours), not the real one, which runs on.
        db.session.execute(update(Call).where(Call.case_id == case_id).values(
            interview_started_at=in_calling_hours - timedelta(seconds=120)))
        db.session.commit()

    paused = end_call(client, case_id, "partial", note="Had to go out")
    assert paused.status_code == 302
    case_page = page_text(client.get(case_url(case_id)))
    assert "Their interview is paused" in case_page
    with app.app_context():
        call_case = case_row(case_id)
        assert call_case.status == CaseStatus.OPEN and call_case.attempts == 1
        assert call_case.interview_seconds >= 120 and call_case.next_attempt_at is not None

    start_call(client, case_id)
    resumed = begin_interview(client, case_id)
    assert resumed.headers["Location"].endswith("/interview/questions/confidence")
    back = client.get(resumed.headers["Location"].replace("confidence", "priorities"))
    # Going back shows the answer kept from the first call.
    assert 'value="knife-crime" checked' in back.get_data(as_text=True)
    assert 'value="burglary" checked' not in back.get_data(as_text=True)
    at = _answer(client, resumed.headers["Location"], {"q_confidence": "fair"}).headers[
        "Location"]
    at = _answer(client, at, {"q_victim": "no"}).headers["Location"]
    at = _answer(client, at, {"q_comments": ""}).headers["Location"]
    at = _answer(client, at, {"consent": "no"}).headers["Location"]
    assert at.endswith("/interview/check")
    with app.app_context():
        assert case_row(case_id).draft_id == draft_id
        key = db.session.get(ResponseDraft, draft_id).submission_key
    done = client.submit(at, {"submission_key": key})
    assert done.status_code == 302
    with app.app_context():
        call_case = case_row(case_id)
        response = call_case.response
        assert response.duration_seconds >= 120  # the first call's interview counts
        assert response.equality_consent is False
        assert [c.outcome for c in call_case.calls] == [Outcome.PARTIAL, Outcome.COMPLETE]
        assert count(Response) == 1


def test_the_interview_needs_a_call_in_progress(client, app):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    refused = begin_interview(client, case_id)
    assert refused.status_code == 302
    assert "Start a call before the interview" in page_text(
        client.get(refused.headers["Location"]))
    direct = client.get(case_url(case_id) + "/interview/questions/priorities")
    assert direct.status_code == 302 and direct.headers["Location"].endswith(case_url(case_id))
    with app.app_context():
        assert count(ResponseDraft) == 0


def test_changing_an_answer_from_the_check_page_goes_back_there(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    check = _interview_to_the_end(client, begin_interview(client, case_id).headers["Location"])
    html = client.get(check).get_data(as_text=True)
    confidence = case_url(case_id) + "/interview/questions/confidence?change=1"
    assert f'href="{confidence}"' in html
    # The back link of a screen opened to change an answer is the check page.
    back = re.search(r'<a href="([^"]+)" class="govuk-back-link"',
                     client.get(confidence).get_data(as_text=True))
    assert back and back.group(1).endswith("/interview/check")
    changed = _answer(client, confidence, {"q_confidence": "poor"})
    assert changed.headers["Location"].endswith("/interview/check")
    # A change that brings in a question (a victim is asked whether they reported it) asks
    # it, then goes back to the check page.
    victim = case_url(case_id) + "/interview/questions/victim?change=1"
    brought = _answer(client, victim, {"q_victim": "yes"}).headers["Location"]
    assert brought.endswith("/interview/questions/reported?change=1")
    assert _answer(client, brought, {"q_reported": "no"}).headers["Location"].endswith(
        "/interview/check")
    # Their choice about the optional questions is on the check page, and can be taken back.
    about = case_url(case_id) + "/interview/about-them?change=1"
    assert f'href="{about}"' in client.get(check).get_data(as_text=True)
    assert _answer(client, about, {"consent": "no"}).headers["Location"].endswith(
        "/interview/check")
    with app.app_context():
        draft = case_row(case_id).draft
        assert draft.answers["confidence"] == {"option": "poor"}
        assert draft.answers["reported"] == {"option": "no"}
        assert "age-band" not in draft.answers and draft.equality_consent is False


def test_the_consent_screens_title_asks_what_its_heading_asks(client, app, in_calling_hours):
    """The title is what a screen reader says first: it said "answer questions about
    themselves" where the heading, read aloud, says "some optional questions"."""
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    begin_interview(client, case_id)
    page = client.get(case_url(case_id) + "/interview/about-them")
    assert page.status_code == 200
    assert title(page).startswith(f"{CONSENT_QUESTION} – Telephone interview")
    assert CONSENT_QUESTION in page_text(page)


def test_equality_answers_are_never_on_a_screen_with_the_person_s_name(client, app,
                                                                       in_calling_hours):
    """The interviewer reads aloud that these answers are "never shown with your name": the
    screens that ask and show them must not carry the name the case holds."""
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id, name="Ada Lovelace")
    start_call(client, case_id)
    first = begin_interview(client, case_id).headers["Location"]
    at = _answer(client, first, {"q_priorities": ["burglary", "robbery"]}).headers["Location"]
    at = _answer(client, at, {"q_confidence": "good"}).headers["Location"]
    at = _answer(client, at, {"q_victim": "no"}).headers["Location"]
    at = _answer(client, at, {"q_comments": "More patrols at night"}).headers["Location"]
    about = client.get(at)
    assert "never shown with your name" in page_text(about)
    assert "Ada Lovelace" not in about.get_data(as_text=True)
    at = _answer(client, at, {"consent": "yes"}).headers["Location"]
    age = client.get(at)
    assert "age" in page_text(age).lower()
    assert "Ada Lovelace" not in age.get_data(as_text=True)
    at = _answer(client, at, {"q_age_band": "25-to-64"}).headers["Location"]
    check = client.get(at)
    assert "25 to 64" in page_text(check) or "25-to-64" in check.get_data(as_text=True)
    assert "Ada Lovelace" not in check.get_data(as_text=True)
    # The case page, away from the answers, still names whom to call.
    assert "Ada Lovelace" in page_text(client.get(case_url(case_id)))
