"""Groups as the public and members see them: the group page, asking to join, leaving, and the
equality-monitoring answers a person has chosen to give."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from engage.boroughs.models import Borough
from engage.extensions import db
from engage.groups import operations
from engage.groups.forms import ButtonForm, EqualityForm, JoinGroupForm, LeaveForm
from engage.groups.models import (
    EqualityAnswers,
    Group,
    Membership,
    MembershipStatus,
    Represents,
)

groups = Blueprint("groups", __name__)


def _borough(slug: str) -> Borough:
    return db.first_or_404(select(Borough).where(Borough.slug == slug))


@groups.route("/boroughs/<borough_slug>/groups/<group_slug>")
def group_page(borough_slug: str, group_slug: str):
    group = operations.group_or_404(_borough(borough_slug), group_slug)
    membership = (operations.membership_of(group, current_user)
                  if current_user.is_authenticated else None)
    return render_template("groups/group.html", group=group, membership=membership,
                           statuses=MembershipStatus)


@groups.route("/boroughs/<borough_slug>/groups/<group_slug>/join", methods=["GET", "POST"])
@login_required
def join(borough_slug: str, group_slug: str):
    group = operations.group_or_404(_borough(borough_slug), group_slug)
    membership = operations.membership_of(group, current_user)
    if membership is not None and membership.status in (MembershipStatus.PENDING,
                                                        MembershipStatus.ACTIVE):
        return redirect(url_for("groups.group_page", borough_slug=borough_slug,
                                group_slug=group_slug))
    has_answers = db.session.get(EqualityAnswers, current_user.id) is not None
    form = JoinGroupForm()
    if has_answers:
        # Answers already given (and changeable on the account page) are not asked again.
        for name in ("age_band", "ethnic_group", "disability", "equality_consent"):
            delattr(form, name)
    if form.validate_on_submit():
        represents = Represents(form.represents.data)
        try:
            operations.request_to_join(
                group, current_user, represents,
                None if represents == Represents.SELF else form.organisation.data)
            if not has_answers and form.has_equality_answers():
                operations.save_equality_answers(current_user, *form.equality_answers())
            db.session.commit()
        except IntegrityError:
            # The same form sent twice at the same moment: the other sending made the request
            # (one membership a person and group), so this one says the same and adds nothing.
            db.session.rollback()
            if operations.membership_of(group, current_user) is None:
                raise
        flash(f"Your request to join {group.name_in_text} has been sent. We will email you "
              "when the borough team has looked at it.", "success")
        return redirect(url_for("groups.group_page", borough_slug=borough_slug,
                                group_slug=group_slug))
    return render_template("groups/join.html", group=group, form=form, has_answers=has_answers)


@groups.route("/boroughs/<borough_slug>/groups/<group_slug>/leave", methods=["GET", "POST"])
@login_required
def leave(borough_slug: str, group_slug: str):
    group = operations.group_or_404(_borough(borough_slug), group_slug)
    membership = operations.membership_of(group, current_user)
    if membership is None or membership.status not in (MembershipStatus.PENDING,
                                                       MembershipStatus.ACTIVE):
        return redirect(url_for("groups.group_page", borough_slug=borough_slug,
                                group_slug=group_slug))
    # A request not yet answered is withdrawn; only a member leaves.
    withdrawing = membership.status == MembershipStatus.PENDING
    form = LeaveForm(withdrawing=withdrawing)
    if form.validate_on_submit():
        operations.leave(membership, current_user)
        db.session.commit()
        flash(f"Your request to join {group.name_in_text} is withdrawn." if withdrawing
              else f"You have left {group.name_in_text}.", "success")
        return redirect(url_for("groups.my_groups"))
    return render_template("groups/leave.html", group=group, membership=membership, form=form,
                           withdrawing=withdrawing)


@groups.app_template_filter("membership_status")
def membership_status(membership: Membership) -> str:
    """The membership's status in words. A request withdrawn before it was answered is stored
    as "left" (MembershipStatus has no other word for it), but nobody leaves a group they were
    never let into: it was withdrawn if they had not been approved since they last asked
    (joined_at is set on approval and kept; requested_at is set again on every request)."""
    if membership.status == MembershipStatus.LEFT and was_withdrawn(membership):
        return "Request withdrawn"
    return membership.status.label


def was_withdrawn(membership: Membership) -> bool:
    return (membership.status == MembershipStatus.LEFT
            and (membership.joined_at is None
                 or membership.joined_at < membership.requested_at))


@groups.route("/account/groups")
@login_required
def my_groups():
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == current_user.id)
        .options(joinedload(Membership.group).joinedload(Group.borough))
        .order_by(Membership.requested_at.desc())
    ).all()
    return render_template("groups/my_groups.html", memberships=memberships,
                           statuses=MembershipStatus)


@groups.route("/account/equality", methods=["GET", "POST"])
@login_required
def equality():
    answers = db.session.get(EqualityAnswers, current_user.id)
    form = EqualityForm(
        data={"age_band": answers.age_band, "ethnic_group": answers.ethnic_group,
              "disability": answers.disability, "equality_consent": True} if answers else None)
    withdraw = ButtonForm(prefix="withdraw")
    if "withdraw-submit" in request.form:
        if withdraw.validate_on_submit():
            operations.withdraw_equality_answers(current_user)
            db.session.commit()
            flash("Your equality monitoring answers have been deleted.", "success")
        return redirect(url_for("groups.equality"))
    if form.validate_on_submit():
        operations.save_equality_answers(current_user, *form.equality_answers())
        db.session.commit()
        flash("Your equality monitoring answers are saved.", "success")
        return redirect(url_for("groups.equality"))
    return render_template("groups/equality.html", form=form, withdraw=withdraw, answers=answers)
