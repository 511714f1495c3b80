"""Staff pages for the replies respondents asked for: the list per borough and consultation,
and one person's request, with what they wrote and a button to mark the reply made.

Contact details are personal data: only the borough's engagement officers (and administrators)
see these pages; another borough's officer gets 403 before anything is read, and a response
from another borough or consultation is not found. Marking a reply is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from sqlalchemy import exists, select
from wtforms import TextAreaField
from wtforms.validators import Length

from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.forms import FlaskForm, GovSubmitInput, SubmitField, strip
from engage.surveys import replies
from engage.surveys.models import Consultation, Response, ResponseContact

surveys_replies = Blueprint(
    "surveys_replies", __name__,
    url_prefix="/staff/boroughs/<borough_slug>/consultations/<consultation_slug>/replies")


PER_PAGE = 50


class MarkRepliedForm(FlaskForm):
    note = TextAreaField(
        "Note (optional)", filters=[strip], widget=GovTextArea(),
        description="How you replied, or who you passed it to. Do not copy their words here.",
        validators=[Length(max=replies.NOTE_LENGTH,
                           message=f"The note must be {replies.NOTE_LENGTH:,} characters "
                                   "or fewer")])
    submit = SubmitField("Mark as replied", widget=GovSubmitInput())


def _load(borough_slug: str, consultation_slug: str) -> tuple[Borough, Consultation]:
    borough = staff_borough(borough_slug, StaffRoleName.OFFICER)
    consultation = db.first_or_404(select(Consultation)
                                   .where(Consultation.slug == consultation_slug))
    # A consultation that stopped covering the borough after people there asked for a reply
    # still shows them.
    if not consultation.covers(borough) and not db.session.scalar(select(exists().where(
            ResponseContact.response_id == Response.id,
            Response.consultation_id == consultation.id,
            Response.borough_id == borough.id))):
        abort(404)
    return borough, consultation


@surveys_replies.route("")
@staff_required
def index(borough_slug: str, consultation_slug: str):
    borough, consultation = _load(borough_slug, consultation_slug)
    waiting, replied = replies.reply_counts(consultation, borough)
    page = db.paginate(replies.replies_asked_for(consultation, borough), per_page=PER_PAGE,
                       error_out=False)
    return render_template("surveys/replies/index.html", borough=borough,
                           consultation=consultation, page=page, waiting=waiting,
                           replied=replied)


@surveys_replies.route("/<int:response_id>", methods=["GET", "POST"])
@staff_required
def reply(borough_slug: str, consultation_slug: str, response_id: int):
    borough, consultation = _load(borough_slug, consultation_slug)
    contact = replies.reply_or_none(consultation, borough, response_id)
    if contact is None:
        abort(404)
    back = url_for(".index", borough_slug=borough.slug, consultation_slug=consultation.slug)
    form = MarkRepliedForm()
    if contact.replied_at is None and form.validate_on_submit():
        if replies.mark_replied(contact, current_user, form.note.data or ""):
            record("survey.reply_marked", borough=borough,
                   target=f"response:{contact.response_id}")
            flash(f"The reply to response {contact.response.reference} is marked as made.",
                  "success")
        else:
            flash("Someone has already marked this reply as made.", "success")
        db.session.commit()
        return redirect(back)
    if contact.replied_at is not None and form.is_submitted():
        flash("Someone has already marked this reply as made.", "success")
        return redirect(back)
    return render_template("surveys/replies/reply.html", borough=borough,
                           consultation=consultation, contact=contact, form=form, back=back,
                           written=replies.what_they_wrote(contact.response))
