"""Translations as files for translators: a workbook (Excel) or a PO file (translators' own
tools), made by engage and sent back filled in.

Each holds one row (entry) a text: where it appears, the English, and the translation. Reading
one back checks every row before anything is kept, and reports problems by row (a PO file's
line): a file with any problem keeps nothing. A row whose translation is empty is simply not
translated yet. A row whose English engage no longer has (a question reworded since the file
was made) is kept and said so: its translation is shown to nobody, and is there again should
the words come back.

A file is refused, before it is read, when it is bigger than any engage makes: every
translation kept is read by every page in its language (and the languages a questionnaire is
in, by its English first page too)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, Protection

from engage.reports.documents import text_cell
from engage.translations.languages import Language
from engage.uploads import LineError

MAX_CHARS = 5_000  # a text, English or translation (the longest engage has is 5,000)
# A questionnaire has tens or hundreds of texts, the service's phrases about two hundred.
MAX_ROWS = 5_000
# Rows of a sheet, empty or not, read before giving up: a million empty ones take seconds.
MAX_SHEET_ROWS = 20 * MAX_ROWS
# Rows whose English engage does not have, in one file (and kept for one language: see
# engage.translations.operations). More is another questionnaire's file.
MAX_NOT_KNOWN = 200
# What a workbook may unpack to: a zip of a few hundred kilobytes can hold gigabytes of
# repeated text, which openpyxl would hold in memory. Engage's own are well under 1 MB.
MAX_UNPACKED_MB = 25
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# What a phrase's translation may hold of Python's % formatting: %(name)s and %%. Anything else
# would be filled in too: "%(count)100000000s" is a hundred million spaces on every page.
FORMATTING = re.compile(r"%(?:%|\((\w+)\)[sd])")
CARRIAGE_RETURN = re.compile(r"\r\n?")
# Tabs and line breaks are a translator's; other control characters come from pasting.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SHEET = "Translation"
WHERE, ENGLISH = "Where it appears", "English"


@dataclass(frozen=True)
class Row:
    where: str
    english: str
    translation: str = ""


def translation_header(found: Language) -> str:
    return f"{found.name} ({found.code})"


def workbook(found: Language, title: str, rows: list[Row], *, formatted: bool) -> bytes:
    """The workbook a translator fills in: the English locked, the translation column open.
    `formatted`: the texts are the service's phrases, whose %(name)s must stay as they are."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.protection.sheet = True  # the English and the places stay as engage wrote them
    sheet.freeze_panes = "A2"
    for letter, width in (("A", 34), ("B", 60), ("C", 60)):
        sheet.column_dimensions[letter].width = width
    header = []
    for words in (WHERE, ENGLISH, translation_header(found)):
        cell = text_cell(sheet, words)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = [text_cell(sheet, row.where), text_cell(sheet, row.english),
                 text_cell(sheet, row.translation)]
        for cell in cells:
            cell.alignment = wrap
        cells[2].protection = Protection(locked=False)
        sheet.append(cells)
    about = book.create_sheet("About")
    for line in _about(found, title, formatted):
        about.append([text_cell(about, line)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _about(found: Language, title: str, formatted: bool) -> list[str]:
    lines = [
        f"{title}: words to translate into {found.name}.",
        f'Write each translation in the "{translation_header(found)}" column of the '
        f'"{SHEET}" sheet, beside its English. Do not change the English: it is how engage '
        "knows which words each translation is for.",
        "Leave a cell empty if you have not translated it yet. A translation already there was "
        "given before (for this questionnaire or another): check it, and change it if need be.",
        "Keep line breaks where the English has them: each part is shown as a paragraph.",
    ]
    if formatted:
        lines.append("Words like %(count)s are filled in by engage (a number, a date, a "
                     "question): keep each one exactly as it is, in the place your language "
                     "needs it. Write a percent sign as %%.")
    lines.append("Save the file as an Excel workbook (.xlsx) and give it back to the person who "
                 "sent it, who uploads it to engage.")
    return lines


def po_file(found: Language, title: str, rows: list[Row], *, formatted: bool) -> bytes:
    catalog = Catalog(locale=Locale.parse(found.code.replace("-", "_")), project=title,
                      fuzzy=False)
    for row in rows:
        catalog.add(row.english, row.translation or "", auto_comments=[row.where],
                    flags=["python-format"] if formatted and PLACEHOLDER.search(row.english)
                    else [])
    out = io.BytesIO()
    write_po(out, catalog, width=0, include_previous=False)
    return out.getvalue()


@dataclass
class Read:
    """What a file holds: translations by English, and the problems (none: it may be kept)."""

    translations: dict[str, str] = field(default_factory=dict)
    problems: list[LineError] = field(default_factory=list)
    not_known: list[int] = field(default_factory=list)  # rows whose English engage lacks


def read_file(name: str, data: bytes, found: Language, known: set[str], *,
              formatted: bool) -> Read:
    """The translations in an uploaded workbook or PO file, every row checked."""
    if name.lower().endswith(".po"):
        entries = _po_entries(data, found)
    else:
        entries = _workbook_entries(data, found)
    if isinstance(entries, Read):
        return entries
    read = Read()
    seen: dict[str, tuple[int, str]] = {}
    for line, english, translation, read_wrong in entries:
        # A line break as engage's pages and emails write one: a lone \r (a PO file's "\r",
        # pasted Windows text) in an email's Subject would stop the email.
        translation = CARRIAGE_RETURN.sub("\n", translation)
        problem = read_wrong or _problem(english, translation, formatted)
        if problem is None and english in seen and seen[english][1] != translation and \
                translation and seen[english][1]:
            problem = (f"The same English is on line {seen[english][0]} with another "
                       "translation: keep one")
        if problem is not None:
            read.problems.append(LineError(line, "Translation", problem))
            continue
        seen.setdefault(english, (line, translation))
        if not english:
            continue
        if english not in known:
            read.not_known.append(line)
        if translation:
            read.translations[english] = translation
    if len(read.not_known) > MAX_NOT_KNOWN:
        lines = ", ".join(str(line) for line in read.not_known[:10])
        whose = "engage" if formatted else "this questionnaire"  # the phrases, or its words
        read.problems.append(LineError(read.not_known[0], "English", (
            f"{len(read.not_known):,} rows have English {whose} does not have ({lines}, ...): "
            "upload the file engage made for it")))
    return read


def _too_many_rows(line: int) -> Read:
    return Read(problems=[LineError(line, "File", f"The file has more than {MAX_ROWS:,} rows, "
                                                  "more than engage ever makes: upload the file "
                                                  "engage made")])


def _problem(english: str, translation: str, formatted: bool) -> str | None:
    if not english:
        return "The English is empty: the file's rows must be as engage made them" \
            if translation else None
    if len(english) > MAX_CHARS:
        return "The English is longer than any text engage has: the file's rows must be as " \
            "engage made them"
    if not translation:
        return None
    if len(translation) > MAX_CHARS:
        return f"The translation is longer than {MAX_CHARS:,} characters"
    if CONTROL.search(translation):
        return "The translation holds a control character (often from pasting): type it again"
    if formatted:
        # Each as the English writes it: a %(name)d given text would stop the page.
        wanted = {found.group(0) for found in PLACEHOLDER.finditer(english)}
        given = {found.group(0) for found in FORMATTING.finditer(translation) if found.group(1)}
        if wanted != given:
            missing, extra = sorted(wanted - given), sorted(given - wanted)
            said = []
            if missing:
                said.append("keep " + ", ".join(missing))
            if extra:
                said.append("take out " + ", ".join(extra) + ", which engage does not fill in")
            return "The translation must have the same words in %(...)s as the English: " + \
                " and ".join(said)
        if "%" in FORMATTING.sub("", translation):
            return "Write a percent sign as %% (only %(name)s words are filled in)"
    return None


_NOT_WORKBOOK = Read(problems=[LineError(1, "File", "This is not an Excel workbook (.xlsx) or a "
                                                   "PO file (.po): upload the file engage made, "
                                                   "filled in")])


def _workbook_entries(data: bytes, found: Language):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # The sizes its directory gives: zipfile never unpacks a member to more.
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
            return Read(problems=[LineError(1, "File", (
                f"The workbook unpacks to more than {MAX_UNPACKED_MB} MB, far more than "
                "engage ever makes: upload the file engage made"))])
        book = load_workbook(io.BytesIO(data), read_only=True)
        try:
            return _sheet_entries(book, found)
        finally:
            book.close()
    except Exception:  # noqa: BLE001
        # openpyxl reads the sheet as it goes, and a damaged file stops it with whatever its
        # parser met (a ParseError, a TypeError for a setting it does not know, a KeyError...):
        # each is a file that is not the workbook engage made.
        return _NOT_WORKBOOK


def _sheet_entries(book, found: Language):
    if SHEET not in book.sheetnames:
        return Read(problems=[LineError(1, "File", f'The workbook has no sheet called "{SHEET}": '
                                                   "upload the workbook engage made")])
    # Three columns: beyond them, openpyxl would fill every row out to the widest one.
    rows = book[SHEET].iter_rows(max_col=3)
    header = [("" if cell.value is None else str(cell.value)).strip()
              for cell in next(rows, ())]
    if header[:2] != [WHERE, ENGLISH] or len(header) < 3 or not header[2]:
        return Read(problems=[LineError(1, "Header", f'The first row must be "{WHERE}", '
                                                     f'"{ENGLISH}" and the language')])
    if header[2] != translation_header(found):
        return Read(problems=[LineError(1, "Header", f'This workbook is for "{header[2]}", '
                                                     f"not {translation_header(found)}: choose "
                                                     "its language, or upload the right file")])
    entries = []
    for number, cells in enumerate(rows, start=2):
        if number > MAX_SHEET_ROWS:
            return Read(problems=[LineError(number, "File", (
                f"The sheet has rows below row {MAX_SHEET_ROWS:,}, far below engage's last: "
                "delete them"))])
        values = [cell.value for cell in cells[:3]] + [None] * 3
        if values[0] is None and values[1] is None and values[2] is None:
            continue  # an empty row (a gap in the sheet's rows comes as one, cheaply)
        if len(entries) == MAX_ROWS:
            return _too_many_rows(number)
        english, translation = values[1], values[2]
        wrong = None
        if any(isinstance(value, (datetime, date)) for value in (english, translation)):
            wrong = "Excel read this cell as a date: format the cell as text and type it again"
        elif any(getattr(cell, "data_type", "s") == "f" for cell in cells[1:3]):
            wrong = ("Excel read this cell as a formula (it starts with =): start it with an "
                     "apostrophe (')")
        entries.append((number, _text(english), _text(translation), wrong))
    return entries


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _po_entries(data: bytes, found: Language):
    # Counted before Babel reads every one (a few seconds for the largest upload).
    if data.count(b"msgid ") > MAX_ROWS + 1:  # and the header's
        return _too_many_rows(1)
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as error:
        return Read(problems=[LineError(getattr(error, "lineno", 0) or 1, "File",
                                        f"This PO file cannot be read: {error}")])
    except (UnicodeError, LookupError):  # not UTF-8, or a character set Python lacks
        return Read(problems=[LineError(1, "File", "This PO file cannot be read: save it as "
                                                   "UTF-8")])
    except Exception:  # noqa: BLE001
        # Babel stops on some damaged headers with whatever it met (an AttributeError for a
        # date it cannot read, a ValueError).
        return Read(problems=[LineError(1, "File", "This PO file cannot be read: upload the "
                                                   "file engage made, filled in")])
    if catalog.locale is not None and str(catalog.locale) != found.code.replace("-", "_"):
        return Read(problems=[LineError(1, "Header", f"This PO file is for {catalog.locale}, "
                                                     f"not {translation_header(found)}: choose "
                                                     "its language, or upload the right file")])
    entries = []
    for message in catalog:
        if not message.id:
            continue  # the header
        if isinstance(message.id, (list, tuple)):
            entries.append((message.lineno, message.id[0], "", "Plural forms are not used: "
                                                               "translate the one sentence"))
            continue
        # A fuzzy entry is a translator's guess, not yet checked: not a translation.
        translation = "" if message.fuzzy else (message.string or "")
        entries.append((message.lineno, message.id.strip(), translation.strip(), None))
    return entries


