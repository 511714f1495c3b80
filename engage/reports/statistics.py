"""The arithmetic of a report: shares, 95% Wilson intervals and ranking scores.

Pure functions of counts, so they can be checked by hand (tests/reports/test_statistics.py).

- A **share** is k of n: the respondents who chose something over the respondents who answered
  the question.
- The **Wilson score interval** (Wilson, 1927) is the 95% confidence interval for a share. Unlike
  the textbook "p ± 1.96 standard errors" it stays inside 0 to 100% and behaves for small n and
  for shares near 0 or 1, which small boroughs and unpopular options give us all the time:

      centre = (p + z²/2n) / (1 + z²/n)
      half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)

- A **ranking score** summarises a "put your top N in order" question: each respondent gives an
  option N points for first place, N − 1 for second ... 1 for Nth and 0 if they did not rank it;
  the score is the mean over everyone who answered the question, so it runs from 0 (nobody ranked
  it) to N (everybody put it first).
- A **weighted share** is the weighted respondents who chose something over the weighted
  respondents who answered; its interval is Wilson's with n the *effective* base (the base over
  the design effect, Kish 1965), since weighting makes a sample count for fewer people.
"""

from __future__ import annotations

import math

# The 97.5th percentile of the standard normal distribution: a two-sided 95% interval.
Z_95 = 1.959963984540054


def share(k: int, n: int) -> float | None:
    """k of n as a fraction, or None when nobody answered."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, not k={k}, n={n}")
    return k / n if n else None


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for k successes in n trials, as fractions; None when n is 0."""
    p = share(k, n)
    if p is None:
        return None
    return wilson_bounds(p, n, z)


def wilson_bounds(p: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson interval around a share p on a base of n (n need not be whole: an effective
    base after weighting)."""
    if not 0 <= p <= 1 or n <= 0:
        raise ValueError(f"need 0 <= p <= 1 and n > 0, not p={p}, n={n}")
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Clamp away rounding just outside [0, 1] at k = 0 or k = n.
    return max(0.0, centre - half), min(1.0, centre + half)


def ranking_points(chosen: int, rank_sum: int, places: int) -> int:
    """Points for `chosen` ranked choices of one option whose places add up to `rank_sum`:
    `places` for each 1st down to 1 for each last place, so the database only sums ranks."""
    if not chosen <= rank_sum <= chosen * places:
        raise ValueError(f"{chosen} places adding up to {rank_sum} are not each between 1 "
                         f"and {places}")
    return chosen * (places + 1) - rank_sum


def ranking_score(points: int, answered: int) -> float | None:
    """Mean points per respondent who answered the ranking question."""
    if answered < 0 or points < 0:
        raise ValueError("points and respondents cannot be negative")
    return points / answered if answered else None


def weighted_share(chosen: float, answered: float) -> float | None:
    """Weighted respondents who chose something over weighted respondents who answered."""
    if answered < 0 or not 0 <= chosen <= answered * (1 + 1e-12):
        raise ValueError(f"need 0 <= chosen <= answered, not {chosen} of {answered}")
    return min(chosen / answered, 1.0) if answered else None
