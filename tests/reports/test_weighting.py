"""Weighting a borough's respondents to its population, checked against answers worked by hand.

The data set (tests/reports/support.py, WEIGHTING_GROUPS) has 20 consenting Camden residents in
2 ethnic groups x 2 age bands, and 4 who did not consent:

                   16-24   25-34   (rows: ethnic group)
        white        4       8      = 12
        black        6       2      =  8
                    10      10

Camden's uploaded margins: white 50%, black 50%; 16-24 60%, 25-34 40%. Raking keeps the sample's
odds ratio (4 x 2) / (8 x 6) = 1/6 and meets the margins (rows 10 and 10, columns 12 and 8 of
20): a table x, 10 - x, 12 - x, x - 2 with x (x - 2) = (10 - x)(12 - x) / 6, so x^2 + 2x - 24 = 0
and x = 4. The raked table is 4, 6 / 8, 2, so one respondent's weight is 4/4 = 1, 6/8 = 3/4,
8/6 = 4/3 and 2/2 = 1 (mean 1 already). The 4 without consent keep weight 1. Over all 24:
sum w = 24, sum w^2 = 4 + 8(9/16) + 6(16/9) + 2 + 4 = 151/6, so the design effect is
24 (151/6) / 24^2 = 151/144 and the effective sample size 24 (144/151) = 3456/151.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from html import unescape

import pandas as pd
import pytest
import weightipy
from sqlalchemy import delete

from engage.boroughs.models import PopulationFigure
from engage.extensions import db
from engage.reports.published import build
from engage.reports.statistics import weighted_share, wilson_bounds, wilson_interval
from engage.reports.weighting import TRIM_AT, TRIM_FLOOR, rake, trim, weigh
from tests.factories import PASSWORD, borough, create_admin, create_officer
from tests.helpers import page_text
from tests.reports.support import (
    CAMDEN,
    WEIGHTING_GROUPS,
    answers,
    hand_worked,
    make_consultation,
    respond,
    snapshot,
    upload_population,
    weighting_worked,
)
from tests.reports.test_pages import table_row

REPORT = "/staff/boroughs/camden/reports/have-your-say-2027"
PUBLIC = "/boroughs/camden/have-your-say/have-your-say-2027/report"
HAND_WEIGHTS = {("white", "16-24"): 1.0, ("white", "25-34"): 0.75,
                ("black", "16-24"): 4 / 3, ("black", "25-34"): 1.0}
DESIGN_EFFECT = 151 / 144
EFFECTIVE = 3456 / 151
MARGINS = [{"white": 5000, "black": 5000}, {"16-24": 6000, "25-34": 4000}]
SAMPLE = {("white", "16-24"): 4, ("white", "25-34"): 8, ("black", "16-24"): 6,
          ("black", "25-34"): 2}


def counted(app, client, run_tasks, groups=WEIGHTING_GROUPS, margins: bool = True):
    """The data set counted by Camden's officer, after an administrator uploads the margins."""
    made = weighting_worked(app, groups)
    with app.app_context():
        create_admin(email="admin@example.org")
        create_officer("camden", email="officer@example.org")
    if margins:
        client.sign_in("admin@example.org", PASSWORD)
        assert upload_population(client).status_code == 302
        client.sign_out()
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    return made


def report_of(app, made, threshold: int = 10, area: str = CAMDEN):
    with app.app_context():
        figures = snapshot(made.consultation_id, area).figures
    return build(figures, threshold, "Camden")


