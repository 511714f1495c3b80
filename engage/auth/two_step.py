"""Two-step verification: a code from an authenticator app (TOTP, RFC 6238) after the password.

Setting up keeps a secret on the account and shows it as a QR code; it is on once the person
types a code the app made from it. Then signing in takes two pages: the password puts a
short-lived "password checked" note in the session (`begin`), and only a current code, or one
of the single-use recovery codes, signs them in. Staff may be required to have it
(ENGAGE_STAFF_TWO_STEP): they are sent to set it up from every staff and administration page.
The secret is stored encrypted (engage.auth.secrets_at_rest): read it only through `unseal`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import delete, func, or_, select, update

from engage.auth.models import RecoveryCode, User
from engage.auth.secrets_at_rest import Unreadable, rotated, seal, unseal
from engage.auth.tokens import fingerprint
from engage.clock import utcnow
from engage.extensions import db

STEP_SECONDS = 30  # RFC 6238's default, which every authenticator app uses
# How long after the password the code may be given: long enough to find the phone.
PENDING_FOR = timedelta(minutes=10)
PENDING_KEY = "two_step_pending"
RECOVERY_CODES = 10
# Lower-case letters and digits less the ones read as each other (i l o 0 1): 31 characters,
# 16 to a code, about 79 random bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
# When signing in with a recovery code leaves this many or fewer, the person is told.
FEW_LEFT = 3
# Staff and administration pages, and staff walking a questionnaire's preview.
STAFF_PATHS = re.compile(r"/(staff|admin|have-your-say/preview)(/|$)")

log = logging.getLogger(__name__)


class Checked(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    USED = "used"  # right, but its time step (or a later one) has been used already


# Setting up ----------------------------------------------------------------------------------

def secret_for_set_up(user: User) -> str:
    """The secret being set up, made the first time the page is shown and kept (sealed) until
    it is on: the QR code scanned from the page stays good if the page is shown again. Flushes."""
    if user.two_step_secret is not None:
        try:
            return unseal(user.two_step_secret)
        except Unreadable:
            if user.has_two_step:
                raise
            # Sealed under a secret key no longer configured, and not on yet: nothing is lost
            # by starting the set-up again with a new secret.
    secret = pyotp.random_base32()  # 32 characters: 160 bits, as RFC 4226 asks
    user.two_step_secret = seal(secret)
    user.two_step_last_step = None
    db.session.flush()
    return secret


def qr_code(user: User, secret: str) -> str:
    """The otpauth:// address of `secret` as a QR code, a data: URI PNG (the CSP allows
    data: images, and an <img> takes an alt text)."""
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["ENGAGE_SERVICE_NAME"])
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def in_groups(secret: str) -> str:
    """The secret as people type it into an app: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def turn_on(user: User) -> list[str]:
    """Two-step verification is on from now; returns the new recovery codes, the only time they
    exist unhashed (earlier ones stop working)."""
    user.two_step_enabled_at = utcnow()
    return new_recovery_codes(user)


def turn_off(user: User) -> None:
    """Off, the secret forgotten and the recovery codes gone (turned off, or reset by an
    administrator): the next set-up starts with a new secret."""
    user.two_step_secret = None
    user.two_step_enabled_at = None
    user.two_step_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reseal_all() -> tuple[int, int, list[int]]:
    """Every stored secret encrypted with the current key, after the secret key was rotated:
    (how many were already, how many are now, the ids of accounts whose secret no configured
    key opens). Flushes; the caller commits."""
    current = resealed = 0
    unreadable = []
    for user in db.session.scalars(select(User).where(User.two_step_secret.is_not(None))
                                   .order_by(User.id)):
        try:
            sealed = rotated(user.two_step_secret)
        except Unreadable:
            unreadable.append(user.id)
            continue
        if sealed is None:
            current += 1
        else:
            user.two_step_secret = sealed
            resealed += 1
    db.session.flush()
    return current, resealed, unreadable


def required_for(user) -> bool:
    return bool(current_app.config["ENGAGE_STAFF_TWO_STEP"]) and user.is_staff


