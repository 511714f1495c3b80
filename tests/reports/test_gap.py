"""The confidence gap between White and Black and minority ethnic respondents, beside the gap
target staff set, worked by hand on the weighting data set (tests/reports/support.py):

    White (A, B):                 4 poor, 8 good                 -> 8 of 12 = 66.67%
    Black and minority (C, D):    3 excellent, 3 fair, 2 don't know (no view) -> 3 of 6 = 50%
    Prefer not to say (F), and E (no consent): left out of both groups.

The gap is 100 (8/12 - 3/6) = 16.67 points, unweighted. Weighted (A 1, B 3/4, C 4/3): White
6 of 10 = 60%, Black and minority ethnic 4 of 8 = 50%: 10 points.
"""

from __future__ import annotations

import csv
import io
import math

import pytest

from engage.reports.published import Gap, build
from tests.helpers import page_text
from tests.reports.support import WEIGHTING_GROUPS
from tests.reports.test_weighting import PUBLIC, REPORT, counted, report_of, wilson

WITH_UNKNOWN = (*WEIGHTING_GROUPS,
                ("F", 5, "prefer-not-to-say", "16-24", "good", "very-safe",
                 ["burglary", "robbery", "knife-crime"], True))


def csv_rows(client) -> dict:
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    return {(r[0], r[1]): r for r in rows[1:]}


def test_the_gap_is_worked_out_from_the_cells_and_shown_beside_its_target(
        app, client, other_client, run_tasks):
    made = counted(app, client, run_tasks, groups=WITH_UNKNOWN)
    gap = report_of(app, made, threshold=3).gap
    assert gap.status == "measured"
    white, minority = gap.groups
    # A second computation, by hand: the groups' counts and shares.
    assert (white.base.count, minority.base.count) == (12, 6)
    assert white.share == pytest.approx(8 / 12, abs=1e-12)
    assert minority.share == pytest.approx(3 / 6, abs=1e-12)
    assert gap.points == pytest.approx(100 * (8 / 12 - 3 / 6), abs=1e-9)
    assert white.weighted_share == pytest.approx(0.6, abs=1e-9)
    assert minority.weighted_share == pytest.approx(0.5, abs=1e-9)
    assert gap.weighted_points == pytest.approx(10.0, abs=1e-9)

    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8"})
    text = page_text(client.get(REPORT))
    assert ("Target: a gap of at most 3.8 percentage points between White and Black and "
            "minority ethnic respondents. Confidence gap: 16.7 percentage points (White "
            "respondents higher, not weighted), against a target of at most 3.8: target not "
            "met .") in text
    assert ("66.7% of 12 White respondents and 50.0% of 6 Black and minority ethnic "
            "respondents who gave a view said excellent or good. Weighted, the gap is 10.0 "
            "percentage points.") in text
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "17"})
    assert "against a target of at most 17.0: target met ." in page_text(client.get(REPORT))

    by_label = csv_rows(client)
    assert by_label[("Confidence gap", "White respondents: excellent or good, of those with "
                                       "a view")][2:4] == ["12", "66.7"]
    assert by_label[("Confidence gap", "Black and minority ethnic respondents: excellent or "
                                       "good, of those with a view")][8] == "50.0"
    assert by_label[("Confidence gap", "Gap in percentage points (not weighted): White "
                                       "respondents higher")][11] == "16.7"
    assert by_label[("Confidence gap", "Gap in percentage points (weighted): White "
                                       "respondents higher")][11] == "10.0"

    # Published: the public page shows the gap beside the target pinned with it.
    client.submit(REPORT + "/publish")
    public = page_text(other_client.get(PUBLIC))
    assert ("Confidence gap: 16.7 percentage points (White respondents higher, not weighted), "
            "against a target of at most 17.0: target met .") in public
    assert public.count("17.0") == 1  # the target, said once


