"""Reading CSV files people upload: the checks every import shares.

Each import checks every line before writing anything and reports problems by line and column
(LineError); nothing is written unless the whole file is right. Every value in the file is read
or refused, never passed over: a column the import does not know (most often a name misspelt,
like "date joined" for "joined") and a value beyond the named columns (most often a comma in an
unquoted value, like Acme, Ltd) are errors, not data quietly left behind.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


def read_text(upload: FileStorage) -> str | None:
    """The file as text, or None when it is not UTF-8 (Excel's "CSV UTF-8" is; a BOM is fine)."""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


NOT_UTF8 = "The file must be saved as UTF-8 text (in Excel: CSV UTF-8)"


class _CountedLines:
    """The text's lines for csv.reader, noting the line each record starts on: a quoted value
    may hold line breaks, and an error belongs where its record begins, not where it ends."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text)
        self.read = 0
        self.record_start: int | None = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._lines.readline()
        if not line:
            raise StopIteration
        self.read += 1
        if self.record_start is None:
            self.record_start = self.read
        return line


class CsvRows:
    """The rows of an uploaded CSV after its header, as (line, {column: value}) with the
    column names lower-cased; blank lines are skipped. A line with a value where the header
    names no column adds a LineError and is not given. A file that stops being CSV part of the
    way (a quote left open, so the rest of the file runs into one value) adds one LineError,
    at the line where that record starts, and ends the rows."""

    def __init__(self, lines: _CountedLines, reader, header: list[str], errors: list[LineError]):
        self._lines, self._reader, self._header, self._errors = lines, reader, header, errors

    def __iter__(self):
        while True:
            self._lines.record_start = None
            try:
                values = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                self._errors.append(LineError(
                    self._lines.record_start or self._lines.read, "file",
                    unreadable(error, self._lines)))
                return
            if not any(v.strip() for v in values):
                continue
            # Empty values past the header are spreadsheets padding short lines: harmless.
            # A value there, or under a column with no name, would be lost without a word.
            if any(v.strip() for n, v in enumerate(values)
                   if n >= len(self._header) or not self._header[n]):
                self._errors.append(LineError(self._lines.record_start, "file", (
                    f"This line has a value beyond the {len(self._header)} columns the first "
                    "line names. A value with a comma in it must be in quotes, like "
                    '"Acme, Ltd"')))
                continue
            yield self._lines.record_start, dict(zip(self._header, values, strict=False))


def unreadable(error: csv.Error, lines: _CountedLines) -> str:
    """What to tell someone whose file the CSV reader gave up on, never the reader's own words.
    A value past the reader's limit that began lines earlier is almost always a quote mark left
    open, running the rest of the file into it; on one line it is simply a very long value."""
    if str(error).startswith("field larger than field limit"):
        if lines.read > (lines.record_start or lines.read):
            return ("This line could not be read. Check for a quote mark (\") that is opened "
                    "but not closed: everything after it is read as one value")
        return ("A value on this line is too long: a value can be at most "
                f"{csv.field_size_limit():,} characters")
    return "This line could not be read as CSV. Save the file as CSV UTF-8 and upload it again"


def open_csv(text: str, required: list[str],
             columns: list[str]) -> tuple[CsvRows | None, list[LineError]]:
    """The file's rows, or the error that makes it unreadable: characters that are not text,
    or a header that does not name every required column, names one twice or names one that
    is not in `columns`. A column left unnamed (a trailing comma) must have no values."""
    # Every line ending becomes "\n" first: the CSV reader refuses a lone "\r" (old Mac files,
    # or lines pasted together from different places) in a value that is not quoted. Line
    # numbers count "\r\n", "\r" and "\n" alike, as editors show them.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [LineError(line, "file", "The file has characters that are not text (NUL) "
                                "from this line: it may be saved as UTF-16 or as a spreadsheet. "
                                "Save it as CSV UTF-8 and upload it again")]
    lines = _CountedLines(text)
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        return None, [LineError(1, "header", unreadable(error, lines))]
    missing = [c for c in required if c not in header]
    if missing:
        return None, [LineError(1, "header", "The first line must name the columns "
                                f"{', '.join(columns)}; missing: {', '.join(missing)}")]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        return None, [LineError(1, "header", "The first line names "
                                f"{_listed(twice)} more than once: name each column once")]
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        return None, [LineError(1, "header", "The first line names "
                                f"{'a column' if len(unknown) == 1 else 'columns'} this file "
                                f"cannot have: {_listed(unknown)}. Use only "
                                f"{', '.join(columns)}, and remove any other column")]
    errors: list[LineError] = []
    return CsvRows(lines, reader, header, errors), errors


def _listed(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def problems_message(errors: list[LineError], what: str) -> str:
    count = len(errors)
    return (f"The file has {count} problem{'' if count == 1 else 's'}: {what}. Correct the lines "
            "listed below and upload it again")
