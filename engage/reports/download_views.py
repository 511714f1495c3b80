"""A report as PDF and XLSX, and a borough's Local Policing Summary PDF.

Staff downloads (beside the CSV) read the latest snapshot and the borough's targets, crime
figures and next year's priorities as they stand (as publishing would pin them now), for the
same people as the staff page; public downloads (beside the public page) read
only the publication, so they are 404 until an officer publishes and then show what was
pinned, however often it is counted again.

Staff PDFs are drawn in the request: a report is a few pages, which WeasyPrint lays out in
well under a second or two. Public PDFs are drawn once and kept (engage.reports.public_files),
and may be cached for a minute.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from engage.auth.access import staff_borough, staff_required
from engage.boroughs.models import Borough
from engage.clock import to_london
from engage.extensions import db, limiter
from engage.reports import documents, public_files, targets
from engage.reports.operations import consultation_or_404, latest_snapshot
from engage.reports.public_views import additions_context
from engage.reports.published import LONDON_NAME, build
from engage.reports.targets_models import ReportPublication
from engage.reports.views import READERS, _charts, _london_reader, _percent
from engage.surveys.models import Consultation

report_downloads = Blueprint("report_downloads", __name__)

STAFF_BOROUGH = "/staff/boroughs/<borough_slug>/reports/<consultation_slug>"
STAFF_LONDON = "/staff/reports/<consultation_slug>/london"
PUBLIC = "/boroughs/<borough_slug>/have-your-say/<consultation_slug>"


@report_downloads.app_template_global()
def published_report(consultation: Consultation, borough: Borough) -> ReportPublication | None:
    """The borough's publication, for pages that link to its public downloads."""
    return targets.publication(consultation, borough)


# Staff ----------------------------------------------------------------------------------------

def _staff_area(borough_slug: str | None, consultation_slug: str
                ) -> tuple[Consultation, Borough | None]:
    if borough_slug is None:
        _london_reader()
        return consultation_or_404(consultation_slug), None
    area = staff_borough(borough_slug, *READERS)
    return consultation_or_404(consultation_slug, area), area


def _staff_report(consultation: Consultation, area: Borough | None):
    snapshot = latest_snapshot(consultation, area)
    if snapshot is None:
        abort(404)
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    name = area.name if area else LONDON_NAME
    # London time, as the page gives it.
    made = to_london(snapshot.made_at)
    stem = f"{consultation.slug}-{area.slug if area else 'london'}-{made:%Y-%m-%d-%H%M}"
    return snapshot, build(snapshot.figures, threshold, name), name, stem


def _staff_xlsx(borough_slug: str | None, consultation_slug: str):
    consultation, area = _staff_area(borough_slug, consultation_slug)
    snapshot, report, name, stem = _staff_report(consultation, area)
    # Marked as the staff PDF is: it holds what the public report leaves out.
    about = [("Staff copy", documents.STAFF_COPY),
             *documents.about_rows(report, consultation.title, name, snapshot.made_at)]
    # A borough's "Targets" sheet, as publishing would pin it now (the targets, crime figures
    # and next year's priorities as they stand), so it reads as the public one will. London
    # has no targets.
    additions = targets.pinned_content(consultation, area) if area else None
    return documents.download(
        documents.xlsx_bytes(report, about, additions,
                             marking="Staff copy, not for publication"),
        documents.XLSX, f"{stem}.xlsx")


def _staff_pdf(borough_slug: str | None, consultation_slug: str):
    consultation, area = _staff_area(borough_slug, consultation_slug)
    snapshot, report, name, stem = _staff_report(consultation, area)
    # A borough's targets, crime figures and next year's priorities as publishing would pin
    # them now, drawn as the public PDF draws them, so it reads as the public one will.
    # London has no targets.
    additions = (additions_context(report, targets.pinned_content(consultation, area)) if area
                 else {"charts": _charts(report), "gap_target": None})
    html = render_template("reports/pdf/report.html", public=False, consultation=consultation,
                           area_name=name, report=report, counted_at=snapshot.made_at,
                           percent=_percent, **additions)
    return documents.download(documents.pdf_bytes(html), documents.PDF, f"{stem}.pdf")


@report_downloads.route(STAFF_BOROUGH + "/figures.xlsx")
@staff_required
def borough_xlsx(borough_slug: str, consultation_slug: str):
    return _staff_xlsx(borough_slug, consultation_slug)


@report_downloads.route(STAFF_BOROUGH + "/report.pdf")
@staff_required
def borough_pdf(borough_slug: str, consultation_slug: str):
    return _staff_pdf(borough_slug, consultation_slug)


@report_downloads.route(STAFF_LONDON + "/figures.xlsx")
@staff_required
def london_xlsx(consultation_slug: str):
    return _staff_xlsx(None, consultation_slug)


@report_downloads.route(STAFF_LONDON + "/report.pdf")
@staff_required
def london_pdf(consultation_slug: str):
    return _staff_pdf(None, consultation_slug)


# Public ---------------------------------------------------------------------------------------

def _publication_or_404(borough_slug: str, consultation_slug: str) -> ReportPublication:
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    consultation = consultation_or_404(consultation_slug, borough)
    published = targets.publication(consultation, borough)
    if published is None:
        abort(404)
    return published


def _public_stem(published: ReportPublication) -> str:
    # The day in London, as the page says when it was published (stored in UTC).
    return (f"{published.consultation.slug}-{published.borough.slug}-"
            f"{to_london(published.published_at):%Y-%m-%d}")


@report_downloads.route(PUBLIC + "/report.xlsx")
def public_xlsx(borough_slug: str, consultation_slug: str):
    published = _publication_or_404(borough_slug, consultation_slug)
    report = documents.as_public(build(
        published.figures, current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"],
        published.borough.name))
    about = documents.about_rows(report, published.consultation.title, published.borough.name,
                                 published.counted_at, published.published_at)
    return documents.download(documents.xlsx_bytes(report, about, published.content),
                              documents.XLSX, f"{_public_stem(published)}.xlsx", public=True)


def _pdf_limit() -> str:
    return current_app.config["ENGAGE_REPORT_PDF_LIMIT"]


def _public_pdf(borough_slug: str, consultation_slug: str, kind: str):
    """A kept PDF when one was drawn from the same HTML (engage.reports.public_files); else
    draw it now, which one address may ask for only so often."""
    published = _publication_or_404(borough_slug, consultation_slug)
    html = public_files.public_html(published, kind)
    content = public_files.kept(published, kind, html)
    if content is None:
        with limiter.shared_limit(_pdf_limit, scope="public-report-pdf"):
            content = public_files.draw_and_keep(published, kind, html)
        db.session.commit()
    filename = (f"{_public_stem(published)}.pdf" if kind == public_files.REPORT_PDF else
                f"local-policing-summary-{published.borough.slug}-"
                f"{published.consultation.slug}.pdf")
    return documents.download(content, documents.PDF, filename, public=True)


@report_downloads.route(PUBLIC + "/report.pdf")
def public_pdf(borough_slug: str, consultation_slug: str):
    return _public_pdf(borough_slug, consultation_slug, public_files.REPORT_PDF)


@report_downloads.route(PUBLIC + "/local-policing-summary.pdf")
def local_policing_summary(borough_slug: str, consultation_slug: str):
    return _public_pdf(borough_slug, consultation_slug, public_files.SUMMARY_PDF)