def test_the_gap_is_withheld_when_a_group_is_too_small(app, client, other_client, run_tasks):
    """At the usual threshold of 10, the 6 Black and minority ethnic respondents with a view
    are too few: the gap is not shown, nor their share, anywhere."""
    made = counted(app, client, run_tasks, groups=WITH_UNKNOWN)
    gap = report_of(app, made).gap
    assert gap.status == "withheld" and gap.points is None
    white, minority = gap.groups
    # White: 8 against 4 would give the 4 away, so its share is hidden too.
    assert white.base.count == 12 and white.share is None
    assert minority.base.suppressed and minority.share is None
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8"})
    text = page_text(client.get(REPORT))
    assert ("The confidence gap is not shown: fewer than 10 White respondents or Black and "
            "minority ethnic respondents gave a view, or too few gave one of the answers or belong "
            "to one ethnic group, to show it without identifying anyone.") in text
    assert "percentage points (White respondents higher" not in text
    by_label = csv_rows(client)
    minority_row = by_label[("Confidence gap", "Black and minority ethnic respondents: "
                                               "excellent or good, of those with a view")]
    assert minority_row[2:4] == ["fewer than 10", ""] and minority_row[8] == ""
    assert by_label[("Confidence gap", "Gap in percentage points (not weighted)")][11] == \
        "not shown"
    client.submit(REPORT + "/publish")
    public = page_text(other_client.get(PUBLIC))
    assert "The confidence gap is not shown: fewer than 10" in public
    # Said once, though the gap is not shown.
    assert ("The target for the gap in confidence between White respondents and Black and "
            "minority ethnic respondents is at most 3.8 percentage points.") in public
    assert public.count("3.8 percentage points") == 1


def test_the_gap_says_how_far_chance_alone_could_move_it(app, client, other_client,
                                                         run_tasks):
    """8 of 12 White and 3 of 6 Black and minority ethnic respondents: a gap of 16.7 points
    that a reader, told only "target not met", would take for a real difference. Newcombe's
    interval (as for the change since last time) from the two Wilson intervals, 0.3906 to
    0.8619 and 0.1876 to 0.8124: 16.67 - sqrt((0.6667 - 0.3906)^2 + (0.8124 - 0.5)^2) = -25.0
    and 16.67 + sqrt((0.8619 - 0.6667)^2 + (0.5 - 0.1876)^2) = +53.5. It includes no gap at
    all, and the page says so."""
    made = counted(app, client, run_tasks, groups=WITH_UNKNOWN)
    gap = report_of(app, made, threshold=3).gap
    low, high = (100 * v for v in gap.interval)
    assert (round(low, 1), round(high, 1)) == (-25.0, 53.5)
    # A second computation, from the Wilson intervals written out again (test_weighting).
    (l1, u1), (l2, u2) = wilson(8 / 12, 12), wilson(3 / 6, 6)
    d = 8 / 12 - 3 / 6
    assert (low, high) == pytest.approx(
        (100 * (d - math.hypot(8 / 12 - l1, u2 - 3 / 6)),
         100 * (d + math.hypot(u1 - 8 / 12, 3 / 6 - l2))), abs=1e-9)

    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8"})
    said = ("Its 95% confidence interval, White less Black and minority ethnic respondents, "
            "is \u221225.0 to +53.5 points: it includes no gap at all, so a gap this size "
            "could be chance alone.")
    assert said in page_text(client.get(REPORT))
    assert by_row(csv_rows(client), "95% confidence interval of the gap") == (
        "from -25.0 to 53.5 (White less Black and minority ethnic)")
    client.submit(REPORT + "/publish")
    assert said in page_text(other_client.get(PUBLIC))
    body = other_client.get("/api/consultations/have-your-say-2027/reports/camden").get_json()
    assert body["confidence_gap"]["interval"] == [-25.02, 53.5]


def by_row(rows: dict, label: str) -> str:
    """The value of the confidence gap's CSV row whose label starts with `label`."""
    return next(row[11] for (section, name), row in rows.items()
                if section == "Confidence gap" and name.startswith(label))


def test_the_gap_against_its_target_either_way_round_to_one_decimal_place():
    # The seed: a gap of 4.9 points against a 3.8-point target is not met.
    assert Gap("measured", points=4.9).met("3.8") is False
    assert Gap("measured", points=-3.8).met("3.8") is True
    assert Gap("measured", points=3.84).met("3.8") is True  # shown as 3.8
    assert Gap("measured", points=3.86).met("3.8") is False
    assert Gap("withheld").met("3.8") is None
    assert Gap("measured", points=1.0).met(None) is None


def test_no_ethnic_group_question_means_no_gap():
    figures = {"respondents": 20, "by_channel": {}, "by_audience": {}, "by_week": {},
               "questions": {}, "population": {},
               "cells": {"dimensions": ["age_band"], "respondents": {"16-24": 20},
                         "questions": {"confidence": {"answered": {"16-24": 20},
                                                      "chosen": {"good": {"16-24": 20}}}}},
               "weighting": {"status": "no-margins"}}
    assert build(figures, 10, "Camden").gap.status == "not-asked"
