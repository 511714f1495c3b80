"""Administrators' page of scheduled jobs: each of beat's jobs, when it last ran, and whether
it is on time (engage.jobs.runs)."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth.access import admin_required
from engage.jobs import runs

jobs = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@jobs.route("")
@admin_required
def index():
    found = runs.jobs()
    return render_template("jobs/index.html", jobs=found, states=runs.JobState,
                           grace_minutes=int(runs.GRACE.total_seconds() // 60),
                           attention=[job for job in found if job.needs_attention])
