"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile: its defaults).

The test suite signs people in over a thousand times, and each verification costs 0.16 s at the
real parameters: under ENGAGE_ENV=test, and only there, argon2's cheapest profile stands in for
them (as Django's test settings swap in a fast hasher). Every hash carries its own parameters,
so one made under either still verifies under the other; production rehashes a cheap one at the
next sign-in (needs_rehash)."""

from __future__ import annotations

import os

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError


def parameters_for(env: str) -> Parameters:
    return profiles.CHEAPEST if env == "test" else profiles.RFC_9106_LOW_MEMORY


# Read from the environment, not the app's config: hashes are made before any app exists (the
# tests' factories) and by processes that make none.
_hasher = PasswordHasher.from_parameters(parameters_for(os.environ.get("ENGAGE_ENV", "production")))
# Verified against when no account matches, so a missing account takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("engage-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    # Anything stored that is not an argon2 hash (an imported member's "no password yet"
    # marker) is checked as no account is: against the dummy, so that it takes argon2's time
    # too. Refused at once, it told a stranger the address was put in a group by staff.
    real = password_hash if password_hash and password_hash.startswith("$argon2") else None
    try:
        return _hasher.verify(real or _DUMMY_HASH, password) and real is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
