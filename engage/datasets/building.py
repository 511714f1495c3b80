"""Writing a response file: one questionnaire's responses in one borough, as a ZIP of

- `responses.csv`: a row a response, in the order they arrived, numbered from 1; a column a
  question (a column an option for "choose up to" and ranking questions), every version of the
  questionnaire in the same columns, matched by the question's key and the option's code;
- `questions.csv`: what each column holds, what each code in it means, and which versions
  asked it;
- `about.txt`: what the file is, what it leaves out and why, and how to open it and look
  after it.

Column names are letters, digits and underscores, at most 32 characters and never a word the
tools reserve, so R, Stata, SPSS and pandas take them as they are; and they never clash: a name
already taken gets _2, _3. A question whose kind changed
between versions in a way that changes its columns (from "choose up to" to "choose one", from a
number to words) has columns for each kind, the older named with `_v` and the last version that
asked it so, so that no answer is lost or mixed with another kind's.

Left out, so that the file identifies nobody: the equality monitoring answers (no page or
file shows them per person), in every version of a key any version treats as an equality
question, and every question shown only after an equality answer (its answers would give that
away); contact details (kept apart from answers), reference numbers (they link a response to
the paper or telephone request that named the person), the time of day, and all but a
postcode's district. Written a response at a time from one ordered query, so a borough's file
of any size takes little memory.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import and_, select

from engage.boroughs.models import Borough
from engage.clock import to_london
from engage.exports import FORMULA_STARTS, spreadsheet_safe
from engage.extensions import db
from engage.reports.documents import text_cell
from engage.surveys.models import Answer, Question, QuestionKind, Questionnaire, Response
from engage.surveys.questions import normalise_postcode, postcode_district
from engage.templating import counted, london_time

FIXED = [
    ("response", "The response's number in this file, in the order responses arrived"),
    ("version", "The version of the questionnaire it answered (a new version is made when the "
                "questions are changed after the first response)"),
    ("channel", "How it was sent: online, paper or telephone"),
    ("borough", "The borough it was sent for (from the postcode given, or chosen); empty where "
                "none was given"),
    ("submitted_on", "The date it was sent, in London (YYYY-MM-DD)"),
]
CHOICES = (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO)
SEVERAL = (QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING)
TEXTS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
XLSX_ROWS = 1_048_576  # a worksheet's rows, with its header
# A code a spreadsheet reads as a day and month (2-9 is 2 September), or a month and year.
DATE_LIKE = re.compile(r"^\d{1,4}[-/]\d{1,4}$")
# Stata keeps a name of at most 32 characters (a longer one becomes v1, v2...).
NAME_LENGTH = 32
# Words R, Stata or SPSS will not take as a column's name (names here are lower case).
RESERVED = frozenset((
    "if", "else", "repeat", "while", "function", "for", "next", "break", "in",  # R
    "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",  # SPSS
    "byte", "int", "long", "float", "double", "str", "strl", "using",  # Stata
))
HOLDS = {
    QuestionKind.NUMBER: "A whole number",
    QuestionKind.SHORT_TEXT: "Their words, as written",
    QuestionKind.LONG_TEXT: "Their words, as written",
    QuestionKind.POSTCODE: "The postcode's district only (its first part, such as NW1)",
    QuestionKind.DATE: "A date (YYYY-MM-DD)",
}


def shape(kind: QuestionKind) -> QuestionKind:
    """Kinds whose answers go in the same columns, the same way: one code, or words."""
    if kind in CHOICES:
        return QuestionKind.SINGLE_CHOICE
    if kind in TEXTS:
        return QuestionKind.SHORT_TEXT
    return kind


def name_part(text: str) -> str:
    """A key or code as part of a column name: 'knife-crime' -> 'knife_crime', '75+' ->
    '75_plus'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("+", "_plus")).strip("_") or "x"


