"""How the public PDFs fall on their pages: a section's heading and the sentence that
introduces its chart or table are never left at the foot of a page with the chart or table on
the next."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.reports import support
from tests.reports.test_public_report import PUBLIC, prepared, publish

REPORT_PDF = PUBLIC.removesuffix("/report") + "/report.pdf"
SUMMARY_PDF = PUBLIC.removesuffix("/report") + "/local-policing-summary.pdf"
HEADING = "What people said the priorities should be"
# A borough's real questionnaires offer a dozen or more priorities (residents' and businesses'
# together): too many for the chart or table to fit under the heading on the first page.
MORE = tuple((f"priority-{n}", f"Priority number {n}") for n in range(1, 14))


def _pages(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def _page_of(pages: list[str], text: str) -> int:
    return next(n for n, page in enumerate(pages) if text in page)


def test_the_priorities_heading_goes_over_with_its_chart_and_table(
        app, client, other_client, run_tasks, monkeypatch):
    monkeypatch.setattr(support, "PRIORITIES", support.PRIORITIES + MORE)
    prepared(app, client, run_tasks)
    publish(client)

    summary = _pages(other_client.get(SUMMARY_PDF))
    assert _page_of(summary, HEADING) == _page_of(summary, "Priorities in rank order")

    report = _pages(other_client.get(REPORT_PDF))
    # The chart's first bar is the top priority's label, with its share beside it.
    assert _page_of(report, HEADING) == _page_of(report, "Priority number 13")


def test_the_crime_figures_heading_goes_over_with_its_table(app, client, other_client,
                                                            run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    # The summary's first page filled up just after "Looking back" and its sentence, leaving
    # the table of crime figures alone at the top of the second.
    summary = _pages(other_client.get(SUMMARY_PDF))
    assert _page_of(summary, "Looking back: performance against last year's targets") == \
        _page_of(summary, "Residential burglary")
    report = _pages(other_client.get(REPORT_PDF))
    assert _page_of(report, "Performance against last year's targets") == \
        _page_of(report, "Residential burglary")
