"""Pages anyone can read."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.boroughs.models import Borough, all_boroughs
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.operations import groups_of
from engage.public.finder import FindBoroughForm
from engage.reports import targets
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Consultation, open_consultations

public = Blueprint("public", __name__)


@public.route("/")
def home():
    now = utcnow()
    consultations = open_consultations(now)
    # With nothing open the page says what "Have your say" gives instead (the same as it does).
    waiting = {} if consultations else {"upcoming": upcoming_consultations(now)[:1],
                                       "reported": last_reported(now)}
    return render_template("public/home.html", boroughs=all_boroughs(),
                           consultations=consultations, **waiting)


@public.route("/boroughs")
def boroughs():
    """Every borough, and a postcode box (a GET form: it works without JavaScript, and its
    address can be shared). A postcode in one borough goes straight to that borough's page."""
    searched = "postcode" in request.args
    form = FindBoroughForm(formdata=request.args if searched else None)
    found = None
    if searched and form.validate():
        found = form.found
        if found.certain:
            return redirect(url_for(".borough", slug=found.boroughs[0].slug))
    return render_template("public/boroughs.html", boroughs=all_boroughs(), form=form,
                           found=found)


@public.route("/boroughs/<slug>")
def borough(slug: str):
    borough = db.first_or_404(select(Borough).where(Borough.slug == slug))
    consultations = [c for c in open_consultations(None, selectinload(Consultation.questionnaires),
                                                   selectinload(Consultation.boroughs))
                     if c.covers(borough)]
    return render_template("public/borough.html", borough=borough, groups=groups_of(borough),
                           consultations=consultations, reports=published_reports(borough))


def published_reports(borough: Borough) -> list[ReportPublication]:
    """The borough's published reports, newest first (only those its public pages show)."""
    return targets.public_publications(ReportPublication.borough_id == borough.id)


@public.app_template_global()
def published_reports_of(consultation: Consultation) -> list[ReportPublication]:
    """A consultation's published borough reports, by borough name: for a page about the
    consultation (such as the one saying it has closed) to link each borough's report."""
    # The list rule the borough pages and the API use, which also leaves the figures unread.
    return sorted(targets.public_publications(
        ReportPublication.consultation_id == consultation.id), key=lambda p: p.borough.name)


def upcoming_consultations(now: datetime) -> list[Consultation]:
    """Consultations not open yet, the next to open first."""
    return list(db.session.scalars(select(Consultation).where(Consultation.opens_at > now)
                                   .order_by(Consultation.opens_at, Consultation.id)))


def last_reported(now: datetime) -> Consultation | None:
    """The consultation that closed last with a borough's report published (one its public
    page can show: see published_reports_of), for the pages people reach between
    consultations."""
    candidates = db.session.scalars(
        select(Consultation).where(Consultation.closes_at <= now,
                                   select(ReportPublication.id).where(
                                       ReportPublication.consultation_id == Consultation.id)
                                   .exists())
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc()).limit(3))
    return next((c for c in candidates if published_reports_of(c)), None)


@public.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@public.route("/privacy")
def privacy():
    # The periods the nightly clean-up actually uses, so the notice cannot drift from them.
    days = {name: current_app.config[f"ENGAGE_{name.upper()}_RETENTION_DAYS"]
            for name in ("paper", "telephone", "meeting", "news", "outbox", "reply")}
    return render_template("public/privacy.html", days=days,
                           threshold=current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"])


@public.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