def span(numbers: Iterable[int]) -> str:
    """Version numbers as words: [1, 2, 3, 5] -> '1 to 3, 5'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


@dataclass
class Asked:
    """One question key of one shape across the versions: the newest wording, every option code,
    and the columns it is written in."""

    key: str
    number: int  # its place in the newest version it appears in
    question: Question
    options: dict[str, str] = field(default_factory=dict)  # code -> label, newest first
    offered_in: dict[str, set[int]] = field(default_factory=dict)  # code -> version numbers
    versions: set[int] = field(default_factory=set)
    asks_other: bool = False
    question_ids: set[int] = field(default_factory=set)
    column: str = ""  # the question's own column (for one code, a number, words, a date)
    option_columns: dict[str, str] = field(default_factory=dict)  # code -> its column
    other_column: str = ""

    # The newest wording's kind, read once: the ORM attribute is read for every answer.
    kind: QuestionKind | None = None
    several: bool = False

    def __post_init__(self) -> None:
        self.kind = self.question.kind
        self.several = self.kind in SEVERAL

    def name(self, base: str) -> None:
        """Name its columns from `base`, each different from the others."""
        own: set[str] = set()

        def fresh(wanted: str) -> str:
            name, n = wanted, 2
            while name in own:
                name, n = f"{wanted}_{n}", n + 1
            own.add(name)
            return name

        self.column = "" if self.several else fresh(base)
        self.option_columns = ({code: fresh(f"{base}_{name_part(code)}")
                                for code in self.options} if self.several else {})
        self.other_column = fresh(f"{base}_other_text") if self.asks_other else ""

    def columns(self) -> list[str]:
        names = list(self.option_columns.values()) if self.several else [self.column]
        return names + ([self.other_column] if self.asks_other else [])


def reportable(question: Question) -> bool:
    """Not an equality monitoring question, wherever it sits."""
    return not question.section.is_equality and not (question.tag and question.tag.is_equality)


def questions_asked(questionnaire: Questionnaire) -> list[Asked]:
    """Every question key (and shape) any version asks, newest version's order first, then
    those only older versions asked, in theirs. Left out: every question of a key that any
    version treats as an equality question, and every question shown only after an answer to
    one (directly or through another condition)."""
    equality = {question.key for version in questionnaire.versions
                for question in version.ordered_questions() if not reportable(question)}

    def left_out(question: Question | None) -> bool:
        seen: set[int] = set()
        while question is not None and question.id not in seen:
            if question.key in equality or not reportable(question):
                return True
            seen.add(question.id)
            question = question.show_if_question
        return False

    asked: dict[tuple[str, QuestionKind], Asked] = {}
    for version in reversed(questionnaire.versions):
        for number, question in enumerate(version.ordered_questions(), start=1):
            if left_out(question):
                continue
            entry = asked.setdefault((question.key, shape(question.kind)),
                                     Asked(question.key, number, question))
            entry.question_ids.add(question.id)
            entry.versions.add(version.number)
            for option in question.options:
                entry.options.setdefault(option.value, option.label)
                entry.offered_in.setdefault(option.value, set()).add(version.number)
                entry.asks_other = entry.asks_other or option.asks_other
    return list(asked.values())


@dataclass
class Layout:
    asked: list[Asked]
    header: list[str]
    place: dict[str, int]  # column -> its index
    by_question: dict[int, Asked]  # question id (any version) -> its key's columns
    option_codes: dict[int, str]  # option id -> code
    offered: dict[int, list[str]]  # question id -> the codes it offered

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> Layout:
        asked = questions_asked(questionnaire)
        taken = {name for name, _ in FIXED}
        newest: set[str] = set()
        for entry in asked:
            # The newest kind of a key gets the key; an older kind, the last version asking it.
            base = name_part(entry.key)
            base = "q" + base if base[0].isdigit() else base
            base = f"q_{base}" if base in RESERVED else base
            if entry.key in newest:
                base = f"{base}_v{max(entry.versions)}"
            newest.add(entry.key)
            candidate, n = base, 2
            entry.name(candidate)
            while taken & set(entry.columns()):
                candidate, n = f"{base}_{n}", n + 1
                entry.name(candidate)
            taken.update(entry.columns())
        shorten(asked)
        header = [name for name, _ in FIXED] + [c for a in asked for c in a.columns()]
        by_question = {qid: a for a in asked for qid in a.question_ids}
        questions = [question for version in questionnaire.versions
                     for question in version.ordered_questions() if question.id in by_question]
        option_codes = {option.id: option.value
                        for question in questions for option in question.options}
        offered = {question.id: [option.value for option in question.options]
                   for question in questions}
        return cls(asked, header, {name: i for i, name in enumerate(header)}, by_question,
                   option_codes, offered)


def shorten(asked: list[Asked]) -> None:
    """Cut names longer than Stata keeps to its 32 characters, a cut name that would clash
    with another getting _2, _3 within them. Names that fit keep their names."""
    taken = {name for name, _ in FIXED} | {
        name for entry in asked for name in entry.columns() if len(name) <= NAME_LENGTH}

    def cut(name: str) -> str:
        if len(name) <= NAME_LENGTH:
            return name
        stem, n = name[:NAME_LENGTH].rstrip("_"), 2
        short = stem
        while short in taken:
            short = f"{stem[:NAME_LENGTH - len(str(n)) - 1].rstrip('_')}_{n}"
            n += 1
        taken.add(short)
        return short

    for entry in asked:
        entry.column = cut(entry.column) if entry.column else ""
        entry.option_columns = {code: cut(name) for code, name in entry.option_columns.items()}
        entry.other_column = cut(entry.other_column) if entry.other_column else ""


def _district(text: str) -> str:
    """A postcode answer's district; nothing for text not shaped like a postcode."""
    postcode = normalise_postcode(text)
    return postcode_district(postcode) if postcode else ""


