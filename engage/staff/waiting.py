"""What is waiting for a borough's engagement officers: the things only they act on (requests
to join a group, comments flagged for follow-up, people who asked for a reply), counted for
their dashboard and each borough's staff page.

One query a kind, whatever the number of boroughs (an administrator's dashboard covers all 32).
Each item links to the page where it is done, which checks the role again."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, or_, select

from engage.boroughs.models import Borough
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus
from engage.reports.comments_models import CommentFlag
from engage.surveys.models import Consultation, Response, ResponseContact


@dataclass(frozen=True)
class Waiting:
    what: str  # "2 requests to join a group"
    url: str


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _covers(borough_id):
    """The consultation still covers the borough (its pages answer 404 otherwise)."""
    return or_(Consultation.all_boroughs.is_(True),
               Consultation.boroughs.any(Borough.id == borough_id))


def waiting_in(boroughs: list[Borough]) -> dict[int, list[Waiting]]:
    """{borough id: what is waiting there}, for boroughs where the person is an engagement
    officer (the caller decides which); a borough with nothing waiting has no key."""
    by_id = {borough.id: borough for borough in boroughs}
    if not by_id:
        return {}
    found: dict[int, list[Waiting]] = {}
    requests = db.session.execute(
        select(Group.borough_id, func.count())
        .select_from(Membership).join(Group, Group.id == Membership.group_id)
        .where(Group.borough_id.in_(by_id), Membership.status == MembershipStatus.PENDING)
        .group_by(Group.borough_id))
    for borough_id, n in requests:
        found.setdefault(borough_id, []).append(Waiting(
            _count(n, "request to join a group", "requests to join a group"),
            url_for("groups_staff.index", borough_slug=by_id[borough_id].slug)))
    flags = db.session.execute(
        select(CommentFlag.borough_id, Consultation.slug, Consultation.title, func.count())
        .join(Consultation, Consultation.id == CommentFlag.consultation_id)
        .where(CommentFlag.borough_id.in_(by_id), CommentFlag.followed_up_at.is_(None),
               _covers(CommentFlag.borough_id))
        .group_by(CommentFlag.borough_id, Consultation.id, Consultation.slug, Consultation.title)
        .order_by(Consultation.title))
    for borough_id, slug, title, n in flags:
        found.setdefault(borough_id, []).append(Waiting(
            _count(n, "flagged comment", "flagged comments") + f" to follow up in {title}",
            url_for("report_comments.index", borough_slug=by_id[borough_id].slug,
                    consultation_slug=slug)))
    replies = db.session.execute(
        select(Response.borough_id, Consultation.slug, Consultation.title, func.count())
        .select_from(ResponseContact).join(ResponseContact.response)
        .join(Consultation, Consultation.id == Response.consultation_id)
        .where(Response.borough_id.in_(by_id), ResponseContact.replied_at.is_(None),
               _covers(Response.borough_id))
        .group_by(Response.borough_id, Consultation.id, Consultation.slug, Consultation.title)
        .order_by(Consultation.title))
    for borough_id, slug, title, n in replies:
        found.setdefault(borough_id, []).append(Waiting(
            _count(n, "person", "people") + f" asked for a reply in {title}",
            url_for("surveys_replies.index", borough_slug=by_id[borough_id].slug,
                    consultation_slug=slug)))
    return found
