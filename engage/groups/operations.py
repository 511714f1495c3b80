"""The rules for groups and membership. These add and flush; the caller commits."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort
from sqlalchemy import select

from engage.auth.models import StaffRole, StaffRoleName, User
from engage.auth.operations import external_url
from engage.boroughs.contact import contact_for
from engage.boroughs.models import Borough
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.groups.models import (
    AgeBand,
    Disability,
    EqualityAnswers,
    EthnicGroup,
    Group,
    GroupKind,
    GroupRole,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Represents,
)
from engage.outbox.operations import queue_email, queued_lately
from engage.templating import long_date

CPEG_SLUG = "cpeg"
CPEG_NAME = "Community Police Engagement Group"
CPEG_PURPOSE = (
    "The group brings together residents, community groups and businesses with the borough "
    "police. It gives local people a say in policing priorities, the annual policing plan and "
    "neighbourhood policing, and works with Safer Neighbourhoods panels and the community safety "
    "partnership. It aims to reflect everyone who lives and works in the borough."
)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "group"


def ensure_cpegs() -> int:
    """Give every borough its CPEG (safe to run again). Returns how many were created."""
    have = set(db.session.scalars(select(Group.borough_id).where(Group.kind == GroupKind.CPEG)))
    created = 0
    for borough in db.session.scalars(select(Borough)):
        if borough.id not in have:
            db.session.add(Group(borough=borough, kind=GroupKind.CPEG, name=CPEG_NAME,
                                 slug=CPEG_SLUG, purpose=CPEG_PURPOSE, terms_of_reference=""))
            created += 1
    db.session.flush()
    return created


def groups_of(borough: Borough) -> list[Group]:
    """The borough's groups, its CPEG first."""
    groups = db.session.scalars(select(Group).where(Group.borough_id == borough.id)
                                .order_by(Group.name)).all()
    return sorted(groups, key=lambda g: not g.is_cpeg)


def group_or_404(borough: Borough, slug: str) -> Group:
    group = db.session.scalar(select(Group).where(Group.borough_id == borough.id,
                                                  Group.slug == slug))
    if group is None:
        abort(404)
    return group


def unique_slug(borough: Borough, name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(select(Group.slug).where(Group.borough_id == borough.id)))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_group(borough: Borough, kind: GroupKind, name: str, **details) -> Group:
    """A further group in a borough (the CPEG comes with the borough: see ensure_cpegs)."""
    group = Group(borough=borough, kind=kind, name=name, slug=unique_slug(borough, name),
                  **details)
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: Group, **details) -> tuple[dict, dict]:
    """Change a group's details. Returns (before, after) of what actually changed; the slug
    stays, so links to the group keep working after a rename."""
    before, after = {}, {}
    for name, value in details.items():
        if value != getattr(group, name):
            before[name], after[name] = getattr(group, name), value
            setattr(group, name, value)
    return before, after


def membership_of(group: Group, user: User) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.group_id == group.id,
                                                      Membership.user_id == user.id))


def _log(membership: Membership, kind: str, detail: str = "", actor: User | None = None) -> None:
    membership.events.append(MembershipEvent(kind=kind, detail=detail,
                                             actor_id=actor.id if actor else None))


def _group_url(group: Group) -> str:
    return external_url("groups.group_page", borough_slug=group.borough.slug,
                        group_slug=group.slug)


def request_to_join(group: Group, user: User, represents: Represents,
                    organisation: str | None) -> Membership:
    """Ask to join. Asking again while waiting or already a member changes nothing."""
    membership = membership_of(group, user)
    if membership is not None and membership.status in (MembershipStatus.PENDING,
                                                         MembershipStatus.ACTIVE):
        return membership
    if membership is None:
        membership = Membership(group=group, user=user)
        db.session.add(membership)
    membership.status = MembershipStatus.PENDING
    membership.represents = represents
    membership.organisation = organisation or None
    membership.role = GroupRole.MEMBER
    membership.role_starts_on = membership.role_ends_on = None
    membership.requested_at = utcnow()
    membership.decided_at = membership.decline_reason = membership.left_at = None
    _log(membership, "requested", represents.label + (f": {organisation}" if organisation else ""),
         actor=user)
    db.session.flush()
    queue_email(user.email, "group_request_received", name=user.name, group=group.name_in_text,
                borough=group.borough.name, group_url=_group_url(group))
    for officer in officers_of(group.borough):
        # Asking, withdrawing and asking again is a loop anyone with an account can run: the
        # officers hear of one person's requests to one group once a day (the request still
        # waits for them on their pages), not once a press in a name the person chose.
        if queued_lately(officer.email, "group_request_to_officer", within=REQUEST_NEWS_EVERY,
                         membership_id=membership.id):
            continue
        queue_email(officer.email, "group_request_to_officer", name=officer.name,
                    group=group.name_in_text, borough=group.borough.name, applicant=user.name,
                    requests_url=external_url("groups_staff.requests",
                                              borough_slug=group.borough.slug,
                                              group_slug=group.slug),
                    membership_id=membership.id)
    return membership


