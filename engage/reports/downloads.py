"""The CSV of a report: the same published (suppressed) figures as the page, one row each."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from engage.reports.published import Report, Row, Table
from engage.reports.targets import against_target
from engage.suppression import describe
from engage.surveys.models import ReportingTag

HEADER = ["section", "category", "respondents", "share (%)", "95% interval from (%)",
          "95% interval to (%)", "ranking score", "share of the population (%)",
          "weighted share (%)", "weighted 95% interval from (%)", "weighted 95% interval to (%)",
          "value"]


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _row(section: str, row: Row, threshold: int) -> list[str]:
    low, high = row.interval or (None, None)
    weighted_low, weighted_high = row.weighted_interval or (None, None)
    return [section, row.label, describe(row.cell, threshold), percent(row.share),
            percent(low), percent(high), "" if row.score is None else f"{row.score:.2f}",
            percent(row.population_share), percent(row.weighted_share), percent(weighted_low),
            percent(weighted_high), ""]


def _figure(section: str, label: str, value: str, respondents: str = "",
            share: str = "") -> list[str]:
    """A row for a figure that is not a share of a table: the design effect, the gap."""
    return [section, label, respondents, share, "", "", "", "", "", "", "", value]


def _weighting_and_gap(report: Report) -> Iterator[list[str]]:
    weighting = report.weighting
    if weighting is not None:
        if weighting.applied:
            yield _figure("Weighting", "Design effect", f"{weighting.design_effect:.2f}")
            yield _figure("Weighting", "Effective sample size",
                          f"{weighting.effective_sample_size:.1f}")
        for paragraph in weighting.paragraphs:
            yield _figure("Weighting", "How these figures were weighted", paragraph)
    gap = report.gap
    # Measured, or withheld as the page says (then with or without the groups' figures).
    if gap is not None and gap.status in ("measured", "withheld"):
        for group in gap.groups:
            yield ["Confidence gap", f"{group.label}: excellent or good, of those with a view",
                   describe(group.base, report.threshold), percent(group.share), "", "", "",
                   "", percent(group.weighted_share), "", "", ""]
        # Unsigned, with the direction in words: a leading minus would read as a formula.
        for label, points in (("not weighted", gap.points), ("weighted", gap.weighted_points)):
            if points is not None or label == "not weighted":
                yield _figure("Confidence gap", f"Gap in percentage points ({label})"
                              + _higher(points),
                              "not shown" if points is None else f"{abs(points):.1f}")
        if gap.interval is not None:
            low, high = (100 * v for v in gap.interval)
            yield _figure("Confidence gap", "95% confidence interval of the gap in percentage "
                          "points (not weighted)", f"from {low:.1f} to {high:.1f} (White less "
                          "Black and minority ethnic)")


def _change(report: Report) -> Iterator[list[str]]:
    """Each priority's change since the previous consultation, in words ("up 4.9"), so that
    no cell starts with a sign a spreadsheet would read as a formula."""
    change = report.change
    if change is None or not change.comparable:
        return
    section = f"Change since {change.title} (percentage points)"
    for row in change.rows:
        if row.change is None:
            yield _figure(section, row.label, row.note)
            continue
        low, high = row.interval
        yield [section, row.label, "", percent(row.now), _words(low), _words(high), "", "", "",
               "", "", _words(row.change) + (" (larger than chance alone would explain)"
                                             if row.beyond_chance else "")]


def _words(change: float) -> str:
    points = round(100 * change, 1)
    return "no change" if points == 0 else f"{'up' if points > 0 else 'down'} {abs(points):.1f}"


def _higher(points: float | None) -> str:
    if not points:
        return ""
    return (": White respondents higher" if points > 0
            else ": Black and minority ethnic respondents higher")


def _table(table: Table, threshold: int) -> Iterator[list[str]]:
    for row in table.rows:
        yield _row(table.title, row, threshold)


def rows(report: Report) -> Iterator[list[str]]:
    """Every published figure, one row each, as long as HEADER."""
    for row in _rows(report):
        yield row + [""] * (len(HEADER) - len(row))


def _rows(report: Report) -> Iterator[list[str]]:
    threshold = report.threshold
    yield ["Respondents", "All respondents", describe(report.respondents, threshold),
           "", "", "", "", ""]
    for table in (report.by_channel, report.by_audience, report.by_week):
        yield from _table(table, threshold)
    if report.priorities:
        yield from _table(report.priorities.table, threshold)
    yield from _change(report)
    for measure in report.measures:
        if measure.headline:
            yield _row(measure.title, measure.headline, threshold)
        else:  # withheld, as the page says: not left out, which would read as never measured
            yield _figure(measure.title, measure.positive_words, "", respondents="not shown")
        yield from _table(measure.answers, threshold)
    for table in report.equality:
        yield from _table(table, threshold)
    yield from _weighting_and_gap(report)
    # Comment counts and frequent terms only (terms under the threshold are already left out);
    # the comments themselves are never exported.
    for question in report.free_text:
        yield ["Comments", question.title, describe(question.comments, threshold),
               "", "", "", "", ""]
        for term in question.terms:
            yield [f"Frequent terms: {question.title}", term.term,
                   describe(term.cell, threshold), percent(term.share), "", "", "", ""]
    for question in report.free_text_withheld:
        # Its option is hidden in its table, and the count would give that option back.
        # In the respondents column, where every other comment count and hidden count is.
        yield _figure("Comments", question.title, "", respondents="not shown")


TARGETS_HEADER = ["section", "item", "figure", "percentage change (%)", "target", "result"]


def target_rows(report: Report, content: dict) -> Iterator[list[str]]:
    """What the public page says beside the figures, from the publication's pinned content
    (engage.reports.targets): next year's priorities, confidence and feeling safe against
    their targets, the gap's target, and the crime figures against last year's targets. Each
    row as long as TARGETS_HEADER; the crime types are as the officer's file named them."""
    for place, planned in enumerate(content["planned"], start=1):
        yield ["You said, we did", f"{place}. {planned['title']}", "", "", planned["target"],
               ""]
    for tag, key in ((ReportingTag.CONFIDENCE, "confidence_target"),
                     (ReportingTag.FEELING_SAFE, "feeling_safe_target")):
        measure = against_target(report, tag, content.get(key))
        if measure.target is None and tag != ReportingTag.CONFIDENCE:
            continue  # as on the page: feeling safe only beside a target
        yield [measure.title, f"share who {measure.said} (%)",
               "not shown" if measure.share is None else percent(measure.share), "",
               "" if measure.target is None else f"{measure.target}",
               "" if measure.met is None else ("met" if measure.met else "not met")]
    gap = report.gap
    if content["gap_target"] is not None and gap is not None:
        met = gap.met(content["gap_target"])
        yield ["Confidence gap", "Gap in percentage points (not weighted)",
               "not shown" if gap.points is None else f"{abs(gap.points):.1f}", "",
               f"at most {content['gap_target']}",
               "" if met is None else ("met" if met else "not met")]
    crime = content["crime_figures"]
    for row in crime["rows"] if crime else []:
        # Numbers with their signs: the workbook stores them as numbers, not as text.
        yield [f"Performance against targets, {crime['period']}", row["crime_type"],
               str(row["change_in_offences"]), _percentage(row["percentage_change"]),
               row["target"],
               "target achieved" if row["achieved"] else "target missed"]


def _percentage(value) -> str:
    """A percentage change as the page gives it (engage.reports.public_views.signed), to one
    decimal place or two where the second is not nought, but without a plus sign."""
    number = Decimal(str(value))
    if number == 0:
        return "0"
    text = f"{number:.2f}"
    return text[:-1] if text.endswith("0") else text
