"""One email when a borough's results are published: asked for without an account, confirmed
by email, sent once when an officer publishes the report, and the address deleted with it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.news.models import ResultsRequest
from engage.surveys.models import Consultation
from engage.templating import long_date
from tests.factories import borough
from tests.helpers import Browser, page_text, title
from tests.mailbox import body
from tests.news.support import link_in
from tests.reports.test_public_report import PUBLIC, prepared, publish
from tests.surveys.support import make_consultation

SLUG = "have-your-say-2027"
ASK = f"/boroughs/camden/have-your-say/{SLUG}/results-email"


def _requests(app) -> list[ResultsRequest]:
    with app.app_context():
        rows = db.session.scalars(select(ResultsRequest).order_by(ResultsRequest.id)).all()
        db.session.expunge_all()
        return rows


def _asked(app, mailbox, run_tasks, email: str, confirm: bool = True) -> Browser:
    browser = Browser(app)
    response = browser.submit(ASK, {"email": email})
    assert f"We have sent an email to {email}" in page_text(response)
    run_tasks()
    if confirm:
        link = link_in(mailbox.to(email)[-1], "/results-email/confirm/")
        confirmed = browser.submit(link, {})
        assert confirmed.status_code == 200, page_text(confirmed)
        browser.confirmed_page = confirmed
    return browser


def _consultation_title(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Consultation.title).where(Consultation.slug == SLUG))


def test_asked_confirmed_and_emailed_once_when_the_report_is_published(
        app, client, mailbox, run_tasks):
    prepared(app, client, run_tasks)  # counted, not yet published
    consultation = _consultation_title(app)
    page = Browser(app).get(ASK)
    assert title(page).startswith("Get an email when the results are published")
    assert "Then we delete your email address" in page_text(page)

    resident = Browser(app)
    assert resident.submit(ASK, {"email": "  Ada@Example.org "}).status_code == 200
    [row] = _requests(app)
    assert (row.email, row.confirmed_at) == ("ada@example.org", None)
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"] == f"Confirm that you want the results of {consultation} in Camden"
    link = link_in(message, "/results-email/confirm/")
    # Opening the link changes nothing (mail scanners open links); the button does.
    assert "Select confirm" in page_text(Browser(app).get(link))
    assert _requests(app)[0].confirmed_at is None
    done = Browser(app).submit(link, {})
    assert "You will get an email when the results are published" in page_text(done)
    ada_asked_at = _requests(app)[0].created_at
    assert _requests(app)[0].confirmed_at is not None
    # Someone who never confirms gets nothing.
    _asked(app, mailbox, run_tasks, "typo@example.org", confirm=False)

    assert publish(client).status_code == 302
    run_tasks()
    [published] = [m for m in mailbox.to("ada@example.org") if m["Subject"] != message["Subject"]]
    assert published["Subject"] == f"The results of {consultation} in Camden are published"
    text = body(published)
    assert f"http://localhost{PUBLIC}" in text
    assert "local-policing-summary.pdf" in text
    assert "we have now deleted your email address" in text
    # The day they asked, in words (a London date, as GOV.UK writes one).
    asked = long_date(to_london(ada_asked_at).date())
    assert f"On {asked} you asked us to email you" in text
    assert "This email is not the way to report a crime." in text
    assert len(mailbox.to("typo@example.org")) == 1  # only the link to confirm
    # Deleted with the email queued: only the unconfirmed request is left, for retention.
    assert [r.email for r in _requests(app)] == ["typo@example.org"]

    # Published again (a correction): nobody is told twice.
    assert publish(client).status_code == 302
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 2
    # Out now: the page sends people to the results instead.
    out = Browser(app).get(ASK)
    assert out.status_code == 302 and out.headers["Location"].endswith(PUBLIC)


def test_confirming_after_the_report_is_out_emails_at_once(app, client, mailbox, run_tasks):
    prepared(app, client, run_tasks)
    resident = _asked(app, mailbox, run_tasks, "late@example.org", confirm=False)
    publish(client)
    run_tasks()
    link = link_in(mailbox.to("late@example.org")[-1], "/results-email/confirm/")
    done = resident.submit(link, {})
    assert "The results are published: we have emailed you" in page_text(done)
    run_tasks()
    assert [m["Subject"] for m in mailbox.to("late@example.org")][-1].endswith("are published")
    assert _requests(app) == []


def test_the_page_reads_the_same_and_an_address_already_confirmed_is_told_so(
        app, client, mailbox, run_tasks):
    prepared(app, client, run_tasks)
    _asked(app, mailbox, run_tasks, "ada@example.org")
    again = Browser(app).submit(ASK, {"email": "ada@example.org"})
    fresh = Browser(app).submit(ASK, {"email": "new@example.org"})
    assert page_text(again).replace("ada@", "new@") == page_text(fresh)
    run_tasks()
    last = mailbox.to("ada@example.org")[-1]
    assert last["Subject"].startswith("You will already get the results")
    assert "/results-email/cancel/" in body(last)
    assert len(_requests(app)) == 2  # never a second row for the same address


def test_cancelled_without_signing_in_and_nothing_sent(app, client, mailbox, run_tasks):
    prepared(app, client, run_tasks)
    resident = _asked(app, mailbox, run_tasks, "ada@example.org")
    cancel = next(part.split('"')[0] for part in
                  resident.confirmed_page.get_data(as_text=True).split('href="')
                  if "/results-email/cancel/" in part)
    stranger = Browser(app)
    page = stranger.get(cancel)
    assert "We are due to email ada@example.org once" in page_text(page)
    assert len(_requests(app)) == 1  # a GET alone cancels nothing
    done = stranger.submit(cancel, {})
    assert "We will not email you about the results" in page_text(done)
    assert _requests(app) == []
    # The link still reads sensibly afterwards; a forged one does not.
    assert "We will not email you about the results" in page_text(stranger.get(cancel))
    assert stranger.get("/results-email/cancel/forged").status_code == 400
    publish(client)
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 1  # only the link to confirm


def test_only_for_a_consultation_that_has_opened_and_covers_the_borough(app, mailbox):
    make_consultation(app, slug="later", opens_at=utcnow() + timedelta(days=3),
                      closes_at=utcnow() + timedelta(days=30))
    make_consultation(app, slug="lambeth-only", boroughs=["lambeth"])
    browser = Browser(app)
    assert browser.get("/boroughs/camden/have-your-say/later/results-email").status_code == 404
    assert browser.get(
        "/boroughs/camden/have-your-say/lambeth-only/results-email").status_code == 404
    assert browser.get(
        "/boroughs/lambeth/have-your-say/lambeth-only/results-email").status_code == 200
    assert browser.get("/boroughs/camden/have-your-say/nothing/results-email").status_code == 404
    # Closed over a year ago with no results: they are not coming, so nothing to ask for.
    make_consultation(app, slug="long-ago", opens_at=utcnow() - timedelta(days=500),
                      closes_at=utcnow() - timedelta(days=400))
    assert browser.get("/boroughs/camden/have-your-say/long-ago/results-email").status_code == 404
    make_consultation(app, slug="closed", opens_at=utcnow() - timedelta(days=50),
                      closes_at=utcnow() - timedelta(days=20))
    assert "The consultation closed on" in page_text(
        browser.get("/boroughs/camden/have-your-say/closed/results-email"))
    bad = browser.submit("/boroughs/lambeth/have-your-say/lambeth-only/results-email",
                         {"email": "not an address"})
    assert bad.status_code == 200 and "Enter an email address in the correct format" in \
        page_text(bad)


def test_a_lost_task_is_made_up_and_unanswerable_requests_deleted_by_beat(
        app, client, mailbox, run_tasks):
    prepared(app, client, run_tasks)
    _asked(app, mailbox, run_tasks, "ada@example.org")
    _asked(app, mailbox, run_tasks, "typo@example.org", confirm=False)
    publish(client)
    # The broker lost the task that emails them.
    app.extensions["engage_recorded_tasks"].clear()
    with app.app_context():
        assert app.extensions["celery"].tasks["engage.periodic.news_retention"].apply(
            throw=True).get() == 1
    run_tasks()
    assert mailbox.to("ada@example.org")[-1]["Subject"].endswith("are published")
    # Unconfirmed past the retention days: deleted. Confirmed for a consultation that closed
    # over a year ago with nothing published: deleted too.
    old = make_consultation(app, slug="long-ago", opens_at=utcnow() - timedelta(days=500),
                            closes_at=utcnow() - timedelta(days=400))
    with app.app_context():
        # Asked for in time, and confirmed; the results never came.
        db.session.add(ResultsRequest(consultation_id=old.consultation_id,
                                      borough_id=borough("camden").id,
                                      email="waiting@example.org", confirmed_at=utcnow()))
        db.session.execute(update(ResultsRequest).where(
            ResultsRequest.email == "typo@example.org").values(
            last_requested_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert app.extensions["celery"].tasks["engage.periodic.news_retention"].apply(
            throw=True).get() == 2
    assert _requests(app) == []


def test_asking_is_limited_per_address_typed_and_an_empty_form_is_not_counted(app):
    make_consultation(app, slug=SLUG)
    for n in range(3):
        asked = Browser(app, address=f"203.0.113.{n + 1}").submit(ASK, {"email": "ada@example.org"})
        assert asked.status_code == 200
    elsewhere = Browser(app, address="198.51.100.7")
    assert elsewhere.submit(ASK, {"email": "ada@example.org"}).status_code == 429
    # Someone else's address still goes through from there, and a form sent empty gets its
    # error, not "too many".
    assert elsewhere.submit(ASK, {"email": "grace@example.org"}).status_code == 200
    for n in range(4):
        empty = Browser(app, address=f"192.0.2.{n + 1}").submit(ASK, {"email": ""})
        assert empty.status_code == 200 and "Enter your email address" in page_text(empty)


def test_the_borough_page_offers_it_until_the_results_are_out(app, client, run_tasks):
    prepared(app, client, run_tasks)
    make_consultation(app, slug="long-ago", opens_at=utcnow() - timedelta(days=500),
                      closes_at=utcnow() - timedelta(days=400))
    make_consultation(app, slug="lambeth-only", boroughs=["lambeth"])
    html = Browser(app).get("/boroughs/camden").get_data(as_text=True)
    assert f'href="{ASK}">Get an email when they are' in html
    # Not for one given up on (closed over a year ago), nor one not asked in Camden.
    assert "/long-ago/results-email" not in html and "/lambeth-only/" not in html
    publish(client)
    html = Browser(app).get("/boroughs/camden").get_data(as_text=True)
    assert "results-email" not in html and f'href="{PUBLIC}"' in html
