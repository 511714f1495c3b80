"""Two-step verification secrets encrypted at rest: a copy of the database (a backup, a leaked
dump) must not be enough to make every staff member's codes.

Each secret is kept as a Fernet token (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a
key derived with HKDF from SECRET_KEY. Fernet keys are also derived from each of
SECRET_KEY_FALLBACKS, so the secret key can be rotated: a token sealed with an old key still
opens, and is sealed again with the current key (`rotated`) the next time its code is accepted.
The key never touches the database, so the database alone opens nothing.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# What the derived key is for: a key derived for anything else from the same SECRET_KEY differs.
INFO = b"engage two-step secret"


class Unreadable(Exception):
    """No configured key opens the token: the secret key changed with the old one not kept in
    ENGAGE_SECRET_KEY_FALLBACKS, or the value was not sealed here."""


def fernet_for(secret_key: str | bytes) -> Fernet:
    """The Fernet key for two-step secrets made from one secret key."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    # No salt: SECRET_KEY is already random (production refuses a short one); `info` keeps this
    # key apart from any other derived from it.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> list[Fernet]:
    """The current key first, then one for each fallback."""
    config = current_app.config
    return [fernet_for(key) for key in
            [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]]


def seal(secret: str) -> str:
    """`secret` encrypted with the current key, as text to store."""
    return _keys()[0].encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    """The secret in `stored`, opened with the current key or a fallback; raises Unreadable."""
    try:
        return MultiFernet(_keys()).decrypt(stored.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable from exc


def rotated(stored: str) -> str | None:
    """`stored` sealed again with the current key if only a fallback key opens it, else None
    (already current). Raises Unreadable if no key opens it."""
    keys = _keys()
    try:
        keys[0].decrypt(stored.encode())
        return None
    except InvalidToken:
        pass
    try:
        return MultiFernet(keys).rotate(stored.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable from exc
