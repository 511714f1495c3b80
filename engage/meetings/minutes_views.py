"""After a meeting: the attendance register, the minutes and the action points (staff pages),
and the published minutes (public page).

Any staff role in the borough may look; only its officers (and administrators) change things.
The register names members, so only those who see people (`PEOPLE_ROLES`) get the names; the
rest see how many came. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from sqlalchemy import select
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from engage.audit.operations import record
from engage.auth.access import sees_people, staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.forms import FlaskForm, GovSubmitInput, GovTextInput, strip
from engage.groups.models import Group
from engage.groups.operations import group_or_404
from engage.groups.staff_forms import DayMonthYearField
from engage.meetings import minutes as ops
from engage.meetings import operations
from engage.meetings.models import Meeting
from engage.meetings.views import ensure_may_see
from engage.once import OnceForm, already_sent, commit_once

meeting_minutes = Blueprint("meeting_minutes", __name__)

STAFF = "/staff/boroughs/<borough_slug>/groups/<group_slug>/meetings/<int:meeting_id>"
PUBLIC = "/boroughs/<borough_slug>/groups/<group_slug>/meetings/<int:meeting_id>"
OFFICER = StaffRoleName.OFFICER


class MinutesForm(FlaskForm):
    body = TextAreaField("Minutes", filters=[strip],
                         validators=[Length(max=50_000, message="The minutes must be 50,000 "
                                                                "characters or fewer")],
                         widget=GovTextArea(),
                         description="Leave a blank line between paragraphs.")
    submit = SubmitField("Save draft", widget=GovSubmitInput())
    publish = SubmitField("Publish", widget=GovSubmitInput())

    def validate_body(self, field):
        if self.publish.data and not field.data:
            raise ValidationError("Enter the minutes before you publish them")


class ActionForm(OnceForm):
    description = TextAreaField(
        "What needs to be done", filters=[strip],
        validators=[DataRequired("Enter what needs to be done"),
                    Length(max=2000, message="The action must be 2,000 characters or fewer")],
        widget=GovTextArea())
    owner = StringField("Who will do it", filters=[strip],
                        validators=[DataRequired("Enter who will do it"),
                                    Length(max=200, message="The name must be 200 characters "
                                                            "or fewer")],
                        widget=GovTextInput(), description="A name or a role, for example, "
                                                           "the chair or PC Smith")
    due_on = DayMonthYearField("Due by", description="Optional. For example, 30 4 2027")
    submit = SubmitField("Add the action", widget=GovSubmitInput())


@meeting_minutes.app_template_global()
def published_minutes(group: Group) -> list[ops.Minutes]:
    """For the group page: the published minutes the viewer may see, newest first."""
    return ops.published_minutes_of(group, current_user)


@meeting_minutes.app_template_global()
def carried_actions(meeting: Meeting) -> list[ops.ActionPoint]:
    """For a meeting's pages: open actions from the group's earlier meetings."""
    return ops.open_actions_before(meeting, current_user)


def _meeting(borough_slug: str, group_slug: str, meeting_id: int,
             *roles: StaffRoleName) -> tuple[Borough, Group, Meeting]:
    borough = staff_borough(borough_slug, *roles)
    group = group_or_404(borough, group_slug)
    return borough, group, operations.meeting_or_404(group, meeting_id)


def _ids(meeting: Meeting) -> dict:
    return {"borough_slug": meeting.group.borough.slug, "group_slug": meeting.group.slug,
            "meeting_id": meeting.id}


def _audit(action: str, meeting: Meeting, **details) -> None:
    record(action, borough=meeting.group.borough, target=f"meeting:{meeting.id}",
           group=meeting.group.slug, **details)


def _can_edit(borough: Borough, meeting: Meeting) -> bool:
    return current_user.has_role(borough, OFFICER) and not meeting.is_cancelled


def _refuse_if_cancelled(meeting: Meeting):
    if meeting.is_cancelled:
        flash(f"{meeting.title} is cancelled, so it cannot be changed.", "error")
        return redirect(url_for("meetings_staff.meeting", **_ids(meeting)))
    return None


# The attendance register ----------------------------------------------------------------------

@meeting_minutes.route(STAFF + "/attendance", methods=["GET", "POST"])
@staff_required
def attendance(borough_slug: str, group_slug: str, meeting_id: int):
    roles = (OFFICER,) if request.method == "POST" else ()
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, *roles)
    form = ConfirmForm()
    form.submit.label.text = "Save the register"
    if request.method == "POST":
        if (refused := _refuse_if_cancelled(meeting)) is not None:
            return refused
        if form.validate_on_submit():
            chosen = {}
            for line in ops.register_for(meeting):
                value = request.form.get(f"attendance-{line.user.id}")
                if value:
                    try:
                        chosen[line.user.id] = ops.AttendanceStatus(value)
                    except ValueError:
                        abort(400)
            changes = ops.save_register(meeting, chosen, current_user)
            if changes:
                _audit("meeting.attendance_recorded", meeting,
                       changes={str(k): v for k, v in changes.items()})
                db.session.commit()
                flash("The attendance register is saved.", "success")
            else:
                flash("Nothing was changed.", "info")
            return redirect(url_for("meeting_minutes.attendance", **_ids(meeting)))
    lines = ops.register_for(meeting)
    # Members by name only for those who see people; interviewers, clerks and analysts get the
    # counts, as on the meeting's page.
    people = sees_people(borough)
    counts = Counter(line.status for line in lines)
    summary = [(status.label, counts[status]) for status in ops.AttendanceStatus]
    summary.append(("Not recorded", counts[None]))
    return render_template("meetings/minutes/attendance.html", borough=borough, group=group,
                           meeting=meeting, form=form, lines=lines if people else None,
                           on_register=len(lines), summary=summary,
                           statuses=ops.AttendanceStatus,
                           can_edit=_can_edit(borough, meeting))


# Minutes --------------------------------------------------------------------------------------

@meeting_minutes.route(STAFF + "/minutes", methods=["GET", "POST"])
@staff_required
def minutes(borough_slug: str, group_slug: str, meeting_id: int):
    roles = (OFFICER,) if request.method == "POST" else ()
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, *roles)
    current = ops.minutes_of(meeting)
    form = MinutesForm(data={"body": current.body} if current and request.method == "GET"
                       else None)
    if current and current.is_published:
        form.submit.label.text = "Save corrections"
    if request.method == "POST":
        if (refused := _refuse_if_cancelled(meeting)) is not None:
            return refused
        valid = form.validate_on_submit()
        if valid and form.publish.data and not meeting.has_started:
            # Minutes record what happened: a draft may be written ahead (from the agenda),
            # but not published before the meeting.
            form.body.errors.append("You can publish the minutes once the meeting has "
                                    "started. Save them as a draft until then")
        elif valid:
            was_published = bool(current and current.is_published)
            saved, changed, published_now = ops.save_minutes(
                meeting, form.body.data, current_user, publish=bool(form.publish.data))
            if published_now:
                _audit("meeting.minutes_published", meeting, minutes_id=saved.id,
                       text_changed=changed)
                message = "The minutes are published."
            elif changed:
                _audit("meeting.minutes_corrected" if was_published
                       else "meeting.minutes_drafted", meeting, minutes_id=saved.id)
                message = ("Your corrections are published." if was_published
                           else "The draft minutes are saved.")
            else:
                flash("Nothing was changed.", "info")
                return redirect(url_for("meeting_minutes.minutes", **_ids(meeting)))
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("meeting_minutes.minutes", **_ids(meeting)))
    return render_template("meetings/minutes/minutes.html", borough=borough, group=group,
                           meeting=meeting, form=form, current=current,
                           can_edit=_can_edit(borough, meeting))


@meeting_minutes.route(PUBLIC + "/minutes")
def published(borough_slug: str, group_slug: str, meeting_id: int):
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    meeting = operations.meeting_or_404(group_or_404(borough, group_slug), meeting_id)
    ensure_may_see(meeting)  # members-only: sign in first, as for the meeting's page
    found = ops.minutes_of(meeting)
    if found is None or not found.is_published:
        abort(404)
    return render_template("meetings/minutes/published.html", meeting=meeting,
                           group=meeting.group, minutes=found, actions=ops.actions_of(meeting))


# Action points --------------------------------------------------------------------------------

@meeting_minutes.route(STAFF + "/actions", methods=["GET", "POST"])
@staff_required
def actions(borough_slug: str, group_slug: str, meeting_id: int):
    roles = (OFFICER,) if request.method == "POST" else ()
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, *roles)
    form = ActionForm()
    if request.method == "POST":
        if (refused := _refuse_if_cancelled(meeting)) is not None:
            return refused
        if form.validate_on_submit():
            if (earlier := already_sent(form)) is not None:
                return earlier
            action = ops.add_action(meeting, form.description.data, form.owner.data,
                                    form.due_on.data)
            _audit("meeting.action_added", meeting, action_id=action.id,
                   description=action.description, owner=action.owner,
                   due_on=action.due_on.isoformat() if action.due_on else None)
            return commit_once(form, url_for("meeting_minutes.actions", **_ids(meeting)),
                               saved="The action is added.")
    return render_template("meetings/minutes/actions.html", borough=borough, group=group,
                           meeting=meeting, form=form, actions=ops.actions_of(meeting),
                           carried=ops.open_actions_before(meeting),
                           can_edit=_can_edit(borough, meeting))


@meeting_minutes.route(STAFF + "/actions/<int:action_id>/done", methods=["POST"])
@staff_required
def action_done(borough_slug: str, group_slug: str, meeting_id: int, action_id: int):
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, OFFICER)
    action = ops.action_or_404(meeting, action_id)
    if ConfirmForm().validate_on_submit():
        if ops.mark_done(action):
            _audit("meeting.action_done", meeting, action_id=action.id,
                   description=action.description)
            db.session.commit()
            flash(f"The action for {action.owner} is marked as done.", "success")
        else:
            flash("That action was already done.", "info")
    return redirect(url_for("meeting_minutes.actions", **_ids(meeting)))
