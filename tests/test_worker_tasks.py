"""Every Celery task, run by a real worker process through the broker, and run again.

tests/test_worker.py proves the flow through the broker for the emails, report PDFs, print runs
and collation rounds; this module does the same for every other task, beat's above all (sent
by name, as beat sends them). Each test makes the rows, lets the worker do the work, checks
what it did, then delivers the same task a second time, as a broker redelivering it or beat
running it again would, and checks that nothing changed: the whole database (tests.workers.
every_row), the emails received and the files written. `test_every_task_is_run_twice_by_a_real
_worker` keeps the list complete as tasks are added.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engage.clock import is_bank_holiday, to_london, utcnow
from engage.extensions import db
from tests.factories import PASSWORD, borough, create_user
from tests.helpers import Browser
from tests.workers import every_row, run_in_worker, wait_for

pytestmark = pytest.mark.worker

# Each task, and the test that has a real worker run it twice.
RUN_BY_A_WORKER = {
    "engage.outbox.send_email":
        "tests/test_worker.py::test_a_task_delivered_twice_sends_one_email",
    "engage.outbox.send_emails":
        "tests/test_worker.py::test_a_batch_delivered_twice_sends_each_email_once",
    "engage.periodic.sweep_outbox":
        "tests/test_worker.py::test_a_message_lost_with_the_broker_is_queued_again_by_the_sweeper",
    "engage.reports.draw_public_files":
        "tests/test_worker.py::test_publishing_a_report_draws_its_public_pdfs_in_a_real_worker",
    "engage.reports.collate_area":
        "tests/test_worker.py::test_a_collation_round_runs_through_a_real_worker",
    "engage.mailouts.render_print_run":
        "tests/test_worker.py::test_a_print_run_is_rendered_by_a_real_worker",
    "engage.reports.collate_consultation":
        "tests/test_worker_tasks.py::test_beat_collates_open_consultations_to_the_same_figures",
    "engage.periodic.collate_open_reports":
        "tests/test_worker_tasks.py::test_beat_collates_open_consultations_to_the_same_figures",
    "engage.periodic.collate_closed_reports":
        "tests/test_worker_tasks.py::test_beat_collates_a_closed_consultation_once",
    "engage.periodic.prune_sessions":
        "tests/test_worker_tasks.py::test_idle_sessions_and_old_form_keys_are_pruned_once",
    "engage.periodic.outbox_retention":
        "tests/test_worker_tasks.py::test_finished_emails_are_emptied_once",
    "engage.periodic.news_retention":
        "tests/test_worker_tasks.py::test_stale_news_subscriptions_are_deleted_once",
    "engage.news.send_results":
        "tests/test_worker_tasks.py::test_the_results_are_emailed_once_to_those_who_asked",
    "engage.periodic.meeting_retention":
        "tests/test_worker_tasks.py::test_meeting_guests_are_deleted_and_counted_once",
    "engage.periodic.telephone_retention":
        "tests/test_worker_tasks.py::test_telephone_cases_are_deleted_and_counted_once",
    "engage.periodic.paper_retention":
        "tests/test_worker_tasks.py::test_paper_requests_are_deleted_and_counted_once",
    "engage.periodic.reply_retention":
        "tests/test_worker_tasks.py::test_contact_details_for_a_reply_are_deleted_once",
    "engage.periodic.invitation_retention":
        "tests/test_worker_tasks.py::test_invitation_lists_are_deleted_once",
    "engage.periodic.prune_survey_drafts":
        "tests/test_worker_tasks.py::test_abandoned_survey_drafts_are_pruned_once",
    "engage.periodic.paper_print_runs":
        "tests/test_worker_tasks.py::test_beat_gathers_waiting_paper_into_one_run",
    "engage.periodic.sweep_print_runs":
        "tests/test_worker_tasks.py::test_the_sweeper_renders_a_run_the_broker_lost_once",
    "engage.meetings.fan_out":
        "tests/test_worker_tasks.py::test_a_meeting_invitation_delivered_twice_goes_once",
    "engage.periodic.meeting_mailings":
        "tests/test_worker_tasks.py::test_beat_sends_a_meeting_reminder_once",
    "engage.survey_mailings.fan_out":
        "tests/test_worker_tasks.py::test_a_survey_invitation_delivered_twice_goes_once",
    "engage.periodic.survey_mailings":
        "tests/test_worker_tasks.py::test_beat_opens_the_automatic_survey_reminder_once",
    "engage.datasets.make_response_file":
        "tests/test_worker_tasks.py::test_a_response_file_is_made_once_by_a_real_worker",
    "engage.periodic.response_files":
        "tests/test_worker_tasks.py::test_a_response_file_is_made_once_by_a_real_worker",
}


def test_every_task_is_run_twice_by_a_real_worker(app):
    celery_app = app.extensions["celery"]
    tasks = {name for name in celery_app.tasks if name.startswith("engage.")}
    assert tasks == set(RUN_BY_A_WORKER)
    for test in RUN_BY_A_WORKER.values():
        path, name = test.split("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), test


def _again_changes_nothing(app, worker, mailbox, name: str, *args) -> None:
    """Deliver the task once more: it finds nothing to do (returns 0), and the database and the
    mailbox are as they were."""
    before, delivered = every_row(app), list(mailbox.delivered)
    first_run = _last_run(app, name)
    assert run_in_worker(app, worker, name, *args) == 0
    assert every_row(app) == before
    assert mailbox.delivered == delivered
    if name.startswith("engage.periodic."):
        # The worker said when beat's job ran, both times (engage.jobs), for the jobs page.
        second_run = _last_run(app, name)
        assert first_run is not None and first_run.finished_at is not None
        assert first_run.failed_at is None
        assert second_run.started_at > first_run.finished_at
        assert second_run.finished_at >= second_run.started_at


def _last_run(app, task: str):
    from engage.jobs.models import ScheduledJobRun

    with app.app_context():
        run = db.session.get(ScheduledJobRun, task)
        db.session.expunge_all()
        return run


# Accounts and the outbox


def test_idle_sessions_and_old_form_keys_are_pruned_once(app, worker, mailbox):
    from engage.auth.models import UserSession
    from engage.once import SentForm

    with app.app_context():
        idle_user = create_user()
        user_id, idle_email = idle_user.id, idle_user.email
        active_email = create_user().email
    idle, active = Browser(app), Browser(app)
    idle.sign_in(idle_email, PASSWORD)
    active.sign_in(active_email, PASSWORD)
    idle_minutes = app.config["ENGAGE_SESSION_IDLE_MINUTES"]
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(
            last_seen_at=utcnow() - timedelta(minutes=idle_minutes + 5)))
        # A staff form's key from yesterday and one from just now (engage.once).
        db.session.add_all([
            SentForm(key="old", user_id=user_id, location="/staff",
                     sent_at=utcnow() - timedelta(hours=25)),
            SentForm(key="new", user_id=user_id, location="/staff")])
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.prune_sessions") == 1
    with app.app_context():
        assert [s.user.email for s in db.session.scalars(select(UserSession))] == [active_email]
        assert db.session.scalars(select(SentForm.key)).all() == ["new"]
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.prune_sessions")
    assert active.get("/account").status_code == 200
    assert idle.get("/account").status_code == 302  # signed out


def test_finished_emails_are_emptied_once(app, worker, mailbox):
    from engage.outbox.models import OutboxMessage, OutboxStatus
    from engage.outbox.retention import DELETED

    def message(recipient: str, status: OutboxStatus, days_ago: int) -> None:
        then = utcnow() - timedelta(days=days_ago)
        db.session.add(OutboxMessage(
            recipient=recipient, template="account_deleted", context={"name": "Grace"},
            status=status, created_at=then, due_at=then,
            sent_at=then if status == OutboxStatus.SENT else None))

    with app.app_context():
        message("old@example.org", OutboxStatus.SENT, 31)
        message("bounced@example.org", OutboxStatus.FAILED, 31)
        message("recent@example.org", OutboxStatus.SENT, 29)
        # Waiting, however old, is never touched; due in the future, so no sweep sends it.
        message("waiting@example.org", OutboxStatus.PENDING, 60)
        db.session.execute(update(OutboxMessage)
                           .where(OutboxMessage.status == OutboxStatus.PENDING)
                           .values(due_at=utcnow() + timedelta(days=1)))
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.outbox_retention") == 2
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.recipient)
                                  .order_by(OutboxMessage.id)).all() == [
            DELETED, DELETED, "recent@example.org", "waiting@example.org"]
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.outbox_retention")


# Retention of people's details


def test_stale_news_subscriptions_are_deleted_once(app, worker, mailbox):
    from engage.news.models import NewsSubscription

    now = utcnow()
    with app.app_context():
        camden = borough("camden")
        for email, created, confirmed, left in (
                ("active@example.org", 400, True, None),
                ("new@example.org", 2, False, None),
                ("never@example.org", 31, False, None),
                ("left@example.org", 300, True, 31),
                ("just-left@example.org", 300, True, 5)):
            db.session.add(NewsSubscription(
                borough_id=camden.id, email=email, created_at=now - timedelta(days=created),
                last_requested_at=now - timedelta(days=created),
                confirmed_at=now - timedelta(days=created) if confirmed else None,
                unsubscribed_at=now - timedelta(days=left) if left else None))
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.news_retention") == 2
    with app.app_context():
        assert sorted(db.session.scalars(select(NewsSubscription.email))) == [
            "active@example.org", "just-left@example.org", "new@example.org"]
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.news_retention")


def test_the_results_are_emailed_once_to_those_who_asked(app, worker, mailbox):
    from engage.news.models import ResultsRequest
    from tests.surveys.support import make_consultation

    made = make_consultation(app)
    with app.app_context():
        camden = borough("camden")
        for email, confirmed in (("ada@example.org", True), ("grace@example.org", True),
                                 ("unsure@example.org", False)):
            db.session.add(ResultsRequest(consultation_id=made.consultation_id,
                                          borough_id=camden.id, email=email,
                                          confirmed_at=utcnow() if confirmed else None))
        db.session.commit()
        camden_id = camden.id

    assert run_in_worker(app, worker, "engage.news.send_results", made.consultation_id,
                         camden_id) == 2
    for address in ("ada@example.org", "grace@example.org"):
        [message] = mailbox.wait_for(address)
        assert message["Subject"].endswith("in Camden are published")
    with app.app_context():
        assert list(db.session.scalars(select(ResultsRequest.email))) == ["unsure@example.org"]
    _again_changes_nothing(app, worker, mailbox, "engage.news.send_results",
                           made.consultation_id, camden_id)
    assert mailbox.to("unsure@example.org") == []


def test_meeting_guests_are_deleted_and_counted_once(app, worker, mailbox):
    from engage.meetings.models import Invitation, Meeting, Reply
    from tests.meetings.support import create_meeting, make_member

    ended = utcnow().replace(microsecond=0) - timedelta(days=91)
    meeting_id = create_meeting(app, ended - timedelta(hours=2), ended)
    with app.app_context():
        member_id = create_user().id
    make_member(app, member_id)
    with app.app_context():
        db.session.add(Invitation(meeting_id=meeting_id, user_id=member_id,
                                  reply=Reply.ATTENDING, access_needs="A hearing loop"))
        for email, reply in (("ada@example.org", Reply.ATTENDING),
                             ("grace@example.org", Reply.ATTENDING),
                             ("late@example.org", Reply.WAITING)):
            db.session.add(Invitation(meeting_id=meeting_id, email=email, name="Guest",
                                      reply=reply, registered_at=ended - timedelta(days=7)))
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.meeting_retention") == 3
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.guest_counts == {"attending": 2, "waiting": 1}
        # The member keeps their invitation (their attendance history), not their needs.
        assert [(i.user_id, i.access_needs) for i in db.session.scalars(select(Invitation))] \
            == [(member_id, None)]
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.meeting_retention")


def test_telephone_cases_are_deleted_and_counted_once(app, worker, mailbox):
    from engage.surveys.models import Consultation, Questionnaire
    from engage.telephone.models import Call, CallCase, CaseStatus, Outcome, TelephoneCount
    from tests.surveys.support import make_consultation

    old, recent = make_consultation(app), make_consultation(app)
    now = utcnow()
    with app.app_context():
        camden = borough("camden")
        for made, closed_days_ago in ((old, 91), (recent, 89)):
            consultation = db.session.get(Consultation, made.consultation_id)
            consultation.closes_at = now - timedelta(days=closed_days_ago)
            consultation.opens_at = consultation.closes_at - timedelta(days=60)
        cases = [CallCase(questionnaire_id=made.questionnaire_id, borough_id=camden.id,
                          name=name, phone="+442079460000", consented_at=now, status=status,
                          closed_at=None if status == CaseStatus.OPEN else now)
                 for made, name, status in ((old, "Not In", CaseStatus.OPEN),
                                            (old, "Said No", CaseStatus.REFUSED),
                                            (recent, "Still Needed", CaseStatus.OPEN))]
        db.session.add_all(cases)
        db.session.flush()
        db.session.add_all([Call(case_id=case.id, ended_at=now, outcome=outcome)
                            for case, outcome in ((cases[0], Outcome.NO_ANSWER),
                                                  (cases[1], Outcome.REFUSED))])
        db.session.commit()
        assert db.session.get(Questionnaire, old.questionnaire_id) is not None

    assert run_in_worker(app, worker, "engage.periodic.telephone_retention") == 2
    with app.app_context():
        assert db.session.scalars(select(CallCase.name)).all() == ["Still Needed"]
        assert db.session.scalar(select(func.count(Call.id))) == 0
        assert {(c.kind, c.value): c.count for c in db.session.scalars(
            select(TelephoneCount))} == {("call", "no-answer"): 1, ("call", "refused"): 1,
                                         ("case", "open"): 1, ("case", "refused"): 1}
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.telephone_retention")


def test_paper_requests_are_deleted_and_counted_once(app, worker, client, mailbox):
    from engage.mailouts.models import PaperRequest, PaperRequestCount
    from engage.surveys.models import Questionnaire
    from tests.mailouts.support import make_consultation, record, sign_in

    old, recent = make_consultation(app), make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, old["residents"])
    record(client, old["residents"], name="Grace Hopper", format="large-print")
    record(client, recent["residents"], name="Still Needed")
    with app.app_context():
        for questionnaire_id, days_ago in ((old["residents"], 91), (recent["residents"], 89)):
            consultation = db.session.get(Questionnaire, questionnaire_id).consultation
            consultation.closes_at = utcnow() - timedelta(days=days_ago)
            consultation.opens_at = consultation.closes_at - timedelta(days=60)
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.paper_retention") == 2
    with app.app_context():
        assert db.session.scalars(select(PaperRequest.name)).all() == ["Still Needed"]
        assert {(c.format.value, c.status.value): c.count for c in db.session.scalars(
            select(PaperRequestCount))} == {("standard", "requested"): 1,
                                            ("large-print", "requested"): 1}
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.paper_retention")


def test_contact_details_for_a_reply_are_deleted_once(app, worker, mailbox):
    from engage.surveys.models import Response, ResponseContact
    from tests.surveys.support import make_consultation, make_response

    contact = {"name": "Ada", "email": "ada@example.org", "phone": None}
    kept, gone = (
        make_response(app, make_consultation(
            app, opens_at=utcnow() - timedelta(days=days + 30),
            closes_at=utcnow() - timedelta(days=days)).version_ids["residents"],
            contact=contact)
        for days in (89, 91))

    assert run_in_worker(app, worker, "engage.periodic.reply_retention") == 1
    with app.app_context():
        assert db.session.scalars(select(ResponseContact.response_id)).all() == [kept]
        assert db.session.get(Response, gone) is not None  # the answers stay
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.reply_retention")


def test_invitation_lists_are_deleted_once(app, worker, mailbox):
    from engage.surveys.models import Invitee, Response
    from tests.surveys.test_invitations_retention import _invited

    old, recent = (_invited(app, closed_days_ago=days) for days in (91, 89))
    assert run_in_worker(app, worker, "engage.periodic.invitation_retention") == 2
    with app.app_context():
        assert set(db.session.scalars(select(Invitee.list_id))) == {recent["list"]}
        assert db.session.get(Response, old["response"]).invitee_id is None  # answers stay
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.invitation_retention")


def test_abandoned_survey_drafts_are_pruned_once(app, worker, mailbox):
    from engage.surveys.models import ResponseDraft
    from tests.surveys.answering_support import drafts, make_every_kind, reach

    made = make_every_kind(app)
    for _ in range(2):
        reach(Browser(app), made.questionnaire_id, 2)
    abandoned, fresh = (d.id for d in drafts(app))
    with app.app_context():
        db.session.execute(update(ResponseDraft).where(ResponseDraft.id == abandoned)
                           .values(updated_at=utcnow() - timedelta(days=31)))
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.prune_survey_drafts") == 1
    assert [d.id for d in drafts(app)] == [fresh]
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.prune_survey_drafts")


# Paper print runs


def _run_files(app, run_id: int) -> list[str]:
    from engage.mailouts import files

    with app.app_context():
        return files.names(run_id)


def test_beat_gathers_waiting_paper_into_one_run(app, worker, client, mailbox):
    from engage.mailouts.models import PaperRequest, PrintRun, RunStatus
    from tests.mailouts.support import make_consultation, record, sign_in

    if is_bank_holiday(to_london(utcnow()).date()):
        pytest.skip("beat's gathering does nothing on a bank holiday (tested with a set clock "
                    "in tests/mailouts/test_print_runs.py)")
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    record(client, ids["residents"], name="Grace Hopper", postcode="WC1H 9NE")

    # The gathering queues the run's rendering once it has committed: the worker does both.
    assert run_in_worker(app, worker, "engage.periodic.paper_print_runs") == 1
    with app.app_context():
        run_id = db.session.scalar(select(PrintRun.id))

    def ready() -> bool:
        with app.app_context():
            return db.session.get(PrintRun, run_id).status == RunStatus.READY

    wait_for(ready, timeout=120, poll=0.5)
    with app.app_context():
        run = db.session.get(PrintRun, run_id)
        assert (run.request_count, run.rendered_count, run.attempts) == (2, 2, 1)
        assert db.session.scalar(select(func.count(PaperRequest.id)).where(
            PaperRequest.print_run_id == run_id)) == 2
    made = [f"print-run-{run_id}-labels.csv", f"print-run-{run_id}.pdf"]
    # The parts went in the commit that marked it ready: only the finished files are kept.
    assert _run_files(app, run_id) == made
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.paper_print_runs")
    assert _run_files(app, run_id) == made


def test_the_sweeper_renders_a_run_the_broker_lost_once(app, worker, client, mailbox):
    from engage.mailouts.models import PrintRun, RunStatus
    from tests.mailouts.support import make_consultation, record, sign_in
    from tests.mailouts.test_print_runs import start_run

    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    start_run(client)  # its rendering is recorded, never sent: the broker lost it
    app.extensions["engage_recorded_tasks"].clear()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        run_id = run.id
        assert run.status == RunStatus.WAITING
        run.lease_until = utcnow() - timedelta(seconds=1)  # the sweeper's wait is over
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.sweep_print_runs") == 1

    def ready() -> bool:
        with app.app_context():
            return db.session.get(PrintRun, run_id).status == RunStatus.READY

    wait_for(ready, timeout=120, poll=0.5)
    with app.app_context():
        assert db.session.get(PrintRun, run_id).attempts == 1
    made = [f"print-run-{run_id}-labels.csv", f"print-run-{run_id}.pdf"]
    # The parts went in the commit that marked it ready: only the finished files are kept.
    assert _run_files(app, run_id) == made
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.sweep_print_runs")
    assert _run_files(app, run_id) == made


# Meeting mailings


def _cpeg_members(app, n: int) -> list[str]:
    from tests.meetings.support import make_member

    emails = []
    for _ in range(n):
        with app.app_context():
            user = create_user()
            emails.append(user.email)
            user_id = user.id
        make_member(app, user_id)
    return emails


def test_a_meeting_invitation_delivered_twice_goes_once(app, worker, client, mailbox):
    from engage.meetings.models import Mailing, MeetingStatus
    from tests.meetings.support import STAFF, create_meeting, sign_in

    members = _cpeg_members(app, 3)
    start = utcnow().replace(microsecond=0) + timedelta(days=30)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2),
                                status=MeetingStatus.DRAFT)
    sign_in(client, app)
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    response = client.submit(f"{STAFF}/{meeting_id}/publish", form_page=f"{STAFF}/{meeting_id}")
    assert response.status_code == 302
    for email in members:
        [message] = mailbox.wait_for(email, timeout=60)
        assert message["Subject"].startswith("Invitation: Quarterly meeting")

    with app.app_context():
        mailing = db.session.scalar(select(Mailing))
        mailing_id = mailing.id
        assert (mailing.recipients, mailing.finished_at is not None) == (3, True)
    _wait_until_every_email_is_settled(app)
    _again_changes_nothing(app, worker, mailbox, "engage.meetings.fan_out", mailing_id)


def _wait_until_every_email_is_settled(app) -> None:
    """Every outbox row sent: the worker has finished with them, so the database stays still."""
    from engage.outbox.models import OutboxMessage, OutboxStatus

    def settled() -> bool:
        with app.app_context():
            return not db.session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status != OutboxStatus.SENT))

    wait_for(settled, timeout=60, poll=0.2)


def test_beat_sends_a_meeting_reminder_once(app, worker, mailbox):
    from engage.meetings.models import Mailing, MailingKind
    from tests.meetings.support import create_meeting

    members = _cpeg_members(app, 2)
    start = utcnow().replace(microsecond=0) + timedelta(hours=24)
    create_meeting(app, start, start + timedelta(hours=2))  # published, within reminder time

    # The sweep opens the reminder; its fan-out and the emails follow in the worker.
    assert run_in_worker(app, worker, "engage.periodic.meeting_mailings") == 1
    for email in members:
        [message] = mailbox.wait_for(email, timeout=60)
        assert message["Subject"].startswith("Reminder: Quarterly meeting")
    _wait_until_every_email_is_settled(app)
    with app.app_context():
        [mailing] = db.session.scalars(select(Mailing)).all()
        assert (mailing.kind, mailing.recipients) == (MailingKind.REMINDER, 2)
        assert mailing.finished_at is not None
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.meeting_mailings")


# Survey invitations


def _survey_list(app, emails: list[str]):
    """Camden's CPEG with these members, a list of them for the residents' questionnaire and a
    signed-in officer: (browser, list id)."""
    from engage.surveys.models import Audience
    from tests.surveys.test_invitations_support import (
        add_members,
        list_from_group,
        make_consultation,
        officer,
    )

    ids = make_consultation(app)
    add_members(app, emails)
    browser = officer(app)
    return browser, list_from_group(browser, ids[Audience.RESIDENTS])


def test_a_survey_invitation_delivered_twice_goes_once(app, worker, mailbox):
    from engage.surveys.invitation_models import SurveyMailing
    from tests.surveys.test_invitations_support import STAFF

    emails = [f"resident{n}@example.org" for n in range(3)]
    browser, list_id = _survey_list(app, emails)
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    assert browser.submit(f"{STAFF}/{list_id}/send").status_code == 302
    for email in emails:
        [message] = mailbox.wait_for(email, timeout=60)
        assert message["Subject"].startswith("Have your say on policing in Camden")
    _wait_until_every_email_is_settled(app)
    with app.app_context():
        mailing = db.session.scalar(select(SurveyMailing))
        mailing_id = mailing.id
        assert (mailing.recipients, mailing.finished_at is not None) == (3, True)
    _again_changes_nothing(app, worker, mailbox, "engage.survey_mailings.fan_out", mailing_id)


def test_beat_opens_the_automatic_survey_reminder_once(app, worker, mailbox, run_tasks):
    from engage.surveys.invitation_models import (
        SurveyMailing,
        SurveyMailingDelivery,
        SurveyMailingKind,
    )
    from engage.surveys.models import Channel, Invitee
    from engage.surveys.responses import new_key, store_response
    from tests.surveys.test_invitations_support import STAFF

    waiting, answered = "waiting@example.org", "answered@example.org"
    browser, list_id = _survey_list(app, [waiting, answered])
    browser.submit(f"{STAFF}/{list_id}/automatic-reminder", {"days": "3"})
    browser.submit(f"{STAFF}/{list_id}/send")
    run_tasks()  # the invitation, in this process: the reminder is what is tested here
    with app.app_context():
        invitee = db.session.scalar(select(Invitee).where(Invitee.email == answered))
        store_response(invitee.invitee_list.questionnaire.current_version, {},
                       idempotency_key=new_key(), borough=invitee.invitee_list.borough,
                       channel=Channel.ONLINE, invitee_id=invitee.id)
        four_days_ago = utcnow() - timedelta(days=4)
        db.session.execute(update(SurveyMailing).values(finished_at=four_days_ago,
                                                        created_at=four_days_ago))
        db.session.execute(update(SurveyMailingDelivery).values(created_at=four_days_ago))
        db.session.commit()
    invited = len(mailbox.delivered)

    assert run_in_worker(app, worker, "engage.periodic.survey_mailings") == 1
    [_, reminder] = mailbox.wait_for(waiting, count=2, timeout=60)
    assert reminder["Subject"].startswith("Reminder: have your say on policing in Camden")
    _wait_until_every_email_is_settled(app)
    assert len(mailbox.delivered) == invited + 1  # nobody who answered is reminded
    with app.app_context():
        reminder_row = db.session.scalar(select(SurveyMailing).where(
            SurveyMailing.kind == SurveyMailingKind.REMINDER))
        assert (reminder_row.recipients, reminder_row.finished_at is not None) == (1, True)
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.survey_mailings")


# Response files


def test_a_response_file_is_made_once_by_a_real_worker(broker_app, worker, mailbox):
    from engage import storage
    from engage.datasets.models import FileStatus, ResponseFile
    from engage.surveys.models import QuestionnaireVersion
    from tests.reports.support import answers, make_consultation, respond

    app = broker_app
    made = make_consultation(app)
    with app.app_context():
        respond(made.residents, answers(["burglary", "robbery", "knife-crime"]))
        db.session.commit()
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
        questionnaire_id = db.session.get(QuestionnaireVersion, made.residents).questionnaire_id
    analyst = Browser(app)
    analyst.sign_in("analyst@example.org", PASSWORD)
    page = f"/staff/boroughs/camden/reports/{made.slug}/responses"
    # The request commits the row, then sends the task through the broker to the worker.
    assert analyst.submit(page, {"questionnaire": questionnaire_id}).status_code == 302

    def status(file_id=None):
        with app.app_context():
            file = db.session.scalar(select(ResponseFile).where(
                ResponseFile.id == file_id) if file_id else select(ResponseFile))
            found = (file.id, file.status, file.responses, storage.exists(file.key))
            db.session.remove()
            return found

    wait_for(lambda: status()[1] == FileStatus.READY, timeout=60, poll=0.3)
    file_id, _, responses, kept = status()
    assert (responses, kept) == (1, True)
    # Delivered again: nothing is made twice.
    assert run_in_worker(app, worker, "engage.datasets.make_response_file", file_id) == "skipped"

    # One whose task the broker lost is queued again by beat's task, and made once.
    with app.app_context():
        lost = ResponseFile(consultation_id=made.consultation_id,
                            questionnaire_id=questionnaire_id, borough=borough("camden"),
                            file_name="lost.zip", requested_at=utcnow() - timedelta(minutes=6))
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
    assert run_in_worker(app, worker, "engage.periodic.response_files") == 1
    wait_for(lambda: status(lost_id)[1] == FileStatus.READY, timeout=60, poll=0.3)
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.response_files")


# Reports


def _snapshots(app, consultation_id: int) -> dict[str, tuple]:
    """Each area's snapshot: (row id, respondents, figures, round, when made)."""
    from engage.reports.models import ReportSnapshot

    with app.app_context():
        found = {s.area: (s.id, s.respondents, s.figures, s.round_id, s.made_at)
                 for s in db.session.scalars(select(ReportSnapshot).where(
                     ReportSnapshot.consultation_id == consultation_id))}
        db.session.remove()
    return found


