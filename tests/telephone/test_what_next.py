"""What the interviewer is told after each step of a call, forty calls a shift: that the call
started and what to do now; after the call, how it was saved, what happens next to this
person, and the way back to the call list for the next one (the banner takes the focus, so
the link is the next thing the keyboard reaches)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from engage.extensions import db
from engage.surveys.models import Questionnaire
from engage.templating import london_time
from tests.helpers import csrf_token, page_text
from tests.telephone.support import (
    BASE,
    begin_interview,
    case_row,
    consultation_with_note,
    end_call,
    recorded_case,
    sign_in,
    start_call,
)
from tests.telephone.test_interview import _interview_to_the_end


def _banner(page) -> str:
    """The success banner's HTML."""
    found = re.search(r'<div class="govuk-notification-banner govuk-notification-banner--'
                      r'success".*?</div>\s*</div>', page.get_data(as_text=True), re.S)
    assert found, page_text(page)[:1000]
    return found.group(0)


def page_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _call_list(app, made) -> str:
    with app.app_context():
        consultation_id = db.session.scalar(select(Questionnaire.consultation_id).where(
            Questionnaire.id == made.questionnaire_id))
    return f"{BASE.format('camden')}/consultations/{consultation_id}"


def test_starting_a_call_says_so_and_what_to_do_now(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    started = start_call(client, case_id)
    banner = page_text(client.get(started.headers["Location"]))
    assert ("Call started. When they answer, read them the introduction below, then start the "
            "interview. If nobody answers, record how the call ended.") in banner


def test_after_a_call_they_hear_what_happens_next_and_can_go_to_the_next_person(
        client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    call_list = _call_list(app, made)

    unanswered = recorded_case(client, made.questionnaire_id)
    start_call(client, unanswered)
    saved = end_call(client, unanswered, "no-answer")
    banner = _banner(client.get(saved.headers["Location"]))
    with app.app_context():
        due = london_time(case_row(unanswered).next_attempt_at)
    assert (f"The call is saved as \u201cNo answer\u201d. Their next call is due on {due}."
            in page_text_of(banner))
    assert f'<a class="govuk-notification-banner__link" href="{call_list}">Back to the call ' \
           "list</a>" in banner

    refused = recorded_case(client, made.questionnaire_id, name="Grace Hopper")
    start_call(client, refused)
    saved = end_call(client, refused, "refused")
    assert ("The call is saved as \u201cRefused\u201d. Their case is closed: refused."
            in page_text(client.get(saved.headers["Location"])))

    interviewed = recorded_case(client, made.questionnaire_id, name="Alan Turing")
    start_call(client, interviewed)
    check = _interview_to_the_end(client, begin_interview(client, interviewed)
                                  .headers["Location"])
    with app.app_context():
        key = case_row(interviewed).draft.submission_key
    finished = client.post(check, {"csrf_token": csrf_token(client.get(check).get_data(
        as_text=True)), "submission_key": key})
    banner = _banner(client.get(finished.headers["Location"]))
    assert "The interview is finished and the answers are stored." in page_text_of(banner)
    assert f'href="{call_list}">Back to the call list</a>' in banner

