from celery import shared_task

from engage.auth.sessions import prune_expired
from engage.extensions import db


@shared_task(name="engage.periodic.prune_sessions")
def prune_sessions() -> int:
    """Delete sign-in sessions idle past the limit (they no longer work anyway)."""
    removed = prune_expired()
    db.session.commit()
    return removed
