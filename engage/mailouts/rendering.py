"""The printed questionnaire: cover letters and questions laid out for a pen, made with WeasyPrint
from the same questionnaire version the online form shows (never a second, hand-kept copy).

`printed_sections(version)` turns the version's questions into what the paper shows for each
kind (tick boxes, numbered boxes for a ranking, writing boxes, digit boxes). The questionnaire
is laid out once per run and format (`render_questionnaire`); `render_chunk` lays out a few
recipients' letters and the pages that carry their reference and QR code, and draws the
questionnaire onto those. A run is rendered chunk by chunk and the chunks joined
(engage.mailouts.files), so memory stays the same however big the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import segno
from flask import current_app, render_template
from markupsafe import Markup
from pypdf import PdfReader

from engage import pdf
from engage.boroughs.contact import Contact, contact_for
from engage.clock import to_london, utcnow
from engage.mailouts import assembly
from engage.mailouts.models import PaperFormat, PaperRequest, PrintRun
from engage.surveys.models import Question, QuestionKind, QuestionnaireVersion
from engage.surveys.questions import number_bounds

# Body text size in points for each format: standard print at least 12 pt, large print at
# least 16 pt (RNIB's guidance for both).
BODY_POINTS = {PaperFormat.STANDARD: 12, PaperFormat.LARGE_PRINT: 18, PaperFormat.EASY_READ: 16}


@dataclass
class PrintedOption:
    number: int  # printed beside its box: what the clerk types (engage.mailouts.keying_forms)
    label: str
    asks_other: bool = False
    exclusive: bool = False


@dataclass
class PrintedQuestion:
    number: int
    text: str
    help_text: str
    required: bool
    layout: str  # ticks, ranks, digits, line, lines, postcode, date
    instruction: str
    condition: str = ""
    options: list[PrintedOption] = field(default_factory=list)
    digits: int = 0
    several: bool = False  # more than one box may be ticked


@dataclass
class PrintedSection:
    title: str
    introduction: str
    is_equality: bool
    questions: list[PrintedQuestion]


def _quoted_labels(question: Question, values: list[str]) -> str:
    labels = [f"\u201c{o.label}\u201d" for o in question.options if o.value in values]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _digits_for(question: Question) -> int:
    largest = max(abs(question.min_value or 0), abs(question.max_value or 0))
    return max(len(str(largest)), 1) if question.max_value is not None else 6


def _printed(question: Question, number: int, numbers: dict[int, int]) -> PrintedQuestion:
    kind = question.kind
    # Numbered 1, 2, 3... in the question's order, as the keying screen counts them.
    options = [PrintedOption(n, o.label, o.asks_other, o.exclusive)
               for n, o in enumerate(question.options, start=1)]
    printed = PrintedQuestion(number=number, text=question.text, help_text=question.help_text,
                              required=question.required, layout="ticks", instruction="",
                              options=options)
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO):
        printed.instruction = "Tick one box."
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        printed.several = True
        printed.instruction = (f"Tick up to {question.max_choices} boxes."
                               if question.max_choices else "Tick all the boxes that apply.")
    elif kind == QuestionKind.RANKING:
        count = min(question.rank_count or len(options), len(options))
        printed.layout = "ranks"
        printed.instruction = (f"Write 1 in the box next to your first choice, 2 next to your "
                               f"second, and so on up to {count}. Leave the other boxes empty."
                               if count > 1 else "Write 1 in the box next to your choice.")
    elif kind == QuestionKind.NUMBER:
        printed.layout = "digits"
        printed.digits = _digits_for(question)
        printed.instruction = (f"Write a whole number{number_bounds(question, 'of')}, one "
                               "digit in each box.")
    elif kind == QuestionKind.SHORT_TEXT:
        printed.layout = "line"
        printed.instruction = "Write your answer in the box."
    elif kind == QuestionKind.LONG_TEXT:
        printed.layout = "lines"
        printed.instruction = "Write your answer in the box. You can add a sheet if you need."
    elif kind == QuestionKind.POSTCODE:
        printed.layout = "postcode"
        printed.instruction = "Write the postcode, one letter or number in each box."
    elif kind == QuestionKind.DATE:
        printed.layout = "date"
        printed.instruction = "Write the day, month and year in numbers, like 27 03 2027."
    condition = question.show_if_question
    if condition is not None and condition.id in numbers:
        printed.condition = (f"Answer this only if you answered "
                             f"{_quoted_labels(condition, question.show_if_values)} to "
                             f"question {numbers[condition.id]}. If not, go to the next "
                             "question.")
    return printed


def printed_sections(version: QuestionnaireVersion) -> list[PrintedSection]:
    """Every section and question of the version, numbered 1, 2, 3... across the paper."""
    numbers = {q.id: n for n, q in enumerate(version.ordered_questions(), start=1)}
    return [PrintedSection(title=s.title, introduction=s.introduction,
                           is_equality=s.is_equality,
                           questions=[_printed(q, numbers[q.id], numbers) for q in s.questions])
            for s in version.sections]


QR_POINTS = 56  # about 20 mm: easy for a phone or a desk scanner to read


def qr_svg(reference: str, points: int) -> Markup:
    """The reference as a QR code, an inline SVG `points` wide (quiet zone included)."""
    code = segno.make(reference, error="m")
    svg = code.svg_inline(scale=1, border=4, omitsize=True)
    # segno writes this SVG from the reference alone, whose characters are our own alphabet.
    return Markup(svg.replace("<svg ", f'<svg width="{points}pt" height="{points}pt" ', 1))  # noqa: S704


@dataclass(frozen=True)
class RunContext:
    """What every recipient of a run shares: worked out once per run, not once per chunk."""

    run: PrintRun
    sections: list[PrintedSection]
    closing_date: str
    letter_date: str
    freepost: list[str]
    retention_days: int
    contact: Contact  # the borough's, or the service's when it has none (the letter's From)


def run_context(run: PrintRun) -> RunContext:
    consultation = run.questionnaire.consultation
    # "Send it back by" is the last day before the closing moment, in London.
    last_day = to_london(consultation.closes_at - timedelta(seconds=1))
    today = to_london(utcnow())
    config = current_app.config
    return RunContext(
        run=run, sections=printed_sections(run.version),
        closing_date=f"{last_day.day} {last_day:%B %Y}",
        letter_date=f"{today.day} {today:%B %Y}",
        freepost=[line.strip() for line in config["ENGAGE_PAPER_FREEPOST_ADDRESS"].split("|")
                  if line.strip()],
        retention_days=config["ENGAGE_PAPER_RETENTION_DAYS"],
        contact=contact_for(run.borough))


def _page_html(name: str, context: RunContext, paper_format: PaperFormat, **extra) -> str:
    run = context.run
    return render_template(
        f"mailouts/print/{name}", context=context, run=run, format=paper_format,
        formats=PaperFormat, body_points=BODY_POINTS[paper_format],
        consultation=run.questionnaire.consultation, questionnaire=run.questionnaire,
        borough=run.borough, **extra)


def render_questionnaire(context: RunContext, paper_format: PaperFormat, target: Path) -> None:
    """Lay the questionnaire out once for a run and format, to `target`: every recipient's
    copy is these pages (engage.mailouts.assembly), so a big run costs no more layout."""
    partial = target.with_suffix(".partial")
    pdf.document(_page_html("questionnaire.html", context, paper_format)).write_pdf(partial)
    partial.replace(target)


def render_chunk(context: RunContext, paper_format: PaperFormat,
                 requests: list[PaperRequest], questionnaire: Path, target: Path) -> int:
    """Write one PDF for these recipients (all of one format) to `target`: each one's letter,
    then the questionnaire's pages under their reference and QR code. Returns its pages."""
    template = PdfReader(questionnaire)
    recipients = [{"request": r, "qr": qr_svg(r.reference, QR_POINTS)} for r in requests]
    html = _page_html("letters.html", context, paper_format, recipients=recipients,
                      questionnaire_pages=len(template.pages))
    letters = pdf.document(html).render()
    # Each recipient's first questionnaire page holds the anchor named for it (letters.html).
    starts = [index for index, page in enumerate(letters.pages)
              if any(name.startswith("questionnaire-") for name in page.anchors)]
    if len(starts) != len(requests):
        raise RuntimeError(f"found {len(starts)} recipients' questionnaires for {len(requests)}")
    return assembly.assemble(letters.write_pdf(), template, starts, target)
