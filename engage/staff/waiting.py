"""What is waiting for a member of staff in their boroughs, counted for their dashboard and each
borough's staff page, each with a link to the page where it is done (which checks the role
again):

- for engagement officers, the things only they act on: requests to join a group, comments
  flagged for follow-up, people who asked for a reply, paper forms whose two keyings differ;
- for telephone interviewers, the people their call list shows as due a call now;
- for data-entry clerks, paper forms keyed once that they may key the second time.

Interviewers' and clerks' items follow the roles a person was given for a borough: an
administrator, who may act in every borough, sees the officers' items only, not every
borough's call list. One query a kind, whatever the number of boroughs (an administrator's
dashboard covers all 32).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import join

from engage.auth.models import StaffRoleName, User
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from engage.mailouts.keying import second_keyings_for
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest
from engage.reports.comments_models import CommentFlag
from engage.surveys.models import Consultation, Response, ResponseContact
from engage.telephone.operations import calls_due
from engage.templating import counted


@dataclass(frozen=True)
class Waiting:
    what: str  # "2 requests to join a group"
    url: str


def _per_consultation(source, borough_id, consultation_id, *where):
    """(borough id, consultation slug, consultation title, how many) of `source`'s rows, per
    borough and consultation, leaving out a consultation that no longer covers the borough
    (its pages there answer 404)."""
    return db.session.execute(
        select(borough_id, Consultation.slug, Consultation.title, func.count())
        .select_from(source).join(Consultation, Consultation.id == consultation_id)
        .where(*where, or_(Consultation.all_boroughs.is_(True),
                           Consultation.boroughs.any(Borough.id == borough_id)))
        .group_by(borough_id, Consultation.id, Consultation.slug, Consultation.title)
        .order_by(Consultation.title))


def waiting_in(boroughs: list[Borough]) -> dict[int, list[Waiting]]:
    """{borough id: what is waiting there}, for boroughs where the person is an engagement
    officer (the caller decides which); a borough with nothing waiting has no key."""
    by_id = {borough.id: borough for borough in boroughs}
    if not by_id:
        return {}
    found: dict[int, list[Waiting]] = {}

    def add(borough_id: int, what: str, endpoint: str, **args) -> None:
        found.setdefault(borough_id, []).append(Waiting(
            what, url_for(endpoint, borough_slug=by_id[borough_id].slug, **args)))

    for borough_id, n in db.session.execute(
            select(Group.borough_id, func.count())
            .select_from(Membership).join(Group, Group.id == Membership.group_id)
            .where(Group.borough_id.in_(by_id), Membership.status == MembershipStatus.PENDING)
            .group_by(Group.borough_id)):
        add(borough_id, counted(n, "request to join a group", "requests to join a group"),
            "groups_staff.index")
    for borough_id, slug, title, n in _per_consultation(
            CommentFlag, CommentFlag.borough_id, CommentFlag.consultation_id,
            CommentFlag.borough_id.in_(by_id), CommentFlag.followed_up_at.is_(None)):
        add(borough_id, counted(n, "flagged comment", "flagged comments")
            + f" to follow up in {title}", "report_comments.index", consultation_slug=slug)
    for borough_id, slug, title, n in _per_consultation(
            join(ResponseContact, Response, ResponseContact.response_id == Response.id),
            Response.borough_id, Response.consultation_id,
            Response.borough_id.in_(by_id), ResponseContact.replied_at.is_(None)):
        add(borough_id, counted(n, "person", "people") + f" asked for a reply in {title}",
            "surveys_replies.index", consultation_slug=slug)
    # A second keying is kept only when it differs from the first (agreeing ones are stored
    # and deleted), so each one left is a form for a supervisor to settle.
    for borough_id, n in db.session.execute(
            select(PaperRequest.borough_id, func.count())
            .select_from(KeyedEntry)
            .join(PaperRequest, PaperRequest.reference == KeyedEntry.reference)
            .where(PaperRequest.borough_id.in_(by_id), KeyedEntry.round == 2)
            .group_by(PaperRequest.borough_id)):
        add(borough_id, counted(n, "paper form", "paper forms")
            + " keyed twice with differences to settle", "mailouts_keying.index")
    return found


def granted(user: User, boroughs: list[Borough], role: StaffRoleName) -> list[Borough]:
    """The boroughs among these where the person was given this role (not an administrator's
    access to every borough)."""
    ids = {grant.borough_id for grant in user.staff_roles if grant.role == role}
    return [borough for borough in boroughs if borough.id in ids]


def acts_in(user: User, boroughs: list[Borough]) -> list[Borough]:
    """The boroughs among these where something can wait for the person: where they are an
    officer (administrators are, everywhere), an interviewer or a clerk."""
    roles = {StaffRoleName.INTERVIEWER, StaffRoleName.CLERK}
    given = {grant.borough_id for grant in user.staff_roles if grant.role in roles}
    return [b for b in boroughs
            if b.id in given or user.has_role(b, StaffRoleName.OFFICER)]


# What each role's list looks for, said when nothing is waiting.
LOOKED_FOR = {StaffRoleName.OFFICER: ["requests to join", "flagged comments", "replies asked for",
                                      "paper forms to settle"],
              StaffRoleName.INTERVIEWER: ["people to call now"],
              StaffRoleName.CLERK: ["paper forms to key a second time"]}


def nothing_waiting(user: User, boroughs: list[Borough]) -> str:
    """'no requests to join, ... or paper forms to settle': what the person's lists look for in
    these boroughs, for the page to say that none is waiting."""
    looked_for = [words for role, phrases in LOOKED_FOR.items()
                  if (granted(user, boroughs, role) if role != StaffRoleName.OFFICER
                      else any(user.has_role(b, role) for b in boroughs))
                  for words in phrases]
    if len(looked_for) < 2:
        return "no " + "".join(looked_for)
    return "no " + ", ".join(looked_for[:-1]) + " or " + looked_for[-1]


def waiting_for(user: User, boroughs: list[Borough], now: datetime) -> dict[int, list[Waiting]]:
    """{borough id: what is waiting for this person there}, by the roles they hold in each of
    these boroughs; a borough with nothing waiting has no key."""
    by_id = {borough.id: borough for borough in boroughs}
    found = waiting_in([b for b in boroughs if user.has_role(b, StaffRoleName.OFFICER)])

    def add(borough_id: int, what: str, endpoint: str, **args) -> None:
        found.setdefault(borough_id, []).append(Waiting(
            what, url_for(endpoint, borough_slug=by_id[borough_id].slug, **args)))

    interviewer_in = [b.id for b in granted(user, boroughs, StaffRoleName.INTERVIEWER)]
    for borough_id, consultation, n in calls_due(interviewer_in, now):
        add(borough_id, counted(n, "person", "people") + f" to call now for {consultation.title}",
            "telephone.call_list", consultation_id=consultation.id)
    clerk_in = [b.id for b in granted(user, boroughs, StaffRoleName.CLERK)]
    for borough_id, n in second_keyings_for(user, clerk_in).items():
        add(borough_id, counted(n, "paper form", "paper forms")
            + " to key a second time", "mailouts_keying.index")
    return found
