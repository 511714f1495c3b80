"""A report's figures as an XLSX workbook and as a printed (PDF) document.

Both are made from the same suppressed Report the pages show (engage.reports.published), so a
hidden count reads "fewer than N" in them exactly as on the page and in the CSV:

- The workbook's "Figures" sheet holds the CSV's rows (engage.reports.downloads.rows), whatever
  columns those have; a cell that is a plain number is stored as one, formatted to the same
  decimal places, so it reads as in the CSV and still adds up in a spreadsheet; text is stored
  as text, never as a formula, whatever it starts with. openpyxl's
  write-only mode streams rows to a temporary file, so memory stays flat however long the report.
  A borough's workbook also has "Targets": what its page says beside the figures (the public
  one from what was published, the staff one from the targets as they stand).
- The PDF is WeasyPrint's rendering of a print template (templates/reports/pdf/), tagged as
  PDF/UA so screen readers get its headings, tables and reading order.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from flask import Response, current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from engage import pdf
from engage.exports import FORMULA_STARTS
from engage.reports import downloads
from engage.reports.published import Report
from engage.suppression import describe
from engage.templating import london_time

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
# Whole numbers, or decimals as the CSV writes them ("12.5", "2.20"); never "1e5" or "+3".
PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")
COLUMN_WIDTHS = {1: 34, 2: 48}  # section and category: text; the rest are numbers
NUMBER_WIDTH = 16
WRAPPED = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


STAFF_COPY = ("Not for publication. It holds figures the public report leaves out (the "
              "equality tables and the weekly counts) and the latest count, which may not be "
              "the one published.")


def as_public(report: Report) -> Report:
    """The report as its public page shows it: without the equality tables and the weekly
    counts, which are for staff (they say who answered, and when, in small slices)."""
    return replace(report, equality=[], by_week=replace(report.by_week, rows=[]))


def suppression_note(threshold: int) -> str:
    return (f'Any number of respondents under {threshold} is shown as "fewer than '
            f'{threshold}". Where a hidden number could be worked out from the totals, other '
            'numbers in the table are hidden too and read "not shown"; a share, interval or '
            "score resting on a hidden number is left blank. A headline share (confidence, "
            'feeling safe) or a confidence gap that cannot be shown reads "not shown".')


def about_rows(report: Report, consultation_title: str, area_name: str,
               counted_at: datetime, published_at: datetime | None = None
               ) -> list[tuple[str, str]]:
    rows = [("Consultation", consultation_title), ("Area", area_name),
            ("Counted at", f"{london_time(counted_at)} (London time)")]
    if published_at is not None:
        rows.append(("Published at", f"{london_time(published_at)} (London time)"))
    rows += [("Respondents", describe(report.respondents, report.threshold)),
             ("Suppression threshold", str(report.threshold)),
             ("Suppression", suppression_note(report.threshold))]
    # What the shares are, in the pages' words.
    if report.priorities:
        rows.append(("Priorities", report.priorities.table.note))
    rows += [(measure.title, measure.meaning) for measure in report.measures]
    return rows


def text_cell(sheet, value) -> WriteOnlyCell:
    """Text as a text cell, shown exactly as on the page and never run as a formula.

    openpyxl stores a string starting with "=" as a formula, so the type is set to text
    whatever it starts with, and text that starts as a formula would is marked quotePrefix,
    so that it stays text when someone edits the cell. (The CSV has no types, so puts a
    visible apostrophe in: engage.exports.) Control characters a worksheet cannot hold (a
    pasted Word line break is a vertical tab) would make openpyxl refuse the whole workbook:
    they become spaces."""
    text = ILLEGAL_CHARACTERS_RE.sub(" ", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _typed(sheet, value) -> WriteOnlyCell:
    """The CSV's text as a cell: a number where it is one, else text."""
    text = "" if value is None else str(value)
    number = PLAIN_NUMBER.match(text)
    if number:
        places = len(number.group(1) or "")
        cell = WriteOnlyCell(sheet, value=float(text) if places else int(text))
        cell.number_format = "0." + "0" * places if places else "0"
        return cell
    return text_cell(sheet, text) if text else WriteOnlyCell(sheet, value=None)


def _header(sheet, names: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    return cells


def _table_sheet(book: Workbook, title: str, header: list[str], rows: Iterable[list]):
    sheet = book.create_sheet(title)
    for column in range(1, len(header) + 1):
        letter = chr(ord("A") + column - 1) if column <= 26 else None
        if letter:
            sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(column, NUMBER_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, header))
    for row in rows:
        cells = [_typed(sheet, value) for value in row]
        # A section or category longer than its column wraps within it: the next cell always
        # holds something, so the words would otherwise be cut off where it starts. The
        # figures beside it line up with its first line.
        for column, cell in enumerate(cells, start=1):
            wraps = column in COLUMN_WIDTHS and cell.data_type == "s"
            cell.alignment = WRAPPED if wraps else TOP
        sheet.append(cells)
    return sheet


def xlsx_bytes(report: Report, about: list[tuple[str, str]],
               targets: dict | None = None, marking: str | None = None) -> bytes:
    """The workbook: "Figures" (the CSV's header and rows), for a borough "Targets" (what its
    page says of targets and crime figures, from `targets` in the shape a publication pins:
    engage.reports.targets.pinned_content), and "About" (what they are).

    A `marking` (the staff copy's "not for publication") heads every printed page of every
    sheet, and the workbook opens on "About", which says it first: a sheet printed or passed
    on alone still says what it is."""
    book = Workbook(write_only=True)
    sheets = [_table_sheet(book, "Figures", downloads.HEADER, downloads.rows(report))]
    if targets is not None:
        sheets.append(_table_sheet(book, "Targets", downloads.TARGETS_HEADER,
                                   downloads.target_rows(report, targets)))

    sheet = book.create_sheet("About")
    sheets.append(sheet)
    if marking is not None:
        for each in sheets:
            for header in (each.oddHeader, each.evenHeader):
                header.center.text = marking
                header.center.font = "Arial,Bold"
        book.active = len(sheets) - 1
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    for name, value in about:
        label = WriteOnlyCell(sheet, value=name)
        label.font = Font(bold=True)
        text = text_cell(sheet, value)
        text.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([label, text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf_bytes(html: str) -> bytes:
    """A tagged (PDF/UA-1) PDF of a print template's HTML. Charts are inline SVG, so nothing
    is fetched (engage.pdf); base_url only lets relative links resolve to this site."""
    return pdf.document(html, base_url=current_app.config["ENGAGE_BASE_URL"] + "/").write_pdf(
        pdf_variant="pdf/ua-1")


def download(content: bytes, mimetype: str, filename: str, *, public: bool = False) -> Response:
    response = Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
    # A staff download holds figures not yet public: no shared cache may keep it.
    response.headers["Cache-Control"] = "public, max-age=60" if public else "private, no-store"
    return response
