"""Recording a request to be called: field errors on the page, the phone number checked and
kept in one form, consent required, and nothing saved when anything is wrong."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.extensions import db
from engage.telephone.models import CallCase, CaseStatus, PartOfDay
from engage.telephone.operations import normalise_phone
from tests.helpers import page_text, title
from tests.telephone.support import consultation_with_note, count, record, sign_in


def test_a_request_is_saved_with_the_number_normalised(client, app):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    response = record(client, made.questionnaire_id, name="  Ada Lovelace ",
                      phone="+44 (0)20 7946-0000", part_of_day="evening",
                      best_times="Not Wednesdays", notes="Hard of hearing: speak slowly")
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(CallCase))
        assert (saved.name, saved.phone, saved.best_times) == (
            "Ada Lovelace", "+442079460000", "Not Wednesdays")
        assert saved.part_of_day == PartOfDay.EVENING and saved.status == CaseStatus.OPEN
        assert saved.consented_at is not None and saved.borough.slug == "camden"
        # An evening preference is first due at 5pm (London) or later.
        assert saved.next_attempt_at is not None
    page = client.get(response.headers["Location"])
    text = page_text(page)
    assert "020 7946 0000" in text and "Hard of hearing: speak slowly" in text
    assert "Evening (after 5pm): Not Wednesdays" in text


def test_bad_input_is_shown_on_the_page_and_nothing_is_saved(client, app):
    made = consultation_with_note(app)
    sign_in(client, app, officer="camden")
    response = record(client, made.questionnaire_id, name="", phone="12345", consent=None,
                      questionnaire=None)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    for field, message in [
        ("questionnaire", "Select the questionnaire"),
        ("name", "Enter the caller&#39;s full name"),
        ("phone", "Enter a UK phone number, like 020 7946 0000"),
        ("consent", "Ask the caller whether we may keep their name and phone number"),
    ]:
        assert f'href="#{field}' in html, field  # the error summary links to the field
        assert message in html, message
    with app.app_context():
        assert count(CallCase) == 0


def test_consent_is_required_even_when_everything_else_is_right(client, app):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    response = record(client, made.questionnaire_id, consent=None)
    assert "without that we cannot call them" in page_text(response)
    with app.app_context():
        assert count(CallCase) == 0


def test_a_number_with_an_extension_is_refused_not_kept_without_it(client, app):
    """The extension was dropped: the case said +442079460000, and the interviewer rang the
    switchboard with no way to reach the caller."""
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    for typed in ("020 7946 0000 ext 123", "020 7946 0000 x123", "020 7946 0000#123"):
        refused = record(client, made.questionnaire_id, phone=typed)
        assert refused.status_code == 200, typed
        assert ("Enter the phone number without its extension, and write the extension in the "
                "notes") in page_text(refused), typed
    with app.app_context():
        assert count(CallCase) == 0
    saved = record(client, made.questionnaire_id, phone="020 7946 0000", notes="Extension 123")
    assert saved.status_code == 302


def test_uk_numbers_in_any_usual_form_are_kept_alike_and_others_refused(app):
    assert normalise_phone("07911 123456") == "+447911123456"
    assert normalise_phone("+44 7911 123 456") == "+447911123456"
    assert normalise_phone("0044 20 7946 0000") == "+442079460000"
    for wrong in ("", "999", "020 7946", "+33 1 23 45 67 89", "not a number"):
        assert normalise_phone(wrong) is None, wrong


def test_a_consultation_that_does_not_cover_the_borough_is_not_offered(client, app):
    made = consultation_with_note(app, boroughs=["hackney"])
    sign_in(client, app, interviewer="camden")
    page = client.get("/staff/boroughs/camden/telephone/requests/new")
    assert "No consultation is open for Camden" in page_text(page)
    refused = record(client, made.questionnaire_id)
    assert refused.status_code == 200
    assert "Select one of the questionnaires open for this borough" in page_text(refused)
    with app.app_context():
        assert count(CallCase) == 0


def test_the_same_request_sent_twice_puts_the_person_on_the_list_once(client, app):
    """A double click or a retried POST: one case, and the second answer is that case. Someone
    else on the same number is their own request."""
    from engage.audit.models import AuditEvent

    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    first = record(client, made.questionnaire_id, name="Ada Lovelace", phone="020 7946 0000")
    again = record(client, made.questionnaire_id, name="Ada Lovelace", phone="+44 20 7946 0000")
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    assert "They are on the call list for this questionnaire already" in page_text(
        client.get(again.location))
    with app.app_context():
        assert count(CallCase) == 1
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "telephone.requested")) == 1
    other = record(client, made.questionnaire_id, name="Grace Hopper", phone="020 7946 0000")
    assert other.status_code == 302 and other.location != first.location