def _cells(layout: Layout, answers: list) -> list:
    """The answer columns of one response's row, as values: codes and words as text, numbers,
    dates. Each file writes them its own way (`write`)."""
    row: list = [""] * len(layout.header)
    answered: set[int] = set()
    for question_id, option_id, rank, text, number, day in answers:
        asked = layout.by_question[question_id]
        answered.add(question_id)
        if option_id is not None:
            code = layout.option_codes[option_id]
            if asked.several:
                row[layout.place[asked.option_columns[code]]] = rank if rank is not None else 1
            else:
                row[layout.place[asked.column]] = code
            if text is not None and asked.asks_other:
                row[layout.place[asked.other_column]] = text
        elif asked.several:
            continue  # a choice without an option: nothing to write
        elif number is not None:
            row[layout.place[asked.column]] = number
        elif day is not None:
            row[layout.place[asked.column]] = day
        elif text is not None:
            value = _district(text) if asked.kind == QuestionKind.POSTCODE else text
            row[layout.place[asked.column]] = value
    # "Choose up to" questions: 0 for each option the answered question offered and the
    # person did not choose (an option their version did not offer stays empty).
    for question_id in answered:
        asked = layout.by_question[question_id]
        if asked.kind == QuestionKind.MULTIPLE_CHOICE:
            for code in layout.offered[question_id]:
                place = layout.place[asked.option_columns[code]]
                if row[place] == "":
                    row[place] = 0
    return row


def responses(questionnaire: Questionnaire, borough: Borough | None,
              layout: Layout) -> Iterator[list]:
    """Each response's row, in the order they arrived: one query, read a few thousand rows at a
    time (a response and its answers arrive together). Without a borough: London, every
    response to the questionnaire, with a borough or none."""
    in_area = [Response.borough_id == borough.id] if borough is not None else []
    names = dict(db.session.execute(select(Borough.id, Borough.name)).all())
    # Core rows, not the ORM's: a borough's file reads a few hundred thousand.
    rows = db.session.connection().execute(
        select(Response.id, Response.version_id, Response.channel, Response.borough_id,
               Response.submitted_at, Answer.question_id, Answer.option_id, Answer.rank,
               Answer.text, Answer.number, Answer.date)
        .outerjoin(Answer, and_(Answer.response_id == Response.id,
                                Answer.question_id.in_(layout.by_question)))
        .where(Response.questionnaire_id == questionnaire.id, *in_area)
        .order_by(Response.id, Answer.id)
        .execution_options(yield_per=2000))
    versions = {v.id: v.number for v in questionnaire.versions}
    current, fixed, answers, count = None, None, [], 0
    for response_id, version_id, channel, borough_id, submitted_at, *answer in rows:
        if response_id != current:
            if current is not None:
                yield fixed + _cells(layout, answers)[len(FIXED):]
            count += 1
            current, answers = response_id, []
            fixed = [count, versions[version_id], channel.value, names.get(borough_id, ""),
                     to_london(submitted_at).date()]
        if answer[0] is not None:
            answers.append(answer)
    if current is not None:
        yield fixed + _cells(layout, answers)[len(FIXED):]


