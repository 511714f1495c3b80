"""Meetings as the public and members see them: the meeting page, its calendar file and papers.

Drafts are seen only by the borough's staff; members-only meetings are "not found" to everyone
signed in who is not an active member of the group (or the borough's staff). Someone not signed
in is asked to sign in first and brought back (a member following the link in their invitation),
as a page that needs an account does.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from engage import storage
from engage.auth.operations import external_url
from engage.boroughs.models import Borough
from engage.extensions import db, limiter, login_manager
from engage.forms import no_email_given, normalise_email
from engage.groups.models import Group
from engage.groups.operations import group_or_404
from engage.meetings import ical, operations, papers, registration
from engage.meetings.forms import RegisterForm
from engage.meetings.models import Meeting, MeetingStatus

meetings = Blueprint("meetings", __name__,
                     url_prefix="/boroughs/<borough_slug>/groups/<group_slug>/meetings")


@meetings.app_template_filter("meeting_time")
def meeting_time(meeting: Meeting) -> str:
    return operations.when(meeting)


@meetings.app_template_global()
def upcoming_meetings(group: Group) -> list[Meeting]:
    """For the group page: the published meetings still to come that the viewer may see."""
    return operations.upcoming_for(group, current_user)


def ensure_may_see(meeting: Meeting) -> None:
    """Stop here unless the viewer may see the meeting. A members-only meeting (not a draft)
    sends someone not signed in to sign in, with `next` back to this page: they may be a
    member. Anyone else who may not see it, signed in or not, finds nothing (404)."""
    if operations.may_see(meeting, current_user):
        return
    if (meeting.is_members_only and meeting.status != MeetingStatus.DRAFT
            and not current_user.is_authenticated):
        abort(login_manager.unauthorized())
    abort(404)


def _visible_meeting(borough_slug: str, group_slug: str, meeting_id: int) -> Meeting:
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    meeting = operations.meeting_or_404(group_or_404(borough, group_slug), meeting_id)
    ensure_may_see(meeting)
    return meeting


def _page(meeting: Meeting, form: RegisterForm | None = None):
    """The meeting's page; with the registration form while registration is open to the viewer
    (members are invited already, and reply to their invitation instead)."""
    is_member = operations.is_active_member(meeting.group, current_user)
    registering = registration.is_open(meeting) and not is_member
    if registering and form is None:
        known = ({"name": current_user.name, "email": current_user.email}
                 if current_user.is_authenticated else None)
        form = RegisterForm(data=known)
    full = registering and registration.is_full(meeting)
    if full:
        # The button says what pressing it does: the page has just said the meeting is full.
        form.submit.label.text = "Join the waiting list"
    return render_template("meetings/meeting.html", meeting=meeting, group=meeting.group,
                           show_link=operations.may_see_link(meeting, current_user),
                           is_member=is_member, form=form if registering else None,
                           registration_open=registration.is_open(meeting),
                           full=full)


@meetings.route("/<int:meeting_id>")
def meeting(borough_slug: str, group_slug: str, meeting_id: int):
    return _page(_visible_meeting(borough_slug, group_slug, meeting_id))


@meetings.route("/<int:meeting_id>/register", methods=["POST"])
@limiter.limit("20 per hour")
# The form takes any address, and a registration sent again after a minute sends its
# confirmation again: limited per address too (as a password reset is), so that nobody's inbox
# can be filled with confirmations from many places at once.
@limiter.limit("5 per hour", key_func=lambda: "meeting-register:"
               + normalise_email(request.form.get("email")), exempt_when=no_email_given)
def register(borough_slug: str, group_slug: str, meeting_id: int):
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    meeting = operations.meeting_or_404(group_or_404(borough, group_slug), meeting_id)
    # Only public meetings take registrations: nobody is sent to sign in to come back to a
    # form that is not there (this address answers POST only).
    if meeting.is_members_only or meeting.status == MeetingStatus.DRAFT:
        abort(404)
    if not registration.is_open(meeting):
        return render_template("meetings/registration_closed.html", meeting=meeting,
                               group=meeting.group), 410
    form = RegisterForm()
    if not form.validate_on_submit():
        return _page(meeting, form)
    # Whether the meeting was full before, as anyone could see on its page: what the page says
    # must not depend on the address (registration's docstring).
    full = registration.is_full(meeting)
    registration.register(meeting, form.name.data, form.email.data, form.access_needs.data)
    db.session.commit()
    # Shown, not redirected to: the page names the address, which does not belong in a URL.
    # Sending the form again is harmless: it finds the same registration.
    return render_template("meetings/registered.html", meeting=meeting, group=meeting.group,
                           email=form.email.data, full=full,
                           online=bool(meeting.online_link))


@meetings.route("/<int:meeting_id>.ics")
def calendar(borough_slug: str, group_slug: str, meeting_id: int):
    meeting = _visible_meeting(borough_slug, group_slug, meeting_id)
    group = meeting.group
    page_url = external_url("meetings.meeting", borough_slug=group.borough.slug,
                            group_slug=group.slug, meeting_id=meeting.id)
    body = ical.calendar_for(meeting, page_url,
                             show_link=operations.may_see_link(meeting, current_user))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@meetings.route("/<int:meeting_id>/papers/<int:paper_id>")
def paper(borough_slug: str, group_slug: str, meeting_id: int, paper_id: int):
    meeting = _visible_meeting(borough_slug, group_slug, meeting_id)
    paper = operations.paper_or_404(meeting, paper_id)
    kept = papers.kept(paper.stored_name)
    if kept is None:
        abort(404)
    return storage.download(kept, paper.original_filename, paper.content_type)
