"""A snapshot's raw counts turned into the figures people may see: the one place suppression
is applied, for the page and the CSV alike.

Rules (engage.suppression does the cell work):

- Every table of counts (channels, audiences, weeks, each question's options, each equality
  question) goes through suppress(): a count under the threshold reads "fewer than N", and
  other cells are hidden with it ("not shown") until the totals cannot narrow it down. A table
  whose total is under the threshold shows nothing.
- A hidden count hides everything resting on it: its share, interval and ranking score.
- Priorities: the share of respondents who chose each option (for a ranking question: put it
  anywhere in their top N), with its 95% Wilson interval; ranking questions also get the ranking
  score (engage.reports.statistics). Options are listed by score, then share; hidden ones last.
- Confidence and feeling safe: the share answering positively (confidence: "excellent" or
  "good"; feeling safe: "very safe" or "fairly safe") of those who gave a view, leaving out
  "don't know" and "never out alone after dark" / "not open after dark" (NO_VIEW). The
  headline is itself a two-cell table (positive, not positive) through suppress(), so neither
  side of it can be under the threshold. Each side is also a sum of the answers table's cells:
  the side less its shown cells is what the table hides on that side, so the headline is
  withheld when that is 1 to threshold - 1 (and the base too, when the hidden cells with a view
  add up to that). Respondents less the base is everyone with no view (where all answer), so
  when the hidden "no view" cells add up to 1 to threshold - 1 the base and headline are
  withheld too.
- "Other, please say" comments: their count is (nearly) the count of the option asking for
  them, so where that option is hidden in its table they are not shown at all
  (Report.free_text_withheld), neither count nor terms.
- Equality: respondents by ethnic group, age band and disability, from consented answers only,
  with "not answered" (including everyone who did not consent) as a cell of the same table, and
  shares of those who answered withheld entirely when any answered cell is hidden.
- Weighting (engage.reports.weighting, done at collation): every count stays unweighted; each
  priority and each headline also gets its weighted share, withheld wherever its count or share
  is. A snapshot from before weighting (no "cells") reads as not weighted.
- The confidence gap: confidence among White respondents minus among Black and minority ethnic
  respondents (every other ethnic group; unknown left out), in percentage points, unweighted,
  withheld when either group's base or either side of its positive/other split is hidden. The
  unknown group is a third group: the confidence figures published (everyone with a view,
  those positive, those not) less what is shown of the two groups give it back, with any group
  hidden, so when that is 1 to threshold - 1 on any side the gap and both groups are withheld.
  When the two groups' bases together are 1 to threshold - 1, neither is shown, not even a 0.
  The groups' bases give a reader the White and the Black and minority ethnic subtotals of the
  ethnic group table (staff see it), near enough: that table goes through suppress_nested, so
  each group's small cells are hidden well enough on their own, and where they cannot be, the
  gap is withheld (for everyone: the Report is shared).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from engage.boroughs.population import DIMENSIONS
from engage.groups.models import PREFER_NOT
from engage.reports.change import PriorityChange, difference_interval, priority_change
from engage.reports.collation import option_base
from engage.reports.free_text import PublishedComments, published_free_text
from engage.reports.statistics import (
    ranking_score,
    share,
    weighted_share,
    wilson_bounds,
    wilson_interval,
)
from engage.reports.weighting import MARGIN_MISSED, split_key
from engage.suppression import Cell, suppress, suppress_nested
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
UNASKED = "not-asked-or-not-answered"  # a measure's hidden extra cell (_measure)
LONDON_NAME = "London"  # the area name the views give London's report
WHITE = "white"
# Black and minority ethnic: every ethnic group the population figures know but White.
MINORITY = tuple(k for k in DIMENSIONS["ethnic_group"] if k != WHITE)
DIMENSION_WORDS = {"ethnic_group": "ethnic group", "age_band": "age band",
                   "disability": "disability"}


@dataclass
class Row:
    key: str
    label: str
    cell: Cell
    share: float | None = None  # None: withheld or not applicable
    interval: tuple[float, float] | None = None
    score: float | None = None
    population_share: float | None = None
    weighted_share: float | None = None  # None: not weighted, or withheld with the share
    weighted_interval: tuple[float, float] | None = None


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]
    total: Cell  # the respondents the table is about
    note: str = ""
    # The ethnic group table only: whether the confidence gap's groups may be shown beside it
    # (engage.suppression.suppress_nested protected every group's cells).
    groups_protected: bool = True


@dataclass
class Measure:
    """Confidence or feeling safe: the headline share and the answers behind it."""

    tag: ReportingTag
    title: str
    positive_words: str
    headline: Row | None  # None: withheld
    answers: Table

    @property
    def meaning(self) -> str:
        """What the headline share is, with the answers it leaves out by their labels: every
        page and document says it this way, so none says less than it leaves out."""
        left_out = [f'"{row.label}"' for row in self.answers.rows
                    if row.key in NO_VIEW]
        said = (f"{self.title} is the share answering {self.positive_words}, of those who "
                "gave a view")
        if not left_out:
            return said + "."
        words = (left_out[0] if len(left_out) == 1
                 else f"{', '.join(left_out[:-1])} and {left_out[-1]}")
        return f"{said}: {words} {'is' if len(left_out) == 1 else 'are'} left out."


@dataclass
class Priorities:
    table: Table
    ranking: bool
    places: int | None


@dataclass
class Weighting:
    """How the report was weighted, or why not: `status` is weighted, too-few, no-margins,
    no-questions or not-counted (a snapshot from before weighting)."""

    status: str
    paragraphs: list[str]
    design_effect: float | None = None
    effective_sample_size: float | None = None

    @property
    def applied(self) -> bool:
        return self.status == "weighted"


@dataclass
class GroupConfidence:
    key: str
    label: str
    base: Cell  # respondents in the group who gave a view
    share: float | None  # None: withheld
    weighted_share: float | None = None


@dataclass
class Gap:
    """Confidence among White respondents minus among Black and minority ethnic respondents.
    `status`: measured, withheld, not-asked, or not-counted (a snapshot from before it)."""

    status: str
    groups: list[GroupConfidence] = field(default_factory=list)
    points: float | None = None  # unweighted, in percentage points
    weighted_points: float | None = None
    # Newcombe's 95% interval of the unweighted gap, as fractions (White less Black and
    # minority ethnic): small groups make a wide one, and a gap within it may be chance.
    interval: tuple[float, float] | None = None

    @property
    def beyond_chance(self) -> bool:
        return self.interval is not None and (self.interval[0] > 0 or self.interval[1] < 0)

    def met(self, target: Decimal | str | None) -> bool | None:
        """Whether the gap (either way round) is within the target, to one decimal place."""
        if self.points is None or target is None:
            return None
        return round(Decimal(abs(self.points)), 1) <= Decimal(target)


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
    weighting: Weighting | None = None
    gap: Gap | None = None
    free_text: list[PublishedComments] = field(default_factory=list)
    # Free-text questions whose count is not shown at all (see _others_hidden): apart from
    # free_text, so that no download or API reads a count from them.
    free_text_withheld: list[PublishedComments] = field(default_factory=list)
    change: PriorityChange | None = None  # since the previous consultation


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
    weights = _weights(figures)
    equality = [_equality(tag, questions.get(tag.value), respondents,
                          figures["population"].get(dimension), area_name, threshold)
                for tag, dimension in EQUALITY if tag.value in questions]
    report = Report(
        respondents=_total(respondents, threshold),
        by_channel=_count_table("channel", "How people answered", channels,
                                {c.value: c.label for c in Channel}, threshold),
        by_audience=_count_table("audience", "Residents and businesses", audiences,
                                 {a.value: a.label for a in Audience}, threshold),
        by_week=_count_table("week", "Responses by week", weeks,
                             {k: week_label(k) for k in weeks}, threshold),
        priorities=_priorities(questions.get(ReportingTag.PRIORITIES.value), threshold),
        measures=[m for tag in POSITIVE
                  if (m := _measure(tag, questions.get(tag.value), threshold,
                                    respondents, audiences)) is not None],
        equality=equality,
        threshold=threshold,
        weighting=_weighting(figures, threshold, area_name, equality),
        change=priority_change(questions.get(ReportingTag.PRIORITIES.value),
                               figures.get("previous"), threshold))
    report.gap = _gap(figures, weights, threshold, next(
        (m for m in report.measures if m.tag == ReportingTag.CONFIDENCE), None), next(
        (t for t in report.equality if t.key == ReportingTag.ETHNIC_GROUP.value), None))
    # After the tables: an "other, please say" comment count must not give back an option
    # count its table hides.
    comments = published_free_text(figures.get("free_text"), threshold,
                                   _others_hidden(report, figures.get("free_text")))
    report.free_text = [c for c in comments if not c.withheld]
    report.free_text_withheld = [c for c in comments if c.withheld]
    if weights is not None:
        _add_weighted(report, figures["cells"], weights)
    return report


def _others_hidden(report: Report, free_text: dict | None) -> set[str]:
    """The refs of "other, please say" comments whose option is hidden in a published table:
    those who wrote one are (nearly) those who chose it, so their count is not shown. Nor is it
    where the option is shown but the people who chose it and wrote nothing (the option's count
    less the comments) would be fewer than the threshold."""
    tables = [*(m.answers for m in report.measures), *report.equality]
    if report.priorities:
        tables.append(report.priorities.table)
    hidden = {(t.key, row.key) for t in tables for row in t.rows if row.cell.suppressed}
    shown = {(t.key, row.key): row.cell.count for t in tables for row in t.rows
             if not row.cell.suppressed}
    published_tags = {t.key for t in tables}
    refs = set()
    for question in (free_text or {}).get("questions", []):
        if question["source"] != "other":
            continue
        if "tag" not in question:
            refs.add(question["ref"])  # counted before the tag was kept: it cannot be checked
        elif question["tag"] in published_tags and any(
                (question["tag"], value) in hidden for value in question["option_values"]):
            refs.add(question["ref"])
        elif question["tag"] in published_tags:
            chose = sum(shown.get((question["tag"], value), 0)
                        for value in question["option_values"])
            if 0 < chose - question["comments"] < report.threshold:
                refs.add(question["ref"])
    return refs


def _priorities(question: dict | None, threshold: int) -> Priorities | None:
    if question is None:
        return None
    answered = question["answered"]
    options = question["options"]
    cells = suppress({o["value"]: o["chosen"] for o in options}, threshold)
    if 0 < answered < threshold:
        cells = {k: Cell(k, None, None) for k in cells}
    rows = []
    bases = set()
    for option in options:
        cell = cells[option["value"]]
        row = Row(option["value"], option["label"], cell)
        # Each option's share is of those asked it (engage.reports.collation): an option only
        # one questionnaire offers is not divided by the other's respondents. A share resting
        # on fewer people than the threshold is withheld, and so is one not offered to fewer
        # than the threshold.
        base = option_base(question, option)
        bases.add(base)
        # The share and its count give its base, and so, less the table's "answered", the
        # people not offered it (the other questionnaire's): that must not be a small number
        # (30 of 30 residents offered knife crime, of 36, would give back 6 businesses).
        if (not cell.suppressed and base >= max(threshold, 1)
                and not _small(answered - base, threshold)):
            row.share = share(cell.count, base)
            row.interval = wilson_interval(cell.count, base)
            if question["ranking"]:
                row.score = ranking_score(option["points"], base)
        rows.append(row)
    rows.sort(key=lambda r: (r.cell.suppressed, -(r.score or 0), -(r.share or 0), r.label))
    places = question["places"]
    note = (f"Share who put it in their top {places}; ranking score: {places} points for "
            f"first place down to 1 for place {places}, averaged over everyone who answered."
            if question["ranking"] else "Share of respondents who chose it.")
    if len(bases - {0}) > 1:
        note += (" Not every questionnaire offered every option: each share is of the "
                 "respondents who were offered it.")
    table = Table("priorities", "Priorities", rows, _total(answered, threshold), note)
    return Priorities(table, question["ranking"], places)


def _measure(tag: ReportingTag, question: dict | None, threshold: int,
             respondents: int = 0, audiences: dict[str, int] | None = None) -> Measure | None:
    if question is None:
        return None
    counts = {o["value"]: o["chosen"] for o in question["options"]}
    labels = {o["value"]: o["label"] for o in question["options"]}
    answers = _count_table(tag.value, tag.label, counts, labels, threshold)
    # Those not asked the question, or not answering it: respondents less its answers. Where
    # one questionnaire does not ask it, they are that questionnaire's respondents, so when
    # the audience table hides a count, they are a hidden cell of this table too: else its
    # cells, or its base, less the respondents would give the hidden audience back.
    unasked = max(respondents - sum(counts.values()), 0)
    if audiences and _small(unasked, threshold) and any(
            c.suppressed for c in suppress(audiences, threshold).values()):
        cells = suppress({**counts, UNASKED: unasked}, threshold)
        for row in answers.rows:
            # No share either: a count and its share of those who answered give that base.
            row.cell, row.share = cells[row.key], None
    else:
        unasked = 0  # shown as the audience table shows it, or nothing to protect
    with_view = {k: n for k, n in counts.items() if k not in NO_VIEW}
    positive = sum(n for k, n in with_view.items() if k in POSITIVE[tag])
    base = sum(with_view.values())
    halves = suppress({"positive": positive, "other": base - positive}, threshold)
    # The headline's two sides are sums of the table's cells: a side minus its shown cells
    # gives back what the table hides on that side, so that must not be a small number.
    shown = {row.key: row.cell.count for row in answers.rows if not row.cell.suppressed}
    hidden_positive = positive - sum(n for k, n in shown.items() if k in POSITIVE[tag])
    hidden_other = (base - positive) - sum(
        n for k, n in shown.items() if k in with_view and k not in POSITIVE[tag])
    # The base is also everyone who answered less those with no view: where everyone answers
    # (the question is required, and respondents are published), respondents less the base
    # less the shown "no view" cells gives back the hidden ones. The base, and the headline
    # whose count and share give the base, must then be withheld.
    hidden_no_view = unasked + sum(n for k, n in counts.items()
                                   if k in NO_VIEW and k not in shown)
    headline = None
    if (base and not any(c.suppressed for c in halves.values())
            and not _small(hidden_positive, threshold) and not _small(hidden_other, threshold)
            and not _small(hidden_no_view, threshold)):
        headline = Row("positive", POSITIVE_WORDS[tag], halves["positive"],
                       share(positive, base), wilson_interval(positive, base))
    # The base alone, less the shown cells with a view, gives what is hidden among them.
    answers.total = (Cell("total", None, None, small=False)
                     if _small(hidden_positive + hidden_other, threshold)
                     or _small(hidden_no_view, threshold)
                     else _total(base, threshold))
    return Measure(tag, tag.label, POSITIVE_WORDS[tag], headline, answers)


def _small(n: int, threshold: int) -> bool:
    """A count that may not be shown, nor be worked out from what is: 1 to threshold - 1."""
    return 0 < n < threshold


def _equality(tag: ReportingTag, question: dict, respondents: int, population: dict | None,
              area_name: str, threshold: int) -> Table:
    counts = {o["value"]: o["chosen"] for o in question["options"]}
    labels = {o["value"]: o["label"] for o in question["options"]}
    counts[NOT_ANSWERED] = max(respondents - question["answered"], 0)
    labels[NOT_ANSWERED] = "Not answered (or did not agree to these questions)"
    groups_protected = True
    if tag == ReportingTag.ETHNIC_GROUP:
        # Beside the confidence gap, whose groups' bases give (near enough) the White, the
        # Black and minority ethnic and, by difference, the unknown subtotals of this table.
        cells, groups_protected = suppress_nested(
            counts, {key: _gap_group(key) for key in counts}, threshold)
    else:
        cells = suppress(counts, threshold)
    answered_keys = [k for k in counts if k != NOT_ANSWERED]
    # Shares are of those who gave a group, as the population's are: counting "prefer not
    # to say" in would make every group look smaller than it is beside the population.
    given_keys = [k for k in answered_keys if k != PREFER_NOT]
    known = sum(counts[k] for k in given_keys)
    any_hidden = any(cells[k].suppressed for k in answered_keys)
    people = sum(population["counts"].values()) if population else 0
    rows = []
    for key in counts:
        cell = cells[key]
        row = Row(key, labels[key], cell)
        if key in given_keys:
            if not (cell.suppressed or any_hidden or not known):
                row.share = cell.count / known
            if people and key in population["counts"]:
                row.population_share = population["counts"][key] / people
        rows.append(row)
    note = (f"{area_name}'s population: {population['source']}." if population
            else f"There are no population figures for {tag.label.lower()} in {area_name} yet.")
    if PREFER_NOT in counts:
        note += (" Shares are of those who gave one of the groups above, leaving out \"Prefer "
                 "not to say\", as the population's are.")
    return Table(tag.value, tag.label, rows, _total(respondents, threshold), note,
                 groups_protected)


def _weights(figures: dict) -> dict[str, float] | None:
    """Each cell's weight, or None when the snapshot is not weighted."""
    weighting = figures.get("weighting") or {}
    return weighting.get("weights") if weighting.get("status") == "weighted" else None


