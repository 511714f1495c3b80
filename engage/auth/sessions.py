"""Server-side sign-in sessions on top of Flask-Login.

Flask's session is a signed cookie, so on its own a copied cookie keeps working after sign-out.
Here the cookie also carries a random token whose hash is a UserSession row; the user loader
accepts the cookie only while that row exists and has been used recently. Signing out, changing
the password or deleting the account deletes rows, and the cookie is then worth nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select

from engage.api import is_api_request
from engage.auth.models import User, UserSession
from engage.auth.tokens import hash_token, random_token
from engage.clock import utcnow
from engage.extensions import db, login_manager

SESSION_TOKEN_KEY = "engage_sid"  # noqa: S105 - a session key name, not a secret
# Record activity at most this often, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    # The session token below does the job Flask-Login's session protection approximates.
    login_manager.session_protection = None
    app.session_interface = SessionCookies()

    @app.before_request
    def _load_user_first():
        # Load (and touch) the session before the view changes anything, so the loader's commit
        # never carries a half-done change with it. Static files and the public API need no
        # user (reading the API is not using one's account: it keeps no session alive).
        if request.endpoint != "static" and not is_api_request():
            _ = current_user.is_authenticated


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
    idle = timedelta(minutes=current_app.config["ENGAGE_SESSION_IDLE_MINUTES"])
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row.user


def start_session(user: User) -> None:
    """Sign `user` in on this browser with a fresh session (a new id, against fixation)."""
    token, token_hash = random_token()
    now = utcnow()
    db.session.add(UserSession(
        token_hash=token_hash, user_id=user.id, created_at=now, last_seen_at=now,
        user_agent=(request.user_agent.string or "")[:300],
    ))
    session.clear()
    login_user(user)
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True


def end_session() -> None:
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> None:
    """Sign `user` out everywhere but here (after a password or email change)."""
    token = session.get(SESSION_TOKEN_KEY)
    keep = hash_token(token) if token else ""
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.token_hash != keep)
    )


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def prune_expired() -> int:
    cutoff = utcnow() - timedelta(minutes=current_app.config["ENGAGE_SESSION_IDLE_MINUTES"])
    result = db.session.execute(delete(UserSession).where(UserSession.last_seen_at < cutoff))
    return result.rowcount
