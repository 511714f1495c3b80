"""Finding a report's snapshot, and asking the workers for a new one."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from engage.audit.operations import record
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.reports.models import LONDON, ReportSnapshot
from engage.reports.tasks import collate_area_task, collate_consultation
from engage.surveys.models import Consultation
from engage.tasks import send_after_commit


def consultation_or_404(slug: str, borough: Borough | None = None) -> Consultation:
    """The consultation named in a URL; 404 if there is none or it does not cover `borough`."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or (borough is not None and not consultation.covers(borough)):
        abort(404)
    return consultation


def latest_snapshot(consultation: Consultation, borough: Borough | None) -> ReportSnapshot | None:
    area = borough.ons_code if borough else LONDON
    return db.session.scalar(select(ReportSnapshot).where(
        ReportSnapshot.consultation_id == consultation.id, ReportSnapshot.area == area))


def request_collation(consultation: Consultation, borough: Borough | None) -> None:
    """Queue a new count after the commit: one borough's, or (for London) every area's."""
    if borough is None:
        send_after_commit(collate_consultation, consultation.id)
    else:
        send_after_commit(collate_area_task, consultation.id, borough.id)
    record("report.collation_requested", borough=borough,
           target=f"consultation:{consultation.slug}",
           area=borough.name if borough else "London")
