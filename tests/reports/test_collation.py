"""Collation through the tasks: counts worked by hand, re-runs and duplicates that change
nothing, the locks, and a plain-Python recount that agrees with the SQL to 1e-9."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.boroughs.population import import_figures
from engage.clock import utcnow
from engage.extensions import db
from engage.locks import TaskLock, acquire
from engage.reports.collation import population
from engage.reports.models import LONDON
from engage.reports.published import build
from engage.reports.statistics import wilson_interval
from engage.reports.tasks import area_lock
from engage.surveys.models import Consultation, QuestionKind
from engage.tasks import dispatch
from tests.factories import borough
from tests.helpers import statements
from tests.reports.support import (
    answers,
    hand_worked,
    make_consultation,
    respond,
    snapshot,
    snapshot_count,
)

COLLATE = "engage.reports.collate_consultation"


def collate(app, run_tasks, consultation_id):
    with app.app_context():
        dispatch(COLLATE, (consultation_id,))
    return run_tasks()


def option(figures, tag, value):
    return next(o for o in figures["questions"][tag]["options"] if o["value"] == value)


def test_responses_fall_in_the_week_london_was_in_when_they_came(app, run_tasks):
    """Weeks start at midnight in London: in summer that is 11pm on Sunday in UTC, which the
    database stores. And a week is ISO's, so the first days of January can be last year's."""
    made = make_consultation(app)
    with app.app_context():
        for when in (datetime(2027, 6, 13, 22, 59),  # 11:59pm BST, Sunday: week 23
                     datetime(2027, 6, 13, 23, 0),  # midnight BST, Monday: week 24
                     datetime(2027, 6, 14, 12, 0),
                     datetime(2027, 1, 3, 23, 59)):  # Sunday 3 January: 2026's week 53
            respond(made.residents, answers(["robbery", "burglary", "knife-crime"]),
                    submitted_at=when)
        db.session.commit()
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
        assert figures["by_week"] == {"2026-W53": 1, "2027-W23": 1, "2027-W24": 2}
        assert snapshot(made.consultation_id, LONDON).figures["by_week"] == figures["by_week"]


def test_the_task_collates_every_borough_and_london_with_the_counts_worked_by_hand(
        app, run_tasks):
    made = hand_worked(app)
    ran = collate(app, run_tasks, made.consultation_id)
    assert [name for name, _ in ran].count("engage.reports.collate_area") == 33
    with app.app_context():
        assert snapshot_count() == 33  # 32 boroughs and London
        camden = snapshot(made.consultation_id, borough("camden").ons_code)
        figures = camden.figures
        assert camden.respondents == figures["respondents"] == 20
        assert figures["by_channel"] == {"online": 16, "telephone": 4}
        assert figures["by_audience"] == {"residents": 16, "businesses": 4}
        assert figures["by_week"] == {"2027-W01": 6, "2027-W02": 14}
        priorities = figures["questions"]["priorities"]
        assert (priorities["answered"], priorities["ranking"], priorities["places"]) == (20, True,
                                                                                         3)
        chosen = {o["value"]: (o["chosen"], o["points"]) for o in priorities["options"]}
        assert chosen == {"burglary": (20, 44), "robbery": (18, 40), "knife-crime": (16, 28),
                          "anti-social-behaviour": (6, 8)}
        confidence = {o["value"]: o["chosen"] for o in option_list(figures, "confidence")}
        assert confidence == {"excellent": 4, "good": 6, "fair": 4, "poor": 2, "very-poor": 0,
                              "dont-know": 4}
        ethnic = {o["value"]: o["chosen"] for o in option_list(figures, "ethnic-group")}
        assert ethnic == {"white": 6, "mixed": 0, "asian": 2, "black": 4, "other": 0,
                          "prefer-not-to-say": 0}
        assert figures["questions"]["ethnic-group"]["answered"] == 12
        assert figures["population"]["ethnic_group"]["counts"]["white"] > 0

        london = snapshot(made.consultation_id, LONDON)
        assert london.borough_id is None
        assert london.respondents == 24  # Camden, Hackney and the one with no borough
        assert option(london.figures, "priorities", "anti-social-behaviour")["chosen"] == 9
        assert snapshot(made.consultation_id, borough("hackney").ons_code).respondents == 3
        assert snapshot(made.consultation_id, borough("barnet").ons_code).respondents == 0


def option_list(figures, tag):
    return figures["questions"][tag]["options"]


def test_published_figures_match_the_hand_worked_shares_and_intervals(app, run_tasks):
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        report = build(snapshot(made.consultation_id, borough("camden").ons_code).figures,
                       threshold=1, area_name="Camden")
    rows = report.priorities.table.rows
    assert [r.key for r in rows] == ["burglary", "robbery", "knife-crime",
                                     "anti-social-behaviour"]
    expected = {  # share, Wilson 95% interval (worked with exact arithmetic), ranking score
        "burglary": (1.0, (0.838874841947, 1.0), 2.2),
        "robbery": (0.9, (0.698966354772, 0.972133518786), 2.0),
        "knife-crime": (0.8, (0.583982567748, 0.919342337420), 1.4),
        "anti-social-behaviour": (0.3, (0.145477244868, 0.518972818354), 0.4),
    }
    for row in rows:
        share, (low, high), score = expected[row.key]
        assert row.share == pytest.approx(share, abs=1e-12)
        assert row.interval == pytest.approx((low, high), abs=1e-11)
        assert row.score == pytest.approx(score, abs=1e-12)
    confidence, safe = report.measures
    # Excellent 4 + good 6 of 16 who gave a view (4 "don't know" left out).
    assert confidence.headline.share == pytest.approx(10 / 16)
    assert confidence.headline.interval == pytest.approx((0.386410405455, 0.815187674411),
                                                         abs=1e-11)
    # Very 6 + fairly 4 of 12 (4 who never go out alone after dark left out).
    assert safe.headline.share == pytest.approx(10 / 12)
    assert safe.headline.interval == pytest.approx((0.551969137747, 0.953034857816), abs=1e-11)


def test_a_rerun_or_a_duplicate_task_changes_nothing(app, run_tasks):
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        first = snapshot(made.consultation_id, borough("camden").ons_code)
        before = (first.id, first.figures, snapshot_count())
        dispatch(COLLATE, (made.consultation_id,))
        dispatch(COLLATE, (made.consultation_id,))
        camden_id = borough("camden").id
        dispatch("engage.reports.collate_area", (made.consultation_id, camden_id))
    run_tasks()
    with app.app_context():
        again = snapshot(made.consultation_id, borough("camden").ons_code)
        assert (again.id, again.figures, snapshot_count()) == before
        assert again.made_at >= first.made_at


def test_new_responses_replace_the_snapshot_in_place(app, run_tasks):
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        respond(made.residents, answers(["robbery", "burglary", "knife-crime"]))
        db.session.commit()
        dispatch("engage.reports.collate_area", (made.consultation_id, borough("camden").id))
    run_tasks()
    with app.app_context():
        camden = snapshot(made.consultation_id, borough("camden").ons_code)
        assert camden.respondents == 21
        assert option(camden.figures, "priorities", "robbery")["points"] == 43
        assert snapshot_count() == 33


def test_a_collation_already_running_is_not_started_twice(app, run_tasks):
    made = hand_worked(app)
    with app.app_context():
        camden_id = borough("camden").id
        assert acquire(f"report:{made.consultation_id}", 60)
        dispatch(COLLATE, (made.consultation_id,))
    ran = run_tasks()
    assert ran == [(COLLATE, (made.consultation_id,))]  # it fanned nothing out
    with app.app_context():
        assert acquire(area_lock(made.consultation_id, camden_id), 60)
        dispatch("engage.reports.collate_area", (made.consultation_id, camden_id))
        dispatch("engage.reports.collate_area", (made.consultation_id, None))
    run_tasks()
    with app.app_context():
        # Camden was locked, so only London was counted.
        assert snapshot(made.consultation_id, borough("camden").ons_code) is None
        assert snapshot(made.consultation_id, LONDON).respondents == 24


def test_an_area_costs_the_same_statements_whatever_it_counts(app, run_tasks):
    """No statement a response, a question or a borough: Camden (20 responses) and Hackney
    (3) cost the same few, and each area's lock is gone with its snapshot's commit."""
    made = hand_worked(app)
    collate(app, run_tasks, made.consultation_id)  # the first round: caches warm
    costs = {}
    for name in ("camden", "hackney"):
        with app.app_context():
            dispatch("engage.reports.collate_area", (made.consultation_id, borough(name).id))
        with statements(app) as seen:
            run_tasks()
        costs[name] = len(seen)
    assert costs["camden"] == costs["hackney"] <= 12, costs
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TaskLock)) == 0


def test_a_plain_python_recount_agrees_with_the_sql_collation(app, run_tasks):
    """Random answers over three boroughs and two versions of the priorities question (a
    ranking, then a multiple choice), recounted in Python from what was submitted."""
    made = make_consultation(app, slug="ranked")
    mixed = make_consultation(app, slug="mixed", priorities_kind=QuestionKind.MULTIPLE_CHOICE)
    rng = random.Random(20270104)
    values = ["burglary", "robbery", "knife-crime", "anti-social-behaviour"]
    ratings = ["excellent", "good", "fair", "poor", "very-poor", "dont-know"]
    given: dict[str, list[dict]] = {"camden": [], "hackney": [], "barnet": []}
    with app.app_context():
        for _ in range(180):
            area = rng.choice(list(given))
            kind = rng.choice([QuestionKind.RANKING, QuestionKind.MULTIPLE_CHOICE])
            chosen = rng.sample(values, 3 if kind == QuestionKind.RANKING else rng.randint(1, 3))
            rating = rng.choice(ratings)
            version = made.residents if kind == QuestionKind.RANKING else mixed.residents
            respond(version, answers(chosen, rating, kind=kind), borough_slug=area)
            given[area].append({"kind": kind, "chosen": chosen, "rating": rating})
        db.session.commit()
    for consultation_id in (made.consultation_id, mixed.consultation_id):
        collate(app, run_tasks, consultation_id)

    for version_kind, consultation_id in ((QuestionKind.RANKING, made.consultation_id),
                                          (QuestionKind.MULTIPLE_CHOICE,
                                           mixed.consultation_id)):
        areas = {slug: [g for g in people if g["kind"] == version_kind]
                 for slug, people in given.items()}
        areas["london"] = [g for people in areas.values() for g in people]
        for slug, people in areas.items():
            with app.app_context():
                area = LONDON if slug == "london" else borough(slug).ons_code
                report = build(snapshot(consultation_id, area).figures, 1, slug)
            n = len(people)
            rows = {r.key: r for r in report.priorities.table.rows}
            for value in values:
                k = sum(value in g["chosen"] for g in people)
                points = sum(3 - g["chosen"].index(value) for g in people
                             if value in g["chosen"] and g["kind"] == QuestionKind.RANKING)
                assert rows[value].share == pytest.approx(k / n, abs=1e-9)
                assert rows[value].interval == pytest.approx(_wilson(k, n), abs=1e-9)
                if version_kind == QuestionKind.RANKING:
                    assert rows[value].score == pytest.approx(points / n, abs=1e-9)
            with_view = [g for g in people if g["rating"] != "dont-know"]
            good = sum(g["rating"] in ("excellent", "good") for g in with_view)
            headline = report.measures[0].headline
            assert headline.share == pytest.approx(good / len(with_view), abs=1e-9)
            assert headline.interval == pytest.approx(_wilson(good, len(with_view)), abs=1e-9)
            assert wilson_interval(good, len(with_view)) == pytest.approx(headline.interval)


def _wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson interval as the roots of (p̂ − p)² = z²p(1 − p)/n: a second derivation."""
    z = 1.959963984540054
    p_hat = k / n
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    c = p_hat * p_hat
    root = (b * b - 4 * a * c) ** 0.5
    return max(0.0, (-b - root) / (2 * a)), min(1.0, (-b + root) / (2 * a))


