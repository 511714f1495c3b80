"""Staff pages for a borough's groups: requests to join, members, roles, the groups themselves.

Any staff role in the borough may look; only its officers (and administrators) change things.
Equality-monitoring answers never appear here: they are not loaded by any of these pages.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from engage.audit.operations import record
from engage.auth.access import (
    PEOPLE_ROLES,
    sees_people,
    sees_representation,
    staff_borough,
    staff_required,
)
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName, User
from engage.boroughs.models import Borough
from engage.clock import to_london
from engage.exports import csv_response
from engage.extensions import db
from engage.groups import operations
from engage.groups.models import (
    Group,
    GroupKind,
    GroupRole,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Represents,
)
from engage.groups.staff_forms import DeclineForm, GroupForm, MemberFilterForm, RoleForm
from engage.once import already_sent, commit_once

groups_staff = Blueprint("groups_staff", __name__,
                         url_prefix="/staff/boroughs/<borough_slug>/groups")

OFFICER = StaffRoleName.OFFICER


# The group pages' navigation and the borough's list of groups offer only what the viewer may open.
groups_staff.add_app_template_global(sees_people)
groups_staff.add_app_template_global(sees_representation)


def _membership_or_404(group: Group, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    return membership


def _details(form: GroupForm) -> dict:
    """The group's editable details from the form; empty contacts are stored as none."""
    return {"name": form.name.data, "purpose": form.purpose.data,
            "terms_of_reference": form.terms_of_reference.data,
            "contact_email": form.contact_email.data or None,
            "contact_phone": form.contact_phone.data or None}


def _can_edit(borough: Borough) -> bool:
    return current_user.has_role(borough, OFFICER)


def _already_decided(membership: Membership) -> str:
    outcome = {MembershipStatus.ACTIVE: "approved", MembershipStatus.DECLINED: "declined",
               MembershipStatus.LEFT: "withdrawn"}.get(membership.status, "answered")
    return f"{membership.user.name}'s request has already been {outcome}: nothing has changed."


def _target(membership: Membership) -> str:
    return f"membership:{membership.id}"


@groups_staff.route("")
@staff_required
def index(borough_slug: str):
    borough = staff_borough(borough_slug)
    groups = operations.groups_of(borough)
    counts = {
        (group_id, status): count
        for group_id, status, count in db.session.execute(
            select(Membership.group_id, Membership.status, func.count(Membership.id))
            .join(Group, Group.id == Membership.group_id)
            .where(Group.borough_id == borough.id,
                   Membership.status.in_([MembershipStatus.PENDING, MembershipStatus.ACTIVE]))
            .group_by(Membership.group_id, Membership.status)
        )
    }
    rows = [(group, counts.get((group.id, MembershipStatus.PENDING), 0),
             counts.get((group.id, MembershipStatus.ACTIVE), 0)) for group in groups]
    return render_template("groups/staff/index.html", borough=borough, rows=rows,
                           can_edit=_can_edit(borough))


@groups_staff.route("/new", methods=["GET", "POST"])
@staff_required
def new(borough_slug: str):
    borough = staff_borough(borough_slug, OFFICER)
    form = GroupForm()
    form.load_choices()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        group = operations.create_group(borough, GroupKind(form.kind.data), **_details(form))
        record("group.created", borough=borough, target=f"group:{group.id}", name=group.name,
               kind=group.kind.value, slug=group.slug)
        return commit_once(form, url_for("groups_staff.index", borough_slug=borough.slug),
                           saved=f"{group.name_to_start} is added. People can now ask to join it.")
    return render_template("groups/staff/new.html", borough=borough, form=form)


@groups_staff.route("/<group_slug>/edit", methods=["GET", "POST"])
@staff_required
def edit(borough_slug: str, group_slug: str):
    borough = staff_borough(borough_slug, OFFICER)
    group = operations.group_or_404(borough, group_slug)
    form = GroupForm.for_editing(group)
    if form.validate_on_submit():
        before, after = operations.update_group(group, **_details(form))
        if after:
            record("group.changed", borough=borough, target=f"group:{group.id}",
                   slug=group.slug, before=before, after=after)
            db.session.commit()
            flash(f"{group.name_to_start}'s details are saved.", "success")
        else:
            flash("Nothing was changed.", "info")
        return redirect(url_for("groups_staff.index", borough_slug=borough.slug))
    return render_template("groups/staff/edit.html", borough=borough, group=group, form=form)


