"""Signed, expiring links for email confirmation and password reset.

Each token names what it is for (the salt) and carries enough of the account's state that it stops
working once used: fingerprints of the password hash and the address (engage.auth.operations), so
a reset link dies once the password is set, and a link to change the address dies once the
password or the address changes another way.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # Signed with SECRET_KEY; links signed with a fallback key still open while the key is
    # rotated. itsdangerous takes the keys oldest first, signing with the last (as Flask's
    # session does).
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=f"engage.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_hours: int | None = None) -> dict | None:
    hours = max_age_hours or current_app.config["ENGAGE_TOKEN_MAX_AGE_HOURS"]
    try:
        payload = _serializer(purpose).loads(token, max_age=hours * 3600)
    except BadSignature:  # includes SignatureExpired
        return None
    return payload if isinstance(payload, dict) else None


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def random_token() -> tuple[str, str]:
    """A random token for a link or cookie, and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