def summary_row(html: str, key: str) -> str:
    """The text of the summary list value beside `key` (the first such)."""
    found = re.search(r'<dt class="govuk-summary-list__key">' + re.escape(key)
                      + r'</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', html, re.S)
    assert found, f"no summary row {key!r}"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def wilson(p: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson interval, written out again for the check."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def respondents(groups=WEIGHTING_GROUPS) -> list[dict]:
    """One record per respondent, as a plain-Python re-computation reads them."""
    people = []
    for _, n, ethnic, age, confidence, safe, priorities, consent in groups:
        people += [{"ethnic": ethnic if consent else None, "age": age if consent else None,
                    "confidence": confidence, "safe": safe, "priorities": priorities}] * n
    return people


def plain_rake(people: list[dict]) -> list[float]:
    """Iterative proportional fitting, one respondent at a time, no library."""
    known = [p for p in people if p["ethnic"] and p["age"]]
    shares = {"ethnic": {"white": 0.5, "black": 0.5}, "age": {"16-24": 0.6, "25-34": 0.4}}
    weights = [1.0] * len(known)
    for _ in range(10_000):
        before = list(weights)
        for dimension, margin in shares.items():
            totals: dict[str, float] = defaultdict(float)
            for person, weight in zip(known, weights, strict=True):
                totals[person[dimension]] += weight
            weights = [w * margin[p[dimension]] * len(known) / totals[p[dimension]]
                       for p, w in zip(known, weights, strict=True)]
        if max(abs(a - b) for a, b in zip(weights, before, strict=True)) < 1e-15:
            break
    by_person = iter(weights)
    return [next(by_person) if p["ethnic"] and p["age"] else 1.0 for p in people]


def test_raking_a_cell_table_matches_the_hand_worked_answer_and_weightipy_per_respondent():
    raw = rake(SAMPLE, MARGINS)
    weights, cut = trim(raw, SAMPLE)
    assert not cut
    for cell, expected in HAND_WEIGHTS.items():
        assert weights[cell] == pytest.approx(expected, abs=1e-9)
    # weightipy's own public API, raking one row per respondent, gives the same weights.
    rows = [cell for cell, n in SAMPLE.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["ethnic", "age"])
    scheme = weightipy.scheme_from_dict({"ethnic": {"white": 50, "black": 50},
                                         "age": {"16-24": 60, "25-34": 40}},
                                        rim_params={"convcrit": 1e-12})
    per_respondent = weightipy.weight(frame, scheme)
    for cell, weight in zip(rows, per_respondent, strict=True):
        assert weight == pytest.approx(weights[cell], abs=1e-9)


def test_weights_over_the_cap_are_trimmed_and_the_rest_keep_the_total():
    """18 white and 2 black respondents to a population 10% white: black respondents would
    each count for 0.9 x 20 / 2 = 9. Trimmed to 5, the 18 share the other 20 - 10: 5/9 each.
    Design effect: 20 (18 (5/9)^2 + 2 x 25) / 20^2 = 25/9; effective sample size 7.2."""
    cells = {"dimensions": ["ethnic_group"], "respondents": {"white": 18, "black": 2},
             "questions": {}}
    population = {"ethnic_group": {"source": "test", "counts": {"white": 1000, "black": 9000}}}
    weighting = weigh(cells, population, threshold=10)
    assert weighting["status"] == "weighted"
    assert weighting["weights"]["black"] == TRIM_AT == 5
    assert weighting["weights"]["white"] == pytest.approx(5 / 9, abs=1e-12)
    assert (weighting["trimmed_cells"], weighting["trimmed_respondents"]) == (1, 2)
    assert weighting["design_effect"] == pytest.approx(25 / 9, abs=1e-12)
    assert weighting["effective_sample_size"] == pytest.approx(7.2, abs=1e-12)
    paragraphs = " ".join(build_paragraphs(cells, weighting))
    assert "nobody counts for more than 5 times the average" in paragraphs
    # Too few known respondents, or no margins: not weighted, and why.
    assert weigh(cells, population, threshold=21)["status"] == "too-few"
    assert weigh(cells, {}, threshold=10)["status"] == "no-margins"
    assert weigh(None, population, threshold=10)["status"] == "no-questions"


def test_weights_under_the_floor_are_raised_and_the_rest_keep_the_total():
    """2 white and 18 black respondents to a population 1% white: each white respondent would
    count for 0.01 x 20 / 2 = 0.1, almost vanishing. Raised to the floor of 0.2, the 18 share
    the other 20 - 0.4: 19.6 / 18 each."""
    cells = {"dimensions": ["ethnic_group"], "respondents": {"white": 2, "black": 18},
             "questions": {}}
    population = {"ethnic_group": {"source": "test", "counts": {"white": 100, "black": 9900}}}
    weighting = weigh(cells, population, threshold=10)
    assert weighting["weights"]["white"] == TRIM_FLOOR == 0.2
    assert weighting["weights"]["black"] == pytest.approx(19.6 / 18, abs=1e-12)
    assert (weighting["trimmed_cells"], weighting["trimmed_respondents"]) == (1, 2)
    squares = 2 * 0.2 ** 2 + 18 * (19.6 / 18) ** 2
    assert weighting["design_effect"] == pytest.approx(20 * squares / 20 ** 2, abs=1e-12)


def test_a_weight_cut_to_the_cap_is_let_back_under_it_when_raising_the_floor_takes_room():
    """30 white and 7 black respondents to a population 2% white: raked, white respondents
    count for 0.02 x 37 / 30 = 0.0247 each and black for 0.98 x 37 / 7 = 5.18. Both are out
    of bounds, and cutting black to 5 first leaves white 2/30 each, which the floor lifts to
    0.2: 30 x 0.2 + 7 x 5 = 41, not 37, so the weights no longer kept the total (the 30 and
    7 then outweighed the unweighted respondents by a tenth). The trim that keeps it: white at
    the floor (6 of the 37) and black sharing the other 31, 31/7 = 4.43 each, under the cap."""
    cells = {"dimensions": ["ethnic_group"], "respondents": {"white": 30, "black": 7},
             "questions": {}}
    population = {"ethnic_group": {"source": "test", "counts": {"white": 200, "black": 9800}}}
    weighting = weigh(cells, population, threshold=10)
    assert weighting["weights"]["white"] == TRIM_FLOOR
    assert weighting["weights"]["black"] == pytest.approx(31 / 7, abs=1e-12)
    assert 30 * weighting["weights"]["white"] + 7 * weighting["weights"]["black"] == (
        pytest.approx(37, abs=1e-12))
    assert (weighting["trimmed_cells"], weighting["trimmed_respondents"]) == (1, 30)
    # A second computation: the one scale s at which 30 clip(0.0247 s) + 7 clip(5.18 s),
    # each clipped to [0.2, 5], adds up to 37, found by scipy's root finder.
    from scipy.optimize import brentq

    raw = {"white": 0.02 * 37 / 30, "black": 0.98 * 37 / 7}
    counts = {"white": 30, "black": 7}

    def total(s: float) -> float:
        return sum(n * min(TRIM_AT, max(TRIM_FLOOR, s * raw[c])) for c, n in counts.items())

    scale = brentq(lambda s: total(s) - 37, 1e-6, 1e6, xtol=1e-15)
    assert weighting["weights"]["black"] == pytest.approx(scale * raw["black"], abs=1e-9)


def test_trimming_keeps_the_total_and_only_cuts_what_must_be_cut():
    """Random raw weights, far apart: every trimmed set of weights adds up to the respondents,
    lies within the floor and the cap, keeps the untrimmed cells in their raked proportions,
    and trims a cell only where its weight at that common scale is beyond a bound."""
    import random

    generator = random.Random(1)
    for _ in range(2000):
        counts = {i: generator.randint(1, 30) for i in range(generator.randint(2, 8))}
        raw = {i: generator.lognormvariate(0, 2) for i in counts}
        weights, cut = trim(raw, counts)
        n = sum(counts.values())
        assert sum(counts[c] * w for c, w in weights.items()) == pytest.approx(n, rel=1e-9)
        assert all(TRIM_FLOOR <= w <= TRIM_AT for w in weights.values())
        free = [c for c in counts if c not in cut]
        if free:
            scale = weights[free[0]] / raw[free[0]]
            assert all(weights[c] == pytest.approx(scale * raw[c], rel=1e-9) for c in free)
            assert all(scale * raw[c] >= TRIM_AT - 1e-9 if weights[c] == TRIM_AT
                       else scale * raw[c] <= TRIM_FLOOR + 1e-9 for c in cut)


def build_paragraphs(cells: dict, weighting: dict) -> list[str]:
    figures = {"respondents": 20, "by_channel": {}, "by_audience": {}, "by_week": {},
               "questions": {}, "population": {}, "cells": cells, "weighting": weighting}
    return build(figures, 10, "Camden").weighting.paragraphs


def test_the_report_weights_camden_to_its_margins_as_worked_by_hand(app, client, run_tasks):
    made = counted(app, client, run_tasks)
    with app.app_context():
        weighting = snapshot(made.consultation_id, CAMDEN).figures["weighting"]
    assert weighting["status"] == "weighted"
    # Cells: ethnic group | age band | disability (not asked of these people: unknown).
    for (ethnic, age), expected in HAND_WEIGHTS.items():
        assert weighting["weights"][f"{ethnic}|{age}|unknown"] == pytest.approx(expected,
                                                                                abs=1e-9)
    assert weighting["weights"]["unknown|unknown|unknown"] == 1.0
    assert (weighting["respondents"], weighting["weighted"], weighting["unweighted"]) == (
        24, 20, 4)
    report = report_of(app, made, threshold=3)
    assert report.weighting.applied
    assert report.weighting.design_effect == pytest.approx(DESIGN_EFFECT, abs=1e-9)
    assert report.weighting.effective_sample_size == pytest.approx(EFFECTIVE, abs=1e-9)
    rows = {row.key: row for row in report.priorities.table.rows}
    # Weighted: A 4 x 1, B 8 x 3/4, C 6 x 4/3, D 2 x 1, E 4 x 1, of 24 weighted in all.
    for key, chosen, weighted in (("burglary", 18, 16), ("robbery", 22, 22),
                                  ("knife-crime", 20, 20), ("anti-social-behaviour", 12, 14)):
        assert rows[key].cell.count == chosen  # counts stay unweighted
        assert rows[key].weighted_share == pytest.approx(weighted / 24, abs=1e-9)
        low, high = wilson(weighted / 24, 24 / DESIGN_EFFECT)
        assert rows[key].weighted_interval == pytest.approx((low, high), abs=1e-9)
    confidence = next(m for m in report.measures if m.tag.value == "confidence")
    # D's 2 "don't know" are hidden at 3, and everyone answered: 24 respondents less the 22
    # with a view would give them back, so the headline is withheld.
    assert confidence.headline is None
    confidence = next(m for m in report_of(app, made, threshold=2).measures
                      if m.tag.value == "confidence")
    # With a view: all but D's "don't know". Positive: B 6, C+ 3 x 4/3 = 4, E 4; of 4+6+8+4.
    assert confidence.headline.share == pytest.approx(15 / 22, abs=1e-12)
    assert confidence.headline.weighted_share == pytest.approx(14 / 22, abs=1e-9)
    # Its interval is on the 22's own design effect (without D's two weights of 1):
    # 22 (4 + 8 (9/16) + 6 (16/9) + 4) / 22^2 = 139/132.
    assert confidence.headline.weighted_interval == pytest.approx(
        wilson(14 / 22, 22 * 132 / 139), abs=1e-9)

    # The page says how, and shows the weighted shares beside their unweighted counts.
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    page = client.get(REPORT)
    html, text = page.get_data(as_text=True), page_text(page)
    assert "Figures are not weighted" not in text
    assert ("Weighted shares are weighted to Camden's population by ethnic group and age band "
            "(from Made-up margins for the weighting tests)") in text
    assert ("4 of 24 respondents did not give their ethnic group or age band, did not agree "
            "to answer the equality questions, or were not asked them: they count once each, "
            "unweighted.") in text
    assert "The design effect is 1.05" in text and "sample of 22.9 people" in text
    low, high = wilson(16 / 24, 24 / DESIGN_EFFECT)
    assert summary_row(html, "Burglary") == (
        f"66.7% weighted ({100 * low:.1f}% to {100 * high:.1f}%); chosen by 18 respondents")
    # The unweighted table is unchanged: 18 of 24, ranking points (4x2 + 8x3 + 2x3 + 4x2)/24.
    assert table_row(html, "Burglary") == "Burglary | 18 | 75.0% | 55.1% to 88.0% | 1.92"
    # Withheld at 3, as above: respondents less those with a view would give D's 2 back.
    assert summary_row(html, "Confidence in local policing: excellent or good") == (
        "weighted share not shown")
    assert summary_row(html, "Design effect") == "1.05"
    assert summary_row(html, "Effective sample size") == "22.9"

    # The CSV carries the same figures.
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][8:] == ["weighted share (%)", "weighted 95% interval from (%)",
                           "weighted 95% interval to (%)", "value"]
    by_label = {(r[0], r[1]): r for r in rows[1:]}
    burglary = by_label[("Priorities", "Burglary")]
    low, high = wilson(16 / 24, 24 / DESIGN_EFFECT)
    assert burglary[2:4] + burglary[8:11] == ["18", "75.0", "66.7", f"{100 * low:.1f}",
                                              f"{100 * high:.1f}"]
    assert by_label[("Weighting", "Design effect")][11] == "1.05"
    assert by_label[("Weighting", "Effective sample size")][11] == "22.9"
    assert all(len(r) == 12 for r in rows)