def test_beat_collates_open_consultations_nightly_and_closed_ones_once(app, run_tasks):
    now = utcnow()
    open_now = make_consultation(app, slug="open")
    closed = make_consultation(app, slug="closed", opens_at=now - timedelta(days=30),
                               closes_at=now - timedelta(hours=2), boroughs=["camden"])
    make_consultation(app, slug="future", opens_at=now + timedelta(days=3),
                      closes_at=now + timedelta(days=30))
    make_consultation(app, slug="long-closed", opens_at=now - timedelta(days=90),
                      closes_at=now - timedelta(days=60))
    celery_app = app.extensions["celery"]
    with app.app_context():
        assert celery_app.tasks["engage.periodic.collate_open_reports"].apply().get() == 1
        assert celery_app.tasks["engage.periodic.collate_closed_reports"].apply().get() == 1
    ran = run_tasks()
    fanned = [args for name, args in ran if name == COLLATE]
    assert sorted(fanned) == sorted([(open_now.consultation_id,), (closed.consultation_id,)])
    with app.app_context():
        # The closed one covers Camden only: Camden and London, each counted after closing.
        assert snapshot(closed.consultation_id, borough("camden").ons_code) is not None
        assert snapshot(closed.consultation_id, borough("hackney").ons_code) is None
        assert celery_app.tasks["engage.periodic.collate_closed_reports"].apply().get() == 0
    assert run_tasks() == []


