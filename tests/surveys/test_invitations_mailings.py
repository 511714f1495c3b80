"""Invitations and reminders reach each person on a list exactly once, through the outbox:
however often the fan-out runs, after a crash, and never to an address that opted out."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engage.clock import london_today, utcnow
from engage.extensions import db
from engage.groups.models import GroupKind
from engage.groups.operations import create_group
from engage.meetings.operations import from_london
from engage.surveys import invitation_tasks as mailings
from engage.surveys import invitations
from engage.surveys.invitation_models import (
    SurveyMailing,
    SurveyMailingDelivery,
    SurveyMailingKind,
    SurveyOptOut,
)
from engage.surveys.models import (
    Audience,
    Channel,
    Consultation,
    Invitee,
    InviteeList,
    Response,
)
from engage.surveys.responses import new_key, store_response
from tests.factories import PASSWORD, borough
from tests.helpers import Browser, page_text
from tests.mailbox import body, text
from tests.surveys.test_invitations_support import (
    SLUG,
    STAFF,
    add_members,
    invitees,
    link,
    list_from_group,
    make_consultation,
    officer,
)

FAN_OUT = "engage.survey_mailings.fan_out"
SWEEP = "engage.periodic.survey_mailings"


def _emails(n: int, prefix: str = "member") -> list[str]:
    return [f"{prefix}{i}@example.org" for i in range(n)]


def _list(app, emails: list[str], audience=Audience.RESIDENTS):
    """A consultation, Camden's CPEG with these members, a list of them and a signed-in
    officer: (browser, list id)."""
    ids = make_consultation(app)
    add_members(app, emails)
    browser = officer(app)
    return browser, list_from_group(browser, ids[audience])


def _send(browser, list_id: int, staff: str = STAFF):
    response = browser.submit(f"{staff}/{list_id}/send")
    assert response.status_code == 302
    return page_text(browser.get(response.location))


def _opt_out(app, email: str) -> None:
    with app.app_context():
        invitations.opt_out(email)
        db.session.commit()


def _deliveries(app, kind=SurveyMailingKind.INVITATION) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SurveyMailingDelivery.id))
                                 .where(SurveyMailingDelivery.kind == kind))


def _answer(invitee: Invitee) -> None:
    """A response through the invitee's link, as the public questionnaire stores it."""
    version = invitee.invitee_list.questionnaire.current_version
    store_response(version, {}, idempotency_key=new_key(), borough=invitee.invitee_list.borough,
                   channel=Channel.ONLINE, invitee_id=invitee.id)


def test_a_consultation_closing_at_noon_says_midday(app, mailbox, run_tasks):
    """"12pm" is read as midnight by many: the closing time says "midday", as meetings do."""
    with app.app_context():
        day = london_today() + timedelta(days=30)
        ids = make_consultation(app, closes_at=from_london(day, time(12)))
    add_members(app, ["ada@example.org"])
    browser = officer(app)
    _send(browser, list_from_group(browser, ids[Audience.RESIDENTS]))
    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert f"You can answer until {day.day} {day:%B %Y} at midday." in body(message)


def test_the_invitation_goes_once_to_each_person_except_those_who_opted_out(
        app, mailbox, run_tasks):
    emails = _emails(3)
    browser, list_id = _list(app, emails)
    _opt_out(app, emails[2])
    confirm = page_text(browser.get(f"{STAFF}/{list_id}/send"))
    assert "2 people will get an email inviting them" in confirm
    assert "1 who asked for no consultation emails" in confirm
    assert run_tasks() == []  # nothing leaves before the officer presses the button
    assert "The invitation is being sent" in _send(browser, list_id)
    done = run_tasks()
    assert [name for name, _ in done].count(FAN_OUT) == 1
    [(_, (mailing_id,))] = [t for t in done if t[0] == FAN_OUT]
    celery_app = app.extensions["celery"]
    celery_app.tasks[FAN_OUT].apply(args=[mailing_id])  # the task delivered twice
    with app.app_context():  # even a fan-out after the mailing finished finds nobody
        assert mailings.deliver_batch(db.session.get(SurveyMailing, mailing_id)) == 0
    run_tasks()
    tokens = {i.email: i.token for i in invitees(app, list_id)}
    for email in emails[:2]:
        [message] = mailbox.to(email)
        assert message["Subject"] == "Have your say on policing in Camden (residents)"
        plain = text(message)
        assert "because you are a member of the Community Police Engagement Group" in plain
        assert "the borough's Community Police Engagement Group would like" in plain
        assert "This link is personal: please don't forward it." in plain
        assert "You can answer until " in plain
        assert ("This email is not the way to report a crime. In an emergency call 999. If it "
                "is not an emergency, call 101.") in plain
        assert link(message, "/have-your-say/invited/") == \
            f"http://localhost/have-your-say/invited/{tokens[email]}"
        assert link(message, "/have-your-say/unsubscribe/")
        # Camden has no contact details of its own: the service's stand in.
        assert ("Questions about this consultation: email "
                f"{app.config['ENGAGE_CONTACT_EMAIL']} or call "
                f"{app.config['ENGAGE_CONTACT_PHONE']}\n\nengage, for the police") in plain
    assert mailbox.to(emails[2]) == []
    # A second press of the button sends nothing more.
    again = _send(browser, list_id)
    assert "Nobody on the list is waiting for an invitation" in again
    run_tasks()
    assert len(mailbox.messages) == 2


