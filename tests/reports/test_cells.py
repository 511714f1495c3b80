"""Respondents per weighting cell, counted from the answers alone: each respondent in exactly
one cell, whichever equality questions they answered, and equality answers counted only with
consent."""

from __future__ import annotations

from engage.extensions import db
from engage.tasks import dispatch
from tests.factories import borough
from tests.reports.support import answers, make_consultation, respond, snapshot


def test_each_respondent_falls_in_one_cell_whichever_equality_questions_they_answered(
        app, run_tasks):
    made = make_consultation(app)
    given = [  # (ethnic group, age band, disability, consent) -> how many
        (("white", "25-34", "no", True), 3),
        (("white", None, None, True), 2),  # only the first dimension
        ((None, "16-24", "yes", True), 2),  # all but the first
        ((None, None, "prefer-not-to-say", True), 1),  # only the last
        ((None, None, None, True), 2),  # agreed, then answered none
        (("black", "35-44", "no", False), 4),  # no consent: their answers are not stored
    ]
    with app.app_context():
        for (ethnic, age, disability, consent), times in given:
            for _ in range(times):
                respond(made.residents, answers(["burglary", "robbery", "knife-crime"], "good",
                                                "very-safe", ethnic, age, disability),
                        consent=consent)
        db.session.commit()
        dispatch("engage.reports.collate_area", (made.consultation_id, borough("camden").id))
    run_tasks()
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
    assert figures["cells"]["dimensions"] == ["ethnic_group", "age_band", "disability"]
    assert figures["cells"]["respondents"] == {
        "white|25-34|no": 3, "white|unknown|unknown": 2, "unknown|16-24|yes": 2,
        "unknown|unknown|prefer-not-to-say": 1, "unknown|unknown|unknown": 2 + 4}
    # The plain counts of the equality questions: consented answers only.
    ethnic = {o["value"]: o["chosen"] for o in figures["questions"]["ethnic-group"]["options"]}
    assert (ethnic["white"], ethnic["black"]) == (5, 0)
    assert figures["questions"]["ethnic-group"]["answered"] == 5
    assert figures["questions"]["age-band"]["answered"] == 5
    assert figures["questions"]["disability"]["answered"] == 6
    # Every respondent counted once in the weighted question's cells.
    confidence = figures["cells"]["questions"]["confidence"]["answered"]
    assert confidence == figures["cells"]["respondents"]
