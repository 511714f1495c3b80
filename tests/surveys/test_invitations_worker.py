"""Survey invitations through real worker processes: a worker SIGKILLed in the middle of a
500-person fan-out loses nobody and doubles nobody."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.surveys import invitation_tasks as mailings
from engage.surveys.invitation_models import SurveyMailingKind
from engage.surveys.models import Audience, InviteeList
from tests.surveys.test_invitations_support import (
    add_members,
    list_from_group,
    make_consultation,
    officer,
)
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


def _sweep(app) -> None:
    celery_app = app.extensions["celery"]
    celery_app.send_task("engage.periodic.sweep_outbox")
    celery_app.send_task("engage.periodic.survey_mailings")


# Room for both waits and two worker starts on a loaded machine; each wait fails first.
@pytest.mark.timeout(240)
def test_a_worker_killed_mid_fan_out_leaves_nobody_out_and_nobody_twice(app, backend, mailbox,
                                                                       tmp_path):
    emails = [f"resident{i}@example.org" for i in range(500)]
    ids = make_consultation(app)
    add_members(app, emails)
    list_id = list_from_group(officer(app), ids[Audience.RESIDENTS])
    log = tmp_path / "worker.log"
    worker = start_worker(backend, mailbox, log, **FAST_RECOVERY)
    try:
        app.config["ENGAGE_TASK_DISPATCH"] = "broker"
        with app.app_context():
            mailings.open_mailing(db.session.get(InviteeList, list_id),
                                  SurveyMailingKind.INVITATION)
            db.session.commit()
        wait_for(lambda: len(mailbox.delivered) >= 20, timeout=90, poll=0.005)
        worker.kill()  # SIGKILL: no warm shutdown, no acknowledgement, no cleanup
        worker.wait()
        assert len(mailbox.delivered) < 500, "everything arrived before the kill; nothing tested"

        worker = start_worker(backend, mailbox, log, **FAST_RECOVERY)
        # Beat's sweepers, run by hand: they find what the killed worker left.
        wait_for(all_accounted_for(app, mailbox, emails), timeout=80, step=lambda: _sweep(app))
    finally:
        stop_worker(worker)
    assert_each_once(app, mailbox, emails)
