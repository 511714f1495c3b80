"""Server-side sign-in sessions on top of Flask-Login.

Flask's session is a signed cookie, so on its own a copied cookie keeps working after sign-out.
Here the cookie also carries a random token whose hash is a UserSession row; the user loader
accepts the cookie only while that row exists and has been used recently. Signing out, changing
the password or deleting the account deletes rows, and the cookie is then worth nothing.

A signed-in page tells its timeout warning (templates/auth/_timeout_warning.html,
engage/assets/session-timeout.js) how long the session has left (session_timing), and the
warning's "Stay signed in" button extends it (keep_alive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_url, login_user, logout_user
from sqlalchemy import and_, delete, func, select, update
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from engage.api import is_api_request
from engage.audit.operations import record
from engage.auth.devices import device_in_words
from engage.auth.models import KnownDevice, User, UserSession
from engage.auth.tokens import hash_token, random_token
from engage.clock import utcnow
from engage.extensions import conflict_insert, db, login_manager
from engage.outbox.operations import queue_email
from engage.templating import london_time

SESSION_TOKEN_KEY = "engage_sid"  # noqa: S105 - a session key name, not a secret
# Record activity at most this often (or a quarter of the idle limit, if that is shorter), so
# reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


def idle_limit() -> timedelta:
    """How long a session lasts unused. ENGAGE_SESSION_IDLE_MINUTES is a whole number from the
    environment; the tests set a fraction of a minute (0.25 is 15 seconds) in the app's config."""
    return timedelta(minutes=current_app.config["ENGAGE_SESSION_IDLE_MINUTES"])


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.unauthorized_handler(_sign_in_first)
    # The session token below does the job Flask-Login's session protection approximates.
    login_manager.session_protection = None
    app.session_interface = SessionCookies()
    app.add_template_global(session_timing)

    @app.before_request
    def _load_user_first():
        # Load (and touch) the session before the view changes anything, so the loader's commit
        # never carries a half-done change with it. Static files and the public API need no
        # user (reading the API is not using one's account: it keeps no session alive).
        if request.endpoint != "static" and not is_api_request():
            _ = current_user.is_authenticated


# Said when a form arrives from someone not signed in: nearly always a signed-in page whose
# session ended while it was open (left past the idle limit, the warning unseen).
SENT_SIGNED_OUT = ("You have been signed out, so what you sent has not been saved. Sign in, then "
                   "enter it again.")


def _sign_in_first():
    """Flask-Login's redirect to the sign-in page, which would say "Sign in to see this page"
    and come back to the address of whatever was sent, even a form's POST-only address (a 405
    after signing in). A form sent is not saved: say so, and come back to a page that can be
    opened, the form's own or the page it was sent from."""
    if request.method in ("GET", "HEAD"):
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))
    flash(SENT_SIGNED_OUT, "error")
    back = request.url if _opens(request.path) else _same_site_referrer()
    return redirect(login_url(login_manager.login_view, next_url=back) if back
                    else url_for(login_manager.login_view))


def _opens(path: str) -> bool:
    """Whether `path` is a page (an address that answers GET)."""
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except (HTTPException, RoutingException):
        return False
    return True


def _same_site_referrer() -> str | None:
    """The page the form was sent from, if it is one of ours that opens."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not _opens(referrer.path):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but never sent with an answer of the public API: those
    may be kept by shared caches (Cache-Control: public), and a cache that ignores Vary would
    hand a signed-in person's refreshed session cookie to everyone who asks after them."""

    def save_session(self, app, session, response) -> None:
        if is_api_request():
            return
        super().save_session(app, session, response)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is None or str(row.user_id) != user_id:
        return None
    now = utcnow()
    idle = idle_limit()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > min(TOUCH_EVERY, idle / 4):
        row.last_seen_at = now
        db.session.commit()
    g.user_session = row
    return row.user


@dataclass(frozen=True)
class SessionTiming:
    """When this request's session ends, for the timeout warning: in seconds from now (the
    browser counts from when the page arrives, so its clock need not agree with ours)."""

    # The idle limit: how long "Stay signed in" gives.
    idle_seconds: int
    # Until it ends unused: the limit less the time since the last recorded use (recorded at
    # most once a minute, so up to a minute before this page).
    idle_seconds_left: int
    # Until it ends however it is used (PERMANENT_SESSION_LIFETIME after signing in), and when.
    ends_in_seconds: int
    ends_at: datetime


