"""Passwords are hashed with argon2id at RFC 9106's parameters everywhere but the test suite, and
a hash made at other parameters is replaced at the next sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters, profiles
from sqlalchemy import select

from engage.auth.models import User
from engage.auth.passwords import parameters_for
from engage.extensions import db
from tests.factories import PASSWORD, create_user


def test_only_the_test_suite_uses_the_cheap_parameters():
    assert parameters_for("production") == profiles.RFC_9106_LOW_MEMORY
    assert parameters_for("development") == profiles.RFC_9106_LOW_MEMORY
    assert parameters_for("test") == profiles.CHEAPEST


def test_a_hash_at_other_parameters_is_replaced_when_its_owner_signs_in(client, app):
    # As a hash made under production's parameters would be, seen from the tests' (and as a
    # test-made one would be in production).
    stronger = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with app.app_context():
        user_id = create_user(email="old@example.org", password_hash=stronger).id

    client.sign_in("old@example.org", PASSWORD)

    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == user_id))
    assert stored != stronger
    assert extract_parameters(stored) == parameters_for("test")
    client.sign_out()
    client.sign_in("old@example.org", PASSWORD)  # and the new hash works
