"""Known answers for the report arithmetic: Wilson intervals from Newcombe (1998), worked
examples with round numbers, and the ranking score rule."""

from __future__ import annotations

import math

import pytest

from engage.reports.statistics import ranking_points, ranking_score, share, wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe, "Two-sided confidence intervals for the single proportion" (Statistics in
    # Medicine, 1998), table I, method 3 (score interval without continuity correction).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_the_published_examples(k, n, low, high):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_interval_worked_by_hand_with_z_2():
    # 5 of 10, z = 2: centre (0.5 + 4/20) / 1.4 = 0.5; half 2/1.4 * sqrt(0.025 + 0.01).
    half = 2 / 1.4 * math.sqrt(0.035)
    assert wilson_interval(5, 10, z=2) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    # 0 of 4: centre (0 + 4/8) / 2 = 0.25, half 1 * sqrt(4/64) = 0.25.
    assert wilson_interval(0, 4, z=2) == pytest.approx((0.0, 0.5), abs=1e-12)
    assert wilson_interval(4, 4, z=2) == pytest.approx((0.5, 1.0), abs=1e-12)


def test_wilson_interval_stays_inside_zero_and_one_and_needs_respondents():
    for n in (1, 2, 7, 1000):
        for k in (0, n):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= high <= 1.0
    assert wilson_interval(0, 0) is None


def test_shares_and_their_bounds():
    assert share(3, 4) == 0.75
    assert share(0, 0) is None
    with pytest.raises(ValueError):
        share(5, 4)
    with pytest.raises(ValueError):
        share(-1, 4)


def test_ranking_points_run_from_n_for_first_place_to_one_for_the_last():
    # One choice in each place of three.
    assert [ranking_points(1, rank, 3) for rank in (1, 2, 3)] == [3, 2, 1]
    # Counted in one step: five choices, two 1st, one 2nd, two 3rd = 3 + 3 + 2 + 1 + 1.
    assert ranking_points(5, 1 + 1 + 2 + 3 + 3, 3) == 10
    with pytest.raises(ValueError):
        ranking_points(1, 4, 3)  # a 4th place of 3
    with pytest.raises(ValueError):
        ranking_points(2, 1, 3)  # two choices cannot add up to less than two 1st places
    # Two people rank it 1st and 3rd of 3, a third does not rank it: (3 + 1 + 0) / 3.
    assert ranking_score(3 + 1, 3) == pytest.approx(4 / 3)
    assert ranking_score(0, 0) is None