def test_a_count_that_began_before_closing_is_not_the_final_one(app, run_tasks, monkeypatch):
    """A snapshot is dated when its counting began: one that began before closing and was
    saved after it may miss the last responses, so beat still counts again after closing."""
    import engage.reports.collation as collation
    import engage.reports.tasks as tasks

    now = utcnow()
    made = make_consultation(app, slug="closing", opens_at=now - timedelta(days=30),
                             closes_at=now - timedelta(minutes=5), boroughs=["camden"])
    began = now - timedelta(minutes=6)  # counting began a minute before closing...
    monkeypatch.setattr(tasks, "utcnow", lambda: began)
    monkeypatch.setattr(collation, "utcnow", lambda: now)  # ...and the rows were saved after
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        assert snapshot(made.consultation_id, borough("camden").ons_code).made_at == began
        assert snapshot(made.consultation_id, LONDON).made_at == began
    monkeypatch.setattr(tasks, "utcnow", lambda: now)
    with app.app_context():
        assert tasks.final_collation_due() == [made.consultation_id]
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        assert tasks.final_collation_due() == []


def test_london_uses_only_the_population_figures_every_covered_borough_has(app):
    """Age bands uploaded for Camden alone would make London's age margin Camden's mix: London
    leaves that dimension out (for the equality tables and for weighting) until every
    borough it covers has figures for every category; the Census ethnic groups cover them
    all."""
    made = make_consultation(app)
    two = make_consultation(app, slug="camden-and-hackney", boroughs=["camden", "hackney"])
    with app.app_context():
        camden = borough("camden").ons_code
        written, errors = import_figures(
            "ons_code,dimension,category,count\n"
            f"{camden},age_band,16-24,1000\n{camden},age_band,25-34,3000\n", "test upload")
        assert (written, errors) == (2, [])
        everywhere = db.session.get(Consultation, made.consultation_id)
        assert set(population(everywhere, None)) == {"ethnic_group"}
        assert set(population(everywhere, borough("camden").id)) == {"ethnic_group", "age_band"}
        pair = db.session.get(Consultation, two.consultation_id)
        assert set(population(pair, None)) == {"ethnic_group"}
        hackney = borough("hackney").ons_code
        # Hackney without the 25-34 band: London's 25-34 would be Camden's alone.
        import_figures(f"ons_code,dimension,category,count\n{hackney},age_band,16-24,500\n",
                       "test upload")
        assert set(population(pair, None)) == {"ethnic_group"}
        import_figures(f"ons_code,dimension,category,count\n{hackney},age_band,16-24,500\n"
                       f"{hackney},age_band,25-34,700\n", "test upload")
        figures = population(pair, None)
        assert figures["age_band"]["counts"] == {"16-24": 1500, "25-34": 3700}
        assert set(population(everywhere, None)) == {"ethnic_group"}  # 30 boroughs still lack it