def _weighted_sum(by_cell: dict[str, int], weights: dict[str, float]) -> float:
    return sum(weights.get(key, 1.0) * n for key, n in by_cell.items())


def design_effect(by_cell: dict[str, int], weights: dict[str, float]) -> float:
    """Kish's design effect of these respondents' weights: n sum(w^2) / (sum w)^2."""
    n = sum(by_cell.values())
    total = _weighted_sum(by_cell, weights)
    squares = sum(weights.get(key, 1.0) ** 2 * k for key, k in by_cell.items())
    return n * squares / (total * total) if total else 1.0


def _set_weighted(row: Row, chosen: float, base: dict[str, int],
                  weights: dict[str, float]) -> None:
    """The weighted share of the respondents `base` counts per cell (unweighted), its
    interval on their effective number: their count over the design effect of their own
    weights, not the whole area's (a question only residents answer, whose weights vary,
    is less precise than the businesses' weights of 1 beside them would make it look).
    Withheld wherever the unweighted share is."""
    answered = _weighted_sum(base, weights)
    n = sum(base.values())
    if row.share is None or not answered or not n:
        return
    row.weighted_share = weighted_share(chosen, answered)
    row.weighted_interval = wilson_bounds(row.weighted_share, n / design_effect(base, weights))


def _add_weighted(report: Report, cells: dict, weights: dict[str, float]) -> None:
    questions = cells["questions"]
    if report.priorities and ReportingTag.PRIORITIES.value in questions:
        counts = questions[ReportingTag.PRIORITIES.value]
        offered = counts.get("offered", {})
        for row in report.priorities.table.rows:
            asked = offered.get(row.key, counts["answered"])  # who was offered this option
            _set_weighted(row, _weighted_sum(counts["chosen"].get(row.key, {}), weights),
                          asked, weights)
    for measure in report.measures:
        counts = questions.get(measure.tag.value)
        if measure.headline is None or counts is None:
            continue
        positive = 0.0
        with_view: dict[str, int] = {}
        for value, by_cell in counts["chosen"].items():
            if value in NO_VIEW:
                continue
            for key, n in by_cell.items():
                with_view[key] = with_view.get(key, 0) + n
            if value in POSITIVE[measure.tag]:
                positive += _weighted_sum(by_cell, weights)
        _set_weighted(measure.headline, positive, with_view, weights)


