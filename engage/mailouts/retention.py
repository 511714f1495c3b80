"""Deleting paper requests' personal details a set time after their consultation closes
(ENGAGE_PAPER_RETENTION_DAYS), keeping only how many there were by borough, format and status.

The names and addresses live in two places: the request rows, and each print run's PDF and
labels. Both go: the files first, then the rows in the same transaction as the counts, so a
failure part way leaves nothing counted twice and is finished by the next day's run.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files
from engage.mailouts.models import PaperRequest, PaperRequestCount, PrintRun
from engage.surveys.models import Consultation, Questionnaire


def consultations_due() -> list[int]:
    """Consultations closed more than the retention time ago that still hold details."""
    cutoff = utcnow() - timedelta(days=current_app.config["ENGAGE_PAPER_RETENTION_DAYS"])
    questionnaires = select(Questionnaire.id).where(
        Questionnaire.consultation_id == Consultation.id)
    holding = or_(
        select(PaperRequest.id).where(PaperRequest.questionnaire_id.in_(questionnaires))
        .exists(),
        select(PrintRun.id).where(PrintRun.questionnaire_id.in_(questionnaires),
                                  PrintRun.purged_at.is_(None)).exists())
    return list(db.session.scalars(
        select(Consultation.id).where(Consultation.closes_at < cutoff, holding)
        .order_by(Consultation.id)))


def purge(consultation_id: int) -> int:
    """Count, then delete, one consultation's requests and print-run files. Adds and flushes;
    the caller commits. Returns how many requests were deleted."""
    questionnaires = select(Questionnaire.id).where(
        Questionnaire.consultation_id == consultation_id)
    runs = list(db.session.scalars(
        select(PrintRun).where(PrintRun.questionnaire_id.in_(questionnaires),
                               PrintRun.purged_at.is_(None))))
    for run in runs:
        files.remove_all(run.id)
        run.pdf_name = run.labels_name = None
        run.purged_at = utcnow()

    tallies = db.session.execute(
        select(PaperRequest.borough_id, PaperRequest.format, PaperRequest.status, func.count())
        .where(PaperRequest.questionnaire_id.in_(questionnaires))
        .group_by(PaperRequest.borough_id, PaperRequest.format, PaperRequest.status)).all()
    kept = {(c.borough_id, c.format, c.status): c for c in db.session.scalars(
        select(PaperRequestCount).where(PaperRequestCount.consultation_id == consultation_id))}
    for borough_id, paper_format, status, count in tallies:
        row = kept.get((borough_id, paper_format, status))
        if row is None:
            db.session.add(PaperRequestCount(
                consultation_id=consultation_id, borough_id=borough_id, format=paper_format,
                status=status, count=count))
        else:
            row.count += count
            row.counted_at = utcnow()
    # Requests that point at each other as confirmed duplicates are deleted together.
    db.session.execute(
        update(PaperRequest).where(PaperRequest.questionnaire_id.in_(questionnaires))
        .values(confirmed_duplicate_of_id=None).execution_options(synchronize_session=False))
    deleted = db.session.execute(
        delete(PaperRequest).where(PaperRequest.questionnaire_id.in_(questionnaires))
        .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return deleted
