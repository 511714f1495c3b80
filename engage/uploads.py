"""Reading CSV files people upload: the checks every import shares.

Each import checks every line before writing anything and reports problems by line and column
(LineError); nothing is written unless the whole file is right. Every value in the file is read
or refused, never passed over: a column the import does not know (most often a name misspelt,
like "date joined" for "joined") and a value beyond the named columns (most often a comma in an
unquoted value, like Acme, Ltd) are errors, not data quietly left behind.

An import of files exported from elsewhere (a CRM's contacts, a spreadsheet of members) may let
the person uploading choose to leave its other columns out: the box IGNORE_UNKNOWN_LABEL on the
form. It is never ticked for them, the refusal names the columns it would leave out, and what
was left out is named again when the import is done. Every required column must still be there,
so a misspelt one is still refused.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class UnknownColumns(LineError):
    """The header's only problem: columns the import does not use, which the person uploading
    may choose to leave out (the form then offers the box to tick)."""


IGNORE_UNKNOWN_LABEL = "Ignore columns engage does not use"
IGNORE_UNKNOWN_HINT = ('Only the columns listed under "What the file must contain" are read. Any '
                       "other column, like phone, notes or address, is not read and its values "
                       "are not saved anywhere. You will be told which columns were not read.")


def ignore_unknown_field() -> BooleanField:
    """The box that lets the person uploading leave out columns the import does not use. The
    page shows it once a file had such columns (or it is ticked): see offers_ignore."""
    return BooleanField(IGNORE_UNKNOWN_LABEL, widget=GovCheckboxInput(),
                        description=IGNORE_UNKNOWN_HINT)


def offers_ignore(field: BooleanField, errors: list[LineError]) -> bool:
    """Whether the page shows the box: the file just sent had columns that could be left out,
    or the box was ticked (and the file had other problems, or none of those columns)."""
    return bool(field.data) or any(isinstance(e, UnknownColumns) for e in errors)


def not_read(ignored: tuple[str, ...]) -> str:
    """The sentence naming the columns left out, for the message after an import."""
    return f" Columns not read: {', '.join(ignored)}." if ignored else ""


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
    column names lower-cased; blank lines are skipped. The columns in `ignored` (the person
    uploading chose to leave them out) are not in the rows at all. A line with a value where
    the header names no column adds a LineError and is not given. A file that stops being CSV
    part of the way (a quote left open, so the rest of the file runs into one value) adds one
    LineError, at the line where that record starts, and ends the rows."""

    def __init__(self, lines: _CountedLines, reader, header: list[str], errors: list[LineError],
                 ignored: tuple[str, ...] = ()):
        self._lines, self._reader, self._header, self._errors = lines, reader, header, errors
        self.ignored = ignored
        self._read = [n for n, name in enumerate(header) if name and name not in ignored]

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
            yield self._lines.record_start, {self._header[n]: values[n] for n in self._read
                                             if n < len(values)}


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


def open_csv(text: str, required: list[str], columns: list[str],
             ignore_unknown: bool | None = None) -> tuple[CsvRows | None, list[LineError]]:
    """The file's rows, or the error that makes it unreadable: characters that are not text,
    or a header that does not name every required column, names one twice or names one that
    is not in `columns`. A column left unnamed (a trailing comma) must have no values.

    `ignore_unknown` is the person's choice about columns not in `columns`, for an import that
    offers one (IGNORE_UNKNOWN_LABEL on its form): True leaves them out, named in the rows'
    `ignored`; False refuses them with an UnknownColumns error naming them and the box. None
    (the default) is an import that offers no choice: they are refused, and the error says to
    remove them. Either way a missing required column or one named twice is still refused."""
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
    unknown = [h for h in header if h and h not in columns]
    missing = [c for c in required if c not in header]
    if missing:
        return None, [LineError(1, "header", _sentences(
            f"The first line must name the columns {', '.join(columns)}; missing: "
            f"{', '.join(missing)}", *_meant(unknown, missing)))]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        return None, [LineError(1, "header", "The first line names "
                                f"{_listed(twice)} more than once: name each column once")]
    meant = _meant(unknown, [c for c in columns if c not in header])
    if meant and ignore_unknown:
        # Ticking the box leaves out columns engage does not use, not a misspelt one it does:
        # left out, "date joined" would make every member join today.
        return None, [LineError(1, "header", _sentences(
            *meant, "Ticking the box leaves out only columns engage does not use"))]
    if unknown and ignore_unknown is None:
        return None, [LineError(1, "header", _sentences(
            f"The first line names {'a column' if len(unknown) == 1 else 'columns'} this file "
            f"cannot have: {_listed(unknown)}", *meant,
            f"Use only {', '.join(columns)}, and remove any other column"))]
    if unknown and not ignore_unknown:
        them = "it" if len(unknown) == 1 else "them"
        return None, [UnknownColumns(1, "header", _sentences(
            f"The first line names {'a column' if len(unknown) == 1 else 'columns'} engage "
            f"does not use: {_listed(unknown)}", *meant,
            f"To upload the file without {them}, choose the file again and tick "
            f'"{IGNORE_UNKNOWN_LABEL}", or remove {them} from the file'))]
    errors: list[LineError] = []
    return CsvRows(lines, reader, header, errors, tuple(unknown)), errors


def _meant(unknown: list[str], unnamed: list[str]) -> list[str]:
    """A sentence for each unknown column that looks like a column the file does not name
    ("date joined" for "joined", "e-mail" for "email"): left out, its values would be lost."""
    return [f'"{name}" may be meant as "{close[0]}": if so, correct its name in the file'
            for name in unknown
            if (close := difflib.get_close_matches(name, unnamed, n=1, cutoff=0.7))]


def _sentences(*sentences: str) -> str:
    return ". ".join(sentences)


def _listed(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def problems_message(errors: list[LineError], what: str) -> str:
    """The error on the file's field, at the top of the page: how many problems, and that
    nothing was written (`what`). Columns that could be left out say how, there too."""
    if len(errors) == 1 and isinstance(errors[0], UnknownColumns):
        reason = errors[0].message
        return f"{what[0].upper()}{what[1:]}, because {reason[0].lower()}{reason[1:]}"
    count = len(errors)
    # The table of problems is above the file's field, where this message is also shown:
    # name it rather than say "below".
    return (f"The file has {count} problem{'' if count == 1 else 's'}: {what}. Correct the lines "
            'listed under "Problems in the file" and upload it again')
