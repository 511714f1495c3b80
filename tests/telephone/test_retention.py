"""Retention: a set time after a consultation closes, the names and numbers of people who
asked to be called are deleted with their calls, and only counts remain; their responses
stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, Response
from engage.telephone import tasks
from engage.telephone.models import Call, CallCase, TelephoneCount
from tests.helpers import page_text
from tests.surveys.support import make_response
from tests.telephone.support import (
    BASE,
    consultation_with_note,
    count,
    end_call,
    recorded_case,
    sign_in,
    start_call,
)


def _close(app, consultation_id: int, days_ago: float) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        consultation.closes_at = utcnow() - timedelta(days=days_ago)
        consultation.opens_at = consultation.closes_at - timedelta(days=60)
        db.session.commit()


def test_details_are_deleted_after_the_retention_time_and_counts_kept(client, app,
                                                                          in_calling_hours):
    old = consultation_with_note(app)
    recent = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    unanswered = recorded_case(client, old.questionnaire_id, name="Not In")
    start_call(client, unanswered)
    end_call(client, unanswered, "no-answer")
    start_call(client, unanswered)
    end_call(client, unanswered, "answering-machine")
    refused = recorded_case(client, old.questionnaire_id, name="Said No")
    start_call(client, refused)
    end_call(client, refused, "refused")
    recorded_case(client, old.questionnaire_id, name="Never Called")
    recorded_case(client, recent.questionnaire_id, name="Still Needed")
    response_id = make_response(app, old.version_id)

    _close(app, old.consultation_id, days_ago=91)
    _close(app, recent.consultation_id, days_ago=89)
    with app.app_context():
        assert tasks.delete_expired_telephone_details.apply().get() == 3
        assert [c.name for c in db.session.scalars(select(CallCase))] == ["Still Needed"]
        assert count(Call) == 0
        kept = {(c.borough.slug, c.kind, c.value): c.count
                for c in db.session.scalars(select(TelephoneCount))}
        assert kept == {("camden", "call", "no-answer"): 1,
                        ("camden", "call", "answering-machine"): 1,
                        ("camden", "call", "refused"): 1,
                        ("camden", "case", "open"): 2,
                        ("camden", "case", "refused"): 1}
        # Run again: nothing left to do, and nothing counted twice.
        assert tasks.delete_expired_telephone_details.apply().get() == 0
        assert sum(c.count for c in db.session.scalars(select(TelephoneCount))) == 6
        assert db.session.get(Response, response_id) is not None

    page = page_text(client.get(BASE.format("camden")))
    assert "These counts are what remains" in page
    assert "Answering machine or voicemail" in page and "Not In" not in page


def test_the_retention_task_runs_daily_from_beat(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["telephone-retention"]["task"] == tasks.delete_expired_telephone_details.name
    assert tasks.delete_expired_telephone_details.name.startswith("engage.periodic.")
