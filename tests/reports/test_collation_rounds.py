"""Collation rounds: the boroughs are counted, then London adds up their snapshots and counts
only the responses no borough has, so each response is read once a round. London must come out
exactly as if it had counted everything itself, and count everything itself whenever the round
is incomplete."""

from __future__ import annotations

from sqlalchemy import update

from engage.extensions import db
from engage.locks import acquire
from engage.reports.collation import questions_asked
from engage.reports.models import LONDON, ReportSnapshot
from engage.reports.tasks import area_lock
from engage.surveys.models import Channel, Consultation, Option, QuestionnaireVersion
from engage.surveys.versions import copy_version
from engage.tasks import dispatch
from tests.factories import borough
from tests.reports.support import (
    answers,
    hand_worked,
    make_consultation,
    respond,
    snapshot,
)

COLLATE = "engage.reports.collate_consultation"
AREA = "engage.reports.collate_area"
# What only says when and how a snapshot was made, not what it counted.
MADE = ("made_at", "round_id")


def collate(app, run_tasks, consultation_id):
    with app.app_context():
        dispatch(COLLATE, (consultation_id,))
    return run_tasks()


def london(app, consultation_id) -> tuple[dict, str | None]:
    with app.app_context():
        row = snapshot(consultation_id, LONDON)
        return row.figures, row.round_id


def recount_london(app, run_tasks, consultation_id, round_id=None) -> None:
    with app.app_context():
        dispatch(AREA, (consultation_id, None, round_id))
    run_tasks()


def test_london_is_queued_once_by_the_borough_that_completes_the_round(app, run_tasks):
    made = hand_worked(app)
    ran = collate(app, run_tasks, made.consultation_id)
    areas = [args for name, args in ran if name == AREA]
    assert len(areas) == 33
    boroughs, last = areas[:-1], areas[-1]
    # Every borough first, then London, all carrying the one round's id.
    assert all(args[1] is not None for args in boroughs)
    assert last[1] is None
    assert {args[2] for args in areas} == {last[2]} and last[2]
    with app.app_context():
        assert snapshot(made.consultation_id, borough("camden").ons_code).round_id == last[2]


def test_london_from_the_round_matches_london_counted_from_scratch(app, run_tasks):
    """The hand-worked set has responses in Camden and Hackney and one with no borough: the
    round's London (snapshots added up, the one without a borough counted) and London
    counted alone are the same document, cells, weights and weeks included."""
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)
    added_up, round_id = london(app, made.consultation_id)
    assert round_id is not None
    assert added_up["respondents"] == 24

    recount_london(app, run_tasks, made.consultation_id)
    counted, no_round = london(app, made.consultation_id)
    assert no_round is None
    assert added_up == counted
    assert added_up["weighting"] == counted["weighting"]


def test_london_in_a_round_adds_up_the_boroughs_snapshots_instead_of_their_answers(
        app, run_tasks):
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)
    _, round_id = london(app, made.consultation_id)
    with app.app_context():
        camden = snapshot(made.consultation_id, borough("camden").ons_code)
        figures = dict(camden.figures, respondents=camden.figures["respondents"] + 100)
        db.session.execute(update(ReportSnapshot).where(ReportSnapshot.id == camden.id)
                           .values(figures=figures))
        db.session.commit()

    recount_london(app, run_tasks, made.consultation_id, round_id)
    assert london(app, made.consultation_id)[0]["respondents"] == 124  # read from Camden's row

    recount_london(app, run_tasks, made.consultation_id)  # no round: counted from the answers
    assert london(app, made.consultation_id)[0]["respondents"] == 24


def test_a_borough_missing_from_the_round_leaves_london_to_count_everything(app, run_tasks):
    made = hand_worked(app)
    with app.app_context():
        camden_id = borough("camden").id
        assert acquire(area_lock(made.consultation_id, camden_id), 60)  # Camden is busy
    ran = collate(app, run_tasks, made.consultation_id)
    areas = [args for name, args in ran if name == AREA]
    # 32 boroughs tried; none could complete the round, so none queued London.
    assert len(areas) == 32 and all(args[1] is not None for args in areas)
    with app.app_context():
        assert snapshot(made.consultation_id, LONDON) is None
        assert snapshot(made.consultation_id, borough("camden").ons_code) is None

    # London queued with the round all the same (by hand, or a duplicate message) does not
    # add up a round without Camden: it counts every response.
    recount_london(app, run_tasks, made.consultation_id, areas[0][2])
    figures, _ = london(app, made.consultation_id)
    assert figures["respondents"] == 24
    assert figures["by_channel"] == {"online": 20, "telephone": 4}


def test_london_counts_responses_in_boroughs_the_consultation_no_longer_covers(app, run_tasks):
    made = make_consultation(app, slug="two-boroughs", boroughs=["camden", "hackney", "barnet"])
    with app.app_context():
        for place in ("camden", "camden", "hackney", "barnet", None):
            respond(made.residents, answers(["robbery", "burglary", "knife-crime"], "good",
                                            "very-safe", "white", "25-34", "no"),
                    borough_slug=place, consent=True, channel=Channel.PAPER)
        db.session.commit()
        # Barnet is taken off the consultation after one of its residents answered.
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.boroughs = [borough("camden"), borough("hackney")]
        db.session.commit()
    ran = collate(app, run_tasks, made.consultation_id)
    assert len([name for name, _ in ran if name == AREA]) == 3  # Camden, Hackney, London
    added_up, round_id = london(app, made.consultation_id)
    assert round_id is not None
    assert added_up["respondents"] == 5  # Barnet's and the one with no borough counted here
    robbery = next(o for o in added_up["questions"]["priorities"]["options"]
                   if o["value"] == "robbery")
    assert (robbery["chosen"], robbery["points"]) == (5, 15)
    assert sum(added_up["cells"]["respondents"].values()) == 5

    recount_london(app, run_tasks, made.consultation_id)
    assert london(app, made.consultation_id)[0] == added_up


def test_a_version_made_during_a_round_is_counted_by_the_areas_after_it(app, run_tasks):
    """The areas of a round share what the questionnaires ask (the catalogue, the comment
    questions) only while no version can have changed: a version made mid-round, with an
    option the round's first areas never saw, is read afresh by the next area, which counts
    the answers given to it."""
    made = hand_worked(app)
    ran = collate(app, run_tasks, made.consultation_id)
    round_id = ran[-1][1][2]
    with app.app_context():
        version = copy_version(db.session.get(QuestionnaireVersion, made.residents))
        priorities = next(q for q in version.ordered_questions() if q.key == "priorities")
        priorities.options.append(Option(position=len(priorities.options) + 1,
                                         value="fraud", label="Fraud"))
        db.session.commit()
        new_version = version.id
        # Still open to edits (no response yet): read afresh, never kept for the round.
        found, _ = questions_asked(made.consultation_id, round_id)
        assert priorities.id in found.questions
        respond(new_version, answers(["fraud", "burglary", "robbery"]))
        db.session.commit()
        camden_id = borough("camden").id
        kept, _ = questions_asked(made.consultation_id, round_id)
        assert questions_asked(made.consultation_id, round_id)[0] is kept  # now kept
        dispatch(AREA, (made.consultation_id, camden_id, round_id))
    run_tasks()
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
        fraud = next(o for o in figures["questions"]["priorities"]["options"]
                     if o["value"] == "fraud")
        assert fraud["chosen"] == 1
        assert figures["respondents"] == 21
