from celery import shared_task

from engage import once
from engage.auth.operations import forget_unconfirmed_registrations
from engage.auth.sessions import forget_old_devices, prune_expired
from engage.extensions import db


@shared_task(name="engage.periodic.prune_sessions")
def prune_sessions() -> int:
    """Delete sign-in sessions idle past the limit (they no longer work anyway), devices not
    signed in on for a year, registrations never confirmed (engage.auth.operations.
    UNCONFIRMED_DAYS), and the keys of staff forms sent more than a day ago (engage.once: no
    retry comes that late)."""
    removed = prune_expired()
    forget_old_devices()
    forget_unconfirmed_registrations()
    once.prune()
    db.session.commit()
    return removed