def codebook(layout: Layout) -> Iterator[list[str]]:
    yield ["column", "question", "holds", "code", "meaning", "versions"]
    for name, holds in FIXED:
        yield [name, "", holds, "", "", ""]
    for asked in layout.asked:
        text = f"{asked.number}. {asked.question.text}"
        versions = span(asked.versions)
        if asked.kind in CHOICES:
            for code, label in asked.options.items():
                yield [asked.column, text, "The code of the answer chosen", code, label,
                       span(asked.offered_in[code])]
        elif asked.kind == QuestionKind.MULTIPLE_CHOICE:
            for code, label in asked.options.items():
                yield [asked.option_columns[code], text, "1 if chosen, 0 if not (empty: the "
                       "question was not answered, or their version did not offer it)", "",
                       label, span(asked.offered_in[code])]
        elif asked.kind == QuestionKind.RANKING:
            for code, label in asked.options.items():
                yield [asked.option_columns[code], text, "Its place in their order, 1 first "
                       "(empty: not placed, or the question was not answered)", "", label,
                       span(asked.offered_in[code])]
        else:
            yield [asked.column, text, HOLDS[asked.kind], "", "", versions]
        if asked.asks_other:
            yield [asked.other_column, text, "What they wrote for \"other, please say\"",
                   "", "", versions]


def date_like(layout: Layout) -> dict[str, str]:
    """Columns of codes Excel turns into dates when it opens a CSV file (2-9, 10-49), each
    with one such code."""
    return {asked.column: code for asked in layout.asked if asked.kind in CHOICES
            for code in reversed(asked.options) if DATE_LIKE.match(code)}


LONDON = "London (every borough, and responses that gave none)"


def about(questionnaire: Questionnaire, borough: Borough | None, made_at, count: int,
          keep_days: int, layout: Layout) -> str:
    dated = date_like(layout)
    excel = ([f"- Excel turns codes such as {next(iter(dated.values()))} into dates when it "
              "opens a CSV file itself: use responses.xlsx in Excel. To open the CSV file "
              "instead, start Excel, choose Data, From Text/CSV, then Transform Data, and set "
              f"these columns to Text: {', '.join(dated)} (and the code column of "
              "questions.csv)."]
             if dated else [])
    workbook = ("- responses.xlsx: both of those as an Excel workbook (sheets Responses and "
                "Questions), with codes kept as text, dates as dates and people's words as "
                "they wrote them. Use it in Excel; use the CSV files in R, Stata, SPSS or "
                "pandas." if count < XLSX_ROWS else
                "- There is no Excel workbook: the responses are more than a worksheet holds.")
    return "\n".join([
        f"{questionnaire.consultation.title}: {questionnaire.title}, "
        f"{borough.name if borough else LONDON}",
        f"{counted(count, 'response')}, as stored on {london_time(made_at)} (London time).",
        "",
        "What is in it",
        "- responses.csv: one row for each response, in the order they arrived, numbered from "
        "1, with a column for each question (for \"choose up to\" and ranking questions, a "
        "column for each option). Every version of the questionnaire is in the same columns. "
        "An empty cell means the question was not answered, or not asked.",
        "- questions.csv: what each column holds, what each code means, and which versions of "
        "the questionnaire asked each question and offered each option (a response to any "
        "other version has that column empty). A question whose kind changed between "
        "versions, say from \"choose up to 3\" to \"choose one\", has columns for each kind: "
        "the older ones are named with _v and the last version that asked it that way, such "
        "as help_v1.",
        workbook,
        "",
        "Opening it",
        "- Column names are letters, numbers and _ only, at most 32 characters long (a longer "
        "one is cut short), so R, Stata, SPSS and pandas keep them as they are, and they match "
        "the column names in questions.csv.",
        "- Both CSV files are UTF-8 with a byte order mark, which Excel needs to show "
        "accented letters. pandas and R's readr read them as they are; with R's read.csv use "
        "fileEncoding = \"UTF-8-BOM\", and with Python's csv module open them with "
        "encoding=\"utf-8-sig\".",
        "- In the CSV files, words people wrote that begin with =, +, - or @ have a ' put "
        "before them, so that a spreadsheet shows them rather than running them as a formula. "
        "Take it off if you need their exact words, and do not open the file in a "
        "spreadsheet after. The workbook has their exact words.",
        *excel,
        "",
        "What is left out, and why",
        "- The equality monitoring answers (ethnic group, age, disability), and the answers to "
        "any question shown only to people who gave a particular equality answer, which "
        "would give that answer away. They are never shown for one person; the report gives "
        "them as counts.",
        "- Names, email addresses, phone numbers and postal addresses, and reference numbers, "
        "which would link a response to the request that named the person.",
        "- The time of day: only the date is given. Postcodes are cut to their district (the "
        "first part, such as NW1): a full postcode can point to a handful of homes.",
        "",
        "Looking after it",
        "Comments are as people wrote them and may name someone. Keep this file on the "
        "council's or the force's own systems, share it only with people who need it, and "
        "delete it when you are done. A comment that reads like a crime report or a "
        "safeguarding concern is flagged on the report's comments page, for an officer to "
        f"follow up. engage deletes its own copy {counted(keep_days, 'day')} after it was "
        "asked for.",
        "",
    ])


