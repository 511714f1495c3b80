"""People, their sign-in sessions and their staff roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db


class StaffRoleName(enum.StrEnum):
    """Roles held for a borough. Administrators are not here: they hold every borough."""

    OFFICER = "officer"
    INTERVIEWER = "interviewer"
    CLERK = "clerk"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return STAFF_ROLE_LABELS[self]


STAFF_ROLE_LABELS = {
    StaffRoleName.OFFICER: "Borough engagement officer",
    StaffRoleName.INTERVIEWER: "Telephone interviewer",
    StaffRoleName.CLERK: "Data-entry clerk",
    StaffRoleName.ANALYST: "Analyst",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased, so uniqueness holds whatever case people type.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    home_borough_id: Mapped[int | None] = mapped_column(
        ForeignKey("boroughs.id", ondelete="SET NULL")
    )
    email_confirmed_at: Mapped[datetime | None]
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    # Two-step verification (engage.auth.two_step). The secret is kept from the moment set-up
    # starts, so the QR code stays the same if the page is shown again; it is on only once
    # enabled_at is set, after the person has typed a code it made. Checking a code needs the
    # secret itself, so it cannot be hashed: it is kept encrypted with a key derived from
    # SECRET_KEY (engage.auth.secrets_at_rest), a Fernet token of about 140 characters.
    two_step_secret: Mapped[str | None] = mapped_column(String(255))
    two_step_enabled_at: Mapped[datetime | None]
    # The last time step (30-second window since 1970) whose code was accepted: a code, once
    # used, is not accepted again, nor is any earlier one.
    two_step_last_step: Mapped[int | None]

    home_borough: Mapped[Borough | None] = relationship()
    staff_roles: Mapped[list[StaffRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True,
        foreign_keys="StaffRole.user_id",
    )

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def has_two_step(self) -> bool:
        return self.two_step_enabled_at is not None

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.staff_roles)

    def has_role(self, borough: Borough, *roles: StaffRoleName) -> bool:
        """True when this person holds one of `roles` for `borough` (administrators hold all)."""
        if self.is_admin:
            return True
        return any(
            grant.borough_id == borough.id and (not roles or grant.role in roles)
            for grant in self.staff_roles
        )

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RecoveryCode(db.Model):
    """One single-use code for signing in when the authenticator app is not to hand. Only its
    hash is kept: the person is shown the codes once, when two-step verification is turned on."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class StaffRole(db.Model):
    """One role held by one person for one borough."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "borough_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRoleName] = mapped_column(
        Enum(StaffRoleName, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e])
    )
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="staff_roles", foreign_keys=[user_id])
    borough: Mapped[Borough] = relationship()


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random token; this row holds its hash.

    Deleting the row signs that browser out for good, so a copied cookie stops working.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class KnownDevice(db.Model):
    """A browser someone has signed in with, in words ("Firefox on Windows", engage.auth.devices):
    a sign-in from one their account has not been used on before is told to them by email, in
    case it was not them (engage.auth.sessions.start_session). Words, not the whole User-Agent,
    so a browser update is not a new device. Forgotten after a year unused, with the account."""

    __tablename__ = "known_devices"
    __table_args__ = (UniqueConstraint("user_id", "device"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(String(200))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffInvitation(db.Model):
    """An administrator's invitation to join as staff, with the roles to grant on acceptance."""

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    make_admin: Mapped[bool] = mapped_column(default=False)
    # [[role, borough_id], ...]: what accepting grants.
    grants: Mapped[list] = mapped_column(JSON, default=list)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    invited_by: Mapped[User | None] = relationship()
