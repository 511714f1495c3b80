"""Survey pages that list things cost the same queries for one of them as for many: the
builder's question and condition pages (which walk every earlier section), the lists of people
invited by email, and the public list of consultations."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.surveys.models import (
    Audience,
    Invitee,
    InviteeList,
    InviteeListSource,
    QuestionKind,
    QuestionnaireVersion,
)
from tests.factories import borough, create_officer
from tests.helpers import count_queries
from tests.surveys.support import (
    STAFF,
    add_question,
    add_section,
    make_consultation,
    sign_in_staff,
)


def _questionnaire_with_earlier_sections(app, sections: int) -> tuple[str, int, int]:
    """A questionnaire of `sections` sections of one choice question each, then a last one
    whose question may depend on any of them. Returns (builder URL, last question's id, the
    first question's id)."""
    made = make_consultation(app, questions=False)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        earlier = []
        for n in range(1, sections + 1):
            earlier.append(add_question(add_section(version, f"Section {n}"), f"choice-{n}",
                                        QuestionKind.SINGLE_CHOICE, f"Choice {n}?",
                                        options=[("a", "A"), ("b", "B")]))
        last = add_question(add_section(version, "Last"), "last", QuestionKind.YES_NO, "Last?")
        db.session.commit()
        return f"{STAFF}/{made.slug}/residents", last.id, earlier[0].id


@pytest.mark.parametrize("page", ["/questions/{question}", "/questions/{question}/condition",
                                  "/questions/{question}/condition/{source}"])
def test_a_questions_pages_cost_the_same_queries_however_many_sections_come_before_it(
        client, app, page):
    sign_in_staff(client, app)
    counted = []
    for sections in (1, 9):
        builder, question, source = _questionnaire_with_earlier_sections(app, sections)
        counted.append(count_queries(client, builder + page.format(question=question,
                                                                   source=source)))
    assert counted[0] == counted[1]


def test_the_invitation_lists_cost_the_same_queries_however_many_there_are(client, app):
    sign_in_staff(client, app, create_officer)
    made = make_consultation(app, audiences=tuple(Audience))
    url = f"/staff/boroughs/camden/consultations/{made.slug}/invitations"
    made_lists = 0

    def add(lists: int) -> None:
        nonlocal made_lists
        with app.app_context():
            for _ in range(lists):
                made_lists += 1
                audience = (Audience.RESIDENTS, Audience.BUSINESSES)[made_lists % 2]
                invitee_list = InviteeList(
                    questionnaire_id=made.questionnaire_ids[audience.value],
                    borough=borough("camden"), name=f"List {made_lists}",
                    source=InviteeListSource.UPLOAD)
                invitee_list.invitees.append(Invitee(email=f"person{made_lists}@example.org",
                                                     token=f"token-{made_lists}"))
                db.session.add(invitee_list)
            db.session.commit()

    add(1)
    few = count_queries(client, url)
    add(7)
    assert count_queries(client, url) == few


def test_the_public_list_of_consultations_costs_the_same_queries_however_many_are_open(
        client, app):
    make_consultation(app, audiences=tuple(Audience))
    few = count_queries(client, "/have-your-say/")
    for _ in range(7):
        make_consultation(app, audiences=tuple(Audience))
    assert count_queries(client, "/have-your-say/") == few
