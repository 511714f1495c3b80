"""Deleting telephone cases a set time after their consultation closes
(ENGAGE_TELEPHONE_RETENTION_DAYS), keeping only counts by borough: how many calls ended each
way, and how many people's cases ended each way.

The names and numbers live only on the case rows; their calls go with them (the calls say who
called and when, which is no use without the case). The responses stay: they never held the
name or number. Counting and deleting happen in one transaction, so a failure part way leaves
nothing counted twice and the next day's run finishes the job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, Questionnaire
from engage.telephone.models import Call, CallCase, TelephoneCount


def consultations_due(now: datetime | None = None) -> list[int]:
    """Consultations closed more than the retention time ago that still have cases."""
    days = current_app.config["ENGAGE_TELEPHONE_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    holding = select(CallCase.id).join(
        Questionnaire, CallCase.questionnaire_id == Questionnaire.id).where(
        Questionnaire.consultation_id == Consultation.id).exists()
    return list(db.session.scalars(
        select(Consultation.id).where(Consultation.closes_at < cutoff, holding)
        .order_by(Consultation.id)))


def _add(kept: dict, consultation_id: int, borough_id: int, kind: str, value: str,
         count: int) -> None:
    row = kept.get((borough_id, kind, value))
    if row is None:
        db.session.add(TelephoneCount(consultation_id=consultation_id, borough_id=borough_id,
                                      kind=kind, value=value, count=count))
    else:
        row.count += count
        row.counted_at = utcnow()


def purge(consultation_id: int) -> int:
    """Count, then delete, one consultation's cases and their calls. Adds and flushes; the
    caller commits. Returns how many cases were deleted."""
    cases = select(CallCase.id).join(
        Questionnaire, CallCase.questionnaire_id == Questionnaire.id).where(
        Questionnaire.consultation_id == consultation_id)
    kept = {(c.borough_id, c.kind, c.value): c for c in db.session.scalars(
        select(TelephoneCount).where(TelephoneCount.consultation_id == consultation_id))}
    calls = db.session.execute(
        select(CallCase.borough_id, Call.outcome, func.count())
        .join(CallCase, Call.case_id == CallCase.id)
        .where(Call.case_id.in_(cases), Call.outcome.is_not(None))
        .group_by(CallCase.borough_id, Call.outcome)).all()
    for borough_id, outcome, count in calls:
        _add(kept, consultation_id, borough_id, "call", outcome.value, count)
    statuses = db.session.execute(
        select(CallCase.borough_id, CallCase.status, func.count())
        .where(CallCase.id.in_(cases)).group_by(CallCase.borough_id, CallCase.status)).all()
    for borough_id, status, count in statuses:
        _add(kept, consultation_id, borough_id, "case", status.value, count)
    db.session.flush()
    ids = list(db.session.scalars(cases))
    # Calls go first and explicitly, rather than trusting every database to cascade.
    db.session.execute(delete(Call).where(Call.case_id.in_(ids))
                       .execution_options(synchronize_session=False))
    deleted = db.session.execute(delete(CallCase).where(CallCase.id.in_(ids))
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return deleted
