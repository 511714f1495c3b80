"""On the call. The interviewer on it first reads who is calling, that the answers are kept
apart from the person's name and number, and that this is not the way to report a crime.

Two interviewers and one person: only the interviewer on the call asks the questions.
Another interviewer who opens the case while the call is under way sees who is on it, and
cannot start, resume, answer or finish that interview (their saves would overwrite the
answers being given on the phone); they can still record how an abandoned call ended."""

from __future__ import annotations

from engage.surveys.models import Response, ResponseDraft
from engage.telephone.models import Call, CaseStatus
from tests.helpers import csrf_token, page_text
from tests.telephone.support import (
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


def test_only_the_interviewer_on_the_call_works_its_interview(client, other_client, app,
                                                              in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    assert start_call(client, case_id).status_code == 302
    first = begin_interview(client, case_id).headers["Location"]
    assert client.submit(first, {"q_priorities": ["knife-crime"]}).status_code == 302

    sign_in(other_client, app, interviewer="camden")
    page = other_client.get(case_url(case_id))
    text = page_text(page)
    assert "Call in progress" in text
    assert "Resume the interview" not in text and "Start the interview" not in text
    refused = begin_interview(other_client, case_id)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(
        case_url(case_id))
    assert "is on this call and asks the questions" in page_text(
        other_client.get(refused.headers["Location"]))
    # Straight to a screen, as from a link or the browser's history: nothing is saved.
    screen = case_url(case_id) + "/interview/questions/priorities"
    assert other_client.get(screen).status_code == 302
    overwrite = other_client.submit(screen, {"q_priorities": ["burglary"]},
                                    form_page=case_url(case_id))
    assert overwrite.status_code == 302 and overwrite.headers["Location"].endswith(
        case_url(case_id))
    finish = other_client.submit(case_url(case_id) + "/interview/check",
                                 {"submission_key": "x"}, form_page=case_url(case_id))
    assert finish.status_code == 302
    with app.app_context():
        draft = case_row(case_id).draft
        assert draft.answers["priorities"] == {"options": ["knife-crime"]}
        assert count(Response) == 0

    # The first interviewer carries on as before.
    assert client.get(case_url(case_id) + "/interview/questions/confidence").status_code == 200
    # An abandoned call can still be closed by someone else, and then they may call.
    assert end_call(other_client, case_id, "no-answer").status_code == 302
    with app.app_context():
        assert case_row(case_id).status == CaseStatus.OPEN
        assert count(ResponseDraft) == 1


def test_the_interviewer_reads_who_is_calling_and_the_999_statement_first(
        client, other_client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    assert "Read aloud when they answer" not in page_text(client.get(case_url(case_id)))
    start_call(client, case_id)
    page = client.get(case_url(case_id))
    assert 'id="introduction"' in page.get_data(as_text=True)
    text = page_text(page)
    assert "from the Camden police community engagement team" in text
    assert "We keep your answers apart from your name and phone number." in text
    assert ("This call is not the way to report a crime. In an emergency call 999. If it is "
            "not an emergency, call 101.") in text
    # Another interviewer looking at the case is not the one speaking.
    sign_in(other_client, app, interviewer="camden")
    assert "Read aloud when they answer" not in page_text(other_client.get(case_url(case_id)))


def test_start_a_call_clicked_twice_starts_one_call_without_an_error(client, app,
                                                                     in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    page = client.get(case_url(case_id))
    token = csrf_token(page.get_data(as_text=True))
    first = client.post(case_url(case_id) + "/calls", {"csrf_token": token})
    second = client.post(case_url(case_id) + "/calls", {"csrf_token": token})
    assert first.status_code == second.status_code == 302
    text = page_text(client.get(second.headers["Location"]))
    assert "Call in progress" in text and "already on a call" not in text
    with app.app_context():
        assert count(Call) == 1
