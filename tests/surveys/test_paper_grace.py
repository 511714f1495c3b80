"""The grace date for paper returns: staff who may change a consultation set it (or clear it)
with its other details, checked against the closing time; the keying pages say until when
paper is accepted, and keying follows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.surveys.models import Consultation
from tests.factories import create_officer, create_user
from tests.helpers import page_text, title
from tests.mailouts.test_keying_support import CAMDEN, all_kinds, key, posted_paper, responses
from tests.surveys.support import STAFF, sign_in_staff

# A consultation that closed at 5pm on 1 July 2020 (British Summer Time: 4pm UTC).
CLOSED = {"title": "Have your say 2020", "purpose": "Priorities.", "coverage": "all",
          "opens_on": ["1", "4", "2020"], "opens_time": "9am",
          "closes_on": ["1", "7", "2020"], "closes_time": "5pm"}


def _grace(app, consultation_id: int) -> datetime | None:
    with app.app_context():
        return db.session.get(Consultation, consultation_id).paper_grace_until


def test_staff_set_and_clear_the_grace_date_and_keying_follows_it(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in_staff(client, app)
    edit = f"{STAFF}/{made.slug}/edit"
    page = page_text(client.get(edit))
    assert "Last day for paper returns" in page
    assert "Leave it empty to accept them for 28 days after closing" in page
    form = {**CLOSED, "slug": made.slug}

    # Closed in 2020: with the usual 28 days, this paper is too late.
    assert client.submit(edit, form).status_code == 302
    assert _grace(app, made.consultation_id) is None
    late = client.get(f"{CAMDEN}/{reference}")
    assert late.status_code == 410
    assert "was accepted until 29 July 2020 at 5pm" in page_text(late)
    assert "Have your say 2020 are accepted" not in page_text(client.get(CAMDEN))

    # Set a later date (time left empty: the end of that day, London time).
    saved = client.submit(edit, {**form, "paper_grace_on": ["31", "12", "2099"]})
    assert saved.status_code == 302
    assert _grace(app, made.consultation_id) == datetime(2099, 12, 31, 23, 59)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "consultation.changed").order_by(AuditEvent.id.desc())).first()
        assert event.details["before"]["paper_grace_until"] is None
        assert event.details["after"]["paper_grace_until"] == "2099-12-31T23:59:00"
    shown = client.get(edit).get_data(as_text=True)
    assert 'value="2099"' in shown and 'value="23:59"' in shown  # shown back to change
    accepted = "Paper returns for Have your say 2020 are accepted until 31 December 2099 at " \
        "11:59pm."
    assert accepted in page_text(client.get(CAMDEN))
    assert accepted in page_text(client.get(f"{CAMDEN}/{reference}"))
    assert key(client, reference, {"q_confidence": "2"}).status_code == 302
    assert len(responses(app, reference)) == 1
    details = page_text(client.get(f"{STAFF}/{made.slug}"))
    assert "Paper returns keyed until 31 December 2099 at 11:59pm" in details

    # A time in summer is London time: 9:30am BST is 8:30am UTC.
    client.submit(edit, {**form, "paper_grace_on": ["1", "8", "2099"],
                         "paper_grace_time": "9:30am"})
    assert _grace(app, made.consultation_id) == datetime(2099, 8, 1, 8, 30)
    # Emptying the date clears it: back to the usual 28 days.
    cleared = client.submit(edit, {**form, "paper_grace_on": ["", "", ""],
                                   "paper_grace_time": ""})
    assert cleared.status_code == 302
    assert _grace(app, made.consultation_id) is None
    details = page_text(client.get(f"{STAFF}/{made.slug}"))
    assert ("Paper returns keyed until 29 July 2020 at 5pm (28 days after closing, the usual "
            "time)") in details


def test_a_grace_date_before_closing_or_half_typed_gets_a_clear_error(client, app):
    made = all_kinds(app)
    sign_in_staff(client, app)
    edit = f"{STAFF}/{made.slug}/edit"
    form = {**CLOSED, "slug": made.slug, "title": "Changed title"}
    cases = [
        ({"paper_grace_on": ["1", "7", "2020"], "paper_grace_time": "4:59pm"},
         "Paper returns must be accepted until the closing date and time or later",
         "paper_grace_time"),
        ({"paper_grace_on": ["30", "6", "2020"]},
         "Paper returns must be accepted until the closing date and time or later",
         "paper_grace_time"),
        ({"paper_grace_on": ["", "", ""], "paper_grace_time": "5pm"},
         "Enter the last day for paper returns, or leave the time empty too",
         "paper_grace_time"),
        ({"paper_grace_on": ["31", "2", "2099"]},
         "Last day for paper returns must be a real date, like 1 4 2027", "paper_grace_on"),
        ({"paper_grace_on": ["1", "", "2099"]},
         "Last day for paper returns must include a month", "paper_grace_on"),
        ({"paper_grace_on": ["1", "8", "2099"], "paper_grace_time": "teatime"},
         "Enter the time paper returns stop in the form 9am or 09:00", "paper_grace_time"),
    ]
    for extra, message, field in cases:
        refused = client.submit(edit, {**form, **extra})
        assert refused.status_code == 200, extra
        assert title(refused).startswith("Error: ")
        assert message in page_text(refused), extra
        assert f'href="#{field}' in refused.get_data(as_text=True), extra
    # Exactly the closing time is allowed (no paper after closing at all).
    assert client.submit(edit, {**form, "paper_grace_on": ["1", "7", "2020"],
                                "paper_grace_time": "5pm"}).status_code == 302
    assert _grace(app, made.consultation_id) == datetime(2020, 7, 1, 16, 0)
    with app.app_context():
        assert db.session.get(Consultation, made.consultation_id).title == "Changed title"


def test_moving_the_closing_date_past_the_grace_date_is_refused_not_an_error(client, app):
    made = all_kinds(app)
    sign_in_staff(client, app)
    edit = f"{STAFF}/{made.slug}/edit"
    form = {**CLOSED, "slug": made.slug}
    client.submit(edit, {**form, "paper_grace_on": ["1", "8", "2020"]})
    # The form shows the grace date kept, so closing later than it is caught on the page.
    later = {**form, "closes_on": ["1", "9", "2020"], "paper_grace_on": ["1", "8", "2020"],
             "paper_grace_time": "23:59"}
    refused = client.submit(edit, later)
    assert refused.status_code == 200
    assert "Paper returns must be accepted until the closing date and time or later" in \
        page_text(refused)
    with app.app_context():
        consultation = db.session.get(Consultation, made.consultation_id)
        assert consultation.closes_at == datetime(2020, 7, 1, 16, 0)
        assert consultation.paper_grace_until == datetime(2020, 8, 1, 22, 59)
    # Moving both together is fine, even to before the old closing time.
    both = {**form, "closes_on": ["1", "5", "2020"], "paper_grace_on": ["2", "5", "2020"],
            "paper_grace_time": ""}
    assert client.submit(edit, both).status_code == 302
    assert _grace(app, made.consultation_id) == datetime(2020, 5, 2, 22, 59)


def test_officers_who_may_change_it_set_it_and_other_staff_cannot(client, app, other_client):
    made = all_kinds(app, boroughs=["camden"])
    sign_in_staff(client, app, create_officer, "camden")
    edit = f"{STAFF}/{made.slug}/edit"
    form = {**CLOSED, "slug": made.slug, "coverage": "some", "boroughs": ["camden"]}
    assert client.submit(edit, {**form, "paper_grace_on": ["1", "8", "2020"]}).status_code == 302
    assert _grace(app, made.consultation_id) == datetime(2020, 8, 1, 22, 59)

    sign_in_staff(other_client, app, create_user, roles={"clerk": "camden"})
    assert other_client.get(edit).status_code == 403
    assert other_client.submit(edit, {**form, "paper_grace_on": ["1", "9", "2099"]},
                               form_page="/account").status_code == 403
    assert _grace(app, made.consultation_id) == datetime(2020, 8, 1, 22, 59)


def test_creating_a_consultation_does_not_ask_for_the_grace_date(client, app):
    sign_in_staff(client, app)
    assert "Last day for paper returns" not in page_text(client.get(f"{STAFF}/new"))