# Codes ---------------------------------------------------------------------------------------

def current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def check_code(user: User, typed: str) -> Checked:
    """A 6-digit code from the app, accepted for this time step or the one either side (a phone
    clock a little out, a code typed as it changed), and only once: the step it was made for is
    kept, and that step or any earlier one is refused after. A secret sealed with a fallback key
    is sealed again with the current one once its code is accepted (the caller commits)."""
    code = "".join((typed or "").split())
    if not (user.two_step_secret and re.fullmatch(r"\d{6}", code)):
        return Checked.WRONG
    try:
        secret = unseal(user.two_step_secret)
    except Unreadable:
        # Not a 500: the person is told the code is wrong, and an administrator can reset it.
        log.warning("two-step code refused for user %s: their secret cannot be decrypted with "
                    "SECRET_KEY or any of SECRET_KEY_FALLBACKS (was the secret key changed "
                    "without keeping the old one in ENGAGE_SECRET_KEY_FALLBACKS?); an "
                    "administrator can reset their two-step verification", user.id)
        return Checked.WRONG
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if not _claim_step(user, step):
                return Checked.USED
            resealed = rotated(user.two_step_secret)
            if resealed is not None:
                user.two_step_secret = resealed
            return Checked.ACCEPTED
    return Checked.WRONG


def _claim_step(user: User, step: int) -> bool:
    """Note `step` as used, if no step as late has been: one UPDATE that checks as it writes,
    so the same code sent twice at once is accepted once."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.two_step_last_step.is_(None),
                                                   User.two_step_last_step < step))
        .values(two_step_last_step=step).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    user.two_step_last_step = step
    return True


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for `user` in place of any earlier ones. Adds and flushes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(code))
                       for code in codes)
    db.session.flush()
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def _hash_recovery(code: str) -> str:
    # SHA-256, not argon2 as for passwords: a slow hash protects secrets people choose, which an
    # attacker can guess in order of likelihood. These are 79 random bits: nothing to guess in
    # order, and trying them all is out of reach however fast the hash.
    return hashlib.sha256(code.encode()).hexdigest()


def use_recovery_code(user: User, typed: str) -> bool:
    """Spend one of `user`'s recovery codes, typed with or without its hyphens and spaces, in
    either case. One UPDATE that checks as it writes: a code sent twice at once works once."""
    code = re.sub(r"[\s-]", "", (typed or "").lower())
    if len(code) != RECOVERY_LENGTH:
        return False
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _hash_recovery(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return spent.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def looks_like_recovery_code(typed: str) -> bool:
    return len(re.sub(r"[\s-]", "", typed or "")) == RECOVERY_LENGTH


# Between the password and the code -----------------------------------------------------------

def begin(user: User) -> None:
    """The password was right: note who, and when, for the code page. A fingerprint of the
    password hash rides along, so a password reset meanwhile ends the note."""
    session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()),
                            "pw": fingerprint(user.password_hash)}


def pending_user() -> User | None:
    """The person whose password was checked on this browser in the last ten minutes, if they
    still have two-step verification on."""
    note = session.get(PENDING_KEY)
    if not isinstance(note, dict):
        return None
    if not isinstance(note.get("at"), int) or \
            time.time() - note["at"] > PENDING_FOR.total_seconds():
        return None
    user = db.session.get(User, note.get("uid")) if isinstance(note.get("uid"), int) else None
    if user is None or not user.has_two_step or note.get("pw") != fingerprint(user.password_hash):
        return None
    return user


def end_pending() -> None:
    session.pop(PENDING_KEY, None)


# Required for staff --------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    @app.before_request
    def _staff_set_up_two_step_first():
        """With ENGAGE_STAFF_TWO_STEP on, staff without two-step verification are sent from
        every staff and administration page to set it up (and back once it is on)."""
        if not app.config["ENGAGE_STAFF_TWO_STEP"] or not STAFF_PATHS.match(request.path):
            return None
        if not current_user.is_authenticated or not required_for(current_user) \
                or current_user.has_two_step:
            return None
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.two_step", next=wanted) if wanted
                        else url_for("auth.two_step"))