def test_the_subject_says_whom_the_questionnaire_is_for_once(app, mailbox, run_tasks):
    emails = _emails(1)
    browser, list_id = _list(app, emails, audience=Audience.BUSINESSES)
    with app.app_context():  # the ready template's title, which the subject used to repeat
        db.session.get(InviteeList, list_id).questionnaire.title = \
            "Have your say on policing: businesses"
        db.session.commit()
    _send(browser, list_id)
    run_tasks()
    [message] = mailbox.to(emails[0])
    assert message["Subject"] == "Have your say on policing in Camden (businesses)"


def test_a_fan_out_that_dies_mid_batch_leaves_nobody_out_and_nobody_twice(
        app, mailbox, run_tasks, monkeypatch):
    emails = _emails(7)
    browser, list_id = _list(app, emails)
    _send(browser, list_id)
    recorded = app.extensions["engage_recorded_tasks"]
    [(name, (mailing_id,))] = recorded
    recorded.clear()
    with app.app_context():
        assert mailings.deliver_batch(db.session.get(SurveyMailing, mailing_id), limit=3) == 3
    real_queue = mailings.queue_emails

    def dying(messages):
        real_queue(messages)
        raise SystemExit("killed")  # the worker dies after writing, before the commit

    monkeypatch.setattr(mailings, "queue_emails", dying)
    with app.app_context(), pytest.raises(SystemExit):
        mailings.deliver_batch(db.session.get(SurveyMailing, mailing_id), limit=3)
    monkeypatch.setattr(mailings, "queue_emails", real_queue)
    celery_app = app.extensions["celery"]
    celery_app.tasks[name].apply(args=[mailing_id])
    celery_app.tasks[name].apply(args=[mailing_id])
    run_tasks()
    for email in emails:
        assert len(mailbox.to(email)) == 1, email
    assert _deliveries(app) == 7
    with app.app_context():
        mailing = db.session.get(SurveyMailing, mailing_id)
        assert mailing.finished_at is not None and mailing.recipients == 7


def test_the_database_refuses_a_second_invitation_to_the_same_person(app, run_tasks):
    browser, list_id = _list(app, _emails(1))
    _send(browser, list_id)
    run_tasks()
    with app.app_context():
        invitee_list = db.session.get(InviteeList, list_id)
        # A second mailing (two fan-outs racing, say) finds nobody owed...
        second = mailings.open_mailing(invitee_list, SurveyMailingKind.INVITATION)
        db.session.commit()
        assert mailings.fan_out.apply(args=[second.id]).get() == 0
        # ...and even a row written behind its back cannot make a second delivery.
        invitee_id = db.session.scalar(select(Invitee.id).where(Invitee.list_id == list_id))
        with pytest.raises(IntegrityError):
            db.session.execute(insert(SurveyMailingDelivery), [{
                "mailing_id": second.id, "kind": SurveyMailingKind.INVITATION,
                "invitee_id": invitee_id, "created_at": utcnow()}])
        db.session.rollback()