def test_a_plain_python_re_computation_agrees_with_the_report(app, client, run_tasks):
    made = counted(app, client, run_tasks)
    report = report_of(app, made, threshold=3)
    people = respondents()
    weights = plain_rake(people)
    n = len(people)
    design_effect = n * sum(w * w for w in weights) / sum(weights) ** 2
    assert report.weighting.design_effect == pytest.approx(design_effect, abs=1e-9)
    assert report.weighting.effective_sample_size == pytest.approx(n / design_effect,
                                                                   abs=1e-9)
    total = sum(weights)
    for row in report.priorities.table.rows:
        chosen = sum(w for p, w in zip(people, weights, strict=True)
                     if row.key in p["priorities"])
        assert row.weighted_share == pytest.approx(chosen / total, abs=1e-9)
    # At 2, so no "don't know" is hidden and both headlines are shown.
    measures = report_of(app, made, threshold=2).measures
    for measure, key, positive in ((0, "confidence", ("excellent", "good")),
                                   (1, "safe", ("very-safe", "fairly-safe"))):
        no_view = ("dont-know", "never-alone-after-dark")
        base = [(p, w) for p, w in zip(people, weights, strict=True) if p[key] not in no_view]
        share = sum(w for p, w in base if p[key] in positive) / sum(w for _, w in base)
        assert measures[measure].headline.weighted_share == pytest.approx(share, abs=1e-9)


