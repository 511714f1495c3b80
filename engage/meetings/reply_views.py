"""Replying to a meeting invitation, and unsubscribing from a group's meeting emails, from the
links in the emails: no sign-in needed, the signed link is the key."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engage import one_click
from engage.auth.tokens import make_token
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.forms import ButtonForm
from engage.groups.models import Group
from engage.meetings import replies
from engage.meetings.forms import ReplyForm
from engage.meetings.mailings import REPLY
from engage.meetings.models import Invitation, Meeting, MeetingStatus, Reply
from engage.meetings.operations import when

meeting_replies = Blueprint("meeting_replies", __name__, url_prefix="/meetings")
my_meetings = Blueprint("my_meetings", __name__)


@meeting_replies.route("/reply/<token>", methods=["GET", "POST"])
def reply(token: str):
    invitation = replies.invitation_for(token)
    if invitation is None:
        return render_template("auth/link_expired.html", what="reply to this invitation",
                               help="meeting"), 400
    if not replies.still_invited(invitation):
        # As the meeting's own page does for anyone but its members: not found.
        return render_template("meetings/no_longer_invited.html",
                               group=invitation.meeting.group), 404
    meeting = invitation.meeting
    # Their reply and access needs so far, to change or clear.
    form = ReplyForm(data={
        "reply": invitation.reply.value if invitation.reply
        and invitation.reply != Reply.WAITING else None,
        "access_needs": invitation.access_needs or ""})
    if not replies.open_for_replies(meeting):
        return render_template("meetings/reply_closed.html", meeting=meeting,
                               when=when(meeting)), 410
    if form.validate_on_submit():
        # Personal data: kept on the invitation for the borough's staff, never emailed.
        invitation.access_needs = form.access_needs.data or None
        recorded = replies.reply(invitation, Reply(form.reply.data))
        db.session.commit()
        if recorded == Reply.WAITING:
            flash("The meeting is full, so you are on the waiting list. We will email you if a "
                  "place comes free.", "success")
        else:
            flash(f"Thank you. Your reply is saved: {recorded.label.lower()}.", "success")
        return redirect(url_for("meeting_replies.reply", token=token))
    # The link in the email is the key: whoever holds it may see the online link once they
    # are registered (see Invitation.may_see_link).
    show_link = (meeting.mode.has_link and bool(meeting.online_link)
                 and invitation.may_see_link)
    return render_template("meetings/reply.html", meeting=meeting, invitation=invitation,
                           form=form, when=when(meeting), waiting=Reply.WAITING,
                           show_link=show_link)


@meeting_replies.route("/unsubscribe/<token>", methods=["GET", "POST"])
@one_click.allowed
def unsubscribe(token: str):
    membership = replies.membership_for(token)
    if membership is None:
        return render_template("auth/link_expired.html", what="change your emails",
                               help="meeting-emails"), 400
    if one_click.requested():  # the mail program's "Unsubscribe" (List-Unsubscribe-Post)
        membership.meeting_emails = False
        db.session.commit()
        return one_click.done("You will not get any more meeting emails from this group.")
    form = ButtonForm()
    if form.validate_on_submit():
        membership.meeting_emails = request.form.get("emails") == "on"
        db.session.commit()
        flash("You will get meeting emails from this group again." if membership.meeting_emails
              else "You will not get any more meeting emails from this group.", "success")
        return redirect(url_for("meeting_replies.unsubscribe", token=token))
    return render_template("meetings/unsubscribe.html", membership=membership, form=form)


@my_meetings.route("/account/meetings")
@login_required
def index():
    """The meetings the signed-in person is invited to, as a member or by their (confirmed)
    address when they registered without signing in: coming up first, then past ones."""
    invitations = db.session.scalars(
        select(Invitation).join(Meeting)
        .where((Invitation.user_id == current_user.id)
               | (Invitation.email == current_user.email),
               Meeting.status != MeetingStatus.DRAFT)
        .options(joinedload(Invitation.meeting).joinedload(Meeting.group)
                 .joinedload(Group.borough))
        .order_by(Meeting.starts_at)).all()
    # A members-only meeting only while they are an active member, asked once for all their
    # groups rather than once a meeting.
    groups = replies.active_group_ids(current_user.id)
    invitations = [i for i in invitations if replies.still_invited(i, groups)]
    now = utcnow()
    coming = [i for i in invitations if i.meeting.ends_at >= now]
    past = [i for i in invitations if i.meeting.ends_at < now][::-1]
    return render_template("meetings/mine.html", coming=coming, past=past, when=when,
                           reply_token=lambda i: make_token(REPLY, {"i": i.id}))
