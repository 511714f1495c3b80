"""The pages a link from an email gives when it no longer works: each says what to do next for
what the person was trying to do (stop emails, choose a password), not for something else."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.news import retention
from engage.news.models import NewsSubscription
from tests.helpers import Browser, page_text, title
from tests.news.support import ask, link_in

CONTACT = "engagement@engage.example.org"  # the service's contact address in tests


def test_a_broken_password_link_offers_a_new_link_not_a_confirmation(client):
    for link in ("/reset-password/not-a-token", "/set-password/not-a-token"):
        response = client.get(link)
        assert response.status_code == 400
        text = page_text(response)
        assert "This link does not work" in text
        assert "Ask for a new link to choose a password" in text
        assert 'href="/forgotten-password"' in response.get_data(as_text=True)
        assert "confirmation link" not in text


def test_a_broken_meeting_unsubscribe_link_says_how_to_stop_the_emails(client):
    response = client.get("/meetings/unsubscribe/not-a-token")
    assert response.status_code == 400
    text = page_text(response)
    assert "use the link in the most recent meeting email" in text
    assert CONTACT in text
    # Not the advice for a reply link: registering again would start emails, not stop them.
    assert "register there again" not in text


def test_a_broken_news_unsubscribe_link_says_how_to_stop_the_emails(client):
    response = client.get("/meeting-news/unsubscribe/not-a-token")
    assert response.status_code == 400
    text = page_text(response)
    assert "use the link in the most recent email about meetings" in text
    assert CONTACT in text
    assert "ask for emails about meetings again" not in text


def test_an_unsubscribe_link_whose_subscription_was_forgotten_says_nothing_will_be_sent(
        app, mailbox, run_tasks):
    browser = Browser(app)
    ask(browser, "ada@example.org")
    run_tasks()
    confirmed = browser.submit(link_in(mailbox.to("ada@example.org")[-1],
                                       "/meeting-news/confirm/"), {})
    stop = re.search(r'href="([^"]*/meeting-news/unsubscribe/[^"]+)"',
                     confirmed.get_data(as_text=True)).group(1)
    assert Browser(app).submit(stop, {}).status_code == 302
    with app.app_context():
        assert retention.delete_stale(utcnow() + timedelta(days=31)) == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(NewsSubscription)) == 0

    # A year on, the old email's link: the emails stopped, and the page says so.
    response = Browser(app).get(stop)
    assert response.status_code == 200
    assert title(response).startswith("You will not get any emails about new meetings")
    assert "we will not send you any" in page_text(response)