def _locks(app) -> list[str]:
    from engage.locks import TaskLock

    with app.app_context():
        held = list(db.session.scalars(select(TaskLock.name)))
        db.session.remove()
    return held


def _responses(app, made, boroughs: tuple[str | None, ...]) -> None:
    from tests.reports.support import answers, respond

    with app.app_context():
        for slug in boroughs:
            respond(made.residents, answers(["burglary", "robbery", "knife-crime"]),
                    borough_slug=slug)
        db.session.commit()


def test_beat_collates_open_consultations_to_the_same_figures(app, worker):
    """Beat's nightly collation counts every open consultation again, in a new round: run twice
    (or its fan-out delivered twice), the same snapshot rows hold the same figures."""
    from engage.reports.models import LONDON
    from tests.reports.support import make_consultation

    now = utcnow()
    made = make_consultation(app, boroughs=["camden", "hackney"])
    make_consultation(app, slug="long-closed", opens_at=now - timedelta(days=90),
                      closes_at=now - timedelta(days=60))
    _responses(app, made, ("camden", "camden", "hackney", None))

    def london_of_a_new_round(seen: set) -> bool:
        found = _snapshots(app, made.consultation_id)
        return LONDON in found and found[LONDON][3] not in seen

    assert run_in_worker(app, worker, "engage.periodic.collate_open_reports") == 1
    wait_for(lambda: london_of_a_new_round(set()), timeout=60, poll=0.2)
    first = _snapshots(app, made.consultation_id)
    assert {area: respondents for area, (_, respondents, *_rest) in first.items()} == {
        "E09000007": 2, "E09000012": 1, LONDON: 4}
    assert len({round_id for *_, round_id, _ in first.values()}) == 1

    assert run_in_worker(app, worker, "engage.periodic.collate_open_reports") == 1
    wait_for(lambda: london_of_a_new_round({first[LONDON][3]}), timeout=60, poll=0.2)
    again = _snapshots(app, made.consultation_id)
    assert {area: row[:3] for area, row in again.items()} == \
        {area: row[:3] for area, row in first.items()}


