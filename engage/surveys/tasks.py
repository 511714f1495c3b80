"""Beat's daily clear-out of questionnaire drafts nobody will come back to."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy import delete, or_, select

from engage.clock import utcnow
from engage.extensions import db
from engage.locks import held
from engage.surveys.flow import DRAFT_DAYS, PREVIEW_PREFIX
from engage.surveys.models import Consultation, Questionnaire, ResponseDraft


def prune_drafts(now: datetime) -> int:
    """Delete drafts that can no longer be used, and the answers in them:

    - unsent drafts left alone for 30 days (what the "save and come back later" email says);
    - every draft of a consultation that has closed (nothing more can be sent);
    - sent drafts after a day: the response holds the answers, and its idempotency key still
      recognises a replayed submission;
    - staff previews after a day."""
    closed = (select(Questionnaire.id).join(Consultation)
              .where(Consultation.closes_at <= now).scalar_subquery())
    day_ago = now - timedelta(days=1)
    result = db.session.execute(delete(ResponseDraft).where(or_(
        ResponseDraft.updated_at < now - timedelta(days=DRAFT_DAYS),
        ResponseDraft.questionnaire_id.in_(closed),
        (ResponseDraft.response_id.is_not(None)) & (ResponseDraft.updated_at < day_ago),
        ResponseDraft.token.startswith(PREVIEW_PREFIX) & (ResponseDraft.updated_at < day_ago),
    )))
    return result.rowcount


@shared_task(name="engage.periodic.prune_survey_drafts")
def prune_survey_drafts() -> int:
    with held("prune-survey-drafts", seconds=600) as mine:
        if not mine:
            return -1
        removed = prune_drafts(utcnow())
        db.session.commit()
        return removed
