from celery import shared_task

from engage import once
from engage.auth.sessions import prune_expired
from engage.extensions import db


@shared_task(name="engage.periodic.prune_sessions")
def prune_sessions() -> int:
    """Delete sign-in sessions idle past the limit (they no longer work anyway), and the keys
    of staff forms sent more than a day ago (engage.once: no retry comes that late)."""
    removed = prune_expired()
    once.prune()
    db.session.commit()
    return removed
