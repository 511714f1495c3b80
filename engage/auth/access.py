"""Who may see a staff page: role and borough, checked on every request."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db

# Who sees people by name: the members and applicants of groups, a meeting's guests and their
# access needs. Engagement officers run the groups and meetings; interviewers, clerks and analysts
# do their work without these details, so they see counts only (administrators see everything).
PEOPLE_ROLES = (StaffRoleName.OFFICER,)
# Who sees how a group's members compare with the borough (counts by ethnic group, age band and
# disability, suppressed below the threshold): the officers who recruit, and analysts.
REPRESENTATION_ROLES = (StaffRoleName.OFFICER, StaffRoleName.ANALYST)


def staff_required(view):
    """Signed in and holding some staff role (the borough is checked by `staff_borough`)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def staff_borough(slug: str, *roles: StaffRoleName) -> Borough:
    """The borough named in a staff URL, if the current user holds one of `roles` there.

    An unknown borough is a 404; a borough the person has no role in is a 403, and nothing of it
    is loaded into the page.
    """
    borough = db.session.scalar(select(Borough).where(Borough.slug == slug))
    if borough is None:
        abort(404)
    if not current_user.has_role(borough, *roles):
        abort(403)
    return borough


def sees_people(borough: Borough) -> bool:
    """May the current user see members, applicants and guests of `borough` by name?"""
    return current_user.has_role(borough, *PEOPLE_ROLES)


def sees_representation(borough: Borough) -> bool:
    return current_user.has_role(borough, *REPRESENTATION_ROLES)


def boroughs_for(*roles: StaffRoleName) -> list[Borough]:
    """The boroughs the current user may act in with one of `roles`, by name."""
    query = select(Borough).order_by(Borough.name)
    if not current_user.is_admin:
        ids = {g.borough_id for g in current_user.staff_roles if not roles or g.role in roles}
        query = query.where(Borough.id.in_(ids))
    return list(db.session.scalars(query))
