"""Beat's daily clear-outs: questionnaire drafts nobody will come back to, and contact details
given for a reply and lists of people invited by email once their time is up."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy import delete, or_, select

from engage.clock import utcnow
from engage.extensions import db
from engage.locks import held, purge_each
from engage.surveys import invitations, replies
from engage.surveys.flow import DRAFT_DAYS, PREVIEW_PREFIX
from engage.surveys.models import Consultation, Questionnaire, ResponseDraft
from engage.telephone.models import CallCase, CaseStatus


def prune_drafts(now: datetime) -> int:
    """Delete drafts that can no longer be used, and the answers in them:

    - unsent drafts left alone for 30 days (what the "save and come back later" email says),
      except a paused telephone interview's while its case is open: the person agreed to be
      called back, perhaps weeks later, and the next call resumes it;
    - every draft of a consultation that has closed (nothing more can be sent, by telephone
      either: paper's grace after closing is for post, not for interviews);
    - sent drafts after a day: the response holds the answers, and its idempotency key still
      recognises a replayed submission;
    - staff previews after a day."""
    closed = (select(Questionnaire.id).join(Consultation)
              .where(Consultation.closes_at <= now).scalar_subquery())
    day_ago = now - timedelta(days=1)
    paused_interviews = select(CallCase.draft_id).where(
        CallCase.status == CaseStatus.OPEN, CallCase.draft_id.is_not(None))
    result = db.session.execute(delete(ResponseDraft).where(or_(
        (ResponseDraft.updated_at < now - timedelta(days=DRAFT_DAYS))
        & ResponseDraft.id.not_in(paused_interviews),
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


@shared_task(name="engage.periodic.reply_retention")
def delete_expired_reply_details() -> int:
    """Daily: delete the contact details given for a reply, ENGAGE_REPLY_RETENTION_DAYS after
    their consultation closes. Returns how many were deleted."""
    return purge_each("reply-retention", replies.consultations_due, replies.purge)


@shared_task(name="engage.periodic.invitation_retention")
def delete_expired_invitation_lists() -> int:
    """Daily: delete the lists of people invited by email, ENGAGE_INVITATION_RETENTION_DAYS
    after their consultation closes. Returns how many people were on the lists deleted."""
    return purge_each("invitation-retention", invitations.consultations_due, invitations.purge)