def test_beat_collates_a_closed_consultation_once(app, worker, mailbox):
    from engage.reports.models import LONDON
    from engage.surveys.models import Consultation
    from tests.reports.support import make_consultation

    now = utcnow().replace(microsecond=0)
    made = make_consultation(app, boroughs=["camden"], opens_at=now - timedelta(days=30),
                             closes_at=now + timedelta(minutes=5))
    _responses(app, made, ("camden", "camden", None))
    with app.app_context():
        db.session.get(Consultation, made.consultation_id).closes_at = now - timedelta(hours=2)
        db.session.commit()

    assert run_in_worker(app, worker, "engage.periodic.collate_closed_reports") == 1
    # London's task commits its snapshot, then lets go of its lock: wait for both, or the
    # second run's "nothing changed" would see the lock go.
    wait_for(lambda: LONDON in _snapshots(app, made.consultation_id) and not _locks(app),
             timeout=60, poll=0.2)
    first = _snapshots(app, made.consultation_id)
    # Camden, and London: Camden's two and the one with no borough.
    assert {area: row[1] for area, row in first.items()} == {"E09000007": 2, LONDON: 3}
    assert all(made_at >= now - timedelta(hours=2) for *_, made_at in first.values())
    _again_changes_nothing(app, worker, mailbox, "engage.periodic.collate_closed_reports")
