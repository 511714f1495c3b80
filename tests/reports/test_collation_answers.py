"""Collation reads answers without joining responses: each answer carries its response's
consultation, borough and equality consent. These tests catch those copies going wrong, the
consent rule being lost with the join, and rules on responses not reaching the answers."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from engage.extensions import db
from engage.reports.collation import catalogue, counted_responses, tagged_answers, who_answered
from engage.surveys import responses
from engage.surveys.models import (
    Answer,
    Channel,
    QuestionKind,
    QuestionnaireVersion,
    ReportingTag,
    Response,
)
from engage.tasks import dispatch
from tests.factories import borough
from tests.reports.support import (
    AGES,
    ETHNIC,
    hand_worked,
    make_consultation,
    respond,
    snapshot,
)
from tests.surveys.support import add_question


def test_every_answer_carries_its_responses_consultation_borough_and_consent(app):
    made = hand_worked(app)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Answer))
        differing = db.session.scalar(
            select(func.count()).select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(or_(Answer.consultation_id != Response.consultation_id,
                       Answer.borough_id.is_distinct_from(Response.borough_id),
                       Answer.equality_consent != Response.equality_consent)))
        no_borough = db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.consultation_id == made.consultation_id, Answer.borough_id.is_(None)))
    assert total > 100
    assert differing == 0
    assert no_borough == 4  # the one response with no borough: 3 ranked places and confidence


def test_equality_answers_outside_the_equality_section_count_only_with_consent(
        app, run_tasks, monkeypatch):
    """An older version may have an equality tag in an ordinary section (the builder now
    refuses it), so people answered it without being asked for consent. Such answers are no
    longer stored without consent; those stored before that was so are never counted."""
    made = make_consultation(app, slug="equality-elsewhere")
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.businesses)
        main = version.sections[0]
        add_question(main, "ethnic-group", QuestionKind.SINGLE_CHOICE, "Ethnic group", ETHNIC,
                     tag=ReportingTag.ETHNIC_GROUP, required=False)
        add_question(main, "age-band", QuestionKind.MULTIPLE_CHOICE, "Ages of your staff", AGES,
                     tag=ReportingTag.AGE_BAND, required=False)
        db.session.commit()
        base = {"priorities": {"ranked": ["robbery", "burglary", "knife-crime"]},
                "confidence": {"option": "fair"}}
        def without_consent_stored() -> int:
            return db.session.scalar(select(func.count()).select_from(Answer).where(
                Answer.consultation_id == made.consultation_id,
                Answer.equality_consent.is_(False), Answer.text.is_(None),
                Answer.rank.is_(None), Answer.option_id.is_not(None)))

        respond(made.businesses, {**base, "ethnic-group": {"option": "white"},
                                  "age-band": {"options": ["35-44"]}})
        db.session.commit()
        assert without_consent_stored() == 1  # its confidence only

        # Stored as they were before: every answer kept, with or without consent.
        def every_question(version, equality_consent):
            return [q for section in version.sections for q in section.questions]

        monkeypatch.setattr(responses, "applicable_questions", every_question)
        for consent, ethnic, ages in ((False, "black", ["16-24", "25-34"]),
                                      (False, "black", ["16-24"]),
                                      (True, "asian", ["25-34", "35-44"])):
            respond(made.businesses, {**base, "ethnic-group": {"option": ethnic},
                                      "age-band": {"options": ages}}, consent=consent)
        db.session.commit()
        monkeypatch.undo()
        # The two without consent: confidence, ethnic group and 3 age bands, all stored.
        assert without_consent_stored() == 1 + 7
        dispatch("engage.reports.collate_area", (made.consultation_id, borough("camden").id))
    run_tasks()
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
    ethnic = figures["questions"]["ethnic-group"]
    assert ethnic["answered"] == 1
    assert {o["value"]: o["chosen"] for o in ethnic["options"]}["black"] == 0
    assert {o["value"]: o["chosen"] for o in ethnic["options"]}["asian"] == 1
    ages = figures["questions"]["age-band"]
    assert ages["answered"] == 1  # one consenting respondent, who chose two bands
    assert {o["value"]: o["chosen"] for o in ages["options"]} == {
        "16-24": 0, "25-34": 1, "35-44": 1, "prefer-not-to-say": 0}
    assert figures["questions"]["priorities"]["answered"] == 4  # consent is for equality only


def test_a_rule_on_responses_reaches_their_answers(app):
    """The "verified only" hook: a condition only responses know narrows the answers too."""
    made = hand_worked(app)
    with app.app_context():
        camden = borough("camden").id
        found = catalogue(made.consultation_id)
        counted = counted_responses(made.consultation_id, camden,
                                    rules=(Response.channel == Channel.TELEPHONE,))
        who = who_answered(counted.responses)
        tagged = tagged_answers(counted.answers, found)
        everyone = tagged_answers(counted_responses(made.consultation_id, camden).answers,
                                  found)
    assert (who["respondents"], who["by_channel"]) == (4, {"telephone": 4})
    priorities = tagged["priorities"]
    assert priorities["answered"] == 4
    assert {o["value"]: (o["chosen"], o["points"]) for o in priorities["options"]} == {
        "burglary": (4, 12), "knife-crime": (4, 8), "robbery": (4, 4),
        "anti-social-behaviour": (0, 0)}
    assert tagged["ethnic-group"]["answered"] == 0  # they did not consent
    assert everyone["priorities"]["answered"] == 20
