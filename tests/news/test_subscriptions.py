"""Asking for news of a borough's meetings: double opt-in by email, the same page whatever the
address's state, and an unsubscribe link that works without signing in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.news import retention
from engage.news.models import NewsSubscription
from tests.factories import borough
from tests.helpers import Browser, page_text, title
from tests.mailbox import body
from tests.meetings.support import CPEG_PAGE
from tests.news.support import NEWS, ask, link_in

CAMDEN = NEWS.format("camden")


def _subscriptions(app) -> list[NewsSubscription]:
    with app.app_context():
        rows = db.session.scalars(select(NewsSubscription)).all()
        db.session.expunge_all()
        return rows


def _unsubscribe_link(page) -> str:
    """The "stop them now" link on the page that confirms the news."""
    return next(part.split('"')[0] for part in page.get_data(as_text=True).split('href="')
                if "/meeting-news/unsubscribe/" in part)


def test_the_group_page_links_to_the_borough_news(client):
    html = client.get(CPEG_PAGE).get_data(as_text=True)
    assert f'href="{CAMDEN}"' in html
    assert "Get emails about public meetings in Camden" in page_text(client.get(CAMDEN))


def test_subscribe_confirm_and_unsubscribe_without_signing_in(client, app, mailbox, run_tasks):
    response = ask(client, "  Grace@Example.org ", name="Grace Hopper")
    assert response.status_code == 200
    assert "We have sent an email to grace@example.org" in page_text(response)
    [row] = _subscriptions(app)
    assert (row.email, row.name, row.confirmed_at) == ("grace@example.org", "Grace Hopper", None)

    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert message["Subject"] == "Confirm that you want emails about meetings in Camden"
    assert "Hello Grace Hopper," in body(message)
    link = link_in(message, "/meeting-news/confirm/")
    # Opening the link changes nothing (mail scanners open links); the button does.
    assert "Confirm" in page_text(Browser(app).get(link))
    assert _subscriptions(app)[0].confirmed_at is None
    done = Browser(app).submit(link, {})
    assert "You will get emails about meetings in Camden" in page_text(done)
    assert _subscriptions(app)[0].is_active

    unsubscribe = _unsubscribe_link(done)
    stranger = Browser(app)
    page = stranger.get(unsubscribe)
    assert "Stop emails about meetings in Camden" in page_text(page)
    # The tab and a screen reader's first words say what the heading says, in either state.
    assert title(page) == "Stop emails about meetings in Camden – engage"
    assert _subscriptions(app)[0].is_active  # a GET alone stops nothing
    stopped = stranger.submit(unsubscribe, {}, follow_redirects=True)
    assert "You will not get any more emails about new meetings in Camden" in page_text(stopped)
    assert title(stopped) == ("You will not get any more emails about new meetings in Camden"
                              " – engage")
    # New meetings only: a meeting they registered for still writes to them, as the page says.
    assert "you will still get emails about that meeting" in page_text(stopped)
    assert _subscriptions(app)[0].unsubscribed_at is not None
    # The old confirmation link does not start the news again: only a new request does.
    assert Browser(app).submit(link, {}).status_code == 400
    assert not _subscriptions(app)[0].is_active


def test_the_confirmation_email_says_how_long_the_link_lasts_as_set(client, app, mailbox,
                                                                    run_tasks, monkeypatch):
    """The link lasts ENGAGE_TOKEN_MAX_AGE_HOURS, and the email says so, not a fixed 48."""
    monkeypatch.setitem(app.config, "ENGAGE_TOKEN_MAX_AGE_HOURS", 72)
    assert ask(client, "grace@example.org").status_code == 200
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    assert "The link works for 72 hours." in body(message)


def test_asking_again_reveals_nothing_and_doubles_nothing(client, app, mailbox, run_tasks):
    first = page_text(ask(client, "ada@example.org"))
    run_tasks()
    Browser(app).submit(link_in(mailbox.to("ada@example.org")[0], "/meeting-news/confirm/"), {})
    again = page_text(ask(Browser(app), "ADA@example.org", name="Ada"))
    never_asked = page_text(ask(Browser(app), "new@example.org"))
    assert again == first
    assert never_asked == first.replace("ada@example.org", "new@example.org")
    run_tasks()
    assert len(_subscriptions(app)) == 2
    # The address itself is told it has the news already, with the way to stop it.
    latest = mailbox.to("ada@example.org")[-1]
    assert latest["Subject"] == "You already get emails about meetings in Camden"
    assert link_in(latest, "/meeting-news/unsubscribe/")


def test_the_form_sent_twice_sends_one_link(client, app, mailbox, run_tasks):
    first, second = page_text(ask(client, "ada@example.org")), page_text(ask(client,
                                                                            "ada@example.org"))
    assert first == second  # the page reads the same whether or not an email went
    ask(client, "ada@example.org", borough="hackney")  # another borough's news: its own link
    run_tasks()
    assert sorted(m["Subject"] for m in mailbox.to("ada@example.org")) == [
        "Confirm that you want emails about meetings in Camden",
        "Confirm that you want emails about meetings in Hackney"]


def test_a_new_request_after_unsubscribing_starts_the_news_again(client, app, mailbox,
                                                                 run_tasks):
    ask(client, "ada@example.org")
    run_tasks()
    confirmed = Browser(app).submit(
        link_in(mailbox.to("ada@example.org")[0], "/meeting-news/confirm/"), {})
    unsubscribe = _unsubscribe_link(confirmed)
    Browser(app).submit(unsubscribe, {})
    assert not _subscriptions(app)[0].is_active
    ask(Browser(app), "ada@example.org")
    run_tasks()
    Browser(app).submit(link_in(mailbox.to("ada@example.org")[-1], "/meeting-news/confirm/"),
                        {})
    [row] = _subscriptions(app)
    assert row.is_active


def test_asking_again_after_unsubscribing_a_month_ago_survives_that_nights_retention(
        client, app, mailbox, run_tasks):
    now = utcnow()
    long_ago = now - timedelta(days=300)
    with app.app_context():
        db.session.add(NewsSubscription(
            borough_id=borough("camden").id, email="ada@example.org", created_at=long_ago,
            last_requested_at=long_ago, confirmed_at=long_ago,
            unsubscribed_at=now - timedelta(days=29, hours=12)))
        db.session.commit()
    ask(client, "ada@example.org")
    run_tasks()
    with app.app_context():
        # Tonight the unsubscribe is past the 30 days, but the new request is not.
        assert retention.delete_stale(now + timedelta(hours=20)) == 0
        db.session.commit()
    confirmed = Browser(app).submit(
        link_in(mailbox.to("ada@example.org")[-1], "/meeting-news/confirm/"), {})
    assert confirmed.status_code == 200
    [row] = _subscriptions(app)
    assert row.is_active
    # Nobody follows a link: 30 days after the request, the row goes.
    with app.app_context():
        db.session.get(NewsSubscription, row.id).unsubscribed_at = now
        db.session.commit()
        assert retention.delete_stale(now + timedelta(days=31)) == 1


def test_the_news_of_each_borough_is_separate(client, app, mailbox, run_tasks):
    ask(client, "ada@example.org")
    ask(client, "ada@example.org", borough="lambeth")
    with app.app_context():
        assert db.session.scalar(select(func.count(NewsSubscription.id))) == 2


def test_bad_input_gives_errors_linked_to_their_fields(client, app):
    response = ask(client, "not-an-email", name="x" * 201)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in html
    assert 'href="#email"' in html and "Enter an email address in the correct format" in html
    assert 'href="#name"' in html and "Your name must be 200 characters or fewer" in html
    assert _subscriptions(app) == []


def test_a_tampered_link_does_not_work(client, app, mailbox, run_tasks):
    ask(client, "ada@example.org")
    run_tasks()
    link = link_in(mailbox.to("ada@example.org")[0], "/meeting-news/confirm/")
    response = Browser(app).submit(link[:-3] + "abc", {}, form_page=link)
    assert response.status_code == 400
    assert "This link does not work" in page_text(response)
    assert Browser(app).get("/meeting-news/unsubscribe/nonsense").status_code == 400


def test_asking_is_rate_limited_per_address(app):
    for n in range(3):
        assert ask(Browser(app, address=f"203.0.113.{n + 1}"), "ada@example.org").status_code \
            == 200
    blocked = ask(Browser(app, address="198.51.100.7"), "ada@example.org")
    assert blocked.status_code == 429
    # Someone else's address still goes through from there.
    assert ask(Browser(app, address="198.51.100.7"), "grace@example.org").status_code == 200


def test_an_unknown_borough_is_not_found(client):
    assert client.get(NEWS.format("atlantis")).status_code == 404


def test_asking_across_boroughs_is_limited_per_address_too(app, mailbox, run_tasks):
    """The limit per address was per borough, so one address could be sent three links an
    hour from each of 32 boroughs (96, each greeting them by whatever name was typed). Ten an
    hour reach an address across London; someone else's address still goes through."""
    from engage.boroughs.models import Borough

    with app.app_context():
        slugs = list(db.session.scalars(select(Borough.slug).order_by(Borough.slug)))[:11]
    for n, slug in enumerate(slugs[:10]):
        asked = ask(Browser(app, address=f"203.0.113.{n + 1}"), "ada@example.org", borough=slug)
        assert asked.status_code == 200, slug
    browser = Browser(app, address="198.51.100.7")
    assert ask(browser, "ada@example.org", borough=slugs[10]).status_code == 429
    assert ask(browser, "grace@example.org", borough=slugs[10]).status_code == 200
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 10
