"""Weighting an area's respondents to its population, counted and raked at collation.

Respondents fall into **cells**: their combination of consented equality answers (ethnic group,
age band, disability; whichever the questionnaires ask). A missing, refused ("prefer not to
say") or unconsented answer, or more than one answer to a multiple-choice equality question, is
"unknown" for that dimension. The database counts, per cell, the respondents and the answers a
report weights (each priority, confidence and feeling safe), in one GROUP BY: store_response
copies each response's cell onto all its answers, so both are read from the collation index
without a join (count_cells). The result has cells x options rows, whatever the responses,
and goes into the snapshot as `figures["cells"]`.

Raking (iterative proportional fitting, by weightipy) then gives each cell known on every
dimension with population figures (the **margins**) a weight, so that the weighted respondents
match the area's population on each margin. weightipy rakes one row per respondent; here each
row is a cell, seeded with its respondent count, so a million respondents are still a few
hundred rows (tests/reports/test_weighting.py checks the two agree, and both against raking
worked by hand). Then:

- weights are scaled to a mean of 1 over the weighted respondents, so they add up to them;
- a weight above TRIM_AT is cut to it, one below TRIM_FLOOR raised to it, and the rest scaled to
  keep the total (exactly, not by repeated clipping), which matches the margins a little less
  closely and is said on the report;
- respondents unknown on a margin keep a weight of 1;
- with no margins, or fewer known respondents than the suppression threshold, nothing is weighted
  and the report says why.

The design effect (Kish: n * sum(w^2) / (sum w)^2) and the effective sample size (n / design
effect) are over every respondent counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from engage.extensions import db
from engage.surveys.models import Answer, QuestionKind, ReportingTag

# Weights above this (times the mean) are trimmed to it: one respondent never speaks for more
# than five, so a few people in a thinly answered group cannot swing a borough's figures.
TRIM_AT = 5.0
# ...and below this raised to it: raking sparse cells can drive a weight towards nothing, and a
# respondent must not vanish from the figures while the report says everyone counts.
TRIM_FLOOR = 0.2
UNKNOWN = "unknown"
SEPARATOR = "|"
# Equality tags in cell order, with the population dimension each is compared with.
CELL_DIMENSIONS = ((ReportingTag.ETHNIC_GROUP, "ethnic_group"),
                   (ReportingTag.AGE_BAND, "age_band"),
                   (ReportingTag.DISABILITY, "disability"))
WEIGHTED_TAGS = (ReportingTag.PRIORITIES, ReportingTag.CONFIDENCE, ReportingTag.FEELING_SAFE)
# weightipy stops raking once an iteration changes the weights by no less than (1 - this)
# times the change before it: so here, once they stop changing at all.
CONVERGED = 1e-12
# A margin missed by more than this share (0.1 percentage points) is said on the report.
MARGIN_MISSED = 0.001
MAX_ITERATIONS = 1000


# Per group of answer rows: how many, how many in first place, and the sum of their ranks
# (None where nothing is ranked). Ranking points follow from the last two, so the database
# never groups by rank (engage.reports.statistics.ranking_points).
# First places as count(*) FILTER, not sum(CASE ...): measured a tenth off count_cells' GROUP
# BY in PostgreSQL (118 to 104 ms for a borough of 31,000 respondents); SQLite reads it too.
RANK_COUNTS = (func.count(), func.count().filter(Answer.rank == 1), func.sum(Answer.rank))


def cell_key(values) -> str:
    return SEPARATOR.join(values)


def split_key(key: str) -> list[str]:
    return key.split(SEPARATOR)


@dataclass
class CellCounts:
    """What count_cells read: the cell tables for the snapshot (None: no cells), and the same
    answers summed over the cells, so the report's unweighted counts of those questions need
    no second pass over them (collation.tagged_answers)."""

    figures: dict | None = None
    questions: set[int] = field(default_factory=set)  # the question ids summed below
    # (question, option) -> [chosen, first places, sum of the ranks (0 unless ranked)]
    answers: dict[tuple, list[int]] = field(default_factory=dict)
    respondents: dict[int, int] = field(default_factory=dict)  # multiple choice: who answered


def _partial(offers: list[frozenset[str]]) -> set[str]:
    """The values some of these questions offer and others do not."""
    return set().union(*offers) - set.intersection(*map(set, offers)) if offers else set()


def count_cells(counted, found, respondents_total: int) -> CellCounts:
    """The area's cell tables, counted in the database (no figures when no equality question
    is asked: there are no cells). Each answer carries its response's cell (store_response),
    so one GROUP BY over the weighted and the equality questions' answers, read from the
    collation index alone, gives everything:

    - the weighted answers per cell, and summed over the cells their plain counts;
    - the equality answers' plain counts (consented ones: no others are counted);
    - respondents per cell, without counting distinct responses: a respondent gives one
      answer to each equality question, so each is counted once, on the answer to the first
      dimension their cell has.

    `respondents_total` is the area's respondents (who_answered): those with no consented
    equality answer at all are the rest, in the all-unknown cell."""
    dimensions = [(tag, dimension, [q.id for q in found.questions.values()
                                    if q.tag == tag and q.kind != QuestionKind.MULTIPLE_CHOICE])
                  for tag, dimension in CELL_DIMENSIONS]
    dimensions = [d for d in dimensions if d[2]]
    if not dimensions:
        return CellCounts()
    cell_columns = [getattr(Answer, f"cell_{dimension}_id") for _, dimension, _ in dimensions]
    dimension_of = {question_id: place for place, (_, _, ids) in enumerate(dimensions)
                    for question_id in ids}

    keys: dict[tuple, str] = {}  # a few hundred cells, met thousands of times

    def key(option_ids) -> str:
        found_key = keys.get(option_ids)
        if found_key is None:
            found_key = keys[option_ids] = cell_key(
                found.option_values.get(option_id, UNKNOWN) if option_id else UNKNOWN
                for option_id in option_ids)
        return found_key

    weighted = {q.id: q for q in found.questions.values() if q.tag in WEIGHTED_TAGS}
    questions: dict[str, dict] = {
        tag.value: {"answered": defaultdict(int),
                    "chosen": defaultdict(lambda: defaultdict(int)),
                    "offered": defaultdict(lambda: defaultdict(int))}
        for tag in WEIGHTED_TAGS if any(q.tag == tag for q in weighted.values())}
    partial = {tag: _partial([found.offers.get(q.id, frozenset()) for q in weighted.values()
                              if q.tag.value == tag])
               for tag in questions}
    by_question: dict[tuple[int, str], int] = defaultdict(int)  # respondents per cell
    # What each question needs, looked up once for thousands of rows (cells x options x ranks)
    # read through Core, without the ORM's per-row work.
    rules = {q.id: (questions[q.tag.value], q.kind == QuestionKind.RANKING,
                    q.kind == QuestionKind.MULTIPLE_CHOICE) for q in weighted.values()}
    summed = CellCounts(questions=set(weighted) | set(dimension_of))
    respondents: dict[str, int] = defaultdict(int)
    answers: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    width = len(cell_columns)
    for row in db.session.connection().execute(
            select(*cell_columns, Answer.question_id, Answer.option_id, Answer.equality_consent,
                   *RANK_COUNTS)
            .where(Answer.question_id.in_([*weighted, *dimension_of]),
                   Answer.option_id.is_not(None), *counted.answers)
            .group_by(*cell_columns, Answer.question_id, Answer.option_id,
                      Answer.equality_consent)).all():
        option_ids = row[:width]
        question_id, option_id, consented, n, firsts, rank_sum = row[width:]
        place = dimension_of.get(question_id)
        if place is not None and not consented:
            continue  # an equality answer given without consent counts nowhere
        tally = answers[question_id, option_id]
        tally[0] += n
        tally[1] += firsts
        tally[2] += rank_sum or 0
        if place is not None:
            if option_ids[place] is not None and not any(option_ids[:place]):
                # One answer a respondent; a ranked one (never, in practice) by its first place.
                respondents[key(option_ids)] += n if rank_sum is None else firsts
            continue
        figures, ranking, multiple_choice = rules[question_id]
        where_ = key(option_ids)
        figures["chosen"][found.option_values[option_id]][where_] += n
        if ranking:
            by_question[question_id, where_] += firsts
        elif not multiple_choice:
            by_question[question_id, where_] += n
    placed = sum(respondents.values())
    if respondents_total > placed:
        respondents[key((None,) * width)] += respondents_total - placed
    multiple = [q.id for q in weighted.values() if q.kind == QuestionKind.MULTIPLE_CHOICE]
    if multiple:
        for row in db.session.connection().execute(
                select(*cell_columns, Answer.question_id,
                       func.count(distinct(Answer.response_id)))
                .where(Answer.question_id.in_(multiple), *counted.answers)
                .group_by(*cell_columns, Answer.question_id)).all():
            question_id, n = row[width:]
            by_question[question_id, key(row[:width])] += n
            # Each respondent is in one cell: the cells' distinct counts add up.
            summed.respondents[question_id] = summed.respondents.get(question_id, 0) + n
    for (question_id, where_), n in by_question.items():
        figures = questions[weighted[question_id].tag.value]
        figures["answered"][where_] += n
        # An option some of the tag's questions lack has its own base: who was asked it.
        for value in partial[weighted[question_id].tag.value] & found.offers[question_id]:
            figures["offered"][value][where_] += n
    summed.answers = dict(answers)
    summed.figures = {
        "dimensions": [d[1] for d in dimensions], "respondents": dict(respondents),
        "questions": {tag: {"answered": dict(q["answered"]),
                            "chosen": {v: dict(c) for v, c in q["chosen"].items()},
                            "offered": {v: dict(q["offered"][v]) for v in partial[tag]}}
                      for tag, q in questions.items()}}
    return summed


def rake(counts: dict[tuple[str, ...], int], margins: list[dict[str, float]]) -> dict:
    """Rake cells (each a tuple of one category per margin, with its respondent count) to the
    margins (per dimension, category -> population), by weightipy's iterative proportional
    fitting. Returns the weight of one respondent in each cell, before scaling."""
    import numpy as np  # the worker alone needs these: keep them out of every page's import
    import pandas as pd
    from weightipy.internal.rim import Rake

    cells = [c for c, n in counts.items() if n > 0]
    columns = [f"d{i}" for i in range(len(margins))]
    frame = pd.DataFrame([list(c) for c in cells], columns=columns)
    targets = []
    for column, margin in zip(columns, margins, strict=True):
        total = sum(margin.values())
        targets.append({column: {category: 100 * people / total
                                 for category, people in margin.items()}})
    raking = Rake(frame, targets, weight_column_name="total", max_iterations=MAX_ITERATIONS,
                  convcrit=CONVERGED)
    # weightipy seeds every row with 1; seeding each cell with its respondents makes a row
    # stand for all of them, exactly as if each had a row of their own.
    seeds = np.array([float(counts[c]) for c in cells])
    raking.dataframe["total"] = seeds
    raking.start()
    totals = raking.dataframe["total"].to_numpy()
    return {c: float(t / s) for c, t, s in zip(cells, totals, seeds, strict=True)}


def trim(weights: dict, counts: dict, cap: float = TRIM_AT,
         floor: float = TRIM_FLOOR) -> tuple[dict, set]:
    """Scale weights to a mean of 1 over the respondents, cutting any above `cap` to it and
    raising any below `floor` to it, and scaling the others to keep the total. Returns the
    weights and the cells trimmed either way.

    That is one common scale s with sum(n * clip(s * w, floor, cap)) equal to the
    respondents: the sum rises with s, in straight lines between the scales at which some
    cell reaches a bound, so it is found exactly on the line that crosses the respondents.
    (Fixing cells one bound at a time does not do: a cell cut to the cap stayed there even
    when raising others to the floor then lowered the scale, and the total was not kept.)"""
    respondents = sum(counts[c] for c in weights)

    def clipped(scale: float) -> dict:
        return {c: min(cap, max(floor, scale * w)) for c, w in weights.items()}

    def total(scale: float) -> float:
        return sum(counts[c] * w for c, w in clipped(scale).items())

    bends = sorted({bound / w for w in weights.values() if w > 0 for bound in (floor, cap)})
    if not bends:
        return clipped(1.0), set(weights)
    # The first bend the total reaches the respondents at, by halving (the total only rises):
    # at the first every cell is at the floor, under the respondents, and at the last every
    # cell is at the cap, over them.
    low, high = 0, len(bends) - 1
    while low < high:
        middle = (low + high) // 2
        if total(bends[middle]) >= respondents:
            high = middle
        else:
            low = middle + 1
    end = bends[high]
    # Between the bend before it and this one the total is a straight line: the cells
    # strictly between the bounds there move with the scale, the rest are fixed.
    inside = ((bends[high - 1] if high else 0.0) + end) / 2
    free = {c for c, w in weights.items() if floor < inside * w < cap}
    fixed = sum(counts[c] * w for c, w in clipped(inside).items() if c not in free)
    slope = sum(counts[c] * weights[c] for c in free)
    scale = (respondents - fixed) / slope if slope else end
    cut = {c for c, w in weights.items() if not floor <= scale * w <= cap}
    return clipped(scale), cut


def weigh(cells: dict | None, population: dict, threshold: int) -> dict:
    """The weighting of an area's cells to its population, for the snapshot: each cell's
    weight, or why there is none, and what the report says about it."""
    if cells is None:
        return {"status": "no-questions"}
    dimensions = cells["dimensions"]
    respondents = cells["respondents"]
    margins = [(i, d) for i, d in enumerate(dimensions) if population.get(d, {}).get("counts")]
    if not margins:
        return {"status": "no-margins"}
    known: dict[tuple[str, ...], int] = defaultdict(int)
    cell_of: dict[str, tuple[str, ...]] = {}
    for key, n in respondents.items():
        values = split_key(key)
        on_margins = tuple(values[i] for i, _ in margins)
        if all(population[d]["counts"].get(v, 0) > 0 for v, (_, d) in zip(on_margins, margins,
                                                                  strict=True)):
            cell_of[key] = on_margins
            known[on_margins] += n
    total = sum(respondents.values())
    weighted_n = sum(known.values())
    described = [{"dimension": d, "source": population[d]["source"],
                  "missing": sorted(c for c, people in population[d]["counts"].items()
                                    if people > 0 and not any(k[j] == c and n for k, n
                                                              in known.items()))}
                 for j, (_, d) in enumerate(margins)]
    base = {"dimensions": described, "respondents": total, "weighted": weighted_n,
            "unweighted": total - weighted_n, "cap": TRIM_AT, "floor": TRIM_FLOOR}
    if weighted_n < max(threshold, 1):
        return {**base, "status": "too-few"}
    # A category nobody in the area falls into cannot be matched: it leaves its margin, and
    # the others are matched in proportion (said on the report).
    fitted = [{c: people for c, people in population[d]["counts"].items()
               if people > 0 and c not in described[j]["missing"]}
              for j, (_, d) in enumerate(margins)]
    raw = rake(dict(known), fitted)
    trimmed, cut = trim(raw, known)
    # When some combinations have nobody in them, raking may be unable to meet every margin
    # at once: measure how far off it ended (before trimming), so the report can say so.
    margin_error = 0.0
    for j, margin in enumerate(fitted):
        people = sum(margin.values())
        reached: dict[str, float] = defaultdict(float)
        for cell, weight in raw.items():
            reached[cell[j]] += known[cell] * weight
        total_reached = sum(reached.values())
        margin_error = max(margin_error, *(abs(reached[c] / total_reached - n / people)
                                           for c, n in margin.items()))
    weights = {key: trimmed[cell_of[key]] if key in cell_of else 1.0 for key in respondents}
    squares = sum(respondents[k] * w * w for k, w in weights.items())
    total_weight = sum(respondents[k] * w for k, w in weights.items())
    design_effect = total * squares / (total_weight * total_weight) if total else 1.0
    return {**base, "status": "weighted", "weights": weights, "trimmed_cells": len(cut),
            "trimmed_respondents": sum(known[c] for c in cut),
            "margin_error": margin_error,
            "design_effect": design_effect, "effective_sample_size": total / design_effect}