def test_each_batch_costs_the_same_number_of_queries(app):
    ids = make_consultation(app)
    browser = officer(app)

    def queries_for(size: int) -> int:
        with app.app_context():
            group_id = create_group(borough("camden"), GroupKind.WARD_PANEL, f"Panel {size}").id
            db.session.commit()
        add_members(app, _emails(size, prefix=f"size{size}-"), group_id=group_id)
        list_id = list_from_group(browser, ids[Audience.RESIDENTS], group_id=group_id)
        _send(browser, list_id)
        app.extensions["engage_recorded_tasks"].clear()
        with app.app_context():
            mailing = db.session.scalar(select(SurveyMailing)
                                        .where(SurveyMailing.list_id == list_id))
            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert mailings.deliver_batch(mailing) == size
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(statements)

    assert queries_for(2) == queries_for(30)


def test_an_address_on_two_lists_for_the_same_questionnaire_is_invited_once(
        app, mailbox, run_tasks):
    browser, first = _list(app, ["both@example.org", "one@example.org"])
    _send(browser, first)
    run_tasks()
    with app.app_context():
        questionnaire_id = db.session.get(InviteeList, first).questionnaire_id
    second = list_from_group(browser, questionnaire_id, name="Again")
    assert "Nobody on the list is waiting for an invitation" in _send(browser, second)
    run_tasks()
    assert len(mailbox.to("both@example.org")) == 1


def test_a_reminder_goes_once_to_people_invited_long_enough_ago_who_have_not_answered(
        app, mailbox, run_tasks):
    waiting, answered, recent, stopped = _emails(4)
    browser, list_id = _list(app, [waiting, answered, recent, stopped])
    _send(browser, list_id)
    run_tasks()
    with app.app_context():
        people = {i.email: i for i in db.session.scalars(select(Invitee))}
        # Three were invited ten days ago, one two days ago.
        for email, days in ((waiting, 10), (answered, 10), (stopped, 10), (recent, 2)):
            db.session.execute(update(SurveyMailingDelivery)
                               .where(SurveyMailingDelivery.invitee_id == people[email].id)
                               .values(created_at=utcnow() - timedelta(days=days)))
        _answer(people[answered])
        # Camden has given a telephone number since, and nothing else: the reminder gives it.
        borough("camden").contact_phone = "020 7946 0123"
        db.session.commit()
    _opt_out(app, stopped)
    form = browser.get(f"{STAFF}/{list_id}/reminder")
    assert 'value="7"' in form.get_data(as_text=True)  # the setting's default
    check = browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "7"})
    assert "1 person invited at least 7 days ago has not answered" in page_text(check)
    assert run_tasks() == []  # counting sends nothing
    sent = browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "7", "confirmed": "yes"},
                          form_page=f"{STAFF}/{list_id}/reminder")
    assert sent.status_code == 302
    run_tasks()
    [_, reminder] = mailbox.to(waiting)
    assert reminder["Subject"].startswith("Reminder: have your say on policing in Camden by ")
    assert "/have-your-say/invited/" in link(reminder, "/have-your-say/invited/")
    # The title is set apart: "to answer Policing priorities: residents, for" read as a list.
    assert ('we asked you to answer the questionnaire "Policing priorities: residents" for the '
            "police in Camden") in body(reminder)
    assert ("Questions about this consultation: call 020 7946 0123\n\nengage, for the police "
            "engagement team in Camden") in text(reminder)
    assert app.config["ENGAGE_CONTACT_EMAIL"] not in body(reminder)
    for email in (answered, recent, stopped):
        assert len(mailbox.to(email)) == 1, email
    # A second reminder, however many days are asked for, reaches nobody twice.
    again = browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "1"})
    assert "1 person invited at least 1 day ago" in page_text(again)  # only `recent`
    browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "1", "confirmed": "yes"},
                   form_page=f"{STAFF}/{list_id}/reminder")
    run_tasks()
    assert len(mailbox.to(waiting)) == 2 and len(mailbox.to(recent)) == 2


def test_the_reminder_form_checks_the_number_of_days(app):
    browser, list_id = _list(app, _emails(1))
    for days, message in (("", "Enter the number of days"),
                          ("seven", "The number of days must be a whole number, like 7"),
                          ("0", "The number of days must be between 1 and 60")):
        response = browser.submit(f"{STAFF}/{list_id}/reminder", {"days": days})
        assert response.status_code == 200
        assert message in page_text(response)
        assert 'href="#days"' in response.get_data(as_text=True)


