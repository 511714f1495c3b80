"""Asking for news of a borough's policing meetings, from a link on its groups' pages, and the
links in the emails that confirm and stop it. Nobody needs to sign in: the signed link is the
key."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from engage import one_click
from engage.auth.forms import ConfirmForm
from engage.boroughs.models import Borough
from engage.extensions import db, limiter
from engage.forms import no_email_given, normalise_email
from engage.news import operations
from engage.news.forms import SubscribeForm

news = Blueprint("news", __name__)


def _submitted_email() -> str:
    # Per address and borough, so one address cannot be flooded with confirmation emails.
    borough = (request.view_args or {}).get("borough_slug")
    return f"news:{borough}:{normalise_email(request.form.get('email'))}"


@news.route("/boroughs/<borough_slug>/meeting-news", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email,
               exempt_when=no_email_given)
# And across London: per borough alone, one address could be sent 96 links an hour.
@limiter.limit("10 per hour", methods=["POST"], exempt_when=no_email_given,
               key_func=lambda: "news:" + normalise_email(request.form.get("email")))
def subscribe(borough_slug: str):
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    form = SubscribeForm()
    if form.validate_on_submit():
        operations.subscribe(borough, form.email.data, form.name.data)
        db.session.commit()
        # The same page whether or not the address was already subscribed.
        return render_template("news/check_email.html", borough=borough, email=form.email.data)
    return render_template("news/subscribe.html", borough=borough, form=form)


@news.route("/meeting-news/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    form.submit.label.text = "Confirm"
    if form.validate_on_submit():
        found = operations.confirm(token)
        if found is None:
            db.session.rollback()
            return render_template("news/link_expired.html",
                                   what="confirm that you want emails about meetings"), 400
        db.session.commit()
        return render_template("news/confirmed.html", borough=found.borough,
                               unsubscribe_url=operations.unsubscribe_url(found.id))
    # A GET only shows a button: mail scanners that open links change nothing.
    return render_template("news/confirm.html", form=form)


@news.route("/meeting-news/unsubscribe/<token>", methods=["GET", "POST"])
@one_click.allowed
def unsubscribe(token: str):
    found = operations.subscription_for_unsubscribe(token)
    if found is None and operations.forgotten(token):
        # Stopped (or never confirmed) long ago and since forgotten: nothing more to stop.
        return render_template("news/not_on_the_list.html")
    if found is None:
        return render_template("news/link_expired.html", what="stop emails about meetings",
                               stopping=True), 400
    if one_click.requested():  # the mail program's "Unsubscribe" (List-Unsubscribe-Post)
        operations.unsubscribe(found)
        db.session.commit()
        return one_click.done("You will not get any more emails about new meetings in "
                              f"{found.borough.name}.")
    form = ConfirmForm()
    form.submit.label.text = "Stop these emails"
    if form.validate_on_submit():
        operations.unsubscribe(found)
        db.session.commit()
        return redirect(url_for("news.unsubscribe", token=token))
    return render_template("news/unsubscribe.html", subscription=found, form=form)