@groups_staff.route("/<group_slug>/requests")
@staff_required
def requests(borough_slug: str, group_slug: str):
    borough = staff_borough(borough_slug, *PEOPLE_ROLES)
    group = operations.group_or_404(borough, group_slug)
    pending = db.session.scalars(
        select(Membership).options(joinedload(Membership.user))
        .where(Membership.group_id == group.id, Membership.status == MembershipStatus.PENDING)
        .order_by(Membership.requested_at, Membership.id)
    ).all()
    return render_template("groups/staff/requests.html", borough=borough, group=group,
                           pending=pending, can_edit=_can_edit(borough),
                           button_form=ConfirmForm())


@groups_staff.route("/<group_slug>/requests/<int:membership_id>/approve", methods=["POST"])
@staff_required
def approve(borough_slug: str, group_slug: str, membership_id: int):
    borough = staff_borough(borough_slug, OFFICER)
    group = operations.group_or_404(borough, group_slug)
    membership = _membership_or_404(group, membership_id)
    if ConfirmForm().validate_on_submit():
        if membership.status == MembershipStatus.PENDING:
            operations.approve(membership, current_user)
            record("membership.approved", borough=borough, target=_target(membership),
                   group=group.slug, user_id=membership.user_id)
            db.session.commit()
            flash(f"{membership.user.name} is now a member of {group.name_in_text}. We have "
                  "emailed them.", "success")
        else:
            flash(_already_decided(membership), "info")
    return redirect(url_for("groups_staff.requests", borough_slug=borough.slug,
                            group_slug=group.slug))


@groups_staff.route("/<group_slug>/requests/<int:membership_id>/decline",
                    methods=["GET", "POST"])
@staff_required
def decline(borough_slug: str, group_slug: str, membership_id: int):
    borough = staff_borough(borough_slug, OFFICER)
    group = operations.group_or_404(borough, group_slug)
    membership = _membership_or_404(group, membership_id)
    back = url_for("groups_staff.requests", borough_slug=borough.slug, group_slug=group.slug)
    if membership.status != MembershipStatus.PENDING:
        flash(_already_decided(membership), "info")
        return redirect(back)
    form = DeclineForm()
    if form.validate_on_submit():
        operations.decline(membership, current_user, form.reason.data)
        record("membership.declined", borough=borough, target=_target(membership),
               group=group.slug, user_id=membership.user_id, reason=form.reason.data)
        db.session.commit()
        flash(f"{membership.user.name}'s request is declined. We have emailed them your "
              "reason.", "success")
        return redirect(back)
    return render_template("groups/staff/decline.html", borough=borough, group=group,
                           membership=membership, form=form)


def _members_query(group: Group, form: MemberFilterForm):
    query = (select(Membership).join(User, User.id == Membership.user_id)
             .options(contains_eager(Membership.user))
             .where(Membership.group_id == group.id,
                    Membership.status == MembershipStatus.ACTIVE))
    if form.q.data:
        words = form.q.data.lower()
        query = query.where(or_(func.lower(User.name).contains(words, autoescape=True),
                                func.lower(User.email).contains(words, autoescape=True)))
    if form.role.data:
        query = query.where(Membership.role == GroupRole(form.role.data))
    if form.represents.data:
        query = query.where(Membership.represents == Represents(form.represents.data))
    name = func.lower(User.name)
    return query.order_by(name.desc() if form.sort.data == "-name" else name, Membership.id)


def _member_filters() -> MemberFilterForm:
    form = MemberFilterForm(request.args)
    form.load_choices()
    form.clean()
    return form