def test_the_automatic_reminder_is_opened_by_beat_once_when_due(app, mailbox, run_tasks):
    emails = _emails(2)
    browser, list_id = _list(app, emails)
    # Until one is set, the list says so in words, not "None".
    before = page_text(browser.get(f"{STAFF}/{list_id}"))
    assert "Automatic reminder Not set" in before and "None" not in before
    saved = browser.submit(f"{STAFF}/{list_id}/automatic-reminder", {"days": "3"},
                           follow_redirects=True)
    assert "reminded automatically 3 days after their invitation" in page_text(saved)
    _send(browser, list_id)
    run_tasks()
    sweep = app.extensions["celery"].tasks[SWEEP]
    sweep.apply()
    assert run_tasks() == []  # not due yet
    with app.app_context():
        _answer(db.session.scalar(select(Invitee).where(Invitee.email == emails[1])))
        four_days_ago = utcnow() - timedelta(days=4)
        db.session.execute(update(SurveyMailing).values(finished_at=four_days_ago,
                                                        created_at=four_days_ago))
        db.session.execute(update(SurveyMailingDelivery).values(created_at=four_days_ago))
        db.session.commit()
    sweep.apply()
    sweep.apply()
    run_tasks()
    sweep.apply()
    run_tasks()
    assert [m["Subject"].split(":")[0] for m in mailbox.to(emails[0])] == [
        "Have your say on policing in Camden (residents)", "Reminder"]
    assert len(mailbox.to(emails[1])) == 1
    text = page_text(browser.get(f"{STAFF}/{list_id}"))
    assert "Reminder 1 (automatic)" in text
    assert "Automatic reminder 3 days after the invitation" in text


def test_beat_restarts_a_fan_out_whose_task_was_lost(app, mailbox, run_tasks):
    emails = _emails(2)
    browser, list_id = _list(app, emails)
    _send(browser, list_id)
    app.extensions["engage_recorded_tasks"].clear()  # the broker lost the task
    with app.app_context():
        db.session.execute(update(SurveyMailing).values(
            created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    app.extensions["celery"].tasks[SWEEP].apply()
    run_tasks()
    assert all(len(mailbox.to(e)) == 1 for e in emails)


def test_nothing_is_sent_outside_the_consultations_dates(app, mailbox, run_tasks):
    browser, list_id = _list(app, _emails(1))
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.opens_at = utcnow() + timedelta(days=2)
        consultation.closes_at = utcnow() + timedelta(days=30)
        db.session.commit()
    assert "Send emails once it is open" in _send(browser, list_id)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.opens_at = utcnow() - timedelta(days=30)
        consultation.closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert "no more emails can be sent about it" in _send(browser, list_id)
    with app.app_context():  # a mailing already under way stops when the consultation closes
        mailings.open_mailing(db.session.get(InviteeList, list_id),
                              SurveyMailingKind.INVITATION)
        db.session.commit()
    run_tasks()
    assert mailbox.messages == []


def test_unsubscribing_needs_a_press_of_the_button_and_every_later_mailing_honours_it(
        app, mailbox, run_tasks):
    email, other = _emails(2)
    browser, list_id = _list(app, [email, other])
    _send(browser, list_id)
    run_tasks()
    unsubscribe = link(mailbox.to(email)[0], "/have-your-say/unsubscribe/")
    stranger = Browser(app)  # no sign-in needed
    page = stranger.get(unsubscribe)
    assert page.status_code == 200
    assert f"to {email}" in page_text(page)
    with app.app_context():
        assert db.session.scalars(select(SurveyOptOut)).all() == []  # a GET changes nothing
    done = stranger.submit(unsubscribe, {}, follow_redirects=True)
    assert "You will not get any more emails about consultations" in page_text(done)
    with app.app_context():
        assert db.session.scalars(select(SurveyOptOut.email)).all() == [email]
        db.session.execute(update(SurveyMailingDelivery).values(
            created_at=utcnow() - timedelta(days=10)))
        db.session.commit()
    browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "7", "confirmed": "yes"},
                   form_page=f"{STAFF}/{list_id}/reminder")
    # A later consultation's list of the same group: still nothing to that address.
    ids = make_consultation(app, slug="another", title="Another")
    other_staff = STAFF.replace(SLUG, "another")
    later = list_from_group(browser, ids[Audience.RESIDENTS], consultation="another")
    assert "1 who asked for no consultation emails" in page_text(
        browser.get(f"{other_staff}/{later}/send"))
    _send(browser, later, other_staff)
    run_tasks()
    assert len(mailbox.to(email)) == 1
    assert len(mailbox.to(other)) == 3  # the invitation, the reminder, the later invitation
    assert stranger.get(unsubscribe[:-6] + "xxxxxx").status_code == 404


