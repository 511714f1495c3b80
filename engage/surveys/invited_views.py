"""The links in invitation emails: the personal link to answer, and the unsubscribe link. Neither
needs signing in: the link is the key. A GET changes nothing (mail scanners open links), so
each page has a button that POSTs."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select

from engage import one_click
from engage.auth.forms import ConfirmForm
from engage.extensions import db
from engage.surveys import invitations
from engage.surveys.flow import begin_with_draft
from engage.surveys.models import Invitee, Response, ResponseDraft
from engage.surveys.public_views import unavailable
from engage.surveys.responses import start_draft

surveys_invited = Blueprint("surveys_invited", __name__, url_prefix="/have-your-say")


def _unknown_link(what: str):
    return render_template("surveys/invitations/unknown_link.html", what=what), 404


@surveys_invited.route("/invited/<token>", methods=["GET", "POST"])
def start(token: str):
    invitee = db.session.scalar(select(Invitee).where(Invitee.token == token))
    if invitee is None:
        return _unknown_link("answer the questionnaire")
    invitee_list = invitee.invitee_list
    questionnaire = invitee_list.questionnaire
    consultation = questionnaire.consultation
    if db.session.scalar(select(Response.id).where(Response.invitee_id == invitee.id)):
        return render_template("surveys/invitations/answered.html", consultation=consultation,
                               borough=invitee_list.borough)
    refused = unavailable(consultation)  # the public flow's "not open yet" or "closed"
    if refused is not None:
        return refused
    form = ConfirmForm()
    form.submit.label.text = "Start now"
    if form.validate_on_submit():
        # Opening the link again, on this device or another, carries on from the same answers.
        draft = db.session.scalar(
            select(ResponseDraft)
            .where(ResponseDraft.invitee_id == invitee.id, ResponseDraft.response_id.is_(None))
            .order_by(ResponseDraft.id.desc()).limit(1))
        if draft is None:
            draft = start_draft(questionnaire.current_version, borough=invitee_list.borough,
                                invitee_id=invitee.id)
        db.session.commit()
        return begin_with_draft(draft)
    return render_template("surveys/invitations/start.html", consultation=consultation,
                           questionnaire=questionnaire, borough=invitee_list.borough,
                           form=form)


@surveys_invited.route("/unsubscribe/<token>", methods=["GET", "POST"])
@one_click.allowed
def unsubscribe(token: str):
    invitee = invitations.invitee_for_unsubscribe(token)
    if invitee is None and invitations.forgotten(token):
        # The list was deleted after its consultation closed: nothing more comes from it.
        if one_click.requested():
            return one_click.done("We no longer keep the list this email was sent from, so "
                                  "nothing more will be sent from it.")
        return render_template("surveys/invitations/list_deleted.html")
    if invitee is None:
        return _unknown_link("stop emails about consultations")
    if one_click.requested():  # the mail program's "Unsubscribe" (List-Unsubscribe-Post)
        invitations.opt_out(invitee.email)
        db.session.commit()
        return one_click.done("You will not get any more emails about consultations.")
    form = ConfirmForm()
    form.submit.label.text = "Stop these emails"
    if form.validate_on_submit():
        invitations.opt_out(invitee.email)
        db.session.commit()
        return redirect(url_for("surveys_invited.unsubscribe", token=token))
    return render_template("surveys/invitations/unsubscribe.html", email=invitee.email,
                           borough=invitee.invitee_list.borough, form=form,
                           opted_out=invitations.is_opted_out(invitee.email))
