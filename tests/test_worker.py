"""A real Celery worker process, on this run's broker and database, delivers the email.

The rest of the suite runs queued tasks in-process (the `run_tasks` fixture); these tests prove the
same flow through the broker: serialisation, routing, the after-commit hand-over and the sweeper.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from engage.clock import utcnow
from engage.config import QueueNames
from engage.extensions import db
from engage.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import PASSWORD
from tests.workers import SECONDS, every_row, run_in_worker, wait_for

pytestmark = pytest.mark.worker


def test_registration_email_is_sent_by_a_real_worker(broker_app, client, mailbox):
    response = client.submit("/register", {"name": "Grace Hopper", "email": "grace@example.org",
                                           "password": PASSWORD, "home_borough": "lambeth"})
    assert response.status_code == 302
    [message] = mailbox.wait_for("grace@example.org", timeout=60)
    assert message["Subject"] == "Confirm your email address for engage"
    with broker_app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        _wait_for_status(row.id, OutboxStatus.SENT)


def test_a_message_lost_with_the_broker_is_queued_again_by_the_sweeper(broker_app, worker,
                                                                       mailbox):
    grace = broker_app.config["ENGAGE_OUTBOX_GRACE_SECONDS"]
    with broker_app.app_context():
        # Committed and handed to a broker that then lost it: nothing but the row is left.
        lost = OutboxMessage(recipient="lost@example.org", template="account_deleted",
                             context={"name": "Lost"}, status=OutboxStatus.PENDING,
                             due_at=utcnow(), queued_at=utcnow().replace(year=2000))
        db.session.add(lost)
        db.session.commit()
        assert grace < (utcnow() - lost.queued_at).total_seconds()
        lost_id = lost.id
    assert run_in_worker(broker_app, worker, "engage.periodic.sweep_outbox") == 1
    [message] = mailbox.wait_for("lost@example.org", timeout=60)
    assert message["Subject"] == "Your engage account has been deleted"
    with broker_app.app_context():
        _wait_for_status(lost_id, OutboxStatus.SENT)
    # Beat's next sweep: the message is sent, so nothing is queued and nothing sent again.
    before = every_row(broker_app)
    assert run_in_worker(broker_app, worker, "engage.periodic.sweep_outbox") == 0
    assert every_row(broker_app) == before
    assert mailbox.delivered == ["lost@example.org"]


def test_a_task_delivered_twice_sends_one_email(broker_app, mailbox):
    celery_app = broker_app.extensions["celery"]
    with broker_app.app_context():
        twice = _pending("twice@example.org")
        marker = _pending("marker@example.org")
    for message_id in (twice, twice, marker):
        celery_app.send_task("engage.outbox.send_email", args=[message_id])
    # One worker, one queue, in order: once the marker is here, both copies have been handled.
    mailbox.wait_for("marker@example.org", timeout=60)
    assert len(mailbox.to("twice@example.org")) == 1


def test_a_batch_delivered_twice_sends_each_email_once(broker_app, worker, mailbox):
    """The batch task of mailings and the sweeper: the second copy claims nothing."""
    with broker_app.app_context():
        ids = [_pending(f"batch{n}@example.org") for n in range(3)]
    assert run_in_worker(broker_app, worker, "engage.outbox.send_emails", ids) == ["sent"] * 3
    before = every_row(broker_app)
    assert run_in_worker(broker_app, worker, "engage.outbox.send_emails", ids) == \
        ["skipped"] * 3
    assert every_row(broker_app) == before
    assert sorted(mailbox.delivered) == [f"batch{n}@example.org" for n in range(3)]


def test_every_task_is_routed_to_a_queue_the_worker_consumes(app):
    celery_app = app.extensions["celery"]
    consumed = {queue.name for queue in celery_app.conf.task_queues}
    assert consumed == set(QueueNames.all())
    # One routing key per queue, so a message lands in its own queue only.
    keys = [queue.routing_key for queue in celery_app.conf.task_queues]
    assert sorted(keys) == sorted(QueueNames.all())
    engage_tasks = [name for name in celery_app.tasks if name.startswith("engage.")]
    assert engage_tasks
    for name in engage_tasks:
        queue = celery_app.amqp.router.route({}, name)["queue"].name
        assert queue in consumed, name
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def _pending(recipient: str) -> int:
    now = utcnow()
    row = OutboxMessage(recipient=recipient, template="account_deleted",
                        context={"name": recipient}, status=OutboxStatus.PENDING,
                        due_at=now, queued_at=now)
    db.session.add(row)
    db.session.commit()
    return row.id


def _wait_for_status(message_id: int, status: OutboxStatus, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(OutboxMessage, message_id).status == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} never became {status}")


def test_publishing_a_report_draws_its_public_pdfs_in_a_real_worker(app, worker, client,
                                                                     run_tasks):
    from engage.reports.public_files import KINDS
    from engage.reports.targets_models import ReportPublication
    from tests.reports.test_public_files import kept
    from tests.reports.test_public_report import prepared, publish

    prepared(app, client, run_tasks)  # counted in-process; publishing goes through the broker
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    publish(client)
    wait_for(lambda: set(kept(app)) == set(KINDS), timeout=60, poll=0.5)
    assert all(content.startswith(b"%PDF-") for _, content in kept(app).values())

    # The task delivered again: both files are kept as they are, not drawn again.
    with app.app_context():
        publication_id = db.session.scalar(select(ReportPublication.id))
    before = every_row(app)
    assert run_in_worker(app, worker, "engage.reports.draw_public_files", publication_id) == \
        ["kept", "kept"]
    assert every_row(app) == before


def test_a_collation_round_runs_through_a_real_worker(app, worker, client):
    """London's "count again" fans out through the broker: one task per borough, the one that
    completes the round queues London, which adds up that round's borough snapshots. The same
    borough's task delivered twice more (a redelivery) leaves one snapshot with the same
    figures."""
    from engage.reports.collation import covered_boroughs
    from engage.reports.models import LONDON, ReportSnapshot
    from engage.surveys.models import Consultation
    from tests.factories import create_admin
    from tests.reports.support import hand_worked

    hand_worked(app)
    with app.app_context():
        create_admin(email="admin@example.org")
        consultation = db.session.scalars(select(Consultation)).one()
        consultation_id, covered = consultation.id, len(covered_boroughs(consultation))
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    client.sign_in("admin@example.org", PASSWORD)
    london = "/staff/reports/have-your-say-2027/london"
    assert client.submit(london + "/collate", form_page=london).status_code == 302

    def snapshots() -> dict[str, ReportSnapshot]:
        with app.app_context():
            found = db.session.scalars(select(ReportSnapshot).where(
                ReportSnapshot.consultation_id == consultation_id)).all()
            db.session.expunge_all()
            return {s.area: s for s in found}

    wait_for(lambda: LONDON in snapshots(), timeout=120, poll=0.5)
    first = snapshots()
    assert len(first) == covered + 1  # every covered borough, and London
    assert len({s.round_id for s in first.values()}) == 1  # all of one round
    camden, hackney = first["E09000007"], first["E09000012"]
    assert (camden.respondents, hackney.respondents) == (20, 3)
    # London adds up the boroughs, and the response with no borough.
    assert first[LONDON].respondents == 24

    # Camden's task twice more, then Hackney's: one worker takes them in order, so once
    # Hackney's snapshot is new, both of Camden's have run.
    celery_app = app.extensions["celery"]
    with app.app_context():
        for borough_id in (camden.borough_id, camden.borough_id, hackney.borough_id):
            celery_app.send_task("engage.reports.collate_area",
                                 args=[consultation_id, borough_id, camden.round_id])
    wait_for(lambda: snapshots()["E09000012"].made_at > hackney.made_at, timeout=60, poll=0.5)
    again = snapshots()
    assert set(again) == set(first)
    assert again["E09000007"].made_at > camden.made_at
    assert again["E09000007"].respondents == 20
    assert again["E09000007"].figures == camden.figures


def test_a_print_run_is_rendered_by_a_real_worker(app, worker, client):
    """"Start a print run now" hands the run to a worker through the broker; the PDF it writes
    holds each recipient's reference. The render task delivered twice more does nothing."""
    from engage.mailouts.models import PrintRun, RunStatus
    from tests.mailouts.support import make_consultation, pdf_pages, record, sign_in
    from tests.mailouts.test_print_runs import references, start_run

    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    record(client, ids["residents"], name="Grace Hopper", postcode="WC1H 9NE")
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    run_url = start_run(client)
    wait_for(lambda: "Ready to print" in client.get(run_url).get_data(as_text=True),
             timeout=120, poll=0.5)
    pdf = client.get(run_url + "/print-run.pdf")
    text = " ".join(pdf_pages(pdf.data))
    pdf.close()
    assert all(reference in text for reference in references(app))

    with app.app_context():
        run_id = db.session.scalar(select(PrintRun.id))
        for _ in range(2):
            app.extensions["celery"].send_task("engage.mailouts.render_print_run",
                                               args=[run_id])
    # Each delivery logs its outcome: the first "rendered", the two more "skipped".

    def outcomes() -> list[str]:
        return re.findall(r"engage\.mailouts\.render_print_run\[[^\]]+\] succeeded in "
                          rf"{SECONDS}: '(\w+)'", worker.log_path.read_text())

    wait_for(lambda: len(outcomes()) >= 3, timeout=60, poll=0.5)
    assert outcomes()[-3:] == ["rendered", "skipped", "skipped"]
    with app.app_context():
        run = db.session.get(PrintRun, run_id)
        assert (db.session.scalar(select(func.count(PrintRun.id))), run.status,
                run.attempts) == (1, RunStatus.READY, 1)
