"""Staff pages for a group's meetings: scheduling, changing, publishing and cancelling them, and
their agendas and papers.

Any staff role in the borough may look; only its officers (and administrators) change things.
Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engage.audit.operations import record
from engage.auth.access import sees_people, staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.forms import ALREADY_MOVED, moved_since_shown
from engage.groups.models import Group
from engage.groups.operations import group_or_404
from engage.meetings import mailings, operations, papers, registration, replies
from engage.meetings.forms import AgendaItemForm, MeetingForm, PaperForm
from engage.meetings.models import Mailing, MailingKind, Meeting, MeetingStatus, Reply
from engage.once import already_sent, commit_once

meetings_staff = Blueprint("meetings_staff", __name__,
                           url_prefix="/staff/boroughs/<borough_slug>/groups/<group_slug>/meetings")

OFFICER = StaffRoleName.OFFICER


def _load(borough_slug: str, group_slug: str, *roles: StaffRoleName) -> tuple[Borough, Group]:
    borough = staff_borough(borough_slug, *roles)
    return borough, group_or_404(borough, group_slug)


def _meeting(borough_slug: str, group_slug: str, meeting_id: int,
             *roles: StaffRoleName) -> tuple[Borough, Group, Meeting]:
    borough, group = _load(borough_slug, group_slug, *roles)
    return borough, group, operations.meeting_or_404(group, meeting_id)


def _back(meeting: Meeting, anchor: str | None = None):
    group = meeting.group
    return redirect(url_for("meetings_staff.meeting", borough_slug=group.borough.slug,
                            group_slug=group.slug, meeting_id=meeting.id, _anchor=anchor))


def _audit(action: str, meeting: Meeting, **details) -> None:
    record(action, borough=meeting.group.borough, target=f"meeting:{meeting.id}",
           group=meeting.group.slug, **details)


def _cancelled(meeting: Meeting):
    """A cancelled meeting is kept as it was; changes to it are refused."""
    flash(f"{meeting.title} is cancelled, so it cannot be changed.", "error")
    return _back(meeting)


def _changeable(borough_slug: str, group_slug: str, meeting_id: int):
    """The meeting, for an officer to change: a cancelled one sends them back to it instead."""
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, OFFICER)
    if meeting.is_cancelled:
        abort(_cancelled(meeting))
    return borough, group, meeting


@meetings_staff.route("")
@staff_required
def index(borough_slug: str, group_slug: str):
    borough, group = _load(borough_slug, group_slug)
    return render_template("meetings/staff/index.html", borough=borough, group=group,
                           meetings=operations.meetings_of(group),
                           can_edit=current_user.has_role(borough, OFFICER))


@meetings_staff.route("/new", methods=["GET", "POST"])
@staff_required
def new(borough_slug: str, group_slug: str):
    borough, group = _load(borough_slug, group_slug, OFFICER)
    form = MeetingForm()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        meeting = operations.schedule(group, form.details(), current_user)
        _audit("meeting.scheduled", meeting, title=meeting.title,
               starts_at=meeting.starts_at.isoformat(), ends_at=meeting.ends_at.isoformat(),
               mode=meeting.mode.value, visibility=meeting.visibility.value)
        return commit_once(form, _back(meeting).location, saved=f"{meeting.title} is saved as a "
                           "draft. Add its agenda, then publish it.")
    return render_template("meetings/staff/form.html", borough=borough, group=group, form=form,
                           meeting=None)


@meetings_staff.route("/<int:meeting_id>")
@staff_required
def meeting(borough_slug: str, group_slug: str, meeting_id: int):
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id)
    can_edit = current_user.has_role(borough, OFFICER) and not meeting.is_cancelled
    # Guests' names, addresses and access needs only for those who see people; the rest, a count.
    registered = registration.registrations(meeting)
    # Members' access needs likewise.
    needs = replies.members_access_needs(meeting)
    return render_template("meetings/staff/meeting.html", borough=borough, group=group,
                           meeting=meeting, can_edit=can_edit,
                           replies=replies.counts(meeting), reply_kinds=Reply,
                           registrations=registered if sees_people(borough) else None,
                           registered_count=len(registered),
                           member_needs=needs if sees_people(borough) else None,
                           member_needs_count=len(needs),
                           mailings=db.session.scalars(
                               select(Mailing).where(Mailing.meeting_id == meeting.id)
                               .order_by(Mailing.id)).all())


@meetings_staff.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(borough_slug: str, group_slug: str, meeting_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    form = MeetingForm.for_editing(meeting) if request.method == "GET" else MeetingForm()
    form.submit.label.text = "Save changes"
    form.times_were = (meeting.starts_at, meeting.ends_at)
    if form.validate_on_submit():
        sequence = meeting.sequence
        before, after = operations.change(meeting, form.details())
        if after:
            _audit("meeting.changed", meeting, before=before, after=after,
                   sequence=meeting.sequence)
            # A published meeting's new time or place has just opened an update mailing (and
            # invited any member not yet invited): count whom it goes to, as it will.
            updated = meeting.sequence != sequence and meeting.is_published
            told = mailings.audience_size(meeting, MailingKind.UPDATE) if updated else 0
            db.session.commit()
            flash(f"{meeting.title} is saved." + (" " + _update_sent(told) if updated else ""),
                  "success")
        else:
            flash("Nothing was changed.", "info")
        return _back(meeting)
    return render_template("meetings/staff/form.html", borough=borough, group=group, form=form,
                           meeting=meeting)


@meetings_staff.route("/<int:meeting_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(borough_slug: str, group_slug: str, meeting_id: int):
    """A check page saying whom publishing emails, then the button: an invitation cannot be
    called back."""
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, OFFICER)
    form = ConfirmForm()
    form.submit.label.text = "Publish and send the invitations"
    if meeting.status == MeetingStatus.DRAFT and meeting.has_started:
        # Its invitations would arrive too late, with a calendar entry for the past, and
        # cannot be called back.
        flash(f"{meeting.title} has already started, so it cannot be published: nobody has "
              "been emailed. Change its date and time first if it is to be held later.",
              "error")
        return _back(meeting)
    if form.validate_on_submit():
        if operations.publish(meeting):
            told = mailings.audience_size(meeting, MailingKind.INVITATION)
            _audit("meeting.published", meeting, title=meeting.title)
            db.session.commit()
            flash(f"{meeting.title} is published. " + _invitations_sent(told), "success")
        else:
            flash(f"{meeting.title} is already {meeting.status.label.lower()}: nothing has "
                  "changed.", "info")
        return _back(meeting)
    if meeting.status != MeetingStatus.DRAFT:
        flash(f"{meeting.title} is already {meeting.status.label.lower()}.", "info")
        return _back(meeting)
    return render_template("meetings/staff/publish.html", borough=borough, group=group,
                           meeting=meeting, form=form, told=mailings.invitation_size(meeting))


@meetings_staff.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(borough_slug: str, group_slug: str, meeting_id: int):
    borough, group, meeting = _meeting(borough_slug, group_slug, meeting_id, OFFICER)
    if meeting.is_cancelled:
        flash(f"{meeting.title} is already cancelled.", "info")
        return _back(meeting)
    form = ConfirmForm()
    form.submit.label.text = "Cancel the meeting"
    # Only a published meeting's invited people are told (a draft has invited nobody), and
    # only those the cancellation mailing goes to.
    told = (mailings.audience_size(meeting, MailingKind.CANCELLATION)
            if meeting.is_published else None)
    if form.validate_on_submit():
        was = meeting.status
        operations.cancel(meeting)
        _audit("meeting.cancelled", meeting, title=meeting.title, was=was.value,
               sequence=meeting.sequence)
        db.session.commit()
        flash(f"{meeting.title} is cancelled." + (
            " " + _cancellation_sent(told) if told is not None else ""), "success")
        return _back(meeting)
    return render_template("meetings/staff/cancel.html", borough=borough, group=group,
                           meeting=meeting, form=form, told=told)


def _people(n: int) -> str:
    return "the 1 person" if n == 1 else f"the {n:,} people"


def _invitations_sent(n: int) -> str:
    if n == 0:
        return "Nobody gets its emails yet, so nobody has been emailed."
    return f"We are emailing {_people(n)} invited to it, with a calendar entry."


def _update_sent(n: int) -> str:
    if n == 0:
        return "Nobody invited to this meeting gets its emails, so nobody has been emailed."
    return (f"We have emailed {_people(n)} invited to this meeting the new time and place "
            "(with an updated calendar entry).")


def _cancellation_sent(n: int) -> str:
    if n == 0:
        return "Nobody invited to this meeting gets its emails, so nobody has been emailed."
    return (f"We have emailed {_people(n)} invited to this meeting to say it is cancelled "
            "(with a calendar update that removes it).")


# The agenda -----------------------------------------------------------------------------------

@meetings_staff.route("/<int:meeting_id>/agenda/new", methods=["GET", "POST"])
@staff_required
def add_item(borough_slug: str, group_slug: str, meeting_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    form = AgendaItemForm()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        item = operations.add_item(meeting, form.title.data, form.presenter.data,
                                   form.minutes_value)
        _audit("meeting.agenda_item_added", meeting, item_id=item.id, title=item.title,
               presenter=item.presenter, minutes=item.minutes, position=item.position)
        return commit_once(form, _back(meeting).location,
                           saved=f"{item.title} is added to the agenda.")
    return render_template("meetings/staff/agenda_item.html", borough=borough, group=group,
                           meeting=meeting, form=form)


@meetings_staff.route("/<int:meeting_id>/agenda/<int:item_id>/move", methods=["POST"])
@staff_required
def move_item(borough_slug: str, group_slug: str, meeting_id: int, item_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    item = operations.agenda_item_or_404(meeting, item_id)
    direction = request.form.get("direction", "")
    if moved_since_shown(item.position):
        flash(ALREADY_MOVED, "info")
    elif ConfirmForm().validate_on_submit() and operations.move_item(item, direction):
        _audit("meeting.agenda_item_moved", meeting, item_id=item.id, direction=direction,
               order=[i.id for i in meeting.agenda])
        db.session.commit()
        flash(f"{item.title} is moved {direction}.", "success")
    # Back to the item, so someone moving it several places keeps their place on the page.
    return _back(meeting, anchor=f"item-{item.id}")


@meetings_staff.route("/<int:meeting_id>/agenda/<int:item_id>/remove", methods=["POST"])
@staff_required
def remove_item(borough_slug: str, group_slug: str, meeting_id: int, item_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    item = operations.agenda_item_or_404(meeting, item_id)
    if ConfirmForm().validate_on_submit():
        title, papers_removed = item.title, [p.name for p in item.papers]
        _audit("meeting.agenda_item_removed", meeting, item_id=item.id, title=title,
               papers=papers_removed)
        operations.remove_item(item)
        db.session.commit()
        flash(f"{title} is removed from the agenda.", "success")
    return _back(meeting)


# Papers ---------------------------------------------------------------------------------------

@meetings_staff.route("/<int:meeting_id>/agenda/<int:item_id>/papers/new",
                      methods=["GET", "POST"])
@staff_required
def add_paper(borough_slug: str, group_slug: str, meeting_id: int, item_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    item = operations.agenda_item_or_404(meeting, item_id)
    form = PaperForm()
    # Large uploads are spooled to temporary files: close them whatever happens.
    with papers.uploads_closed():
        if form.validate_on_submit():
            if (earlier := already_sent(form)) is not None:
                return earlier
            paper = operations.add_paper(item, form.checked, current_user, form.title.data)
            _audit("meeting.paper_added", meeting, item_id=item.id, paper_id=paper.id,
                   title=paper.title, filename=paper.original_filename,
                   content_type=paper.content_type, size_bytes=paper.size_bytes)
            return commit_once(form, _back(meeting).location,
                               saved=f"{paper.name} is added to {item.title}.")
    return render_template("meetings/staff/paper.html", borough=borough, group=group,
                           meeting=meeting, item=item, form=form)


@meetings_staff.route("/<int:meeting_id>/papers/<int:paper_id>/remove", methods=["POST"])
@staff_required
def remove_paper(borough_slug: str, group_slug: str, meeting_id: int, paper_id: int):
    borough, group, meeting = _changeable(borough_slug, group_slug, meeting_id)
    paper = operations.paper_or_404(meeting, paper_id)
    if ConfirmForm().validate_on_submit():
        filename = paper.name
        _audit("meeting.paper_removed", meeting, item_id=paper.agenda_item_id,
               paper_id=paper.id, title=paper.title, filename=paper.original_filename)
        operations.remove_paper(paper)
        db.session.commit()
        flash(f"{filename} is removed.", "success")
    return _back(meeting)

