"""Beat's nightly tidying of the news lists, and the results emails a publication sends."""

from __future__ import annotations

from celery import shared_task

from engage.extensions import db
from engage.news import results, retention


@shared_task(name="engage.news.send_results", acks_late=True)
def send_results(consultation_id: int, borough_id: int) -> int:
    """Email everyone who asked for this borough's published report, a batch a commit. Safe
    twice: each request is deleted with its email queued. Returns how many were emailed."""
    sent = 0
    while batch := results.send(consultation_id, borough_id):
        db.session.commit()
        sent += batch
    return sent


@shared_task(name="engage.periodic.news_retention")
def delete_stale_subscriptions() -> int:
    """Send the results emails a lost task left; delete news subscriptions and results
    requests that no longer do anything. Safe to run twice at once. Returns how many rows
    went (emailed or deleted)."""
    done = 0
    for consultation_id, borough_id in results.due_now():
        while batch := results.send(consultation_id, borough_id):
            db.session.commit()
            done += batch
    done += retention.delete_stale() + results.delete_stale()
    db.session.commit()
    return done