def test_response_rates_per_list_and_delivery_per_mailing(app, mailbox, run_tasks):
    answered, stopped, refused, waiting = _emails(4)
    browser, list_id = _list(app, [answered, stopped, refused, waiting])
    mailbox.refuse.add(refused)  # the server refuses this address for good: failed
    _send(browser, list_id)
    run_tasks()
    with app.app_context():
        _answer(db.session.scalar(select(Invitee).where(Invitee.email == answered)))
        db.session.commit()
    _opt_out(app, stopped)
    index = page_text(browser.get(STAFF))
    assert ("Members of the Community Police Engagement Group Residents 4 4 1 25% 1" in index)
    page = page_text(browser.get(f"{STAFF}/{list_id}"))
    assert "Invited 4 Answered 1 Response rate 25% Asked for no consultation emails 1" in page
    # People, waiting to send, sent, failed.
    assert " 4 0 3 1" in page.split("Invitation 1", 1)[1]


def test_a_member_who_deletes_their_account_is_taken_off_lists_made_from_their_group(
        app, mailbox, run_tasks):
    """A group's list copies its members' names and addresses. Deleting the account must take
    them off it: no invitation or reminder after that, and an answer already sent through the
    link is no longer tied to their address (the delete page promises the account's data goes;
    only emails asked for without an account stay)."""
    leaving, answered, staying = _emails(3)
    browser, list_id = _list(app, [leaving, answered, staying])
    with app.app_context():
        _answer(db.session.scalar(select(Invitee).where(Invitee.email == answered)))
        db.session.commit()
    for email in (leaving, answered):
        member = Browser(app)
        member.sign_in(email, PASSWORD)
        deleted = member.submit("/account/delete", {"current_password": PASSWORD,
                                                    "confirm": "y"})
        assert deleted.status_code == 302
    run_tasks()
    mailbox.messages.clear()
    assert "1 person will get an email inviting them" in page_text(
        browser.get(f"{STAFF}/{list_id}/send"))
    _send(browser, list_id)
    run_tasks()
    assert [m["To"] for m in mailbox.messages] == [staying]
    with app.app_context():
        assert db.session.scalars(select(Invitee.email)).all() == [staying]
        # The answer stays (answers are anonymous), tied to nobody.
        assert db.session.scalars(select(Response.invitee_id)).all() == [None]


def test_someone_who_left_the_group_is_not_emailed_as_its_member(app, mailbox, run_tasks):
    """A group's list says "because you are a member of" the group: once someone has left it,
    neither the invitation nor a reminder goes to them from that list."""
    leaves_early, leaves_later, stays = _emails(3)
    browser, list_id = _list(app, [leaves_early, leaves_later, stays])

    def leave(email: str) -> None:
        member = Browser(app)
        member.sign_in(email, PASSWORD)
        left = member.submit("/boroughs/camden/groups/cpeg/leave", {})
        assert left.status_code == 302

    leave(leaves_early)
    assert "2 people will get an email inviting them" in page_text(
        browser.get(f"{STAFF}/{list_id}/send"))
    _send(browser, list_id)
    run_tasks()
    assert sorted(m["To"] for m in mailbox.messages) == [leaves_later, stays]
    leave(leaves_later)
    with app.app_context():
        db.session.execute(update(SurveyMailingDelivery).values(
            created_at=utcnow() - timedelta(days=10)))
        db.session.commit()
    mailbox.messages.clear()
    browser.submit(f"{STAFF}/{list_id}/reminder", {"days": "7", "confirmed": "yes"},
                   form_page=f"{STAFF}/{list_id}/reminder")
    run_tasks()
    assert [m["To"] for m in mailbox.messages] == [stays]