def _some(n: int, threshold: int) -> str:
    return f"fewer than {threshold}" if 0 < n < threshold else f"{n:,}"


def _words(items: list[str], joiner: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {joiner} {items[-1]}"


def _weighting(figures: dict, threshold: int, area_name: str,
               equality: list[Table] = ()) -> Weighting:
    weighting = figures.get("weighting")
    not_weighted = "Each response counts once."
    if weighting is None:
        return Weighting("not-counted", [
            "Figures are not weighted: they were counted before reports were weighted to the "
            f"population. {not_weighted}"])
    status = weighting["status"]
    if status == "no-questions":
        return Weighting(status, [
            "Figures are not weighted: the questionnaires ask no equality questions to weight "
            f"by. {not_weighted}"])
    if status == "no-margins":
        return Weighting(status, [
            f"Figures are not weighted: there are no population figures for {area_name} to "
            f"weight to. {not_weighted}"])
    used = [DIMENSION_WORDS[d["dimension"]] for d in weighting["dimensions"]]
    if status == "too-few":
        return Weighting(status, [
            f"Figures are not weighted: fewer than {threshold} respondents gave their "
            f"{_words(used)} (and agreed to), too few to weight to the population. "
            f"{not_weighted}"])
    sources = sorted({d["source"] for d in weighting["dimensions"]})
    # The respondents left unweighted are those unknown on some margin: with one margin,
    # that table's "prefer not to say" and "not answered" together; with more, near enough.
    # Beside a table of who answered that hides a cell, their number less the cells shown
    # can give a hidden one back (44 unweighted less 40 "not answered" shown is a hidden 4),
    # so it is said only where those tables hide nothing, or as "fewer than N".
    margins = {d["dimension"] for d in weighting["dimensions"]}
    hides = any(row.cell.suppressed for table in equality
                if dict(EQUALITY).get(ReportingTag(table.key)) in margins for row in table.rows)
    unweighted = weighting["unweighted"]
    who = (f"{_some(unweighted, threshold).capitalize()} of "
           f"{_some(weighting['respondents'], threshold)} respondents"
           if not hides or unweighted < threshold else "Some respondents")
    paragraphs = [
        f"Weighted shares are weighted to {area_name}'s population by {_words(used)} "
        f"(from {'; '.join(sources)}): each respondent counts for more or less than one, so "
        "that together they match the population on each of these (raking, or iterative "
        "proportional fitting). The counts of respondents are not weighted.",
        f"{who} did not give their {_words(used, 'or')}, did not agree to answer the "
        # Not "the businesses' questionnaire does not ask": the seed's does, so it said
        # something untrue on every report counted from it.
        "equality questions, or were not asked them: they count once each, unweighted."
        + ("" if who != "Some respondents" else " How many is not shown, as it would give "
           "away a number the tables of who answered hide.")]
    if area_name == LONDON_NAME:
        # London rakes the sum of its boroughs' cells as one sample (collation.add_counts):
        # nothing in that makes each borough count by its population.
        paragraphs.append(
            "London's respondents are weighted together, not borough by borough: a borough "
            "counts in London's figures by how many people answered there, not by its share "
            "of London's population.")
    for dimension in weighting["dimensions"]:
        missing = [DIMENSIONS[dimension["dimension"]].get(c, c) for c in dimension["missing"]]
        if missing:
            paragraphs.append(
                f"Nobody who answered gave their {DIMENSION_WORDS[dimension['dimension']]} as "
                f"{_words(missing)}, so the other groups are matched to the population in "
                "proportion.")
    if weighting.get("margin_error", 0) > MARGIN_MISSED:
        paragraphs.append(
            "Some combinations of these have nobody in them, so the respondents could not be "
            "matched to every one at once: the weighted figures miss the population by up to "
            f"{100 * weighting['margin_error']:.1f} percentage points.")
    if weighting["trimmed_cells"]:
        paragraphs.append(
            f"So that a few people cannot speak for many, nobody counts for more than "
            f"{weighting['cap']:g} times the average"
            + (f", nor for less than {weighting['floor']:g} times it" if "floor" in weighting
               else "")
            + ": some respondents' weights were cut or raised to that, so the weighted figures "
            "match the population a little less closely.")
    design_effect = weighting["design_effect"]
    effective = weighting["effective_sample_size"]
    paragraphs.append(
        f"The design effect is {design_effect:.2f}: weighted, the responses are as precise as "
        f"a simple random sample of {effective:,.1f} people (the effective sample size), and "
        "the weighted intervals allow for this.")
    return Weighting(status, paragraphs, design_effect, effective)


def _gap_group(ethnic_group: str) -> str | None:
    """The gap's group for an ethnic group: White, minority, or None (not known: not
    answered, did not agree, preferred not to say)."""
    return WHITE if ethnic_group == WHITE else ("minority" if ethnic_group in MINORITY else None)


def _gap(figures: dict, weights: dict[str, float] | None, threshold: int,
         confidence: Measure | None, ethnic: Table | None) -> Gap:
    cells = figures.get("cells", False)
    if cells is False:
        return Gap("not-counted")
    if (not cells or "ethnic_group" not in cells["dimensions"]
            or ReportingTag.CONFIDENCE.value not in cells["questions"]):
        return Gap("not-asked")
    if ethnic is not None and not ethnic.groups_protected:
        # The ethnic group table (staff see it) could not hide a group's small cells from a
        # reader who knows that group's subtotal, as the groups' bases would tell them.
        return Gap("withheld")
    position = cells["dimensions"].index("ethnic_group")
    totals = {WHITE: [0, 0, 0.0, 0.0], "minority": [0, 0, 0.0, 0.0]}  # base, positive, w, w+
    chosen = cells["questions"][ReportingTag.CONFIDENCE.value]["chosen"]
    for value, by_cell in chosen.items():
        if value in NO_VIEW:
            continue
        positive = value in POSITIVE[ReportingTag.CONFIDENCE]
        for key, n in by_cell.items():
            group = _gap_group(split_key(key)[position])
            if group is None:
                continue
            weight = weights.get(key, 1.0) if weights else 1.0
            totals[group][0] += n
            totals[group][2] += weight * n
            if positive:
                totals[group][1] += n
                totals[group][3] += weight * n
    groups = []
    for key, label in ((WHITE, "White respondents"),
                       ("minority", "Black and minority ethnic respondents")):
        base, positive, weighted_base, weighted_positive = totals[key]
        halves = suppress({"positive": positive, "other": base - positive}, threshold)
        shown = base > 0 and not any(c.suppressed for c in halves.values())
        groups.append(GroupConfidence(
            key, label, _total(base, threshold), share(positive, base) if shown else None,
            weighted_share(weighted_positive, weighted_base)
            if shown and weights and weighted_base else None))
    if 0 < totals[WHITE][0] + totals["minority"][0] < threshold:
        # Together under the threshold: as in any such table, neither is shown, not even a 0
        # (beside "fewer than N" it would say that all of them are of the other group).
        groups = [replace(g, base=Cell(g.base.key, None, None)) for g in groups]
    # Those whose ethnic group is not known are a third group. The confidence figures
    # published beside the gap (everyone with a view, those positive, those not), less what
    # is shown of the two groups, give back the rest: the unknown group, with any group whose
    # figures are hidden. When that is small on any side, nothing of the groups is shown.
    rest = _published_sides(confidence)
    for group in groups:
        base, positive = totals[group.key][:2]
        if not group.base.suppressed:
            rest[0] = None if rest[0] is None else rest[0] - base
        if group.share is not None:
            rest[1] = None if rest[1] is None else rest[1] - positive
            rest[2] = None if rest[2] is None else rest[2] - (base - positive)
    if any(n is not None and _small(n, threshold) for n in rest):
        # No groups at all: a hidden cell would read "fewer than N", which is not so here.
        return Gap("withheld")
    white, minority = groups
    if white.share is None or minority.share is None:
        return Gap("withheld", groups)
    weighted_points = (100 * (white.weighted_share - minority.weighted_share)
                       if white.weighted_share is not None
                       and minority.weighted_share is not None else None)
    return Gap("measured", groups, 100 * (white.share - minority.share), weighted_points,
               difference_interval(totals[WHITE][1], totals[WHITE][0],
                                   totals["minority"][1], totals["minority"][0]))


def _published_sides(measure: Measure | None) -> list[int | None]:
    """Confidence as published: respondents with a view, those positive and those not, each
    None where neither the headline nor the answers table gives it."""
    if measure is None:
        return [None, None, None]
    total = measure.answers.total.count
    positive = other = None
    rows = [r for r in measure.answers.rows if r.key not in NO_VIEW]
    positive_rows = [r for r in rows if r.key in POSITIVE[measure.tag]]
    other_rows = [r for r in rows if r.key not in POSITIVE[measure.tag]]
    if not any(r.cell.suppressed for r in positive_rows):
        positive = sum(r.cell.count for r in positive_rows)
    if not any(r.cell.suppressed for r in other_rows):
        other = sum(r.cell.count for r in other_rows)
    if measure.headline is not None:  # its count, and its share of the total
        positive = measure.headline.cell.count
        other = total - positive
    if total is not None:
        positive = total - other if positive is None and other is not None else positive
        other = total - positive if other is None and positive is not None else other
    return [total, positive, other]
