"""Every email with an unsubscribe link carries it in List-Unsubscribe, with
List-Unsubscribe-Post (RFC 8058), and the mail provider's one-click POST to it, which has no
CSRF token and no cookies, stops the emails; opening the link still changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Membership
from engage.meetings import operations
from engage.meetings.models import Meeting, MeetingStatus
from engage.news.models import NewsSubscription
from engage.surveys.invitation_models import SurveyMailingDelivery, SurveyOptOut
from engage.surveys.models import Audience
from tests.dates import at
from tests.factories import create_user
from tests.helpers import Browser, page_text
from tests.mailbox import links
from tests.meetings.support import LATER_DAY, create_meeting, make_member, move_meeting
from tests.news.support import ask, subscribe
from tests.surveys.test_invitations_support import (
    STAFF,
    add_members,
    list_from_group,
    make_consultation,
    officer,
)

SITE = "https://engage.example.org"
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def https(app):
    """The service on an HTTPS address, as in production: RFC 8058's one-click is for HTTPS
    links only. (The app fixture puts the config back after the test.)"""
    app.config["ENGAGE_BASE_URL"] = SITE


def _one_click(app, url: str, body: str = ONE_CLICK, **kwargs):
    """The mail provider's POST: a client of its own, so no cookies and no CSRF token."""
    return Browser(app).http.post(url.removeprefix(SITE), data=body,
                                  content_type="application/x-www-form-urlencoded", **kwargs)