REQUEST_NEWS_EVERY = timedelta(days=1)


def officers_of(borough: Borough) -> list[User]:
    return list(db.session.scalars(
        select(User).join(StaffRole, StaffRole.user_id == User.id)
        .where(StaffRole.borough_id == borough.id, StaffRole.role == StaffRoleName.OFFICER)
        .order_by(User.id)
    ))


def approve(membership: Membership, actor: User) -> None:
    if membership.status != MembershipStatus.PENDING:
        return
    now = utcnow()
    membership.status = MembershipStatus.ACTIVE
    membership.decided_at = membership.joined_at = now
    membership.role = GroupRole.MEMBER
    membership.role_starts_on = to_london(now).date()
    _log(membership, "approved", actor=actor)
    # Imported here: the meetings package builds on this module.
    from engage.meetings.mailings import invite_to_coming_meetings

    db.session.flush()
    # The group's meetings already published are theirs to reply to, from their meetings.
    coming = invite_to_coming_meetings(membership.group_id)
    queue_email(membership.user.email, "group_request_approved", name=membership.user.name,
                group=membership.group.name_in_text, borough=membership.group.borough.name,
                group_url=_group_url(membership.group),
                meetings_url=external_url("my_meetings.index") if coming else None)


def decline(membership: Membership, actor: User, reason: str) -> None:
    if membership.status != MembershipStatus.PENDING:
        return
    membership.status = MembershipStatus.DECLINED
    membership.decided_at = utcnow()
    membership.decline_reason = reason
    _log(membership, "declined", reason, actor=actor)
    contact = contact_for(group=membership.group)
    queue_email(membership.user.email, "group_request_declined", name=membership.user.name,
                group=membership.group.name_in_text, borough=membership.group.borough.name,
                reason=reason, contact_email=contact.email, contact_phone=contact.phone)


def leave(membership: Membership, actor: User) -> None:
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        return
    # Imported here: the meetings package builds on this module.
    from engage.meetings.replies import give_up_places

    membership.status = MembershipStatus.LEFT
    membership.left_at = utcnow()
    # The group's members-only meetings are no longer for them: a place they held there, or
    # their turn on the waiting list, goes to the next member waiting.
    give_up_places(membership.user_id, members_only_of_group=membership.group_id)
    if membership.role_starts_on and not membership.role_ends_on:
        membership.role_ends_on = to_london(membership.left_at).date()
    _log(membership, "left", actor=actor)


def change_role(membership: Membership, role: GroupRole, starts_on: date | None,
                ends_on: date | None, actor: User) -> None:
    before = membership.role
    membership.role = role
    membership.role_starts_on = starts_on
    membership.role_ends_on = ends_on
    term = _term_in_words(starts_on, ends_on)
    _log(membership, "role-changed", f"{before.label} → {role.label}" + (f" ({term})" if term
                                                                         else ""), actor=actor)


def _term_in_words(starts_on: date | None, ends_on: date | None) -> str:
    """A role's term as its history says it, in the words of the member's page: "1 April 2027
    to 31 March 2028", "from 1 April 2027", "until 31 March 2028"; "" when there is none."""
    if starts_on and ends_on:
        return f"{long_date(starts_on)} to {long_date(ends_on)}"
    if starts_on:
        return f"from {long_date(starts_on)}"
    return f"until {long_date(ends_on)}" if ends_on else ""


def save_equality_answers(user: User, age_band: AgeBand | None, ethnic_group: EthnicGroup | None,
                          disability: Disability | None) -> EqualityAnswers:
    answers = db.session.get(EqualityAnswers, user.id)
    if answers is None:
        answers = EqualityAnswers(user_id=user.id, consented_at=utcnow())
        db.session.add(answers)
    answers.age_band, answers.ethnic_group, answers.disability = age_band, ethnic_group, disability
    return answers


def withdraw_equality_answers(user: User) -> bool:
    answers = db.session.get(EqualityAnswers, user.id)
    if answers is None:
        return False
    db.session.delete(answers)
    return True
