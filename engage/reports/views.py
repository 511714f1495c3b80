"""Staff pages for borough priority reports: read the latest snapshot, never count.

A borough's report is for its engagement officers and analysts (and administrators); the
London-wide report is for administrators only. Both offer the same figures as CSV and a button
that asks the workers to count again.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from engage.auth.access import boroughs_for, staff_borough, staff_required
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.clock import to_london
from engage.exports import csv_response
from engage.extensions import db
from engage.once import OnceForm, already_sent, commit_once
from engage.reports import downloads
from engage.reports.charts import Bar, bar_chart
from engage.reports.operations import consultation_or_404, latest_snapshot, request_collation
from engage.reports.published import LONDON_NAME, build
from engage.surveys.models import Consultation

reports = Blueprint("reports", __name__, url_prefix="/staff")

READERS = (StaffRoleName.OFFICER, StaffRoleName.ANALYST)


class CollateForm(OnceForm):
    """The "Count it now" button: sent twice (a double click, a retry), it asks once."""


def reads_reports() -> bool:
    """May the current user read some borough's report (and so be shown the way to them)?
    Interviewers and clerks do other work and may not."""
    return current_user.is_admin or any(
        grant.role in READERS for grant in current_user.staff_roles)


def _may_see_london() -> bool:
    # Administrators only: they see every borough anyway. Borough reports are public once
    # published, so London less the published boroughs would give an analyst of one borough
    # the figures of another not yet published (a small one's, nearly whole).
    return current_user.is_admin


def _london_reader() -> None:
    if not _may_see_london():
        abort(403)


@reports.route("/reports")
@staff_required
def index():
    if not reads_reports():
        # Interviewers and clerks: the page says whom reports are for, not that no
        # consultation covers their boroughs.
        return render_template("reports/index.html", reads_reports=False)
    consultations = db.session.scalars(
        select(Consultation).order_by(Consultation.opens_at.desc())).all()
    boroughs = boroughs_for(*READERS)
    return render_template("reports/index.html", consultations=consultations,
                           boroughs=boroughs, london=_may_see_london(), reads_reports=True)


@reports.route("/boroughs/<borough_slug>/reports/<consultation_slug>")
@staff_required
def borough(borough_slug: str, consultation_slug: str):
    area = staff_borough(borough_slug, *READERS)
    consultation = consultation_or_404(consultation_slug, area)
    return _page(consultation, area)


@reports.route("/boroughs/<borough_slug>/reports/<consultation_slug>/figures.csv")
@staff_required
def borough_csv(borough_slug: str, consultation_slug: str):
    area = staff_borough(borough_slug, *READERS)
    consultation = consultation_or_404(consultation_slug, area)
    return _csv(consultation, area)


@reports.route("/boroughs/<borough_slug>/reports/<consultation_slug>/collate",
               methods=["POST"])
@staff_required
def collate_borough(borough_slug: str, consultation_slug: str):
    area = staff_borough(borough_slug, *READERS)
    consultation = consultation_or_404(consultation_slug, area)
    return _collate(consultation, area, url_for(".borough", borough_slug=area.slug,
                                                consultation_slug=consultation.slug))


@reports.route("/reports/<consultation_slug>/london")
@staff_required
def london(consultation_slug: str):
    _london_reader()
    return _page(consultation_or_404(consultation_slug), None)


@reports.route("/reports/<consultation_slug>/london/figures.csv")
@staff_required
def london_csv(consultation_slug: str):
    _london_reader()
    return _csv(consultation_or_404(consultation_slug), None)


@reports.route("/reports/<consultation_slug>/london/collate", methods=["POST"])
@staff_required
def collate_london(consultation_slug: str):
    _london_reader()
    consultation = consultation_or_404(consultation_slug)
    return _collate(consultation, None, url_for(".london", consultation_slug=consultation.slug))


def _page(consultation: Consultation, area: Borough | None):
    snapshot = latest_snapshot(consultation, area)
    name = area.name if area else LONDON_NAME
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    report = build(snapshot.figures, threshold, name) if snapshot else None
    return render_template("reports/report.html", consultation=consultation, area=area,
                           area_name=name, snapshot=snapshot, report=report,
                           charts=_charts(report) if report else {}, form=CollateForm(),
                           percent=_percent)


def _csv(consultation: Consultation, area: Borough | None):
    snapshot = latest_snapshot(consultation, area)
    if snapshot is None:
        abort(404)
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    report = build(snapshot.figures, threshold, area.name if area else LONDON_NAME)
    made = f"{to_london(snapshot.made_at):%Y-%m-%d-%H%M}"  # as the page says the time
    return csv_response(f"{consultation.slug}-{area.slug if area else 'london'}-{made}.csv",
                        downloads.HEADER, downloads.rows(report))


def _collate(consultation: Consultation, area: Borough | None, back: str):
    form = CollateForm()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        request_collation(consultation, area)  # its task is sent only if this commits
        return commit_once(form, back, saved="The report will be counted again in the next few "
                                             "minutes. Refresh this page to see when it was "
                                             "made.")
    return redirect(back)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _charts(report) -> dict:
    charts = {}
    if report.priorities:
        shown = [r for r in report.priorities.table.rows if r.share is not None]
        if shown:
            charts["priorities"] = bar_chart(
                "chart-priorities", "Priorities: share of respondents choosing each",
                "Bars show the share of respondents; the line across each bar is its 95% "
                "confidence interval. Options with hidden counts are left out; the table "
                "lists every option.",
                [Bar(r.label, r.share, _interval_text(r), *r.interval) for r in shown])
    headlines = [m for m in report.measures if m.headline]
    if headlines:
        charts["measures"] = bar_chart(
            "chart-measures", "Confidence and feeling safe",
            "Bars show the share answering positively, of those who gave a view; the line "
            "across each bar is its 95% confidence interval.",
            [Bar(f"{m.title}: {m.positive_words}", m.headline.share,
                 _interval_text(m.headline), *m.headline.interval) for m in headlines])
    return charts


def _interval_text(row) -> str:
    low, high = row.interval
    return f"{_percent(row.share)} ({_percent(low)} to {_percent(high)})"
