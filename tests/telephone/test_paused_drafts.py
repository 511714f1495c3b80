"""A paused telephone interview keeps its answers in a draft. Beat's clear-out deletes online
drafts left alone for 30 days, but not a paused interview's while its case is open: the
person agreed to be called back. It goes once the case is closed (after the same 30 days), or
at once when the consultation closes, since nothing more can be stored then."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, QuestionnaireVersion, ResponseDraft
from engage.surveys.responses import start_draft
from engage.telephone.models import CaseStatus
from tests.telephone.support import (
    case_row,
    case_url,
    consultation_with_note,
    end_call,
    recorded_case,
    sign_in,
    start_call,
)

PRUNE = "engage.periodic.prune_survey_drafts"


def _paused_interview(client, app, questionnaire_id: int, name: str) -> int:
    """A case whose interview answered the first question, then paused as partial."""
    case_id = recorded_case(client, questionnaire_id, name=name)
    start_call(client, case_id)
    begun = client.submit(case_url(case_id) + "/interview", form_page=case_url(case_id))
    client.submit(begun.headers["Location"], {"q_priorities": ["knife-crime"]})
    assert end_call(client, case_id, "partial", note="Call back next month").status_code == 302
    with app.app_context():
        assert case_row(case_id).draft.answers["priorities"] == {"options": ["knife-crime"]}
    return case_id


def _online_draft(app, version_id: int) -> int:
    with app.app_context():
        draft = start_draft(db.session.get(QuestionnaireVersion, version_id))
        db.session.commit()
        return draft.id


def _left_alone(app, days: int) -> None:
    """Every draft last touched `days` ago."""
    with app.app_context():
        db.session.execute(update(ResponseDraft).values(
            updated_at=utcnow() - timedelta(days=days)))
        db.session.commit()


def _prune(app) -> int:
    with app.app_context():
        return app.extensions["celery"].tasks[PRUNE].apply().get()


def _drafts(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(ResponseDraft.id)))


def test_a_paused_interview_outlives_abandoned_online_drafts(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = _paused_interview(client, app, made.questionnaire_id, "Call Me Back")
    online = _online_draft(app, made.version_id)
    with app.app_context():
        paused = case_row(case_id).draft_id

    _left_alone(app, days=31)
    assert _prune(app) == 1
    assert _drafts(app) == {paused}

    # The next call, weeks later, resumes the same answers.
    start_call(client, case_id)
    resumed = client.submit(case_url(case_id) + "/interview", form_page=case_url(case_id))
    assert resumed.headers["Location"].endswith("/interview/questions/confidence")
    back = client.get(resumed.headers["Location"].replace("confidence", "priorities"))
    assert 'value="knife-crime" checked' in back.get_data(as_text=True)
    assert online not in _drafts(app)

    # Once they refuse, the case is closed and the draft goes like any other.
    assert end_call(client, case_id, "refused").status_code == 302
    with app.app_context():
        assert case_row(case_id).status == CaseStatus.REFUSED
    _left_alone(app, days=31)
    assert _prune(app) == 1
    assert _drafts(app) == set()
    with app.app_context():
        assert case_row(case_id).draft_id is None


def test_a_paused_interview_goes_when_the_consultation_closes(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = _paused_interview(client, app, made.questionnaire_id, "Too Late")
    assert _prune(app) == 0  # paused yesterday or today: kept
    with app.app_context():
        db.session.execute(update(Consultation).where(Consultation.id == made.consultation_id)
                           .values(closes_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert _prune(app) == 1
    with app.app_context():
        call_case = case_row(case_id)
        assert call_case.draft_id is None and call_case.status == CaseStatus.OPEN