def text_columns(layout: Layout) -> set[int]:
    """Where people's own words go: written as text cells, whatever they start with."""
    places = set()
    for asked in layout.asked:
        if asked.kind in TEXTS:
            places.add(layout.place[asked.column])
        if asked.asks_other:
            places.add(layout.place[asked.other_column])
    return places


class Workbook:
    """responses.xlsx: the same rows and codebook for Excel, where a code stays text (a CSV's
    2-9 becomes 2 September), a date is a date, and words starting with = are words, not a
    formula (text cells, not the CSV's apostrophe). Written as it goes (openpyxl's write-only
    mode keeps rows on disk, not in memory)."""

    def __init__(self, layout: Layout):
        self.book = OpenpyxlWorkbook(write_only=True)
        self.sheet = self.book.create_sheet("Responses")
        self.sheet.freeze_panes = "B2"
        self.sheet.append(self._bold(self.sheet, layout.header))
        self.words = text_columns(layout)

    @staticmethod
    def _bold(sheet, names) -> list:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            cells.append(cell)
        return cells

    def add(self, row: list) -> None:
        self.sheet.append([
            None if value == "" else
            text_cell(self.sheet, value) if place in self.words
            or (isinstance(value, str) and value.startswith(FORMULA_STARTS)) else value
            for place, value in enumerate(row)])

    def save(self, path: Path, layout: Layout) -> None:
        sheet = self.book.create_sheet("Questions")
        sheet.freeze_panes = "A2"
        header, *rows = codebook(layout)
        sheet.append(self._bold(sheet, header))
        for row in rows:
            sheet.append([text_cell(sheet, value) if value else None for value in row])
        self.book.save(path)


def write(path: Path, questionnaire: Questionnaire, borough: Borough | None, made_at,
          keep_days: int) -> int:
    """Write the ZIP at `path`; returns how many responses it holds."""
    layout = Layout.of(questionnaire)
    count = 0
    # A worksheet holds 1,048,576 rows: a borough's responses, but not London's many years'.
    rows_allowed = XLSX_ROWS - 1
    workbook = Workbook(layout)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # utf-8-sig: a BOM, so Excel reads accented names and words correctly.
        with archive.open("responses.csv", "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(layout.header)
            for row in responses(questionnaire, borough, layout):
                writer.writerow([spreadsheet_safe(value) if isinstance(value, str) else value
                                 for value in row])
                count += 1
                if count <= rows_allowed:
                    workbook.add(row)
        with archive.open("questions.csv", "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            # Options' words are staff's, and may start like a formula ("-5 or less").
            csv.writer(handle).writerows([spreadsheet_safe(value) for value in row]
                                         for row in codebook(layout))
        if count <= rows_allowed:
            book_path = path.with_name("responses.xlsx")
            workbook.save(book_path, layout)
            archive.write(book_path, "responses.xlsx")
            book_path.unlink()
        archive.writestr("about.txt", about(questionnaire, borough, made_at, count, keep_days,
                                             layout))
    return count