@groups_staff.route("/<group_slug>/members")
@staff_required
def members(borough_slug: str, group_slug: str):
    borough = staff_borough(borough_slug, *PEOPLE_ROLES)
    group = operations.group_or_404(borough, group_slug)
    form = _member_filters()
    page = db.paginate(_members_query(group, form), per_page=50, error_out=False)
    return render_template("groups/staff/members.html", borough=borough, group=group, form=form,
                           page=page)


@groups_staff.route("/<group_slug>/members.csv")
@staff_required
def members_csv(borough_slug: str, group_slug: str):
    borough = staff_borough(borough_slug, *PEOPLE_ROLES)
    group = operations.group_or_404(borough, group_slug)
    form = _member_filters()
    memberships = db.session.scalars(_members_query(group, form)).all()

    def day(value) -> str:
        return value.isoformat() if value else ""

    rows = [
        [m.user.name, m.user.email, m.represents.label, m.organisation or "", m.role.label,
         day(m.role_starts_on), day(m.role_ends_on),
         day(to_london(m.joined_at).date() if m.joined_at else None)]
        for m in memberships
    ]
    # A copy of people's names and addresses leaves engage here: who took it, of whom and how
    # many goes in the audit log, as a print run's download does.
    record("group.members_downloaded", borough=borough, target=f"group:{group.id}",
           people=len(rows), filters={key: value for key, value in request.args.items()
                                      if value})
    db.session.commit()
    return csv_response(f"{borough.slug}-{group.slug}-members.csv",
                        ["name", "email", "represents", "organisation", "role", "role starts",
                         "role ends", "joined (London date)"], rows)


@groups_staff.route("/<group_slug>/members/<int:membership_id>", methods=["GET", "POST"])
@staff_required
def member(borough_slug: str, group_slug: str, membership_id: int):
    # A member's page is their name, address and history: only those who see people look,
    # and changing the role takes an officer.
    borough = staff_borough(borough_slug,
                            *((OFFICER,) if request.method == "POST" else PEOPLE_ROLES))
    group = operations.group_or_404(borough, group_slug)
    membership = _membership_or_404(group, membership_id)
    events = db.session.scalars(
        select(MembershipEvent).options(selectinload(MembershipEvent.actor))
        .where(MembershipEvent.membership_id == membership.id)
        .order_by(MembershipEvent.at, MembershipEvent.id)
    ).all()
    can_edit = _can_edit(borough) and membership.status == MembershipStatus.ACTIVE
    form = RoleForm(data={"role": membership.role.value,
                          "role_starts_on": membership.role_starts_on,
                          "role_ends_on": membership.role_ends_on})
    form.load_choices()
    if request.method == "POST" and not can_edit:
        flash(f"{membership.user.name} is not a member now, so their role cannot change.",
              "error")
        return redirect(request.url)
    if can_edit and form.validate_on_submit():
        before = _role_details(membership)
        if (GroupRole(form.role.data), form.role_starts_on.data, form.role_ends_on.data) == (
                membership.role, membership.role_starts_on, membership.role_ends_on):
            # Saved as it is (or sent twice): no event in their history, nothing to audit.
            flash("Nothing was changed.", "info")
            return redirect(url_for("groups_staff.member", borough_slug=borough.slug,
                                    group_slug=group.slug, membership_id=membership.id))
        operations.change_role(membership, GroupRole(form.role.data), form.role_starts_on.data,
                               form.role_ends_on.data, current_user)
        record("membership.role_changed", borough=borough, target=_target(membership),
               group=group.slug, user_id=membership.user_id, before=before,
               after=_role_details(membership))
        db.session.commit()
        flash(f"{membership.user.name}'s role is saved.", "success")
        return redirect(url_for("groups_staff.member", borough_slug=borough.slug,
                                group_slug=group.slug, membership_id=membership.id))
    return render_template("groups/staff/member.html", borough=borough, group=group,
                           membership=membership, events=events, form=form, can_edit=can_edit)


def _role_details(membership: Membership) -> dict:
    return {"role": membership.role.value,
            "starts_on": membership.role_starts_on.isoformat()
            if membership.role_starts_on else None,
            "ends_on": membership.role_ends_on.isoformat() if membership.role_ends_on else None}
