"""Administrators: staff and their roles, the audit log, the outbox."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from engage.admin.forms import (
    ADMINISTRATOR,
    AuditFilterForm,
    GrantRoleForm,
    InviteStaffForm,
    PopulationUploadForm,
)
from engage.audit.models import AuditEvent
from engage.audit.operations import record
from engage.auth import operations as accounts
from engage.auth import two_step
from engage.auth.access import admin_required
from engage.auth.devices import device_in_words
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffInvitation, StaffRole, StaffRoleName, User
from engage.auth.sessions import end_all_sessions, live_sessions
from engage.boroughs.models import Borough, PopulationFigure
from engage.boroughs.population import DIMENSIONS, import_figures, missing_categories
from engage.clock import to_london, utcnow
from engage.exports import csv_response
from engage.extensions import db
from engage.once import already_sent, commit_once
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.outbox.operations import queue_email, requeue_failed
from engage.templating import counted
from engage.uploads import NOT_UTF8, problems_message, read_text

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.route("/staff")
@admin_required
def staff_list():
    people = db.session.scalars(
        select(User).where(User.is_admin | User.staff_roles.any()).order_by(User.name)
        .options(selectinload(User.staff_roles).joinedload(StaffRole.borough))
    ).all()
    invitations = db.session.scalars(
        select(StaffInvitation)
        .where(StaffInvitation.accepted_at.is_(None), StaffInvitation.revoked_at.is_(None),
               StaffInvitation.expires_at > utcnow())
        .order_by(StaffInvitation.created_at.desc())
    ).all()
    return render_template("admin/staff_list.html", people=people, invitations=invitations,
                           revoke_form=ConfirmForm(),
                           two_step_required=current_app.config["ENGAGE_STAFF_TWO_STEP"])


@admin.route("/staff/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteStaffForm()
    form.load_choices()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        make_admin = form.role.data == ADMINISTRATOR
        boroughs = [] if make_admin else db.session.scalars(
            select(Borough).where(Borough.slug.in_(form.boroughs.data)).order_by(Borough.name)
        ).all()
        invitation = accounts.invite_staff(
            email=form.email.data, name=form.name.data, make_admin=make_admin,
            role=None if make_admin else StaffRoleName(form.role.data), boroughs=boroughs,
            invited_by=current_user,
        )
        grants = accounts.describe_grants(invitation)
        for borough in boroughs or [None]:
            record("staff.invited", borough=borough, target=f"invitation:{invitation.id}",
                   email=invitation.email, grants=grants)
        # The email is queued in the outbox, sent only once this commits: a second sending
        # rolled back sends nothing.
        return commit_once(form, url_for("admin.staff_list"),
                           saved=f"An invitation has been sent to {invitation.email}.")
    return render_template("admin/invite.html", form=form)


@admin.route("/staff/invitations/<int:invitation_id>/revoke", methods=["POST"])
@admin_required
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(StaffInvitation, invitation_id)
    # Accepted, or cancelled already (the button pressed twice): nothing more to do.
    if (ConfirmForm().validate_on_submit() and invitation.accepted_at is None
            and invitation.revoked_at is None):
        invitation.revoked_at = utcnow()
        record("staff.invitation_revoked", target=f"invitation:{invitation.id}",
               email=invitation.email)
        db.session.commit()
        flash(f"The invitation to {invitation.email} is cancelled.", "success")
    return redirect(url_for("admin.staff_list"))


@admin.route("/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_member(user_id: int):
    person = db.get_or_404(User, user_id, options=[
        selectinload(User.staff_roles).joinedload(StaffRole.borough)])
    form = GrantRoleForm()
    form.load_choices()
    if form.validate_on_submit():
        borough = db.session.scalar(select(Borough).where(Borough.slug == form.borough.data))
        role = StaffRoleName(form.role.data)
        if any(g.role == role and g.borough_id == borough.id for g in person.staff_roles):
            form.role.errors.append(f"{person.name} already has this role in {borough.name}")
        else:
            person.staff_roles.append(StaffRole(role=role, borough=borough,
                                                granted_by_id=current_user.id))
            record("staff.role_granted", borough=borough, target=f"user:{person.id}",
                   role=role.value)
            db.session.commit()
            # The role's label is a heading's words ("Analyst"): in a sentence it takes an
            # article and a small letter.
            words = role.label.lower()
            article = "an" if words[0] in "aeiou" else "a"
            flash(f"{person.name} is now {article} {words} in {borough.name}.", "success")
            return redirect(url_for("admin.staff_member", user_id=person.id))
    return render_template("admin/staff_member.html", person=person, form=form,
                           button_form=ConfirmForm(), devices=_devices(person))


def _devices(person: User) -> list[dict]:
    return [{"device": device_in_words(row.user_agent), "signed_in_at": row.created_at,
             "last_seen_at": row.last_seen_at} for row in live_sessions(person)]


@admin.route("/staff/<int:user_id>/roles/<int:role_id>/remove", methods=["POST"])
@admin_required
def remove_role(user_id: int, role_id: int):
    grant = db.get_or_404(StaffRole, role_id)
    if grant.user_id != user_id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        person, borough, role = grant.user, grant.borough, grant.role
        db.session.delete(grant)
        record("staff.role_removed", borough=borough, target=f"user:{person.id}",
               role=role.value)
        db.session.commit()
        flash(f"{person.name} is no longer {role.label} for {borough.name}.", "success")
    return redirect(url_for("admin.staff_member", user_id=user_id))


@admin.route("/staff/<int:user_id>/administrator", methods=["GET", "POST"])
@admin_required
def toggle_admin(user_id: int):
    """A check page saying what the change means, then the button. The button says what it
    wants (administrator=yes or no), not "switch": the same button pressed twice, or a page left
    open while another administrator acted, changes nothing."""
    person = db.get_or_404(User, user_id)
    wanted = (request.form if request.method == "POST" else request.args).get("administrator")
    if wanted not in ("yes", "no"):
        abort(400, description="Say whether they should be an administrator: yes or no.")
    make_admin = wanted == "yes"
    form = ConfirmForm()
    form.submit.label.text = ("Make them an administrator" if make_admin
                              else "Remove the administrator role")
    if request.method == "GET" or form.validate_on_submit():
        if person.is_admin == make_admin:
            flash(f"{person.name} is {'already' if make_admin else 'not'} an administrator: "
                  "nothing has changed.", "info")
        elif person.id == current_user.id:
            flash("You cannot remove your own administrator role. Ask another administrator.",
                  "error")
        elif request.method == "GET":
            return render_template("admin/administrator.html", person=person, form=form,
                                   make_admin=make_admin,
                                   waiting=0 if make_admin else accounts.waiting_invitations_from(
                                       person))
        else:
            person.is_admin = make_admin
            record("staff.admin_granted" if make_admin else "staff.admin_removed",
                   target=f"user:{person.id}")
            cancelled = [] if make_admin else _cancel_invitations_from(person)
            db.session.commit()
            flash(f"{person.name} is {'now' if make_admin else 'no longer'} an "
                  "administrator." + _cancelled_in_words(cancelled), "success")
    return redirect(url_for("admin.staff_member", user_id=person.id))


@admin.route("/staff/<int:user_id>/two-step", methods=["GET", "POST"])
@admin_required
def reset_two_step(user_id: int):
    """For someone who has lost their phone and their recovery codes: their two-step
    verification is turned off, and they are told by email. A check page first."""
    person = db.get_or_404(User, user_id)
    form = ConfirmForm()
    form.submit.label.text = "Reset two-step verification"
    own = person.id == current_user.id
    if request.method == "POST" and form.validate_on_submit():
        if own or not person.has_two_step:
            flash(f"{person.name} does not have two-step verification on: nothing has changed."
                  if not own else "You cannot reset your own two-step verification. Ask "
                  "another administrator.", "info")
        else:
            two_step.turn_off(person)
            record("staff.two_step_reset", target=f"user:{person.id}")
            queue_email(person.email, "two_step_reset", name=person.name,
                        required=two_step.required_for(person))
            db.session.commit()
            flash(f"{person.name}'s two-step verification is reset. They can sign in with their "
                  "password alone" + (", and will be asked to set it up again."
                                      if two_step.required_for(person) else "."), "success")
        return redirect(url_for("admin.staff_member", user_id=person.id))
    return render_template("admin/two_step_reset.html", person=person, form=form, own=own,
                           required=two_step.required_for(person))


@admin.route("/staff/<int:user_id>/sign-out", methods=["GET", "POST"])
@admin_required
def sign_out_everywhere(user_id: int):
    """For a lost or stolen laptop, or someone leaving in a hurry: every browser signed in to
    their account is signed out at once (their password still works: reset it, or remove their
    roles, to keep them out). A check page first; audited."""
    person = db.get_or_404(User, user_id)
    form = ConfirmForm()
    form.submit.label.text = "Sign them out everywhere"
    own = person.id == current_user.id
    if request.method == "POST" and form.validate_on_submit():
        devices = len(live_sessions(person))
        if own:
            flash("You cannot sign yourself out everywhere from here: use Where you are signed "
                  "in on your account page.", "info")
        elif not devices:
            flash(f"{person.name} is not signed in anywhere: nothing has changed.", "info")
        else:
            end_all_sessions(person)
            record("staff.signed_out_everywhere", target=f"user:{person.id}", devices=devices)
            db.session.commit()
            flash(f"{person.name} is signed out of {counted(devices, 'device')}.", "success")
        return redirect(url_for("admin.staff_member", user_id=person.id))
    return render_template("admin/sign_out_everywhere.html", person=person, form=form, own=own,
                           devices=_devices(person))


def _cancel_invitations_from(person: User) -> list[StaffInvitation]:
    cancelled = accounts.revoke_invitations_from(person)
    for invitation in cancelled:
        record("staff.invitation_revoked", target=f"invitation:{invitation.id}",
               email=invitation.email, because="its sender is no longer an administrator")
    return cancelled


def _cancelled_in_words(cancelled: list[StaffInvitation]) -> str:
    if not cancelled:
        return ""
    if len(cancelled) == 1:
        return (f" The invitation they sent to {cancelled[0].email} is cancelled: send a new "
                "one if it is still wanted.")
    return (f" The {len(cancelled)} invitations they sent that were not yet accepted are "
            "cancelled: send new ones if they are still wanted.")


def _audit_query(form: AuditFilterForm):
    query = (select(AuditEvent).options(joinedload(AuditEvent.borough))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if form.borough.data:
        query = query.join(Borough).where(Borough.slug == form.borough.data)
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip()))
    return query


@admin.route("/audit")
@admin_required
def audit_log():
    form = AuditFilterForm(request.args)
    form.load_choices()
    form.validate()
    page = db.paginate(_audit_query(form), per_page=50, error_out=False)
    # Attendance registers keep people by account number: their names, for this page only.
    ids = set().union(*(event.people_ids() for event in page.items))
    people = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
                  ) if ids else {}
    return render_template("admin/audit.html", form=form, page=page, people=people)


@admin.route("/audit.csv")
@admin_required
def audit_csv():
    form = AuditFilterForm(request.args)
    form.load_choices()
    form.validate()
    events = db.session.scalars(_audit_query(form).limit(100_000))
    rows = [
        [to_london(e.at).isoformat(timespec="seconds"), e.actor_label, e.action,
         e.borough.name if e.borough else "", e.target or "", e.details_as_json(),
         e.action_in_words]
        for e in events
    ]
    return csv_response("engage-audit-log.csv",
                        ["when (London)", "who", "action", "borough", "target", "details",
                         "what (in words)"], rows)


@admin.route("/outbox")
@admin_required
def outbox():
    status = request.args.get("status") or None
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/outbox.html", page=page, status=status,
                           statuses=list(OutboxStatus), retry_form=ConfirmForm())


@admin.route("/outbox/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if (ConfirmForm().validate_on_submit() and message.status == OutboxStatus.FAILED
            and message.details_deleted_at is None):
        requeue_failed(message)
        record("outbox.retried", target=f"outbox:{message.id}")
        db.session.commit()
        flash(f"Message {message.id} will be sent again.", "success")
    return redirect(url_for("admin.outbox", status="failed"))


@admin.route("/population", methods=["GET", "POST"])
@admin_required
def population():
    form = PopulationUploadForm()
    errors = []
    if form.validate_on_submit():
        text = read_text(form.figures.data)
        if text is None:
            form.figures.errors.append(NOT_UTF8)
        else:
            written, errors = import_figures(text, form.source.data)
            if not errors:
                record("population.uploaded", target="population_figures",
                       figures=written, source=form.source.data)
                db.session.commit()
                flash(f"{counted(written, 'population figure')} saved.", "success")
                return redirect(url_for("admin.population"))
            db.session.rollback()
            form.figures.errors.append(problems_message(errors, "nothing was saved"))
    summary = db.session.execute(
        select(PopulationFigure.dimension, PopulationFigure.source,
               func.count(func.distinct(PopulationFigure.borough_id)))
        .group_by(PopulationFigure.dimension, PopulationFigure.source)
        .order_by(PopulationFigure.dimension)
    ).all()
    return render_template("admin/population.html", form=form, errors=errors[:200],
                           error_count=len(errors), summary=summary, dimensions=DIMENSIONS,
                           gaps=missing_categories())
