"""A snapshot's raw counts turned into the figures people may see: the one place suppression
is applied, for the page and the CSV alike.

Rules (engage.suppression does the cell work):

- Every table of counts (channels, audiences, weeks, each question's options, each equality
  question) goes through suppress(): a count under the threshold reads "fewer than N", and when
  one cell is hidden the next smallest is hidden too, so totals cannot give it back. A table
  whose total is under the threshold shows nothing.
- A hidden count hides everything resting on it: its share, interval and ranking score.
- Priorities: the share of respondents who chose each option (for a ranking question: put it
  anywhere in their top N), with its 95% Wilson interval; ranking questions also get the ranking
  score (engage.reports.statistics). Options are listed by score, then share; hidden ones last.
- Confidence and feeling safe: the share answering positively (confidence: "excellent" or
  "good"; feeling safe: "very safe" or "fairly safe") of those who gave a view, leaving out
  "don't know" and "never out alone after dark" / "not open after dark" (NO_VIEW). The
  headline is itself a two-cell table (positive, not positive) through suppress(), so neither
  side of it can be under the threshold.
- Equality: respondents by ethnic group, age band and disability, from consented answers only,
  with "not answered" (including everyone who did not consent) as a cell of the same table, and
  shares of those who answered withheld entirely when any answered cell is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engage.reports.statistics import ranking_score, share, wilson_interval
from engage.suppression import Cell, suppress
from engage.surveys.models import Audience, Channel, ReportingTag

POSITIVE = {ReportingTag.CONFIDENCE: ("excellent", "good"),
            ReportingTag.FEELING_SAFE: ("very-safe", "fairly-safe")}
POSITIVE_WORDS = {ReportingTag.CONFIDENCE: "excellent or good",
                  ReportingTag.FEELING_SAFE: "very or fairly safe"}
# Answers that give no view, left out of the base as the Crime Survey for England and Wales does.
NO_VIEW = ("dont-know", "never-alone-after-dark", "closed-after-dark")
EQUALITY = ((ReportingTag.ETHNIC_GROUP, "ethnic_group"), (ReportingTag.AGE_BAND, "age_band"),
            (ReportingTag.DISABILITY, "disability"))
NOT_ANSWERED = "not-answered"


@dataclass
class Row:
    key: str
    label: str
    cell: Cell
    share: float | None = None  # None: withheld or not applicable
    interval: tuple[float, float] | None = None
    score: float | None = None
    population_share: float | None = None


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]
    total: Cell  # the respondents the table is about
    note: str = ""


@dataclass
class Measure:
    """Confidence or feeling safe: the headline share and the answers behind it."""

    tag: ReportingTag
    title: str
    positive_words: str
    headline: Row | None  # None: withheld
    answers: Table


@dataclass
class Priorities:
    table: Table
    ranking: bool
    places: int | None


@dataclass
class Report:
    respondents: Cell
    by_channel: Table
    by_audience: Table
    by_week: Table
    priorities: Priorities | None
    measures: list[Measure] = field(default_factory=list)
    equality: list[Table] = field(default_factory=list)
    threshold: int = 10


def _total(n: int, threshold: int) -> Cell:
    return Cell("total", n if n >= threshold or n == 0 else None, None)


def _count_table(key: str, title: str, counts: dict[str, int], labels: dict[str, str],
                 threshold: int) -> Table:
    cells = suppress(counts, threshold)
    rows = [Row(k, labels.get(k, k), cells[k], cells[k].share) for k in counts]
    return Table(key, title, rows, _total(sum(counts.values()), threshold))


def week_label(key: str) -> str:
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return f"Week beginning {monday.day} {monday:%B %Y}"


def build(figures: dict, threshold: int, area_name: str) -> Report:
    respondents = figures["respondents"]
    channels = {c.value: figures["by_channel"].get(c.value, 0) for c in Channel}
    audiences = {a.value: figures["by_audience"].get(a.value, 0) for a in Audience}
    weeks = figures["by_week"]
    questions = figures["questions"]
    return Report(
        respondents=_total(respondents, threshold),
        by_channel=_count_table("channel", "How people answered", channels,
                                {c.value: c.label for c in Channel}, threshold),
        by_audience=_count_table("audience", "Residents and businesses", audiences,
                                 {a.value: a.label for a in Audience}, threshold),
        by_week=_count_table("week", "Responses by week", weeks,
                             {k: week_label(k) for k in weeks}, threshold),
        priorities=_priorities(questions.get(ReportingTag.PRIORITIES.value), threshold),
        measures=[m for tag in POSITIVE
                  if (m := _measure(tag, questions.get(tag.value), threshold)) is not None],
        equality=[_equality(tag, questions.get(tag.value), respondents,
                            figures["population"].get(dimension), area_name, threshold)
                  for tag, dimension in EQUALITY if tag.value in questions],
        threshold=threshold)


def _priorities(question: dict | None, threshold: int) -> Priorities | None:
    if question is None:
        return None
    answered = question["answered"]
    options = question["options"]
    cells = suppress({o["value"]: o["chosen"] for o in options}, threshold)
    if 0 < answered < threshold:
        cells = {k: Cell(k, None, None) for k in cells}
    rows = []
    for option in options:
        cell = cells[option["value"]]
        row = Row(option["value"], option["label"], cell)
        if not cell.suppressed and answered:
            row.share = share(cell.count, answered)
            row.interval = wilson_interval(cell.count, answered)
            if question["ranking"]:
                row.score = ranking_score(option["points"], answered)
        rows.append(row)
    rows.sort(key=lambda r: (r.cell.suppressed, -(r.score or 0), -(r.share or 0), r.label))
    places = question["places"]
    note = (f"Share who put it in their top {places}; ranking score: {places} points for "
            f"first place down to 1 for place {places}, averaged over everyone who answered."
            if question["ranking"] else "Share of respondents who chose it.")
    table = Table("priorities", "Priorities", rows, _total(answered, threshold), note)
    return Priorities(table, question["ranking"], places)


def _measure(tag: ReportingTag, question: dict | None, threshold: int) -> Measure | None:
    if question is None:
        return None
    counts = {o["value"]: o["chosen"] for o in question["options"]}
    labels = {o["value"]: o["label"] for o in question["options"]}
    answers = _count_table(tag.value, tag.label, counts, labels, threshold)
    with_view = {k: n for k, n in counts.items() if k not in NO_VIEW}
    positive = sum(n for k, n in with_view.items() if k in POSITIVE[tag])
    base = sum(with_view.values())
    halves = suppress({"positive": positive, "other": base - positive}, threshold)
    headline = None
    if base and not any(c.suppressed for c in halves.values()):
        headline = Row("positive", POSITIVE_WORDS[tag], halves["positive"],
                       share(positive, base), wilson_interval(positive, base))
    answers.total = _total(base, threshold)
    return Measure(tag, tag.label, POSITIVE_WORDS[tag], headline, answers)


def _equality(tag: ReportingTag, question: dict, respondents: int, population: dict | None,
              area_name: str, threshold: int) -> Table:
    counts = {o["value"]: o["chosen"] for o in question["options"]}
    labels = {o["value"]: o["label"] for o in question["options"]}
    counts[NOT_ANSWERED] = max(respondents - question["answered"], 0)
    labels[NOT_ANSWERED] = "Not answered (or did not agree to these questions)"
    cells = suppress(counts, threshold)
    answered_keys = [k for k in counts if k != NOT_ANSWERED]
    known = sum(counts[k] for k in answered_keys)
    any_hidden = any(cells[k].suppressed for k in answered_keys)
    people = sum(population["counts"].values()) if population else 0
    rows = []
    for key in counts:
        cell = cells[key]
        row = Row(key, labels[key], cell)
        if key != NOT_ANSWERED:
            if not (cell.suppressed or any_hidden or not known):
                row.share = cell.count / known
            if people and key in population["counts"]:
                row.population_share = population["counts"][key] / people
        rows.append(row)
    note = (f"{area_name}'s population: {population['source']}." if population
            else f"There are no population figures for {tag.label.lower()} in {area_name} yet.")
    return Table(tag.value, tag.label, rows, _total(respondents, threshold), note)
