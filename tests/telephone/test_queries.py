"""The telephone pages that list things cost the same queries for one of them as for many: the
consultations and kept counts, the questionnaires a request may be for, the call list, and a
person's calls."""

from __future__ import annotations

import itertools
from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Audience
from engage.telephone.models import Call, CallCase, Outcome, TelephoneCount
from tests.factories import borough, create_officer
from tests.helpers import count_queries
from tests.surveys.support import make_consultation
from tests.telephone.support import BASE, case_url, sign_in

CAMDEN = BASE.format("camden")
_numbers = itertools.count(1)


def _cases(app, questionnaire_ids: list[int], people: int) -> list[int]:
    """People to call, taking the questionnaires in turn; returns the cases' ids."""
    with app.app_context():
        cases = []
        for questionnaire_id in itertools.islice(itertools.cycle(questionnaire_ids), people):
            n = next(_numbers)
            cases.append(CallCase(questionnaire_id=questionnaire_id, borough=borough("camden"),
                                  name=f"Person {n}", phone=f"+44207946{n:04d}",
                                  consented_at=utcnow()))
        db.session.add_all(cases)
        db.session.commit()
        return [c.id for c in cases]


def _consultations(app, how_many: int) -> None:
    """Open consultations covering Camden by name, each with a case; and closed ones whose
    cases retention has deleted, leaving only their counts."""
    made = [make_consultation(app, boroughs=["camden", "hackney"]) for _ in range(how_many)]
    for each in made:
        _cases(app, [each.questionnaire_id], 1)
    long_ago = utcnow() - timedelta(days=400)
    closed = [make_consultation(app, boroughs=["camden"], opens_at=long_ago,
                                closes_at=long_ago + timedelta(days=30))
              for _ in range(how_many)]
    with app.app_context():
        db.session.add_all(TelephoneCount(consultation_id=each.consultation_id,
                                          borough=borough("camden"), kind="call",
                                          value=Outcome.REFUSED.value, count=2)
                           for each in closed)
        db.session.commit()


def test_the_telephone_pages_cost_the_same_queries_however_many_consultations(client, app):
    sign_in(client, app, officer="camden")
    _consultations(app, 1)
    few = [count_queries(client, CAMDEN), count_queries(client, CAMDEN + "/requests/new")]
    _consultations(app, 7)
    assert [count_queries(client, CAMDEN),
            count_queries(client, CAMDEN + "/requests/new")] == few


def test_the_call_list_costs_the_same_queries_however_many_are_due(client, app,
                                                                    in_calling_hours):
    sign_in(client, app, officer="camden")
    made = make_consultation(app, audiences=tuple(Audience), boroughs=["camden"])
    questionnaires = [made.questionnaire_ids["residents"], made.questionnaire_ids["businesses"]]
    url = f"{CAMDEN}/consultations/{made.consultation_id}"
    _cases(app, questionnaires[:1], 1)
    few = count_queries(client, url)
    _cases(app, questionnaires, 8)
    assert count_queries(client, url) == few


def test_a_case_costs_the_same_queries_however_many_calls_it_had(client, app):
    sign_in(client, app, officer="camden")
    made = make_consultation(app, boroughs=["camden"])
    [case_id] = _cases(app, [made.questionnaire_id], 1)

    def calls(how_many: int) -> None:
        # Each by an interviewer of its own.
        with app.app_context():
            db.session.add_all(Call(case_id=case_id, caller_id=create_officer().id,
                                    started_at=utcnow(), ended_at=utcnow(),
                                    outcome=Outcome.NO_ANSWER)
                               for _ in range(how_many))
            db.session.commit()

    calls(1)
    few = count_queries(client, case_url(case_id))
    calls(7)
    assert count_queries(client, case_url(case_id)) == few
