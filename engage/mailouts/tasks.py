"""Print runs in the background: gathering requests each working day, rendering each run in
chunks, re-queueing runs a worker lost, and deleting personal details when their time is up.

Rendering is safe to run twice and to resume. A worker claims the run with one UPDATE that
matches only a waiting run or one whose lease has run out, so a duplicate task finds nothing to
do. After each chunk it commits how far it got and extends its lease; a worker killed part way
leaves the chunks it finished, and the next claim (the sweeper's, once the lease is over) goes
on from there. Retries are bounded: after MAX_ATTEMPTS claims the run is marked failed, for
staff to see and try again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from sqlalchemy import or_, select, update

from engage import clock
from engage.clock import is_bank_holiday, to_london, utcnow
from engage.extensions import db
from engage.locks import held, purge_each
from engage.mailouts import files, operations, retention
from engage.mailouts.models import PaperRequest, PrintRun, RunStatus
from engage.mailouts.operations import LEASE
from engage.mailouts.rendering import render_chunk, render_questionnaire, run_context
from engage.tasks import dispatch

log = logging.getLogger(__name__)

CHUNK = 25  # recipients per chunk: a few hundred pages at most in memory at once
MAX_ATTEMPTS = 3


def claim(run_id: int) -> bool:
    now = utcnow()
    taken = db.session.execute(
        update(PrintRun)
        .where(PrintRun.id == run_id, PrintRun.purged_at.is_(None),
               PrintRun.attempts < MAX_ATTEMPTS,
               or_(PrintRun.status == RunStatus.WAITING,
                   (PrintRun.status == RunStatus.RENDERING) & (PrintRun.lease_until < now)))
        .values(status=RunStatus.RENDERING, attempts=PrintRun.attempts + 1,
                lease_until=now + LEASE)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(taken)


def _next_chunk(run: PrintRun) -> list[PaperRequest]:
    """The next recipients in the run's order (format, then when they asked), all of one
    format, so each chunk has one set of print styles."""
    batch = list(db.session.scalars(
        select(PaperRequest).where(PaperRequest.print_run_id == run.id)
        .order_by(PaperRequest.format, PaperRequest.id)
        .offset(run.rendered_count).limit(CHUNK)))
    return [r for r in batch if r.format == batch[0].format] if batch else []


def render_run(run: PrintRun) -> None:
    """Render the rest of a claimed run, chunk by chunk, then join the chunks and write the
    labels. Commits after every chunk, with the chunk kept (engage.mailouts.files): a run
    resumed by another worker, on any machine, finds every chunk its progress counts."""
    context = run_context(run)
    with files.workspace(run.id) as folder:
        while run.rendered_count < run.request_count:
            chunk = _next_chunk(run)
            if not chunk:
                raise RuntimeError(f"print run {run.id} has fewer requests than it counted")
            paper_format = chunk[0].format
            questionnaire = files.questionnaire(
                run.id, paper_format.value, folder,
                lambda path, paper_format=paper_format: render_questionnaire(
                    context, paper_format, path))
            path = folder / files.part_name(run.rendered_count)
            pages = render_chunk(context, paper_format, chunk, questionnaire, path)
            files.keep_part(run.id, run.rendered_count, path)
            run.rendered_count += len(chunk)
            run.page_count += pages
            run.lease_until = utcnow() + LEASE
            db.session.commit()
            # Forget the rendered rows, so memory does not grow with the run.
            for request in chunk:
                db.session.expunge(request)
        run.pdf_name = files.join_parts(run, folder)
        run.labels_name = files.write_labels(run, folder)
    files.remove_parts(run.id)
    run.status = RunStatus.READY
    run.rendered_at = utcnow()
    run.lease_until = None
    run.last_error = None
    db.session.commit()


@shared_task(name="engage.mailouts.render_print_run", acks_late=True)
def render_print_run(run_id: int) -> str:
    if not claim(run_id):
        return "skipped"
    run = db.session.get(PrintRun, run_id)
    try:
        render_run(run)
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(PrintRun, run_id)
        run.last_error = repr(exc)[:2000]
        if run.attempts >= MAX_ATTEMPTS:
            run.status = RunStatus.FAILED
            run.lease_until = None
            log.exception("print run %s failed after %s attempts", run_id, run.attempts)
        else:
            # The sweeper takes it up again once this wait is over, from the last chunk done.
            run.lease_until = utcnow() + timedelta(minutes=2 * 4 ** run.attempts)
            log.warning("print run %s stopped (attempt %s): %r", run_id, run.attempts, exc)
        db.session.commit()
        return "failed" if run.status == RunStatus.FAILED else "retry"
    return "rendered"


@shared_task(name="engage.periodic.paper_print_runs")
def gather_print_runs() -> int:
    """Each working day: every borough's waiting requests into print runs. Beat runs it Monday
    to Friday; on a bank holiday it does nothing, and the next working day gathers them all
    (staff can still press the button)."""
    today = to_london(clock.utcnow()).date()
    if is_bank_holiday(today):
        log.info("print runs: %s is a bank holiday, nothing gathered", today.isoformat())
        return 0
    with held("paper-print-runs", seconds=600) as mine:
        if not mine:
            return -1
        runs = operations.gather()
        db.session.commit()
        return len(runs)


@shared_task(name="engage.periodic.sweep_print_runs")
def sweep_print_runs() -> int:
    """Queue again each run a worker should have by now: one the broker lost, one whose
    worker died (its lease is over), or one waiting to retry after an error."""
    with held("sweep-print-runs", seconds=300) as mine:
        if not mine:
            return -1
        now = utcnow()
        ids = list(db.session.scalars(
            select(PrintRun.id).where(
                PrintRun.status.in_([RunStatus.WAITING, RunStatus.RENDERING]),
                or_(PrintRun.lease_until.is_(None), PrintRun.lease_until < now))))
        # Waiting runs are not queued again until another lease has passed.
        db.session.execute(
            update(PrintRun)
            .where(PrintRun.id.in_(ids), PrintRun.status == RunStatus.WAITING)
            .values(lease_until=now + LEASE).execution_options(synchronize_session=False))
        db.session.commit()
        for run_id in ids:
            dispatch(render_print_run.name, (run_id,))
        return len(ids)


@shared_task(name="engage.periodic.paper_retention")
def delete_expired_paper_details() -> int:
    """Daily: delete the names and addresses of every consultation past its retention time,
    keeping only counts. Returns how many requests were deleted."""
    return purge_each("paper-retention", retention.consultations_due, retention.purge)
