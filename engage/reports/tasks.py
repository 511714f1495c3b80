"""Collation in the workers: one task per consultation fans out one task per area.

`collate_consultation` takes the consultation's lock and starts a **round**: it queues
`collate_area` for each borough the consultation covers, with the round's id. Each `collate_area`
takes its own lock for (consultation, area), counts in the database and upserts the area's one
snapshot row, marked with the round, releasing the lock in the snapshot's commit, so two
collations of the same consultation never count the same area at once, and a duplicate or
re-run task leaves the same single row. The borough that
finds, once its own snapshot is committed, every covered borough's snapshot from the round
queues London, which adds up those snapshots and counts only the responses no borough has
(engage.reports.collation.collate_area): each response is read once a round. Two boroughs
finishing together may both queue London; its lock and upsert make the second harmless.

London queued on its own (by staff, or with a borough of the round missing) counts everything.
Beat queues open consultations every night, and closed ones until each area has a snapshot made
after closing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from celery import shared_task
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.locks import held
from engage.reports.collation import (
    collate_area,
    covered_boroughs,
    round_complete,
    save_snapshot,
)
from engage.reports.models import ReportSnapshot
from engage.surveys.models import Consultation
from engage.tasks import dispatch

# Longer than the slowest area takes (London, a million responses: under a minute), short
# enough that a worker killed mid-count holds the area back only briefly.
AREA_LOCK_SECONDS = 1800
FAN_OUT_LOCK_SECONDS = 300
# Beat keeps trying a closed consultation's final collation for this long.
FINAL_COLLATION_DAYS = 7


def area_lock(consultation_id: int, borough_id: int | None) -> str:
    return f"report:{consultation_id}:{borough_id or 'london'}"


@shared_task(name="engage.reports.collate_consultation", acks_late=True)
def collate_consultation(consultation_id: int) -> int:
    """Start a round: queue one collation per covered borough, the last of which queues London.
    Returns how many areas the round collates (with London), or -1 when another fan-out of the
    same consultation is running."""
    with held(f"report:{consultation_id}", FAN_OUT_LOCK_SECONDS) as mine:
        if not mine:
            return -1
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            return 0
        boroughs = [b.id for b in covered_boroughs(consultation)]
        db.session.rollback()  # read only: end the transaction before handing work out
        round_id = secrets.token_hex(8)
        for borough_id in boroughs:
            dispatch(collate_area_task.name, (consultation_id, borough_id, round_id))
        if not boroughs:  # nothing to wait for
            dispatch(collate_area_task.name, (consultation_id, None, round_id))
        return len(boroughs) + 1


@shared_task(name="engage.reports.collate_area", acks_late=True,
             autoretry_for=(OperationalError,), max_retries=3, retry_backoff=30)
def collate_area_task(consultation_id: int, borough_id: int | None,
                      round_id: str | None = None) -> str:
    """Count one area (a borough, or London when borough_id is None) and replace its snapshot;
    in a round, the borough that completes it then queues London. Database hiccups are retried
    three times; anything else fails the task at once."""
    with held(area_lock(consultation_id, borough_id), AREA_LOCK_SECONDS) as lock:
        if not lock:
            return "busy"
        # Before the first read, so before the snapshot of the database the counts come from:
        # the final collation after closing is one that began after it (final_collation_due).
        began = utcnow()
        _consistent_reads()
        if borough_id is None:
            consultation, borough = db.session.get(Consultation, consultation_id), None
        else:  # both in one statement
            consultation, borough = db.session.execute(
                select(Consultation, Borough).join(Borough, Borough.id == borough_id)
                .where(Consultation.id == consultation_id)
            ).first() or (None, None)
        if consultation is None:
            return "gone"
        save_snapshot(consultation, borough,
                      collate_area(consultation, borough, round_id=round_id),
                      round_id=round_id, made_at=began)
        # The snapshot and the lock's release in one commit: the lock guards the counting
        # and the upsert, both done.
        lock.commit_releasing()
    # Asked after the commit, in one statement of its own (no transaction to open and close):
    # of two boroughs finishing together, the later commit sees both snapshots, so London is
    # never left out.
    if borough_id is None or not round_id:
        return "collated"
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    complete = round_complete(consultation_id, round_id)
    db.session.rollback()  # gives the connection back as it was
    if complete:
        dispatch(collate_area_task.name, (consultation_id, None, round_id))
    return "collated"


def _consistent_reads() -> None:
    """On PostgreSQL, read every count of one area from the same snapshot of the database, so
    responses arriving mid-collation cannot make the totals disagree."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


@shared_task(name="engage.periodic.collate_open_reports")
def collate_open_reports() -> int:
    """Nightly: collate every consultation open now. Returns how many were queued."""
    with held("report:nightly", FAN_OUT_LOCK_SECONDS) as mine:
        if not mine:
            return -1
        now = utcnow()
        ids = list(db.session.scalars(select(Consultation.id).where(
            Consultation.opens_at <= now, Consultation.closes_at > now)))
        db.session.rollback()
        for consultation_id in ids:
            dispatch(collate_consultation.name, (consultation_id,))
        return len(ids)


@shared_task(name="engage.periodic.collate_closed_reports")
def collate_closed_reports() -> int:
    """Collate, once, each consultation that has closed since its last full collation."""
    with held("report:closed", FAN_OUT_LOCK_SECONDS) as mine:
        if not mine:
            return -1
        ids = final_collation_due()
        db.session.rollback()
        for consultation_id in ids:
            dispatch(collate_consultation.name, (consultation_id,))
        return len(ids)


def final_collation_due() -> list[int]:
    """Consultations closed in the last FINAL_COLLATION_DAYS with some area (a covered borough
    or London) whose snapshot is missing or was made before closing."""
    now = utcnow()
    made_after_closing = (
        select(func.count(ReportSnapshot.id))
        .where(ReportSnapshot.consultation_id == Consultation.id,
               ReportSnapshot.made_at >= Consultation.closes_at)
        .correlate(Consultation).scalar_subquery())
    closed = db.session.execute(
        select(Consultation, made_after_closing)
        .where(Consultation.closes_at <= now,
               Consultation.closes_at > now - timedelta(days=FINAL_COLLATION_DAYS))
        .order_by(Consultation.id)).all()
    return [consultation.id for consultation, made in closed
            if made < len(covered_boroughs(consultation)) + 1]
