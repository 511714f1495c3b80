"""Scheduled jobs: when each of beat's periodic tasks last ran, and whether it is late.

Nothing tells anyone when the scheduler (celery beat) or every worker has stopped: emails
wait, reminders are not sent, the nightly collation and the retention jobs that delete
personal data on time quietly stop. So each periodic task records when it started, finished
and failed (`engage.jobs.runs`), and administrators see each job, its schedule in words and
whether it is on time (`/admin/jobs`), with a line on their staff home when one is late or
failed.
"""
