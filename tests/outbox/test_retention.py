"""Retention: a set time after an email is sent or given up on, its address and contents are
emptied; the row stays for the counts; nothing waiting to be sent is touched."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from engage.clock import utcnow
from engage.extensions import db
from engage.outbox import operations, retention, tasks
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.outbox.retention import DELETED
from tests.factories import PASSWORD, create_user
from tests.helpers import page_text


def _message(app, recipient: str, status: OutboxStatus, days_ago: int) -> int:
    then = utcnow() - timedelta(days=days_ago)
    with app.app_context():
        row = OutboxMessage(recipient=recipient, template="account_deleted",
                            context={"name": "Grace Hopper"}, status=status,
                            created_at=then, due_at=then,
                            sent_at=then if status == OutboxStatus.SENT else None,
                            last_error=f"550 <{recipient}>: no such user"
                            if status == OutboxStatus.FAILED else None)
        db.session.add(row)
        db.session.commit()
        return row.id


def _row(app, message_id: int) -> tuple:
    with app.app_context():
        m = db.session.get(OutboxMessage, message_id)
        return m.recipient, m.context, m.last_error, m.status


def test_finished_emails_are_emptied_after_the_retention_time(client, app):
    old_sent = _message(app, "old@example.org", OutboxStatus.SENT, 31)
    old_failed = _message(app, "bounced@example.org", OutboxStatus.FAILED, 31)
    recent = _message(app, "recent@example.org", OutboxStatus.SENT, 29)
    stuck = _message(app, "waiting@example.org", OutboxStatus.PENDING, 60)
    with app.app_context():
        assert tasks.forget_finished_emails.apply().get() == 2
        assert tasks.forget_finished_emails.apply().get() == 0
    assert _row(app, old_sent) == (DELETED, {}, None, OutboxStatus.SENT)
    assert _row(app, old_failed) == (DELETED, {}, None, OutboxStatus.FAILED)
    assert _row(app, recent)[0] == "recent@example.org"
    assert _row(app, stuck)[:2] == ("waiting@example.org", {"name": "Grace Hopper"})

    # An emptied failure can no longer be sent again, from the page or by a forged POST.
    with app.app_context():
        email = create_user(is_admin=True).email
    client.sign_in(email, PASSWORD)
    page = client.get("/admin/outbox?status=failed")
    assert "bounced@example.org" not in page_text(page)
    assert "Send again" not in page_text(page)
    client.submit(f"/admin/outbox/{old_failed}/retry", {}, form_page="/admin/outbox")
    assert _row(app, old_failed)[3] == OutboxStatus.FAILED


def test_a_message_requeued_while_retention_runs_keeps_its_address(app, monkeypatch,
                                                                  mailbox, run_tasks):
    """An administrator sends a failure again between retention choosing its batch and
    emptying it: the message is waiting to be sent, so it must not be emptied."""
    finished = [_message(app, f"old{n}@example.org", OutboxStatus.SENT, 31) for n in range(4)]
    bounced = _message(app, "bounced@example.org", OutboxStatus.FAILED, 31)
    choose = db.session.scalars

    def choose_then_requeue(*args, **kwargs):
        chosen = choose(*args, **kwargs).all()
        if bounced in chosen:
            operations.requeue_failed(db.session.get(OutboxMessage, bounced))
            db.session.flush()
        return SimpleNamespace(all=lambda: chosen)

    with app.app_context():
        monkeypatch.setattr(db.session, "scalars", choose_then_requeue)
        # Batches of 2, each after the last: the failure is chosen in the third.
        assert retention.forget_finished(batch=2) == 4
        monkeypatch.undo()
    assert [_row(app, m)[0] for m in finished] == [DELETED] * 4
    assert _row(app, bounced)[:2] == ("bounced@example.org", {"name": "Grace Hopper"})
    run_tasks()
    assert mailbox.to("bounced@example.org")
    assert _row(app, bounced)[3] == OutboxStatus.SENT
