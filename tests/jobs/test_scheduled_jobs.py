"""Scheduled jobs: each periodic task records its runs as it runs, and administrators see which
of beat's jobs are on time, late or failed, so a stopped scheduler or worker is noticed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engage.clock import utcnow
from engage.extensions import db
from engage.jobs import runs
from engage.jobs.models import ScheduledJobRun
from tests.factories import PASSWORD, create_admin, create_officer
from tests.helpers import Browser, page_text

JOBS = "/admin/jobs"
NEWS = "engage.periodic.news_retention"


def _signed_in(app, factory=create_admin, *args) -> Browser:
    with app.app_context():
        email = factory(*args).email
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def _row(app, task: str) -> str:
    """The jobs page's row for a task, as text."""
    html = _signed_in(app).get(JOBS).get_data(as_text=True)
    row = re.search(rf'<tr class="govuk-table__row" id="job-[a-z-]+">(?:(?!</tr>).)*{task}'
                    r"(?:(?!</tr>).)*</tr>", html, re.S)
    assert row, task
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def _ran(app, task: str, **values) -> None:
    with app.app_context():
        db.session.merge(ScheduledJobRun(task=task, **values))
        db.session.commit()


def test_every_job_beat_runs_is_described_in_words(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert {entry["task"] for entry in schedule.values()} == set(runs.WHAT)


def test_a_run_is_recorded_and_shown_with_its_schedule(app):
    before = page_text(_signed_in(app).get(JOBS))
    assert before.count("Not run yet") == len(runs.WHAT)
    assert "need attention" not in before
    with app.app_context():
        app.extensions["celery"].tasks[NEWS].apply(throw=True)
        run = db.session.get(ScheduledJobRun, NEWS)
        assert run.started_at <= run.finished_at and run.failed_at is None
    row = _row(app, NEWS)
    assert row.startswith("Deletes borough news sign-ups never confirmed, or stopped, and")
    assert "Every day at 04:12 (London time)" in row and "On time" in row
    assert "Never" not in row
    assert "Every minute" in _row(app, "engage.periodic.sweep_outbox")


def test_a_failed_run_is_shown_by_its_kind_of_error_alone(app, monkeypatch):
    from engage.news import retention

    def broken():
        raise ValueError("could not reach ada@example.org")

    monkeypatch.setattr(retention, "delete_stale", broken)
    with app.app_context(), pytest.raises(ValueError):
        app.extensions["celery"].tasks[NEWS].apply(throw=True)
    page = page_text(_signed_in(app).get(JOBS))
    assert "1 job needs attention" in page
    assert "Failed" in _row(app, NEWS) and "ValueError" in _row(app, NEWS)
    # The error's words may hold personal data: only its kind is kept.
    assert "ada@example.org" not in page
    staff_home = page_text(_signed_in(app).get("/staff/"))
    assert "1 scheduled job is late or failed" in staff_home
    # The next run that works puts it right.
    monkeypatch.undo()
    with app.app_context():
        app.extensions["celery"].tasks[NEWS].apply(throw=True)
    assert "On time" in _row(app, NEWS)
    assert "late or failed" not in page_text(_signed_in(app).get("/staff/"))


def test_a_job_that_has_not_run_since_it_was_due_is_late(app):
    now = utcnow()
    # Every minute, finished a minute ago: on time. Daily, last finished two days ago: late.
    _ran(app, "engage.periodic.sweep_outbox", started_at=now - timedelta(minutes=1),
         finished_at=now - timedelta(minutes=1))
    _ran(app, NEWS, started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2))
    # Every minute, started 20 minutes ago and not ended: its worker is stuck or died.
    _ran(app, "engage.periodic.meeting_mailings", started_at=now - timedelta(minutes=20),
         finished_at=now - timedelta(minutes=21))
    # Every 5 minutes, started 2 minutes ago and not ended yet: running.
    _ran(app, "engage.periodic.response_files", started_at=now - timedelta(minutes=2),
         finished_at=now - timedelta(minutes=7))
    assert "On time" in _row(app, "engage.periodic.sweep_outbox")
    news = _row(app, NEWS)
    assert "Late" in news and "Due since" in news
    assert "Late" in _row(app, "engage.periodic.meeting_mailings")
    assert "Running since" in _row(app, "engage.periodic.response_files")
    # Never run, while other jobs have run for two days: every minute's is late, and so is
    # every daily one due since then.
    assert "Late" in _row(app, "engage.periodic.survey_mailings")
    page = page_text(_signed_in(app).get(JOBS))
    assert "Not run yet" not in page
    assert re.search(r"\d+ jobs need attention", page)
    assert "scheduled jobs are late or failed" in page_text(_signed_in(app).get("/staff/"))


def test_nothing_is_late_where_no_job_has_ever_run(app):
    """A new deployment, or a machine without a scheduler: nothing to compare with, so no
    alarm on the staff home; the jobs page says none has run."""
    assert "late or failed" not in page_text(_signed_in(app).get("/staff/"))
    assert page_text(_signed_in(app).get(JOBS)).count("Not run yet") == len(runs.WHAT)


def test_only_administrators_see_the_jobs(app):
    assert _signed_in(app, create_officer, "camden").get(JOBS).status_code == 403
    anonymous = Browser(app).get(JOBS)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    officer_home = page_text(_signed_in(app, create_officer, "camden").get("/staff/"))
    assert "scheduled jobs" not in officer_home


def test_the_command_lists_the_jobs_and_fails_when_one_needs_attention(app):
    runner = app.test_cli_runner()
    fresh = runner.invoke(args=["engage", "jobs"])
    assert fresh.exit_code == 0, fresh.output
    assert fresh.output.count("Not run yet") == len(runs.WHAT)
    now = utcnow()
    _ran(app, "engage.periodic.sweep_outbox", started_at=now, finished_at=now)
    _ran(app, NEWS, started_at=now, failed_at=now, failure="OperationalError")
    result = runner.invoke(args=["engage", "jobs"])
    assert result.exit_code == 1
    assert re.search(r"On time +engage\.periodic\.sweep_outbox +last finished \d{4}-",
                     result.output)
    assert re.search(r"Failed +engage\.periodic\.news_retention +last finished never, "
                     r"OperationalError", result.output)
    assert "1 scheduled job is late or failed" in result.output
