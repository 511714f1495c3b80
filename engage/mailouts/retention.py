"""Deleting paper requests' personal details a set time after their consultation closes
(ENGAGE_PAPER_RETENTION_DAYS), keeping only how many there were by borough, format and status.

Returned paper is keyed in by its request, so the requests stay while paper is still accepted:
a consultation is purged at the later of closing plus the retention time (what the letter
promises) and its paper deadline (engage.mailouts.keying.paper_deadline, which staff may set
well after closing) plus KEYING_MARGIN, for the second keyings and settling of forms that came
back in time. With the default 28 days' grace and 90 days' retention that is still closing
plus 90 days. A consultation with a form keyed once, or waiting for a supervisor, is not
purged at all (deleting the request would delete its keyings, ON DELETE CASCADE): the keying
page lists those forms, and each night's run logs that it is waiting for them.

The names and addresses live in two places: the request rows, and each print run's PDF and
labels. Both go: the files first, then the rows in the same transaction as the counts, so a
failure part way leaves nothing counted twice and is finished by the next day's run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files
from engage.mailouts.keying import paper_deadline
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest, PaperRequestCount, PrintRun
from engage.surveys.models import Consultation, Questionnaire

log = logging.getLogger(__name__)

# After the paper deadline, time to finish the second keyings and settle the differences of
# forms that came back in time.
KEYING_MARGIN = timedelta(days=14)


def purge_after(consultation: Consultation) -> datetime:
    """When this consultation's paper requests may be deleted (naive UTC)."""
    retention = timedelta(days=current_app.config["ENGAGE_PAPER_RETENTION_DAYS"])
    return max(consultation.closes_at + retention,
               paper_deadline(consultation) + KEYING_MARGIN)


def unfinished_keyings(consultation_id: int) -> int:
    """How many of this consultation's forms are keyed but not yet stored as responses."""
    questionnaires = select(Questionnaire.id).where(
        Questionnaire.consultation_id == consultation_id)
    return db.session.scalar(
        select(func.count(func.distinct(KeyedEntry.reference)))
        .join(PaperRequest, PaperRequest.reference == KeyedEntry.reference)
        .where(PaperRequest.questionnaire_id.in_(questionnaires))) or 0


def consultations_due(now: datetime | None = None) -> list[int]:
    """Consultations past their purge time (purge_after) that still hold details and have no
    form keyed but unfinished."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["ENGAGE_PAPER_RETENTION_DAYS"])
    questionnaires = select(Questionnaire.id).where(
        Questionnaire.consultation_id == Consultation.id)
    holding = or_(
        select(PaperRequest.id).where(PaperRequest.questionnaire_id.in_(questionnaires))
        .exists(),
        select(PrintRun.id).where(PrintRun.questionnaire_id.in_(questionnaires),
                                  PrintRun.purged_at.is_(None)).exists())
    # closes_at + retention <= purge_after, so the SQL narrows and Python decides.
    candidates = db.session.scalars(
        select(Consultation).where(Consultation.closes_at < cutoff, holding)
        .order_by(Consultation.id))
    due = []
    for consultation in candidates:
        if purge_after(consultation) > now:
            continue
        waiting = unfinished_keyings(consultation.id)
        if waiting:
            log.warning("Paper details of consultation %s are kept: %s keyed form(s) wait for "
                        "a second keying or a supervisor", consultation.id, waiting)
            continue
        due.append(consultation.id)
    return due


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
