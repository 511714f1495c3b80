"""Each periodic task's runs recorded as they happen, and read back as jobs on time, late or
failed.

A run is recorded by the task's own worker (engage.celery wraps every `engage.periodic.*`
task in `recorded`), on a connection of its own and in a transaction of its own, so a record
never waits on, commits or rolls back the task's work. A job is late when beat should have
run it more than GRACE ago and no run has ended since: the scheduler, or every worker on the
periodic queue, has stopped (or is stuck). A job that has never run is late once it was due
GRACE after the first run of any job, when the scheduler evidently started.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from celery.schedules import BaseSchedule, maybe_schedule
from flask import current_app
from sqlalchemy import func, select

from engage.clock import utcnow
from engage.extensions import conflict_insert, db
from engage.jobs.models import ScheduledJobRun

PERIODIC = "engage.periodic."
# Beyond its due time before a job is late: more than a busy periodic queue delays a job.
GRACE = timedelta(minutes=15)

# What each job does, for administrators. A test checks that every job beat runs is here.
WHAT = {
    "engage.periodic.sweep_outbox":
        "Sends emails a worker has not picked up, and again those whose sending failed",
    "engage.periodic.meeting_mailings":
        "Sends meeting reminders when due, and finishes meeting mailings a worker left unsent",
    "engage.periodic.survey_mailings":
        "Sends automatic consultation reminders when due, and finishes mailings a worker left "
        "unsent",
    "engage.periodic.collate_open_reports":
        "Counts every open consultation's responses into its borough reports, each night",
    "engage.periodic.collate_closed_reports":
        "Counts a consultation's responses once more after it closes",
    "engage.periodic.paper_print_runs":
        "Puts each borough's waiting paper requests into a print run, each working morning",
    "engage.periodic.sweep_print_runs":
        "Draws again print runs a worker stopped drawing or lost",
    "engage.periodic.response_files":
        "Makes response files whose task was lost, and deletes files past their time",
    "engage.periodic.paper_retention":
        "Deletes the names and addresses of people who asked for paper, when their time is up",
    "engage.periodic.telephone_retention":
        "Deletes the names and numbers of people who asked to be called, when their time is up",
    "engage.periodic.meeting_retention":
        "Deletes the details of meeting guests without an account, and access needs, after "
        "their meeting",
    "engage.periodic.news_retention":
        "Deletes borough news sign-ups never confirmed, or stopped, and requests for results "
        "by email that will not be answered; sends results emails a lost task left",
    "engage.periodic.outbox_retention":
        "Empties the addresses and contents of emails sent or given up on, when their time is "
        "up",
    "engage.periodic.prune_sessions":
        "Ends expired sign-ins, forgets devices not used for a year, and deletes registrations "
        "never confirmed",
    "engage.periodic.reply_retention":
        "Deletes the contact details of people who asked for a reply, when their time is up",
    "engage.periodic.invitation_retention":
        "Deletes the lists of people invited to a consultation by email, when their time is up",
    "engage.periodic.prune_survey_drafts":
        "Deletes unsent questionnaire answers that can no longer be sent",
}

Result = TypeVar("Result")


def _write(task: str, **values) -> None:
    statement = conflict_insert(ScheduledJobRun).values(task=task, **values)
    with db.engine.begin() as connection:
        connection.execute(statement.on_conflict_do_update(index_elements=["task"], set_=values))


def recorded(task: str, run: Callable[[], Result]) -> Result:
    """Run a periodic task, recording when it started and when it finished or failed."""
    _write(task, started_at=utcnow())
    try:
        result = run()
    except Exception as error:
        # The task's session is done with: its transaction is not ours to end, and the
        # app context's teardown would roll it back all the same.
        db.session.remove()
        _write(task, failed_at=utcnow(), failure=type(error).__name__[:200])
        raise
    db.session.remove()
    _write(task, finished_at=utcnow())
    return result


class JobState(enum.Enum):
    ON_TIME = "On time"
    RUNNING = "Running"
    LATE = "Late"
    FAILED = "Failed"
    NOT_RUN = "Not run yet"


@dataclass(frozen=True)
class Job:
    name: str  # beat's name for it, such as "sweep-outbox"
    task: str
    what: str
    when: str  # its schedule in words
    run: ScheduledJobRun | None
    state: JobState
    due_since: datetime | None  # for a late job: when it was due (naive UTC)

    @property
    def needs_attention(self) -> bool:
        return self.state in (JobState.LATE, JobState.FAILED)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


DAYS = {frozenset(range(7)): "Every day", frozenset(range(1, 6)): "Monday to Friday"}


def schedule_in_words(schedule: BaseSchedule) -> str:
    """"Every 5 minutes", "Every day at 02:40 (London time)": the kinds beat's schedule has."""
    every = getattr(schedule, "run_every", None)
    if every is not None:
        minutes = int(every.total_seconds() // 60)
        return "Every minute" if minutes == 1 else f"Every {minutes} minutes"
    minutes, hours = sorted(schedule.minute), sorted(schedule.hour)
    if len(hours) == 24 and len(minutes) > 1:
        return f"Every {minutes[1] - minutes[0]} minutes"
    days = DAYS.get(frozenset(schedule.day_of_week), "On some days")
    return f"{days} at {hours[0]:02d}:{minutes[0]:02d} (London time)"


def _due_since(schedule: BaseSchedule, since: datetime, now: datetime) -> datetime | None:
    """When the job was next due after `since` (naive UTC), if that is before `now`."""
    # The schedule reads the time through its nowfun: a copy, so the shared one is untouched.
    at_now = copy.copy(schedule)
    at_now.nowfun = lambda: _aware(now)
    remaining = at_now.remaining_estimate(_aware(since))
    return now + remaining if remaining < timedelta(0) else None


def jobs(now: datetime | None = None) -> list[Job]:
    """Every job beat runs, in the schedule's order, with its last run and state."""
    now = now or utcnow()
    celery_app = current_app.extensions["celery"]
    runs = {run.task: run for run in db.session.scalars(select(ScheduledJobRun))}
    first_start = min((run.started_at for run in runs.values() if run.started_at), default=None)
    found = []
    for name, entry in celery_app.conf.beat_schedule.items():
        task = entry["task"]
        schedule = maybe_schedule(entry["schedule"], app=celery_app)
        run = runs.get(task)
        due = None
        if run is None or run.started_at is None:
            due = _due_since(schedule, first_start, now) if first_start else None
            state = JobState.NOT_RUN
        elif run.failed_at and run.failed_at >= run.started_at:
            state = JobState.FAILED
        elif not run.finished_at or run.finished_at < run.started_at:
            # Started and not ended: running, or its worker died; late counts from the start.
            due = _due_since(schedule, run.started_at, now)
            state = JobState.RUNNING
        else:
            due = _due_since(schedule, run.finished_at, now)
            state = JobState.ON_TIME
        if due is not None and now - due > GRACE and state != JobState.FAILED:
            state = JobState.LATE
        else:
            due = None
        found.append(Job(name, task, WHAT.get(task, task), schedule_in_words(schedule), run,
                         state, due))
    return found


def needing_attention() -> int:
    """How many jobs are late or failed, for administrators' staff home (0 before any job has
    ever run: a new deployment, or a machine with no scheduler, has nothing to compare)."""
    if not db.session.scalar(select(func.count()).select_from(ScheduledJobRun)):
        return 0
    return sum(1 for job in jobs() if job.needs_attention)
