"""Rows for tests, with sensible defaults and any field overridable."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from engage.auth.models import StaffRole, StaffRoleName, User
from engage.auth.passwords import hash_password
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
_numbers = itertools.count(1)


def borough(slug: str) -> Borough:
    found = db.session.scalar(select(Borough).where(Borough.slug == slug))
    assert found is not None, f"no borough {slug}"
    return found


def create_user(**overrides) -> User:
    n = next(_numbers)
    home = overrides.pop("home", "camden")
    roles = overrides.pop("roles", {})
    fields = {
        "name": f"Person {n}",
        "email": f"person{n}@example.org",
        "password_hash": _PASSWORD_HASH,
        "email_confirmed_at": utcnow(),
        "home_borough": borough(home) if home else None,
    }
    fields.update(overrides)
    user = User(**fields)
    for role, slugs in roles.items():
        for slug in ([slugs] if isinstance(slugs, str) else slugs):
            user.staff_roles.append(StaffRole(role=StaffRoleName(role), borough=borough(slug)))
    db.session.add(user)
    db.session.commit()
    return user


def create_officer(slug: str = "camden", **overrides) -> User:
    return create_user(roles={"officer": slug}, **overrides)


def create_admin(**overrides) -> User:
    return create_user(is_admin=True, **overrides)
