"""Importing a group's existing members from CSV: every line checked first, all or nothing.

Columns: name, email, represents, organisation, role, joined. `represents` and `role` take the
values or the words shown on the forms ("self" or "Myself, as a resident"); `role` and `joined`
may be empty (member; today in London). Other columns (a CRM export's phone or notes) are
refused unless the officer ticks the box to leave them out. People without an account get one
they cannot sign in to until they set a password from the emailed link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from engage.auth.models import User
from engage.auth.operations import set_password_link
from engage.boroughs.contact import contact_for
from engage.clock import london_midnight, london_today
from engage.extensions import db
from engage.groups.models import (
    Group,
    GroupRole,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Represents,
)
from engage.outbox.operations import queue_email
from engage.uploads import LineError, open_csv

COLUMNS = ["name", "email", "represents", "organisation", "role", "joined"]
REQUIRED = ["name", "email", "represents"]
MAX_LINES = 5_000
# No argon2 hash looks like this, so the account cannot be signed in to until a password is set.
NO_PASSWORD_PREFIX = "!no-password:"  # noqa: S105 - a marker, not a password


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    email: str
    represents: Represents
    organisation: str | None
    role: GroupRole
    joined: date


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_members: int
    new_accounts: int


def _lookup(kind, text: str):
    wanted = text.strip().lower()
    for member in kind:
        if wanted in (member.value, member.label.lower()):
            return member
    return None


def _parse_date(text: str) -> date | None:
    """The date, in either form, from 1900 on (as every date form here): strptime takes year 1,
    which no member joined in, and which London time cannot show. Digits 0-9 only: strptime
    also reads Arabic-Indic and other digits as ours."""
    text = text.strip()
    if not text.isascii():
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return parsed if parsed.year >= 1900 else None
    return None


def check(text: str, ignore_unknown: bool = False
          ) -> tuple[list[ImportRow], list[LineError], tuple[str, ...]]:
    """Read and check every line; return the rows, or every problem found, and the columns
    left out (only when `ignore_unknown`: see engage.uploads.open_csv)."""
    rows: list[ImportRow] = []
    reader, errors = open_csv(text, REQUIRED, COLUMNS, ignore_unknown)
    if reader is None:
        return [], errors, ()
    seen: dict[str, int] = {}
    today = london_today()
    for line, raw in reader:
        if line > MAX_LINES + 1:
            errors.append(LineError(line, "file", f"More than {MAX_LINES:,} lines"))
            break
        value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(value.values()):
            continue
        problems = len(errors)
        if not value["name"]:
            errors.append(LineError(line, "name", "Enter the member's name"))
        email = value["email"].lower()
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors.append(LineError(line, "email", f"{value['email']!r} is not an email "
                                       "address"))
        if email in seen:
            errors.append(LineError(line, "email", f"{email} is also on line {seen[email]}"))
        seen.setdefault(email, line)
        represents = _lookup(Represents, value["represents"])
        if represents is None:
            errors.append(LineError(line, "represents", f"{value['represents']!r} must be "
                                       f"one of {', '.join(r.value for r in Represents)}"))
        elif represents != Represents.SELF and not value["organisation"]:
            errors.append(LineError(line, "organisation", "Enter the organisation the "
                                       "member represents"))
        role = _lookup(GroupRole, value["role"]) if value["role"] else GroupRole.MEMBER
        if role is None:
            errors.append(LineError(line, "role", f"{value['role']!r} must be one of "
                                       f"{', '.join(r.value for r in GroupRole)}"))
        joined = _parse_date(value["joined"]) if value["joined"] else today
        if joined is None:
            errors.append(LineError(line, "joined", f"{value['joined']!r} must be a date "
                                       "like 2024-03-31 or 31/03/2024"))
        elif joined > today:
            errors.append(LineError(line, "joined", "The date joined cannot be in the "
                                       "future"))
        if len(value["name"]) > 200 or len(value["organisation"]) > 200:
            errors.append(LineError(line, "name", "Names must be 200 characters or fewer"))
        if len(errors) == problems:
            rows.append(ImportRow(line, value["name"], email, represents,
                                  value["organisation"] or None, role, joined))
    if not rows and not errors:
        errors.append(LineError(2, "file", "The file has no members"))
    return rows, errors, reader.ignored


def apply(group: Group, rows: list[ImportRow], actor: User, email_new: bool) -> ImportResult:
    """Add checked rows to the group. People already active in it are left as they are."""
    emails = [r.email for r in rows]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    memberships = {m.user_id: m for m in db.session.scalars(
        select(Membership).where(Membership.group_id == group.id,
                                 Membership.user_id.in_([u.id for u in users.values()])))}
    added = already = new_accounts = 0
    created: list[User] = []
    for row in rows:
        user = users.get(row.email)
        if user is None:
            user = User(name=row.name, email=row.email,
                        password_hash=NO_PASSWORD_PREFIX + secrets.token_hex(16),
                        home_borough_id=group.borough_id)
            db.session.add(user)
            users[row.email] = user
            created.append(user)
            new_accounts += 1
        membership = memberships.get(user.id) if user.id else None
        if membership is not None and membership.status == MembershipStatus.ACTIVE:
            already += 1
            continue
        if membership is None:
            membership = Membership(group=group, user=user)
            db.session.add(membership)
        joined = london_midnight(row.joined)
        membership.status = MembershipStatus.ACTIVE
        membership.represents = row.represents
        membership.organisation = row.organisation
        membership.role = row.role
        membership.role_starts_on = row.joined
        membership.role_ends_on = None
        membership.requested_at = membership.decided_at = membership.joined_at = joined
        membership.left_at = membership.decline_reason = None
        membership.events.append(MembershipEvent(kind="imported", actor_id=actor.id,
                                                 detail=f"line {row.line}"))
        added += 1
    db.session.flush()
    if added:
        # Imported here: the meetings package builds on this module's.
        from engage.meetings.mailings import invite_to_coming_meetings

        # Meetings already published are theirs too, as for anyone approved.
        invite_to_coming_meetings(group.id)
    if email_new:
        for user in created:
            send_welcome(user, group)
    return ImportResult(added, already, new_accounts)


def send_welcome(user: User, group: Group) -> None:
    contact = contact_for(group=group)
    queue_email(user.email, "group_member_imported", name=user.name, group=group.name_in_text,
                borough=group.borough.name, contact_email=contact.email,
                contact_phone=contact.phone,
                days=current_app.config["ENGAGE_INVITATION_DAYS"],
                set_password_url=set_password_link(user))
