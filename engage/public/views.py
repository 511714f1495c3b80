"""Pages anyone can read."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.auth.operations import UNCONFIRMED_DAYS
from engage.boroughs.models import Borough, all_boroughs
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.operations import groups_of
from engage.public.finder import FindBoroughForm
from engage.reports import targets
from engage.reports.targets_models import ReportPublication
from engage.surveys.flow import DRAFT_DAYS
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
    reports = published_reports(borough)
    return render_template("public/borough.html", borough=borough, groups=groups_of(borough),
                           consultations=consultations, reports=reports,
                           awaited=awaited_results(borough, reports))


def awaited_results(borough: Borough, reports: list[ReportPublication]) -> list[Consultation]:
    """Consultations in the borough whose results may still come, newest first: opened, not
    yet published for it, and closed less than engage.news.results.WAIT_DAYS ago (the results
    by email are offered for them)."""
    from engage.news.results import WAIT_DAYS

    now = utcnow()
    published = {report.consultation_id for report in reports}
    candidates = db.session.scalars(
        select(Consultation).where(Consultation.opens_at <= now,
                                   Consultation.closes_at > now - timedelta(days=WAIT_DAYS))
        .options(selectinload(Consultation.boroughs))
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc()))
    return [c for c in candidates if c.id not in published and c.covers(borough)]


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
            for name in ("paper", "telephone", "meeting", "news", "outbox", "reply",
                         "invitation")}
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return render_template("public/privacy.html", days=days,
                           threshold=current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"],
                           response_file_days=current_app.config["ENGAGE_RESPONSE_FILE_DAYS"],
                           draft_days=DRAFT_DAYS, unconfirmed_days=UNCONFIRMED_DAYS,
                           session_hours=round(lifetime.total_seconds() / 3600),
                           idle_minutes=current_app.config["ENGAGE_SESSION_IDLE_MINUTES"])


# Crawlers are kept from the signed-in parts, where they would only meet the sign-in page;
# every other page that should not be listed says so itself (X-Robots-Tag, engage.security),
# which a crawler can only read on a page it may fetch.
ROBOTS_TXT = """\
User-agent: *
Disallow: /staff/
Disallow: /admin/
Disallow: /account/
Disallow: /dev/
"""
# security.txt (RFC 9116) must say when to stop trusting it. It is made from the settings at
# every request, so it never goes stale: it is valid for the next 180 days (the RFC asks for
# less than a year).
SECURITY_TXT_DAYS = 180


@public.route("/robots.txt")
def robots_txt():
    return Response(ROBOTS_TXT, mimetype="text/plain")


@public.route("/.well-known/security.txt")
def security_txt():
    """Where to report a security problem (RFC 9116): ENGAGE_SECURITY_CONTACT, or the
    service's contact email."""
    config = current_app.config
    contact = security_contact(config.get("ENGAGE_SECURITY_CONTACT")
                               or config["ENGAGE_CONTACT_EMAIL"])
    expires = (utcnow() + timedelta(days=SECURITY_TXT_DAYS)).replace(microsecond=0)
    lines = [f"Contact: {contact}",
             f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
             "Preferred-Languages: en",
             f"Canonical: {config['ENGAGE_BASE_URL']}/.well-known/security.txt"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def security_contact(value: str) -> str:
    """A Contact line's URI: an email address becomes mailto:, a URI stays as it is."""
    return value if value.startswith(("mailto:", "https://", "tel:")) else f"mailto:{value}"


@public.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
