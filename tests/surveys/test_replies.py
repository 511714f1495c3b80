"""Replies asked for: a resident ticks "Would you like a reply?", and the borough's engagement
officers find them, with what they wrote in their own words (and nothing else of their
answers), mark the reply made once, and the details go when their time is up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, Response, ResponseContact
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import Browser, csrf_token, page_text
from tests.surveys.answering_support import ANSWERS, check_answers, complete, make_every_kind
from tests.surveys.support import make_consultation, make_response

LAMBETH = "/staff/boroughs/lambeth"


def _signed_in(app, factory=create_officer, *args, **kwargs) -> Browser:
    with app.app_context():
        email = factory(*args, **kwargs).email
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def _replies_url(made, borough: str = "lambeth") -> str:
    return f"/staff/boroughs/{borough}/consultations/{made.slug}/replies"


def _answer_asking_for_a_reply(app, made) -> int:
    """A resident of Lambeth (SW9) answers every page, in their own words where they can, and
    asks for a reply. Returns the response id."""
    resident = Browser(app)
    answers = {**ANSWERS,
               2: {**ANSWERS[2], "q_safe": "somewhere-else",
                   "q_safe_other": "Near the station at night"},
               4: {"q_years": "12", "q_street": "Acre Lane", "q_postcode": "SW2 1AA",
                   "q_comments": "The lights on the estate are out.\nPlease call me."}}
    complete(resident, made.questionnaire_id, postcode="SW9 6AA", answers=answers,
             reply={"wants": "y", "name": "Ada Lovelace", "email": "ada@example.org",
                    "phone": "020 7946 0000", "agree": "y"})
    assert check_answers(resident, made.questionnaire_id).status_code == 302
    with app.app_context():
        return db.session.scalar(select(Response.id))


def test_an_officer_sees_who_asked_and_only_what_they_wrote(app):
    made = make_every_kind(app)
    response_id = _answer_asking_for_a_reply(app, made)
    officer = _signed_in(app, create_officer, "lambeth")

    borough_page = page_text(officer.get(LAMBETH))
    assert "Replies asked for in " in borough_page and "1 waiting" in borough_page
    listing = officer.get(_replies_url(made))
    assert listing.status_code == 200
    text = page_text(listing)
    assert "1 waiting for a reply, 0 replied to." in text
    assert "Ada Lovelace" in text and "Waiting" in text
    assert f"/replies/{response_id}" in listing.get_data(as_text=True)

    page = officer.get(f"{_replies_url(made)}/{response_id}")
    text = page_text(page)
    assert "ada@example.org" in text and "020 7946 0000" in text
    assert 'href="mailto:ada@example.org"' in page.get_data(as_text=True)
    assert "Where do you feel least safe? (Somewhere else) Near the station at night" in text
    assert "Which street do you live on? Acre Lane" in text
    assert "The lights on the estate are out." in text
    # Not their choices, not the postcode they gave, not the equality section.
    for kept_back in ("SW2 1AA", "Knife crime", "Good", "25 to 64", "SW9"):
        assert kept_back not in text, kept_back


def test_marking_a_reply_made_once_with_a_note_and_audited(app):
    made = make_every_kind(app)
    response_id = _answer_asking_for_a_reply(app, made)
    officer = _signed_in(app, create_officer, "lambeth", name="Olu Officer")
    url = f"{_replies_url(made)}/{response_id}"

    form_html = officer.get(url).get_data(as_text=True)
    too_long = officer.submit(url, {"note": "x" * 2001})
    assert too_long.status_code == 200
    assert "The note must be 2,000 characters or fewer" in page_text(too_long)
    done = officer.submit(url, {"note": "Phoned her back about the lights"},
                          follow_redirects=True)
    assert "is marked as made" in page_text(done)
    assert "0 waiting for a reply, 1 replied to." in page_text(done)
    # The same button pressed again, from a page left open: the first mark stands.
    again = officer.post(url, {"note": "Second go", "csrf_token": csrf_token(form_html)})
    assert again.status_code == 302
    with app.app_context():
        contact = db.session.get(ResponseContact, response_id)
        assert contact.reply_note == "Phoned her back about the lights"
        assert contact.replied_by.name == "Olu Officer"
        [event] = db.session.scalars(select(AuditEvent)
                                     .where(AuditEvent.action == "survey.reply_marked")).all()
        assert event.target == f"response:{response_id}"
        assert "ada" not in str(event.details).lower()
    page = page_text(officer.get(url))
    assert "by Olu Officer" in page and "Phoned her back about the lights" in page
    assert "Mark as replied" not in page
    assert "1 waiting" not in page_text(officer.get(LAMBETH))


def test_two_officers_at_once_make_one_mark(app):
    made = make_every_kind(app)
    response_id = _answer_asking_for_a_reply(app, made)
    url = f"{_replies_url(made)}/{response_id}"
    first, second = (_signed_in(app, create_officer, "lambeth", name=name)
                     for name in ("First", "Second"))
    first_form, second_form = first.get(url), second.get(url)  # both pages open
    assert "Mark as replied" in page_text(first_form) and "Mark as replied" in page_text(
        second_form)
    for browser, page, note in ((first, first_form, "Emailed"), (second, second_form, "Phoned")):
        browser.post(url, {"csrf_token": csrf_token(page.get_data(as_text=True)), "note": note})
    with app.app_context():
        contact = db.session.get(ResponseContact, response_id)
        assert (contact.replied_by.name, contact.reply_note) == ("First", "Emailed")
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "survey.reply_marked")) == 1


def test_only_the_borough_s_officers_and_administrators_see_them(app):
    made = make_consultation(app)
    response_id = make_response(app, made.version_ids["residents"], borough_slug="lambeth",
                                contact={"name": "Ada", "email": "ada@example.org",
                                         "phone": None})
    urls = (_replies_url(made), f"{_replies_url(made)}/{response_id}")
    for role in ("analyst", "clerk", "interviewer"):
        browser = _signed_in(app, create_user, roles={role: "lambeth"})
        assert [browser.get(u).status_code for u in urls] == [403, 403], role
    camden = _signed_in(app, create_officer, "camden")
    assert [camden.get(u).status_code for u in urls] == [403, 403]
    # Camden's officer, at Camden's address, does not find Lambeth's response.
    assert camden.get(f"{_replies_url(made, 'camden')}/{response_id}").status_code == 404
    assert "Nobody in Camden has asked for a reply yet." in page_text(
        camden.get(_replies_url(made, "camden")))
    admin = _signed_in(app, create_admin)
    assert [admin.get(u).status_code for u in urls] == [200, 200]
    member = _signed_in(app, create_user)
    assert [member.get(u).status_code for u in urls] == [403, 403]
    assert Browser(app).get(urls[0]).status_code == 302  # signed out: to sign in
    # Another consultation's address does not find it either.
    other = make_consultation(app)
    assert admin.get(f"{_replies_url(other)}/{response_id}").status_code == 404


def test_a_consultation_not_covering_the_borough_is_not_found_unless_people_there_asked(app):
    made = make_consultation(app, boroughs=["camden", "lambeth"])
    admin = _signed_in(app, create_admin)
    assert admin.get(_replies_url(made, "hackney")).status_code == 404
    response_id = make_response(app, made.version_ids["residents"], borough_slug="lambeth",
                                contact={"name": "Ada", "email": None, "phone": "020 7946 0000"})
    with app.app_context():  # staff take Lambeth out after Ada answered
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.boroughs = [b for b in consultation.boroughs if b.slug == "camden"]
        db.session.commit()
    assert admin.get(_replies_url(made, "lambeth")).status_code == 200
    assert admin.get(f"{_replies_url(made, 'lambeth')}/{response_id}").status_code == 200


def test_waiting_come_first_longest_waiting_at_the_top(app):
    made = make_consultation(app)
    ids = [make_response(app, made.version_ids["residents"], borough_slug="lambeth",
                         contact={"name": name, "email": f"{name.lower()}@example.org",
                                  "phone": None})
           for name in ("Older", "Replied", "Newer")]
    with app.app_context():
        for n, response_id in enumerate(ids):
            db.session.get(Response, response_id).submitted_at = utcnow() - timedelta(days=3 - n)
        db.session.get(ResponseContact, ids[1]).replied_at = utcnow()
        db.session.commit()
    text = page_text(_signed_in(app, create_officer, "lambeth").get(_replies_url(made)))
    assert text.index("Older") < text.index("Newer") < text.index("Replied")


def test_many_replies_come_fifty_to_a_page_with_the_counts_of_all(app, monkeypatch):
    """A borough where hundreds asked for a reply: the list is read a page at a time, still
    those waiting first, and the counts are of everyone, not of the page."""
    from engage.surveys import reply_views

    monkeypatch.setattr(reply_views, "PER_PAGE", 2)
    made = make_consultation(app)
    ids = [make_response(app, made.version_ids["residents"], borough_slug="lambeth",
                         contact={"name": f"Person {n}", "email": f"p{n}@example.org",
                                  "phone": None})
           for n in range(5)]
    with app.app_context():
        for n, response_id in enumerate(ids):
            db.session.get(Response, response_id).submitted_at = utcnow() - timedelta(days=9 - n)
        db.session.get(ResponseContact, ids[0]).replied_at = utcnow()
        db.session.commit()
    officer = _signed_in(app, create_officer, "lambeth")
    pages = [page_text(officer.get(f"{_replies_url(made)}?page={n}")) for n in (1, 2, 3)]
    for text in pages:
        assert "4 waiting for a reply, 1 replied to." in text
    assert "Person 1" in pages[0] and "Person 2" in pages[0] and "Person 3" not in pages[0]
    assert "Person 3" in pages[1] and "Person 4" in pages[1] and "Page 2 of 3" in pages[1]
    assert "Person 0" in pages[2] and "Replied" in pages[2]
    beyond = page_text(officer.get(f"{_replies_url(made)}?page=9"))
    assert "There is no page 9" in beyond and "Nobody in" not in beyond


def test_contact_details_are_deleted_once_their_time_is_up(app, run_tasks):
    from engage.surveys.tasks import delete_expired_reply_details

    closed_long_ago = make_consultation(app, opens_at=utcnow() - timedelta(days=200),
                                        closes_at=utcnow() - timedelta(days=91))
    closed_lately = make_consultation(app, opens_at=utcnow() - timedelta(days=100),
                                      closes_at=utcnow() - timedelta(days=89))
    kept, gone = (make_response(app, made.version_ids["residents"], borough_slug="lambeth",
                                contact={"name": "Ada", "email": "ada@example.org",
                                         "phone": None})
                  for made in (closed_lately, closed_long_ago))
    with app.app_context():
        assert delete_expired_reply_details() == 1
        assert db.session.scalars(select(ResponseContact.response_id)).all() == [kept]
        assert db.session.get(Response, gone) is not None  # the answers stay
        assert db.session.get(Consultation, closed_long_ago.consultation_id) is not None
        assert delete_expired_reply_details() == 0