def test_hidden_counts_keep_their_weighted_shares_hidden(app, client, other_client,
                                                          run_tasks):
    """The hand-worked Camden set, weighted to the 2011 Census: anti-social behaviour (6) and
    its complement are hidden, and so are their weighted shares, on both pages."""
    made = hand_worked(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    report = report_of(app, made)
    assert report.weighting.applied
    for row in report.priorities.table.rows:
        assert (row.weighted_share is None) == row.cell.suppressed
    html = client.get(REPORT).get_data(as_text=True)
    text = page_text(client.get(REPORT))
    assert summary_row(html, "Anti-social behaviour") == (
        "weighted share not shown; chosen by fewer than 10 respondents")
    assert summary_row(html, "Knife crime") == (  # 16, hidden to protect the 6
        "weighted share not shown; how many chose it is not shown")
    assert summary_row(html, "Confidence in local policing: excellent or good") == (
        "weighted share not shown")
    # Camden's census has five groups; nobody gave two of them.
    assert ("Nobody who answered gave their ethnic group as Mixed or multiple ethnic groups "
            "and Other ethnic group, so the other groups are matched to the population in "
            "proportion.") in text
    assert "Fewer than 10 of 20 respondents did not give their ethnic group" in text
    client.submit(REPORT + "/publish")
    public = other_client.get(PUBLIC)
    public_html = public.get_data(as_text=True)
    assert "How these figures were weighted" in page_text(public)
    assert summary_row(public_html, "Knife crime") == (
        "weighted share not shown; how many chose it is not shown")


def test_without_margins_or_enough_known_respondents_nothing_is_weighted(app, client,
                                                                        run_tasks):
    made = weighting_worked(app)
    with app.app_context():
        db.session.execute(delete(PopulationFigure).where(
            PopulationFigure.borough_id == borough("camden").id))
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    text = page_text(client.get(REPORT))
    assert ("Figures are not weighted: there are no population figures for Camden to weight "
            "to. Each response counts once.") in text
    assert report_of(app, made).priorities.table.rows[0].weighted_share is None
    # Hackney has its census margins but nobody there answered with consent.
    hackney = "/staff/boroughs/hackney/reports/have-your-say-2027"
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
    client.sign_out()
    client.sign_in("hackney@example.org", PASSWORD)
    client.submit(hackney + "/collate", form_page=hackney)
    run_tasks()
    assert ("Figures are not weighted: fewer than 10 respondents gave their ethnic group (and "
            "agreed to), too few to weight to the population.") in page_text(client.get(hackney))


def test_a_snapshot_counted_before_weighting_reads_as_not_weighted(app, client, run_tasks):
    made = counted(app, client, run_tasks)
    with app.app_context():
        saved = snapshot(made.consultation_id, CAMDEN)
        figures = {k: v for k, v in saved.figures.items() if k not in ("cells", "weighting")}
        saved.figures = {**figures, "version": 1}
        db.session.commit()
    page = client.get(REPORT)
    text = page_text(page)
    assert ("Figures are not weighted: they were counted before reports were weighted to the "
            "population. Each response counts once.") in text
    assert 'id="weighted-shares"' not in page.get_data(as_text=True)
    assert "These figures were counted before the confidence gap was measured" in text
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert not any(r[0] == "Weighting" and r[1] == "Design effect" for r in rows)


def test_margins_that_cannot_all_be_met_are_said_to_be_missed():
    """Every White respondent is 16 to 24 and every Black respondent 25 to 34: no weights
    can make them 50:50 by ethnic group and 60:40 by age at once. Raking ends on the last
    margin (age: 1.2 and 0.8), missing the other by 10 points, and the report says so."""
    cells = {"dimensions": ["ethnic_group", "age_band"],
             "respondents": {"white|16-24": 10, "black|25-34": 10}, "questions": {}}
    population = {"ethnic_group": {"source": "test", "counts": {"white": 50, "black": 50}},
                  "age_band": {"source": "test", "counts": {"16-24": 60, "25-34": 40}}}
    weighting = weigh(cells, population, threshold=10)
    assert weighting["weights"] == pytest.approx({"white|16-24": 1.2, "black|25-34": 0.8},
                                                 abs=1e-12)
    assert weighting["margin_error"] == pytest.approx(0.1, abs=1e-12)
    assert ("the weighted figures miss the population by up to 10.0 percentage points"
            in " ".join(build_paragraphs(cells, weighting)))
    # The hand-worked set meets both margins: nothing said.
    sample = {"dimensions": ["ethnic_group", "age_band"],
              "respondents": {f"{e}|{a}": n for (e, a), n in SAMPLE.items()},
              "questions": {}}
    met = weigh(sample, population, threshold=10)
    assert met["margin_error"] < 1e-12
    assert "miss the population" not in " ".join(build_paragraphs(sample, met))


def test_weighted_shares_and_intervals_on_an_effective_base():
    # With no weighting (effective base = base), the interval is the ordinary Wilson one.
    assert wilson_bounds(18 / 24, 24) == pytest.approx(wilson_interval(18, 24), abs=1e-15)
    assert wilson_bounds(2 / 3, 3456 / 151) == pytest.approx(wilson(2 / 3, 3456 / 151),
                                                             abs=1e-15)
    assert weighted_share(16.0, 24.0) == pytest.approx(2 / 3)
    assert weighted_share(0.0, 0.0) is None
    for chosen, answered in ((25.0, 24.0), (-1.0, 24.0)):
        with pytest.raises(ValueError):
            weighted_share(chosen, answered)
    with pytest.raises(ValueError):
        wilson_bounds(0.5, 0)


def test_shares_of_who_answered_leave_out_prefer_not_to_say_as_the_population_does(
        app, client, run_tasks):
    """24 White, 16 Black and 10 who preferred not to say, beside a population of White 5,000
    and Black 5,000. The population has no "prefer not to say", so the respondents' shares
    must not have it either: White 24 of 40 = 60.0% beside 50.0%, not 24 of 50 = 48.0%, which
    made White look under-represented when it is over-represented."""
    PLACES = ["burglary", "robbery", "knife-crime"]
    groups = (("W", 24, "white", "16-24", "good", "very-safe", PLACES, True),
              ("B", 16, "black", "16-24", "good", "very-safe", PLACES, True),
              ("P", 10, "prefer-not-to-say", "16-24", "good", "very-safe", PLACES, True))
    counted(app, client, run_tasks, groups=groups)
    page = client.get(REPORT)
    html = page.get_data(as_text=True)
    ethnic = html[html.index("Ethnic group: respondents"):html.index("Age band: respondents")]
    assert table_row(ethnic, "White") == "White | 24 | 60.0% | 50.0%"
    assert table_row(ethnic, "Black") == "Black | 16 | 40.0% | 50.0%"
    # Not one of the population's groups: no share to set beside one.
    assert table_row(ethnic, "Prefer not to say") == "Prefer not to say | 10 | "
    assert "Shares are of those who gave one of the groups above, leaving out" in page_text(page)
    # A second computation: shares of the population's groups among those who gave one.
    given = {"white": 24, "black": 16}
    assert [round(100 * n / sum(given.values()), 1) for n in given.values()] == [60.0, 40.0]
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    white = next(r for r in rows if r[0] == "Ethnic group" and r[1] == "White")
    assert white[2:4] == ["24", "60.0"]


def test_each_weighted_interval_uses_the_design_effect_of_its_own_respondents(
        app, client, run_tasks):
    """The hand-worked residents and 60 businesses, who are not asked the equality questions
    (weight 1) nor whether they feel safe. Over all 84 respondents sum w = 84 and sum w^2 =
    151/6 + 60 = 511/6: the design effect is 84 (511/6) / 84^2 = 511/504, near 1, as the
    businesses' weights do not vary. Feeling safe rests on the 22 residents with a view (all
    but D): sum w = 4 + 6 + 8 + 4 = 22, sum w^2 = 4 + 8 (9/16) + 6 (16/9) + 4 = 139/6, so its
    design effect is 22 (139/6) / 22^2 = 139/132 and its effective base 22 (132/139) = 20.9,
    not 22 (504/511) = 21.7. Confidence rests on those 22 and the 60 businesses: 499/492."""
    made = counted(app, client, run_tasks)
    with app.app_context():
        for _ in range(60):
            respond(made.businesses, answers(["robbery", "burglary", "knife-crime"], "good"))
        db.session.commit()
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    report = report_of(app, made, threshold=2)
    assert report.weighting.design_effect == pytest.approx(511 / 504, abs=1e-12)
    confidence, safe = report.measures
    assert safe.headline.weighted_share == pytest.approx(18 / 22, abs=1e-12)
    assert safe.headline.weighted_interval == pytest.approx(
        wilson(18 / 22, 22 * 132 / 139), abs=1e-12)
    assert confidence.headline.weighted_interval == pytest.approx(
        wilson(74 / 82, 82 * 492 / 499), abs=1e-12)  # B 6, C+ 4, E 4 and 60 businesses
    for row in report.priorities.table.rows:  # everyone answered: the whole design effect
        low, high = row.weighted_interval
        assert (low, high) == pytest.approx(wilson(row.weighted_share, 84 * 504 / 511),
                                            abs=1e-12)

    # A second computation, one respondent at a time: Kish's design effect over those who
    # gave a view on feeling safe.
    people = respondents() + [{"ethnic": None, "age": None, "safe": None}] * 60
    weights = plain_rake(people)
    with_view = [w for p, w in zip(people, weights, strict=True)
                 if p["safe"] not in (None, "never-alone-after-dark")]
    kish = len(with_view) * sum(w * w for w in with_view) / sum(with_view) ** 2
    assert kish == pytest.approx(139 / 132, abs=1e-9)

    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    page = client.get(REPORT)
    low, high = wilson(18 / 22, 22 * 132 / 139)
    assert (f"{100 * low:.1f}%", f"{100 * high:.1f}%") == ("60.9%", "92.9%")
    assert summary_row(page.get_data(as_text=True), "Feeling safe: very or fairly safe") == (
        "81.8% weighted (60.9% to 92.9%); 18 respondents said very or fairly safe")
    assert ("Each interval is worked out on the effective number of the respondents it rests "
            "on") in page_text(page)


def test_london_says_its_weighting_does_not_balance_the_boroughs(app, client, run_tasks):
    """30 Camden residents, all confident, and 10 Hackney residents, none: London's weighted
    share is 30 of 40 = 75.0%, though Hackney has more people than Camden (2011 Census). London
    is raked to its population by ethnic group as one sample, not borough by borough, so a
    borough counts in it by how many answered there: the page must say so, or "weighted to
    London's population" reads as if the boroughs were balanced too."""
    made = make_consultation(app)
    with app.app_context():
        for n, place, confidence in ((30, "camden", "good"), (10, "hackney", "poor")):
            for _ in range(n):
                respond(made.residents, answers(["burglary", "robbery", "knife-crime"],
                                                confidence, ethnic="white", age="16-24"),
                        borough_slug=place, consent=True)
        db.session.commit()
        create_admin(email="admin@example.org")
    client.sign_in("admin@example.org", PASSWORD)
    london = "/staff/reports/have-your-say-2027/london"
    client.submit(london + "/collate", form_page=london)
    run_tasks()
    page = client.get(london)
    text = page_text(page)
    assert summary_row(page.get_data(as_text=True),
                       "Confidence in local policing: excellent or good").startswith(
        "75.0% weighted")
    assert ("London's respondents are weighted together, not borough by borough: a borough "
            "counts in London's figures by how many people answered there, not by its share "
            "of London's population.") in text
    assert "not borough by borough" not in page_text(client.get(REPORT))  # Camden's own
