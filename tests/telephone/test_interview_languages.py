"""A telephone interview asked in another language: an interviewer who speaks it chooses it when
the interview starts (only languages the questionnaire is fully translated into), reads the
questions out in it, and the response records it."""

from __future__ import annotations

from engage.surveys.models import Channel
from tests.helpers import Browser, csrf_token, page_text
from tests.surveys.support import sign_in_staff
from tests.telephone.support import (
    case_row,
    case_url,
    consultation_with_note,
    recorded_case,
    sign_in,
    start_call,
)
from tests.translations.support import filled, pseudo, translate_questionnaire, upload


def _translated(app, made, *, phrases: bool = True) -> None:
    staff = Browser(app)
    sign_in_staff(staff, app)
    translate_questionnaire(staff, made.slug, "pl")
    if phrases:
        words = staff.get("/admin/languages/words?language=pl&format=xlsx")
        assert upload(staff, "/admin/languages", "pl",
                      filled(words.data, pseudo)).status_code == 302


def _begin(client, case_id: int, language: str | None):
    return client.submit(case_url(case_id) + "/interview",
                         {"language": language} if language else {},
                         form_page=case_url(case_id))


def test_an_interview_asked_in_polish(client, app, in_calling_hours):
    made = consultation_with_note(app)
    _translated(app, made)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    case_page = client.get(case_url(case_id)).get_data(as_text=True)
    assert '<option value="pl">Polish (Polski)</option>' in case_page

    begun = _begin(client, case_id, "pl")
    assert begun.status_code == 302
    first = client.get(begun.headers["Location"])
    html, text = first.get_data(as_text=True), page_text(first)
    # What is read out is in Polish, and marked as Polish; the interviewer's words are not.
    assert "Read aloud in Polish" in text
    assert "PL Which of these should the police in your area focus on?" in text
    assert '<span lang="pl" dir="ltr">PL You can choose up to 3.</span>' in html
    assert "Save and continue" in text

    at = client.submit(begun.headers["Location"], {"q_priorities": ["burglary"]})
    at = client.submit(at.headers["Location"], {"q_confidence": "good"})
    at = client.submit(at.headers["Location"], {"q_victim": "no"})
    at = client.submit(at.headers["Location"], {"q_comments": ""})
    consent = client.get(at.headers["Location"])
    assert "PL The last few questions are about you" in page_text(consent)
    at = client.submit(at.headers["Location"], {"consent": "no"})
    check = at.headers["Location"]
    page = client.get(check)
    with app.app_context():
        key = case_row(case_id).draft.submission_key
    finished = client.post(check, {"csrf_token": csrf_token(page.get_data(as_text=True)),
                                   "submission_key": key})
    assert finished.status_code == 302
    with app.app_context():
        response = case_row(case_id).response
        assert response.channel == Channel.TELEPHONE
        assert response.language == "pl"
        assert {a.option.value for a in response.answers if a.option} >= {"burglary", "good"}


def test_a_resumed_interview_keeps_its_language(client, app, in_calling_hours):
    made = consultation_with_note(app)
    _translated(app, made, phrases=False)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    _begin(client, case_id, "pl")
    # A phrase not translated is read out in English, and marked so.
    screen = client.get(case_url(case_id) + "/interview/questions/priorities")
    assert '<span lang="en" dir="ltr">You can choose up to 3.</span>' in screen.get_data(
        as_text=True)
    client.submit(case_url(case_id) + "/outcome", {"outcome": "no-answer", "note": ""})
    start_call(client, case_id)
    page = page_text(client.get(case_url(case_id)))
    assert "Resume the interview in Polish" in page
    assert "Language of the interview" not in page
    again = _begin(client, case_id, "en")  # what the form says is not asked again
    assert "PL " in page_text(client.get(again.headers["Location"]))


def test_only_a_language_translated_in_full_can_be_chosen(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    assert "Language of the interview" not in page_text(client.get(case_url(case_id)))
    refused = _begin(client, case_id, "pl")
    assert refused.status_code == 302
    assert "not translated in full into that language" in page_text(
        client.get(refused.headers["Location"]))
    with app.app_context():
        assert case_row(case_id).draft_id is None
