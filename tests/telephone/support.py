"""Helpers for the telephone tests: the small surveys questionnaire, interviewers signed in,
requests recorded through the form, and a case's call started through the pages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update

from engage.clock import LONDON
from engage.extensions import db
from engage.surveys.models import Question
from engage.telephone.models import CallCase
from tests.factories import PASSWORD, create_user
from tests.surveys.support import make_consultation

BASE = "/staff/boroughs/{}/telephone"
NOTE = "Read out all five. Record don't know only if they say it."


def consultation_with_note(app, **kwargs):
    """The surveys suite's small consultation, its confidence question carrying a note."""
    made = make_consultation(app, **kwargs)
    with app.app_context():
        db.session.execute(update(Question).where(Question.key == "confidence")
                           .values(interviewer_note=NOTE))
        db.session.commit()
    return made


def sign_in(client, app, **roles) -> int:
    """Someone with these roles ({"interviewer": "camden"}) signed in; returns their id."""
    with app.app_context():
        person = create_user(roles=roles)
        user_id, email = person.id, person.email
    client.sign_in(email, PASSWORD)
    return user_id


def request_data(questionnaire_id: int, **overrides) -> dict:
    data = {"questionnaire": str(questionnaire_id), "name": "Ada Lovelace",
            "phone": "020 7946 0000", "part_of_day": "any", "best_times": "",
            "consent": "y", "notes": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def record(client, questionnaire_id: int, slug: str = "camden", **overrides):
    return client.submit(BASE.format(slug) + "/requests/new",
                         request_data(questionnaire_id, **overrides))


def recorded_case(client, questionnaire_id: int, slug: str = "camden", **overrides) -> int:
    response = record(client, questionnaire_id, slug, **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def case_url(case_id: int, slug: str = "camden") -> str:
    return f"{BASE.format(slug)}/cases/{case_id}"


def begin_interview(client, case_id: int):
    """Press "Start the interview" (or "Resume") on the case page."""
    return client.submit(case_url(case_id) + "/interview", form_page=case_url(case_id))


def start_call(client, case_id: int, slug: str = "camden"):
    return client.submit(case_url(case_id, slug) + "/calls", form_page=case_url(case_id, slug))


def end_call(client, case_id: int, outcome: str, slug: str = "camden", **fields):
    return client.submit(case_url(case_id, slug) + "/outcome",
                         {"outcome": outcome, "note": "", **fields})


def london(*args) -> datetime:
    """A London wall-clock time as naive UTC, the way the database keeps times."""
    return datetime(*args, tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


# Open from November 2026 to December 2027: the fixed moments the calling rules are tested at
# fall inside it, whatever the date the tests run.
FIXED_WINDOW = {"opens_at": london(2026, 11, 1, 9, 0),
                "closes_at": london(2027, 12, 1, 9, 0)}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def case_row(case_id: int) -> CallCase:
    return db.session.get(CallCase, case_id)
