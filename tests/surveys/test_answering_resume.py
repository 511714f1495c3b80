"""Save and come back later (a link by email), the daily clear-out of drafts, the staff preview,
and the rate limits on the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.config import QueueNames
from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.surveys.models import Consultation, Response, ResponseDraft
from tests.factories import create_officer, create_user
from tests.helpers import Browser, csrf_token, page_text
from tests.mailbox import body, links
from tests.surveys.answering_support import (
    ANSWERS,
    check_answers,
    complete,
    drafts,
    make_every_kind,
    page,
    post,
    reach,
    responses,
    step,
    submission_key,
)
from tests.surveys.support import sign_in_staff

PRUNE = "engage.periodic.prune_survey_drafts"


@pytest.fixture
def made(app):
    return make_every_kind(app)


def _resume_link(mailbox, address: str) -> str:
    [message] = mailbox.to(address)
    return next(link for link in links(message) if "/have-your-say/resume/" in link)


def test_save_and_come_back_later_on_another_device(client, app, made, mailbox, run_tasks):
    qid = made.questionnaire_id
    url = reach(client, qid, 2)
    saved = post(client, url, {**ANSWERS[2], "action": "save"})
    assert saved.headers["Location"].startswith(step(qid, "save") + "?back=")
    assert "preview" not in saved.headers["Location"]  # no internal flag in a public address
    form_page = client.get(saved.headers["Location"])
    assert "The link works until" in page_text(form_page)
    invalid = client.submit(saved.headers["Location"], {"email": "not an address"})
    assert "Enter an email address in the correct format" in page_text(invalid)
    sent = client.submit(saved.headers["Location"], {"email": "Ada@Example.org"})
    assert "We have sent a link to ada@example.org" in page_text(sent)
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"] == "Come back to your answers: Have your say: residents"
    assert "please do not forward this email" in body(message)
    assert "In an emergency call 999. If it is not an emergency, call 101." in body(message)

    phone = Browser(app)
    resumed = phone.get(_resume_link(mailbox, "ada@example.org"))
    # Page 2 was answered before saving, so they carry on at page 4 (3 is hidden).
    assert resumed.headers["Location"] == page(qid, 4)
    assert 'value="good" checked' in phone.get(page(qid, 2)).get_data(as_text=True)
    complete_rest(phone, qid)
    assert check_answers(phone, qid).status_code == 302
    assert len(responses(app)) == 1
    # The link now says the answers were sent, with their reference.
    again = Browser(app).get(_resume_link(mailbox, "ada@example.org"))
    assert again.status_code == 409
    assert f"Your reference number is {responses(app)[0].reference}" in page_text(again)
    # The first device, carrying on, is told the same rather than sent back to the start to
    # answer a second time: any page, its answers, and the save page.
    for url in (page(qid, 2), page(qid, 4), step(qid, "reply"), step(qid, "check-answers"),
                step(qid, "save")):
        carried_on = client.get(url)
        assert carried_on.status_code == 409, url
        assert f"Your reference number is {responses(app)[0].reference}" in page_text(
            carried_on), url
    token = csrf_token(client.get(f"/have-your-say/{qid}").get_data(as_text=True))
    assert client.post(page(qid, 4), {**ANSWERS[4], "csrf_token": token}).status_code == 409
    assert len(responses(app)) == 1
    # The start page still lets this browser begin afresh (someone else in the household).
    assert "Start now" in page_text(client.get(f"/have-your-say/{qid}"))


def complete_rest(browser: Browser, qid: int) -> None:
    post(browser, page(qid, 4), ANSWERS[4])
    post(browser, step(qid, "about-you"), {"consent": "no"})
    post(browser, step(qid, "reply"), {})


def test_saving_a_half_answered_page_keeps_what_is_right_and_sends_the_link(
        client, app, made, mailbox, run_tasks):
    """Someone who must leave now saves a page they have only half answered: no errors, what
    they chose is kept, and the link is sent."""
    qid = made.questionnaire_id
    url = reach(client, qid, 2)
    # Rated the police; "Somewhere else" without saying where; victim not answered yet.
    saved = post(client, url, {"q_confidence": "good", "q_safe": "somewhere-else",
                               "action": "save"})
    assert saved.status_code == 302
    assert saved.headers["Location"].startswith(step(qid, "save"))
    assert drafts(app)[0].answers["confidence"] == {"option": "good"}
    assert not {"safe", "victim"} & set(drafts(app)[0].answers)
    sent = client.submit(saved.headers["Location"], {"email": "ada@example.org"})
    assert "We have sent a link to ada@example.org" in page_text(sent)
    run_tasks()

    # The link brings back the page still to finish, with the rating ticked and no errors.
    phone = Browser(app)
    resumed = phone.get(_resume_link(mailbox, "ada@example.org"))
    assert resumed.headers["Location"] == page(qid, 2)
    again = phone.get(page(qid, 2))
    assert 'value="good" checked' in again.get_data(as_text=True)
    assert "There is a problem" not in page_text(again)
    # Continuing, not saving, still asks for everything on the page.
    refused = post(phone, page(qid, 2), {"q_confidence": "good"})
    assert refused.status_code == 200 and "There is a problem" in page_text(refused)
    assert "Select yes or no for" in page_text(refused)


def test_saving_leaves_out_wrong_answers_and_keeps_earlier_ones(client, app, made):
    qid = made.questionnaire_id
    url = reach(client, qid, 4)
    # A number that is not one, and a street: the street is kept, the number left out.
    saved = post(client, url, {"q_years": "lots", "q_street": "Acre Lane", "action": "save"})
    assert saved.headers["Location"].startswith(step(qid, "save"))
    answers = drafts(app)[0].answers
    assert answers["street"] == {"text": "Acre Lane"} and "years" not in answers
    assert answers["priorities"] == {"ranked": ["knife-crime", "burglary", "drugs"]}
    # An answer given before stays when the page is saved with it cleared or wrong.
    post(client, url, ANSWERS[4])
    post(client, url, {"q_years": "", "q_street": "Coldharbour Lane", "action": "save"})
    answers = drafts(app)[0].answers
    assert answers["years"] == {"number": 12}
    assert answers["street"] == {"text": "Coldharbour Lane"}


def test_saving_during_a_change_comes_back_to_the_change(client, made):
    qid = made.questionnaire_id
    complete(client, qid)
    saved = post(client, page(qid, 4) + "?change=1", {"q_years": "", "action": "save"})
    html = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert f'href="{page(qid, 4)}?change=1">Carry on answering instead' in html


def test_the_save_page_links_back_only_into_the_questionnaire(client, made):
    qid = made.questionnaire_id
    reach(client, qid, 2)
    html = client.get(step(qid, "save") + "?back=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in html
    assert f'href="{page(qid, 2)}">Carry on answering instead' in html


def test_the_save_form_honeypot_sends_nothing(client, app, made, mailbox, run_tasks):
    reach(client, made.questionnaire_id, 2)
    response = client.submit(step(made.questionnaire_id, "save"),
                             {"email": "victim@example.org", "website": "spam"})
    assert "We have sent a link" in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_an_unknown_resume_link_says_so(client):
    response = client.get("/have-your-say/resume/no-such-token")
    assert response.status_code == 404
    assert "We cannot find those answers" in page_text(response)


def test_the_daily_task_deletes_drafts_nobody_can_use(client, app, made, run_tasks):
    live = make_every_kind(app)
    closed = make_every_kind(app)
    for qid in (made.questionnaire_id, live.questionnaire_id, closed.questionnaire_id):
        reach(Browser(app), qid, 2)
    complete(Browser(app), live.questionnaire_id)
    sent_browser = Browser(app)
    complete(sent_browser, live.questionnaire_id)
    check_answers(sent_browser, live.questionnaire_id)
    old, fresh, closed_draft, unsent, sent = (d.id for d in drafts(app))
    now = utcnow()
    with app.app_context():
        db.session.execute(update(ResponseDraft).where(ResponseDraft.id == old)
                           .values(updated_at=now - timedelta(days=31)))
        db.session.execute(update(ResponseDraft).where(ResponseDraft.id == sent)
                           .values(updated_at=now - timedelta(days=2)))
        db.session.execute(update(Consultation).where(Consultation.id == closed.consultation_id)
                           .values(closes_at=now - timedelta(minutes=5)))
        db.session.commit()
        celery_app = app.extensions["celery"]
        assert celery_app.tasks[PRUNE].apply().get() == 3
    assert [d.id for d in drafts(app)] == [fresh, unsent]
    with app.app_context():
        assert len(db.session.scalars(select(Response)).all()) == 1  # responses stay
    schedule = app.config["CELERY"]["beat_schedule"]
    assert {"task": PRUNE} in [{"task": e["task"]} for e in schedule.values()]
    assert celery_app.amqp.router.route({}, PRUNE)["queue"].name == QueueNames.PERIODIC


def test_staff_preview_walks_the_same_pages_and_keeps_nothing(client, app, made):
    qid = made.questionnaire_id
    preview = f"/have-your-say/preview/{qid}"
    assert client.get(preview).status_code == 302  # sign in first
    with app.app_context():
        create_user(email="resident@example.org")
    resident = Browser(app)
    resident.sign_in("resident@example.org", "correct horse battery staple")
    assert resident.get(preview).status_code == 403

    sign_in_staff(client, app, create_officer, "lambeth")
    start = client.get(preview)
    assert "Preview: answers are not saved" in page_text(start)
    began = client.submit(f"{preview}/start", {}, form_page=preview)
    assert began.headers["Location"] == f"{preview}/postcode"
    post(client, f"{preview}/postcode", {"postcode": "SW9 6AA"})
    for position in (1, 2, 4):
        url = f"{preview}/questions/{position}"
        assert "Preview: answers are not saved" in page_text(client.get(url))
        assert "Save and come back later" not in page_text(client.get(url))
        assert post(client, url, ANSWERS[position]).status_code == 302
    bad = post(client, f"{preview}/questions/4", {"q_years": "many"})
    assert "Enter a whole number, like 12" in page_text(bad)
    post(client, f"{preview}/about-you", {"consent": "no"})
    post(client, f"{preview}/reply", {})
    review = client.get(f"{preview}/check-answers")
    assert "This is a preview, so nothing will be sent." in page_text(review)
    [draft] = drafts(app)
    # The preview's draft is never taken by the public steps or the resume link.
    assert Browser(app).get(f"/have-your-say/resume/{draft.token}").status_code == 404
    assert client.get(step(qid, "check-answers")).status_code == 302
    done = client.submit(f"{preview}/check-answers", {"submission_key": draft.submission_key})
    assert "Preview complete" in page_text(done)
    assert responses(app) == []
    assert drafts(app) == []


def test_rate_limits_on_the_pages_and_on_sending(client, app, made):
    app.config["ENGAGE_SURVEY_PAGE_LIMIT"] = "3 per minute"
    qid = made.questionnaire_id
    url = reach(client, qid, 1, postcode="SW9 6AA")  # start and postcode: 2 POSTs
    assert post(client, url, {}).status_code == 200
    limited = post(client, url, {})
    assert limited.status_code == 429
    # The page says how long the limit that was hit lasts, and that the person may have done
    # nothing wrong (a connection shared) and what was not saved.
    assert "Too many answers from your internet connection" in page_text(limited)
    assert ("This can happen when people share a connection, for example in a library. The "
            "answers on this page have not been saved; your earlier answers are kept.") \
        in page_text(limited)
    assert "Wait a minute, then try again" in page_text(limited)
    # Another address is not held back.
    other = Browser(app, address="10.0.0.2")
    assert reach(other, qid, 1)
    app.config["ENGAGE_SURVEY_PAGE_LIMIT"] = "60 per minute"
    app.config["ENGAGE_SURVEY_SUBMIT_LIMIT"] = "1 per minute"
    html = complete(other, qid).get_data(as_text=True)
    form = {"csrf_token": csrf_token(html), "submission_key": submission_key(html)}
    assert other.post(step(qid, "check-answers"), form).status_code == 302
    assert other.post(step(qid, "check-answers"), form).status_code == 429
