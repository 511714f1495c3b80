"""Where the details given on "Would you like a reply?" are kept before the answers are sent: on
the server, one row a draft (DraftReply), never in the browser's session cookie, which is
signed but not encrypted (anyone at a shared computer could read it)."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import DraftReply, ResponseDraft
from tests.factories import create_officer
from tests.helpers import Browser, page_text
from tests.mailbox import links
from tests.surveys.answering_support import (
    ANSWERS,
    check_answers,
    complete,
    contacts,
    drafts,
    make_every_kind,
    page,
    post,
    responses,
    step,
)
from tests.surveys.support import sign_in_staff

ADA = {"wants": "y", "name": "Ada Lovelace", "email": "ada@example.org",
       "phone": "020 7946 0000", "agree": "y"}
GRACE = {"wants": "y", "name": "Grace Hopper", "email": "grace@example.org",
         "phone": "020 7946 0999", "agree": "y"}
PRUNE = "engage.periodic.prune_survey_drafts"


@pytest.fixture
def made(app):
    return make_every_kind(app)


def cookie_text(app, browser: Browser) -> str:
    """Everything the session cookie says, as anyone holding the browser could read it: the
    signed session decoded, and its raw payload (base64, compressed or not)."""
    cookie = browser.session_cookie
    assert cookie, "no session cookie"
    decoded = app.session_interface.get_signing_serializer(app).loads(cookie)
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):
        raw = zlib.decompress(raw)
    return json.dumps(decoded) + raw.decode()


def reply_rows(app) -> list[DraftReply]:
    with app.app_context():
        found = db.session.scalars(select(DraftReply)).all()
        db.session.expunge_all()
        return list(found)


def shows_details(html: str, details: dict) -> bool:
    return any(details[name] in html for name in ("name", "email", "phone"))


def test_reply_details_stay_on_the_server_until_sent(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply=ADA)
    # Not in the cookie, decoded or raw: not the name, the email or the phone.
    text = cookie_text(app, client)
    assert str(qid) in text  # the cookie read is this questionnaire's session
    for value in (ADA["name"], ADA["email"], ADA["phone"], "Lovelace", "ada@"):
        assert value not in text, value
    # On the server instead, apart from the draft's answers.
    [draft] = drafts(app)
    [given] = reply_rows(app)
    assert (given.draft_id, given.wants, given.name, given.email, given.phone) == (
        draft.id, True, "Ada Lovelace", "ada@example.org", "020 7946 0000")
    assert "ada@example.org" not in json.dumps(draft.answers)
    # "Check your answers" and its change link show what was given.
    assert "Would you like a reply? Yes Ada Lovelace ada@example.org 020 7946 0000" in page_text(
        client.get(step(qid, "check-answers")))
    change = client.get(step(qid, "reply") + "?change=1").get_data(as_text=True)
    for value in ('value="Ada Lovelace"', 'value="ada@example.org"', 'value="020 7946 0000"'):
        assert value in change, value
    # Changing them keeps them off the cookie too, and the row has the new details.
    changed = post(client, step(qid, "reply") + "?change=1", GRACE)
    assert changed.headers["Location"] == step(qid, "check-answers")
    assert "grace@example.org" not in cookie_text(app, client)
    assert [(r.name, r.email) for r in reply_rows(app)] == [("Grace Hopper", "grace@example.org")]

    # The details were agreed to an hour before the answers are sent.
    agreed = utcnow().replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        db.session.execute(update(DraftReply).values(given_at=agreed))
        db.session.commit()
    assert check_answers(client, qid).status_code == 302
    [response] = responses(app)
    [contact] = contacts(app)
    assert (contact.response_id, contact.name, contact.email, contact.phone) == (
        response.id, "Grace Hopper", "grace@example.org", "020 7946 0999")
    assert contact.consented_at == agreed  # when they agreed, on the reply page
    assert reply_rows(app) == []  # the draft stays a day for replays; its reply details do not
    assert [d.response_id for d in drafts(app)] == [response.id]


def test_saying_no_keeps_no_details_and_sends_no_contact(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply=ADA)
    post(client, step(qid, "reply") + "?change=1", {"email": "ada@example.org"})
    [given] = reply_rows(app)
    assert (given.wants, given.name, given.email, given.phone) == (False, "", None, None)
    assert "Would you like a reply? No" in page_text(client.get(step(qid, "check-answers")))
    check_answers(client, qid)
    assert contacts(app) == [] and reply_rows(app) == []


def test_an_abandoned_draft_takes_its_reply_details_when_it_expires(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply=ADA)  # and never sent: the person walked away
    kept = Browser(app)
    complete(kept, qid, reply=GRACE)
    abandoned, recent = (d.id for d in drafts(app))
    with app.app_context():
        db.session.execute(update(ResponseDraft).where(ResponseDraft.id == abandoned)
                           .values(updated_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert app.extensions["celery"].tasks[PRUNE].apply().get() == 1
    assert [d.id for d in drafts(app)] == [recent]
    assert [(r.draft_id, r.email) for r in reply_rows(app)] == [(recent, "grace@example.org")]
    # The browser left with the expired draft starts again, with nothing of Ada's shown.
    again = client.get(step(qid, "reply"))
    assert again.headers["Location"].endswith(f"/have-your-say/{qid}")


def test_reply_details_do_not_travel_with_the_resume_link(client, app, made, mailbox,
                                                         run_tasks):
    """Saving sends a link that takes up the draft anywhere: the details given for a reply are
    not taken with it (a forwarded email, or someone else reading it, never shows them), and
    are asked for again."""
    qid = made.questionnaire_id
    complete(client, qid, reply=ADA)
    saved = post(client, page(qid, 4) + "?change=1", {**ANSWERS[4], "action": "save"})
    client.submit(saved.headers["Location"], {"email": "ada@example.org"})
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    resume = next(link for link in links(message) if "/have-your-say/resume/" in link)

    home = Browser(app)
    resumed = home.get(resume)
    assert resumed.headers["Location"] == step(qid, "reply")  # every answer but the reply
    assert reply_rows(app) == []
    form = home.get(step(qid, "reply")).get_data(as_text=True)
    assert not shows_details(form, ADA)
    assert home.get(step(qid, "check-answers")).headers["Location"] == step(qid, "reply")
    post(home, step(qid, "reply"), GRACE)
    assert "Grace Hopper" in page_text(home.get(step(qid, "check-answers")))

    # The first browser, still holding the draft, sees none of the details given at home, and
    # cannot send them: it is asked again before it can send.
    library = client.get(step(qid, "reply")).get_data(as_text=True)
    assert not shows_details(library, GRACE) and not shows_details(library, ADA)
    assert client.get(step(qid, "check-answers")).headers["Location"] == step(qid, "reply")
    assert check_answers(home, qid).status_code == 302
    [contact] = contacts(app)
    assert contact.email == "grace@example.org"


def test_starting_again_forgets_the_reply(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply=ADA)
    again = client.submit(step(qid, "start"), form_page=f"/have-your-say/{qid}")
    assert again.headers["Location"] == step(qid, "reply")
    assert reply_rows(app) == []
    assert not shows_details(client.get(step(qid, "reply")).get_data(as_text=True), ADA)


def test_details_a_cookie_carried_before_are_taken_out_of_it(client, app, made):
    """A browser part-way through when reply details moved to the server still has them in its
    cookie: the next page takes them out, and the question is asked again."""
    qid = made.questionnaire_id
    complete(client, qid, reply={})
    [draft] = drafts(app)
    with client.http.session_transaction() as session:
        session["surveys"] = {str(qid): {"token": draft.token, "reply": {
            "wants": True, "name": "Ada Lovelace", "email": "ada@example.org", "phone": ""}}}
    assert client.get(step(qid, "check-answers")).headers["Location"] == step(qid, "reply")
    assert "ada@example.org" not in cookie_text(app, client)
    assert not shows_details(client.get(step(qid, "reply")).get_data(as_text=True), ADA)


def test_a_preview_reply_goes_with_the_preview(client, app, made):
    qid = made.questionnaire_id
    preview = f"/have-your-say/preview/{qid}"
    sign_in_staff(client, app, create_officer, "lambeth")
    client.submit(f"{preview}/start", {}, form_page=preview)
    post(client, f"{preview}/postcode", {"postcode": "SW9 6AA"})
    for position in (1, 2, 4):
        post(client, f"{preview}/questions/{position}", ANSWERS[position])
    post(client, f"{preview}/about-you", {"consent": "no"})
    post(client, f"{preview}/reply", ADA)
    assert "ada@example.org" not in cookie_text(app, client)
    assert "Ada Lovelace" in page_text(client.get(f"{preview}/check-answers"))
    [draft] = drafts(app)
    done = client.submit(f"{preview}/check-answers", {"submission_key": draft.submission_key})
    assert "Preview complete" in page_text(done)
    assert drafts(app) == [] and reply_rows(app) == [] and contacts(app) == []


def test_a_second_browser_on_the_same_draft_cannot_read_the_reply(client, app, made):
    """Two browsers holding one draft (as a resume link leaves the first), each having answered
    the reply question: only the one that answered last sees its details, and the other is
    asked again."""
    qid = made.questionnaire_id
    complete(client, qid, reply={})
    [draft] = drafts(app)
    other = Browser(app)
    with other.http.session_transaction() as session:
        session["surveys"] = {str(qid): {"token": draft.token}}
    assert not shows_details(other.get(step(qid, "reply")).get_data(as_text=True), ADA)
    post(other, step(qid, "reply"), {})  # "no", from the other browser
    post(client, step(qid, "reply") + "?change=1", ADA)
    html = other.get(step(qid, "reply")).get_data(as_text=True)
    assert not shows_details(html, ADA)
    assert other.get(step(qid, "check-answers")).headers["Location"] == step(qid, "reply")
    assert "Ada Lovelace" in page_text(client.get(step(qid, "check-answers")))


def test_the_privacy_notice_says_contact_details_are_not_in_the_cookie(client):
    text = page_text(client.get("/privacy"))
    assert ("Your answers, and any contact details you give so that we can reply, are kept on "
            "our computers, not in the cookie.") in text


def test_a_reply_given_twice_at_the_same_moment_keeps_the_last(client, app, made):
    """The reply page sent twice at once (a double click past the button's guard, two tabs):
    the second finds the first's row, which it has not seen, and replaces it rather than
    fail."""
    from engage.surveys.flow import remember_reply

    qid = made.questionnaire_id
    complete(client, qid, reply={})
    [draft] = drafts(app)
    with app.test_request_context():
        mine = db.session.get(ResponseDraft, draft.id)
        assert mine.reply is not None
        db.session.delete(mine.reply)
        db.session.commit()
        assert mine.reply is None  # what this request saw before the other's row arrived
        with db.engine.begin() as other:
            other.execute(DraftReply.__table__.insert().values(
                draft_id=draft.id, browser_key="the other request's", wants=False, name="",
                given_at=utcnow()))
        remember_reply(mine, True, name="Ada Lovelace", email="ada@example.org")
        db.session.commit()
    assert [(r.wants, r.name, r.email) for r in reply_rows(app)] == [
        (True, "Ada Lovelace", "ada@example.org")]
