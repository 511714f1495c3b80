"""The paper pages that list things cost the same queries for one of them as for many: the
borough's requests, print runs and kept counts; the questionnaires a request may be for; and
the forms waiting for a second keying or a supervisor."""

from __future__ import annotations

import itertools

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import (
    PaperFormat,
    PaperRequest,
    PaperRequestCount,
    PrintRun,
    RequestStatus,
    RunStatus,
)
from tests.factories import borough, create_user
from tests.helpers import count_queries
from tests.mailouts.support import BASE, sign_in
from tests.surveys.support import make_consultation

CAMDEN = BASE.format("camden")
_numbers = itertools.count(1)


def _posted(app, consultations: int) -> list[str]:
    """Each in a consultation of its own (covering Camden by name): a posted print run of one
    request recorded by someone, and the count retention would keep. Returns the references."""
    made = [make_consultation(app, boroughs=["camden", "hackney"]) for _ in range(consultations)]
    references = []
    with app.app_context():
        camden = borough("camden")
        for each in made:
            n = next(_numbers)
            run = PrintRun(borough=camden, questionnaire_id=each.questionnaire_id,
                           version_id=each.version_id, status=RunStatus.POSTED,
                           request_count=1, rendered_count=1, posted_at=utcnow())
            paper = PaperRequest(
                questionnaire_id=each.questionnaire_id, borough=camden, reference=f"TEST{n:05d}",
                name=f"Person {n}", address_line_1=f"{n} High Street", town="London",
                postcode="NW1 1AA", match_key=f"match-{n}", format=PaperFormat.STANDARD,
                consented_at=utcnow(), status=RequestStatus.POSTED, print_run=run,
                recorded_by_id=create_user().id)
            db.session.add_all([run, paper, PaperRequestCount(
                consultation_id=each.consultation_id, borough=camden,
                format=PaperFormat.STANDARD, status=RequestStatus.POSTED, count=3)])
            references.append(paper.reference)
        db.session.commit()
    return references


def test_the_paper_page_costs_the_same_queries_however_many_requests_and_runs(client, app):
    sign_in(client, app, officer="camden")
    _posted(app, 1)
    few = count_queries(client, CAMDEN)
    _posted(app, 7)
    assert count_queries(client, CAMDEN) == few


def test_recording_a_request_costs_the_same_queries_however_many_questionnaires_are_open(
        client, app):
    sign_in(client, app, officer="camden")
    make_consultation(app)
    few = count_queries(client, CAMDEN + "/requests/new")
    for _ in range(7):
        make_consultation(app, boroughs=["camden", "hackney"])
    assert count_queries(client, CAMDEN + "/requests/new") == few


def test_the_keying_page_costs_the_same_queries_however_many_forms_are_waiting(client, app):
    sign_in(client, app, officer="camden")

    def keyed(consultations: int) -> None:
        # Each keyed once by a clerk of its own; every other one a second time, differently.
        references = _posted(app, consultations)
        with app.app_context():
            for n, reference in enumerate(references):
                db.session.add(KeyedEntry(reference=reference, round=1,
                                          clerk_id=create_user().id, answers={}))
                if n % 2:
                    db.session.add(KeyedEntry(reference=reference, round=2,
                                              clerk_id=create_user().id, answers={"x": 1}))
            db.session.commit()

    keyed(2)
    few = count_queries(client, CAMDEN + "/keying")
    keyed(8)
    assert count_queries(client, CAMDEN + "/keying") == few
