"""Meeting invitations through real worker processes: a worker SIGKILLed in the middle of a
500-invitation batch, and an SMTP server that is down, lose nobody and double nobody."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus, Represents
from engage.meetings import operations
from engage.meetings.models import Meeting, MeetingStatus
from tests.dates import at
from tests.factories import _PASSWORD_HASH
from tests.meetings.support import LATER_DAY, cpeg, create_meeting
from tests.workers import (
    all_accounted_for,
    assert_each_once,
    start_worker,
    stop_worker,
    wait_for,
)

pytestmark = pytest.mark.worker
# Workers that sweep quickly, so recovery happens within the test.
FAST_RECOVERY = {"ENGAGE_OUTBOX_GRACE_SECONDS": "1", "ENGAGE_OUTBOX_LEASE_SECONDS": "2"}


def _members(app, n: int) -> list[str]:
    emails = [f"member{i}@example.org" for i in range(n)]
    with app.app_context():
        group_id = cpeg().id
        now = utcnow()
        db.session.execute(insert(User), [
            {"name": f"Member {i}", "email": e, "password_hash": _PASSWORD_HASH,
             "email_confirmed_at": now, "is_admin": False, "created_at": now}
            for i, e in enumerate(emails)])
        ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
        db.session.execute(insert(Membership), [
            {"group_id": group_id, "user_id": user_id, "status": MembershipStatus.ACTIVE,
             "represents": Represents.SELF, "role": "member", "requested_at": now,
             "meeting_emails": True} for user_id in ids])
        db.session.commit()
    return emails


def _publish(app, meeting_id: int) -> None:
    app.config["ENGAGE_TASK_DISPATCH"] = "broker"
    with app.app_context():
        operations.publish(db.session.get(Meeting, meeting_id))
        db.session.commit()


def _sweep(app):
    celery_app = app.extensions["celery"]
    celery_app.send_task("engage.periodic.sweep_outbox")
    celery_app.send_task("engage.periodic.meeting_mailings")


# Room for both waits and two worker starts on a loaded machine; each wait fails first.
@pytest.mark.timeout(240)
def test_a_worker_killed_mid_batch_leaves_nobody_out_and_nobody_twice(app, backend, mailbox,
                                                                     tmp_path):
    emails = _members(app, 500)
    start = at(LATER_DAY, 17, 30)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2),
                                status=MeetingStatus.DRAFT)
    log = tmp_path / "worker.log"
    worker = start_worker(backend, mailbox, log, **FAST_RECOVERY)
    try:
        _publish(app, meeting_id)
        wait_for(lambda: len(mailbox.delivered) >= 20, timeout=90, poll=0.005)
        worker.kill()  # SIGKILL: no warm shutdown, no acknowledgement, no cleanup
        worker.wait()
        received_when_killed = len(mailbox.delivered)
        assert received_when_killed < 500, "the batch finished before the kill; nothing tested"

        worker = start_worker(backend, mailbox, log, **FAST_RECOVERY)
        # Beat's sweepers, run by hand: they find what the killed worker left.
        wait_for(all_accounted_for(app, mailbox, emails), timeout=80, step=lambda: _sweep(app))
    finally:
        stop_worker(worker)
    assert_each_once(app, mailbox, emails)


def test_invitations_wait_while_smtp_is_down_and_go_when_it_returns(app, backend, mailbox,
                                                                   tmp_path):
    emails = _members(app, 20)
    start = at(LATER_DAY, 17, 30)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2),
                                status=MeetingStatus.DRAFT)
    mailbox.stop()
    worker = start_worker(backend, mailbox, tmp_path / "worker.log",
                          ENGAGE_EMAIL_RETRY_BASE_SECONDS="1", **FAST_RECOVERY)
    try:
        _publish(app, meeting_id)
        time.sleep(3)
        assert mailbox.messages == []
        mailbox.start()
        wait_for(lambda: len(set(mailbox.delivered)) >= 20, timeout=90,
                 step=lambda: _sweep(app))
    finally:
        stop_worker(worker)
    assert Counter(mailbox.delivered) == Counter(emails)