def session_timing() -> SessionTiming | None:
    """This request's session's timing; None when nobody is signed in."""
    row = g.get("user_session")
    if row is None or not current_user.is_authenticated:
        return None
    now = utcnow()
    idle = idle_limit()
    ends_at = row.created_at + current_app.config["PERMANENT_SESSION_LIFETIME"]
    return SessionTiming(
        idle_seconds=round(idle.total_seconds()),
        # Rounded up: the browser must not send someone to "You have been signed out" while
        # the session still lasts.
        idle_seconds_left=max(0, ceil((row.last_seen_at + idle - now).total_seconds())),
        ends_in_seconds=max(0, ceil((ends_at - now).total_seconds())),
        ends_at=ends_at,
    )


def keep_alive() -> None:
    """Count now as a use of this request's session, so that its idle time starts again."""
    g.user_session.last_seen_at = utcnow()


def start_session(user: User, *, method: str) -> None:
    """Sign `user` in on this browser with a fresh session (a new id, against fixation).

    `method` says how they proved who they are ("password", "password and two-step code"...):
    a staff member's sign-in goes in the audit log with it and the device, so an administrator
    looking into misuse of an account can see when and from what it was used. Members'
    sign-ins do not: the staff audit log is no place for the public's comings and goings."""
    token, token_hash = random_token()
    now = utcnow()
    user_agent = (request.user_agent.string or "")[:300]
    db.session.add(UserSession(
        token_hash=token_hash, user_id=user.id, created_at=now, last_seen_at=now,
        user_agent=user_agent,
    ))
    device = device_in_words(user_agent)
    if user.is_staff:
        record("account.signed_in", target=f"user:{user.id}", actor=user, method=method,
               device=device)
    if remember_device(user, device, now):
        from engage.auth.operations import external_url  # which builds on this module

        queue_email(user.email, "new_sign_in", name=user.name, device=device,
                    at=london_time(now), signed_in_url=external_url("auth.signed_in_devices"),
                    reset_url=external_url("auth.forgotten_password"))
    session.clear()
    login_user(user)
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True


# Devices not used for this long are forgotten: the next sign-in on one is new again.
FORGET_DEVICES_AFTER = timedelta(days=366)


def remember_device(user: User, device: str, now: datetime) -> bool:
    """Note that `user` signed in on `device`; True when it is one their account has not been
    used on, and not their first (an account's first sign-in needs no warning). Two sign-ins at
    once on the same new device insert it once: the second finds it there."""
    known_before = db.session.scalar(
        select(func.count()).select_from(KnownDevice).where(KnownDevice.user_id == user.id))
    # RETURNING, not rowcount: with an implicit RETURNING psycopg's rowcount says -1.
    added = db.session.execute(
        conflict_insert(KnownDevice)
        .values(user_id=user.id, device=device, first_seen_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "device"])
        .returning(KnownDevice.id)).scalar_one_or_none() is not None
    if not added:
        db.session.execute(update(KnownDevice)
                           .where(KnownDevice.user_id == user.id, KnownDevice.device == device)
                           .values(last_seen_at=now))
    return added and known_before > 0


def forget_old_devices() -> int:
    result = db.session.execute(delete(KnownDevice).where(
        KnownDevice.last_seen_at < utcnow() - FORGET_DEVICES_AFTER))
    return result.rowcount


def end_session() -> None:
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))
    g.pop("user_session", None)
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> int:
    """Sign `user` out everywhere but here (after a password or email change, or when they ask):
    how many live sessions that ended."""
    token = session.get(SESSION_TOKEN_KEY)
    keep = hash_token(token) if token else ""
    others = [UserSession.user_id == user.id, UserSession.token_hash != keep]
    live = db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(*others, *_live(utcnow())))
    db.session.execute(delete(UserSession).where(*others))
    return live


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def _live(now: datetime) -> list:
    """Conditions on UserSession for a session the user loader would still accept."""
    return [UserSession.last_seen_at >= now - idle_limit(),
            UserSession.created_at >= now - current_app.config["PERMANENT_SESSION_LIFETIME"]]


def live_sessions(user: User) -> list[UserSession]:
    """Where `user` is signed in now, the most recently used first."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, *_live(utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def current_session_id() -> int | None:
    row = g.get("user_session")
    return row.id if row is not None else None


def end_session_of(user: User, session_id: int) -> bool:
    """Sign `user` out of one of their sessions (not this one: that is signing out). False
    when it had ended already, or is not theirs."""
    if session_id == current_session_id():
        return False
    result = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id,
                                  *_live(utcnow())))
    return result.rowcount > 0


def prune_expired() -> int:
    """Delete the sessions the user loader would refuse anyway: unused for the idle limit, or
    older than the lifetime however used."""
    now = utcnow()
    result = db.session.execute(delete(UserSession).where(~and_(*_live(now))))
    return result.rowcount
