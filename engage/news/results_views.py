"""Asking for one email when a borough's report of a consultation is published, and the links
that confirm and cancel it (engage.news.results). Nobody needs to sign in: the signed link is
the key."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from engage.auth.forms import ConfirmForm
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db, limiter
from engage.forms import no_email_given, normalise_email
from engage.news import results
from engage.news.forms import ResultsRequestForm
from engage.reports import targets
from engage.surveys.models import Consultation

results_emails = Blueprint("results_emails", __name__)


def _submitted_email() -> str:
    # Per address, consultation and borough: one address cannot be flooded with links.
    args = request.view_args or {}
    return (f"results:{args.get('consultation_slug')}:{args.get('borough_slug')}:"
            f"{normalise_email(request.form.get('email'))}")


def _consultation_and_borough(consultation_slug: str,
                              borough_slug: str) -> tuple[Consultation, Borough]:
    """Both, if the consultation covers the borough, has opened (before that it is not
    public) and its results may still come (closed less than results.WAIT_DAYS ago); 404
    otherwise."""
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    consultation = db.first_or_404(select(Consultation).where(
        Consultation.slug == consultation_slug))
    now = utcnow()
    if (not consultation.covers(borough) or consultation.opens_at > now
            or consultation.closes_at < now - timedelta(days=results.WAIT_DAYS)):
        abort(404)
    return consultation, borough


@results_emails.route("/boroughs/<borough_slug>/have-your-say/<consultation_slug>/results-email",
                      methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email,
               exempt_when=no_email_given)
# And across every consultation and borough, as news of meetings is.
@limiter.limit("10 per hour", methods=["POST"], exempt_when=no_email_given,
               key_func=lambda: "results:" + normalise_email(request.form.get("email")))
def ask(borough_slug: str, consultation_slug: str):
    consultation, borough = _consultation_and_borough(consultation_slug, borough_slug)
    published = targets.publication(consultation, borough)
    if published is not None:
        # Out already: nothing to wait for.
        return redirect(url_for("public_reports.report", borough_slug=borough.slug,
                                consultation_slug=consultation.slug))
    form = ResultsRequestForm()
    if form.validate_on_submit():
        results.ask(consultation, borough, form.email.data)
        db.session.commit()
        # The same page whether or not the address had asked before.
        return render_template("news/results/check_email.html", borough=borough,
                               consultation=consultation, email=form.email.data)
    return render_template("news/results/ask.html", borough=borough, consultation=consultation,
                           form=form, closed=consultation.has_closed())


@results_emails.route("/results-email/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    form.submit.label.text = "Confirm"
    if form.validate_on_submit():
        found = results.confirm(token)
        if found is None:
            db.session.rollback()
            return render_template("news/results/link_expired.html",
                                   what="confirm that you want the results by email"), 400
        borough, consultation = found.borough, found.consultation
        published = targets.publication(consultation, borough) is not None
        cancel_url = None if published else results.cancel_url(found.id)
        db.session.commit()
        return render_template("news/results/confirmed.html", borough=borough,
                               consultation=consultation, published=published,
                               cancel_url=cancel_url)
    # A GET only shows a button: mail scanners that open links change nothing.
    return render_template("news/results/confirm.html", form=form)


@results_emails.route("/results-email/cancel/<token>", methods=["GET", "POST"])
def cancel(token: str):
    found = results.request_for_cancel(token)
    if found is None:
        if results.cancel_link_works(token):
            # Sent, cancelled or given up on already: nothing is waiting to be sent.
            return render_template("news/results/cancelled.html")
        return render_template("news/results/link_expired.html",
                               what="cancel the email about the results"), 400
    form = ConfirmForm()
    form.submit.label.text = "Cancel the email"
    if form.validate_on_submit():
        results.cancel(found)
        db.session.commit()
        return render_template("news/results/cancelled.html")
    return render_template("news/results/cancel.html", request_=found, form=form)