def _header_link(message, part: str) -> str:
    """The List-Unsubscribe address, checked to be the body's own unsubscribe link, written
    as is (not RFC 2047-encoded, which no mail program would read as an address)."""
    raw = dict(message.raw_items())
    url = raw["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert raw["List-Unsubscribe"] == f"<{url}>"
    assert url.startswith(f"{SITE}{part}")
    assert url in links(message)
    assert raw["List-Unsubscribe-Post"] == ONE_CLICK
    assert raw["Auto-Submitted"] == "auto-generated"
    return url


def _stopped_by_one_click(app, url: str, says: str) -> None:
    """The provider's POST stops the emails, and a second one (a retry) is harmless."""
    for _ in range(2):
        done = _one_click(app, url)
        assert done.status_code == 200
        assert done.mimetype == "text/plain"
        assert done.get_data(as_text=True) == says + "\n"


def _publish(app, meeting_id: int) -> None:
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()


def _meeting_emails(app) -> dict[str, bool]:
    with app.app_context():
        return {m.user.email: m.meeting_emails for m in db.session.scalars(select(Membership))}


def test_meeting_mailings_to_members_unsubscribe_in_one_click(app, https, mailbox, run_tasks):
    emails = []
    for name in ("ada", "tom"):
        with app.app_context():
            user = create_user(email=f"{name}@example.org")
            emails.append(user.email)
            user_id = user.id
        make_member(app, user_id)
    ada, tom = emails
    with app.app_context():
        start = utcnow() + timedelta(hours=24)  # near enough for beat's reminder
    meeting_id = create_meeting(app, start, start + timedelta(hours=1),
                                status=MeetingStatus.DRAFT)
    _publish(app, meeting_id)
    run_tasks()
    move_meeting(app, meeting_id)
    run_tasks()
    app.extensions["celery"].tasks["engage.periodic.meeting_mailings"].apply()
    run_tasks()
    sent = mailbox.to(ada)
    assert [m["Subject"].split(":")[0] for m in sent] == ["Invitation", "Changed", "Reminder"]
    # Each its own link (a token carries when it was made), the body's, in the header.
    url, *_ = [_header_link(message, "/meetings/unsubscribe/") for message in sent]

    # Opening the link (as a link scanner does) shows the button and stops nothing.
    page = Browser(app).get(url)
    assert page.status_code == 200
    assert "Stop meeting emails" in page_text(page)
    assert _meeting_emails(app) == {ada: True, tom: True}

    _stopped_by_one_click(app, url, "You will not get any more meeting emails from this group.")
    assert _meeting_emails(app) == {ada: False, tom: True}
    # Its page now offers to start them again, as after the button.
    assert "Start meeting emails again" in page_text(Browser(app).get(url))

    with app.app_context():
        operations.cancel(db.session.get(Meeting, meeting_id))
        db.session.commit()
    run_tasks()
    assert len(mailbox.to(ada)) == 3  # the next mailing skips them
    [*_, cancelled] = mailbox.to(tom)
    assert cancelled["Subject"].startswith("Cancelled:")
    _header_link(cancelled, "/meetings/unsubscribe/")


def test_borough_news_unsubscribes_in_one_click(app, https, mailbox, run_tasks):
    subscribe(app, mailbox, run_tasks, "ada@example.org")
    # Asking again: the email that says they have the news already offers the way to stop it.
    ask(Browser(app), "ada@example.org")
    run_tasks()
    already = mailbox.to("ada@example.org")[-1]
    assert already["Subject"] == "You already get emails about meetings in Camden"
    url = _header_link(already, "/meeting-news/unsubscribe/")
    mailbox.clear()
    soon = at(LATER_DAY, 17, 30)
    first = create_meeting(app, soon, soon + timedelta(hours=2), status=MeetingStatus.DRAFT)
    _publish(app, first)
    run_tasks()
    [invitation] = mailbox.to("ada@example.org")
    _header_link(invitation, "/meeting-news/unsubscribe/")

    assert "Stop emails about meetings in Camden" in page_text(Browser(app).get(url))
    with app.app_context():
        assert db.session.scalar(select(NewsSubscription)).is_active  # the GET stopped nothing

    _stopped_by_one_click(app, url,
                          "You will not get any more emails about new meetings in Camden.")
    with app.app_context():
        assert not db.session.scalar(select(NewsSubscription)).is_active
    later = create_meeting(app, soon + timedelta(days=7), soon + timedelta(days=7, hours=2),
                           status=MeetingStatus.DRAFT)
    _publish(app, later)
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 1  # not invited to the next meeting


def test_consultation_invitations_and_reminders_unsubscribe_in_one_click(app, https, mailbox,
                                                                         run_tasks):
    waiting, other = "waiting@example.org", "other@example.org"
    ids = make_consultation(app)
    add_members(app, [waiting, other])
    browser = officer(app)
    residents = list_from_group(browser, ids[Audience.RESIDENTS])
    assert browser.submit(f"{STAFF}/{residents}/send").status_code == 302
    run_tasks()
    with app.app_context():
        db.session.execute(update(SurveyMailingDelivery)
                           .values(created_at=utcnow() - timedelta(days=10)))
        db.session.commit()
    sent = browser.submit(f"{STAFF}/{residents}/reminder", {"days": "7", "confirmed": "yes"},
                          form_page=f"{STAFF}/{residents}/reminder")
    assert sent.status_code == 302
    run_tasks()
    invitation, reminder = mailbox.to(waiting)
    assert reminder["Subject"].startswith("Reminder:")
    url = _header_link(invitation, "/have-your-say/unsubscribe/")
    _header_link(reminder, "/have-your-say/unsubscribe/")

    assert "Stop emails about consultations" in page_text(Browser(app).get(url))
    with app.app_context():
        assert db.session.scalar(select(SurveyOptOut.email)) is None  # the GET stopped nothing

    _stopped_by_one_click(app, url, "You will not get any more emails about consultations.")
    with app.app_context():
        assert db.session.scalars(select(SurveyOptOut.email)).all() == [waiting]
    # The next consultation mailing, from another list, skips them.
    businesses = list_from_group(browser, ids[Audience.BUSINESSES])
    assert browser.submit(f"{STAFF}/{businesses}/send").status_code == 302
    run_tasks()
    assert len(mailbox.to(waiting)) == 2
    assert len(mailbox.to(other)) == 3


def test_a_password_reset_has_nothing_to_unsubscribe_from(app, https, client, mailbox,
                                                         run_tasks):
    with app.app_context():
        create_user(email="ada@example.org")
    client.submit("/forgotten-password", {"email": "ada@example.org"})
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"]
    assert message["List-Unsubscribe"] is None
    assert message["List-Unsubscribe-Post"] is None
    assert message["Auto-Submitted"] == "auto-generated"  # still no out-of-office replies


def test_an_http_link_is_not_offered_for_one_click(app, mailbox, run_tasks):
    """RFC 8058 is for HTTPS: on http:// (a development server) the email names its link but
    does not say it takes a one-click POST."""
    subscribe(app, mailbox, run_tasks, "ada@example.org")
    ask(Browser(app), "ada@example.org")
    run_tasks()
    already = mailbox.to("ada@example.org")[-1]
    assert already["List-Unsubscribe"].startswith("<http://localhost/meeting-news/unsubscribe/")
    assert already["List-Unsubscribe-Post"] is None


def _links_of_each_kind(app, mailbox, run_tasks) -> dict[str, str]:
    """One header link of each kind, each Ada's: a member's, the news's, a consultation's."""
    subscribe(app, mailbox, run_tasks, "ada@example.org")
    add_members(app, ["ada@example.org"])
    ids = make_consultation(app)
    browser = officer(app)
    browser.submit(f"{STAFF}/{list_from_group(browser, ids[Audience.RESIDENTS])}/send")
    soon = at(LATER_DAY, 17, 30)
    _publish(app, create_meeting(app, soon, soon + timedelta(hours=2),
                                 status=MeetingStatus.DRAFT))
    ask(Browser(app), "ada@example.org")  # "you already get the news", with its link
    run_tasks()
    found = {}
    for message in mailbox.to("ada@example.org"):
        if message["List-Unsubscribe"]:
            url = dict(message.raw_items())["List-Unsubscribe"][1:-1]
            found[url.removeprefix(SITE).split("/")[1]] = url
    assert sorted(found) == ["have-your-say", "meeting-news", "meetings"]
    return found


def _nothing_stopped(app) -> bool:
    with app.app_context():
        return (db.session.scalar(select(Membership.meeting_emails)) is True
                and db.session.scalar(select(NewsSubscription)).is_active
                and db.session.scalar(select(SurveyOptOut.id)) is None)


def test_a_tampered_link_or_a_post_without_one_click_stops_nothing(app, https, mailbox,
                                                                    run_tasks):
    urls = _links_of_each_kind(app, mailbox, run_tasks)
    # Each kind's answer to a link that does not work, as its button's page gives it.
    refusals = {"meetings": 400, "meeting-news": 400, "have-your-say": 404}
    for kind, url in urls.items():
        prefix, _, token = url.rpartition("/")
        tampered = f"{prefix}/{token[:-4]}{'AAAA' if token[-4:] != 'AAAA' else 'BBBB'}"
        refused = _one_click(app, tampered)
        assert refused.status_code == refusals[kind], url
        assert refused.mimetype == "text/html"  # the page saying the link does not work
        # Any other POST without a CSRF token is refused as it always was...
        for body in ("", "List-Unsubscribe=Yes", "emails=on"):
            plain = _one_click(app, url, body=body)
            assert plain.status_code == 400, (url, body)
            assert "The form had expired" in page_text(plain)
        # ...and a GET only shows the page.
        assert Browser(app).get(url).status_code == 200
    assert _nothing_stopped(app)
    # The page's own button still works, with its CSRF token.
    stopped = Browser(app).submit(urls["meeting-news"], {}, follow_redirects=True)
    assert "You will not get any more emails about new meetings" in page_text(stopped)


def test_one_click_sent_as_multipart_form_data_works_too(app, https, mailbox, run_tasks):
    """RFC 8058 says the POST SHOULD be multipart/form-data; providers send either."""
    urls = _links_of_each_kind(app, mailbox, run_tasks)
    for url in urls.values():
        done = Browser(app).http.post(url.removeprefix(SITE),
                                      data={"List-Unsubscribe": "One-Click"},
                                      content_type="multipart/form-data")
        assert done.status_code == 200, url
    with app.app_context():
        assert db.session.scalar(select(Membership.meeting_emails)) is False
        assert not db.session.scalar(select(NewsSubscription)).is_active
        assert db.session.scalars(select(SurveyOptOut.email)).all() == ["ada@example.org"]
