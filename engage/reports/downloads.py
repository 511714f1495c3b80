"""The CSV of a report: the same published (suppressed) figures as the page, one row each."""

from __future__ import annotations

from collections.abc import Iterator

from engage.reports.published import Report, Row, Table
from engage.suppression import describe

HEADER = ["section", "category", "respondents", "share (%)", "95% interval from (%)",
          "95% interval to (%)", "ranking score", "share of the population (%)"]


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _row(section: str, row: Row, threshold: int) -> list[str]:
    low, high = row.interval or (None, None)
    return [section, row.label, describe(row.cell, threshold), percent(row.share),
            percent(low), percent(high), "" if row.score is None else f"{row.score:.2f}",
            percent(row.population_share)]


def _table(table: Table, threshold: int) -> Iterator[list[str]]:
    for row in table.rows:
        yield _row(table.title, row, threshold)


def rows(report: Report) -> Iterator[list[str]]:
    threshold = report.threshold
    yield ["Respondents", "All respondents", describe(report.respondents, threshold),
           "", "", "", "", ""]
    for table in (report.by_channel, report.by_audience, report.by_week):
        yield from _table(table, threshold)
    if report.priorities:
        yield from _table(report.priorities.table, threshold)
    for measure in report.measures:
        if measure.headline:
            yield _row(measure.title, measure.headline, threshold)
        yield from _table(measure.answers, threshold)
    for table in report.equality:
        yield from _table(table, threshold)
