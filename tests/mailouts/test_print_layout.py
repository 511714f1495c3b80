"""The paper questionnaire as its reader holds it: type large enough in every format, nothing
off the edge of the paper, words that wrap starting under the words (not under a box's
number), and nothing a reader needs left on one page with what it belongs to on the next."""

from __future__ import annotations

import io
import re

import pypdfium2
from pypdf import PdfReader
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files
from engage.mailouts.models import PaperRequest, PrintRun, RequestStatus
from engage.surveys.models import QuestionnaireVersion
from tests.mailouts.support import make_consultation, pdf_pages, record, sign_in
from tests.mailouts.test_keying_support import all_kinds
from tests.mailouts.test_print_runs import _sizes, squash, start_run

MM = 72 / 25.4  # points in a millimetre


def printed(client, app, run_tasks, questionnaire_id: int, formats: dict[str, str]
            ) -> tuple[bytes, dict[str, str]]:
    """A print run of this questionnaire for one person in each format ({name: format}):
    the PDF and each one's reference, by name."""
    sign_in(client, app, officer="camden")
    for n, (name, paper_format) in enumerate(formats.items()):
        record(client, questionnaire_id, name=name, format=paper_format,
               postcode=f"WC1H {n}AG")
    start_run(client)
    run_tasks()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        references = {name: reference for name, reference in db.session.execute(
            select(PaperRequest.name, PaperRequest.reference))}
        return files.read(run, run.pdf_name), references


def residents(app) -> int:
    return make_consultation(app)["residents"]


def every_kind(app) -> int:
    made = all_kinds(app)
    with app.app_context():
        return db.session.get(QuestionnaireVersion, made.version_id).questionnaire_id


def pages_of(data: bytes, reference: str) -> list[int]:
    return [n for n, text in enumerate(pdf_pages(data)) if reference in text]


def boxes(data: bytes, index: int, first: str, last: str) -> list[tuple[float, ...]]:
    """(left, bottom, right, top) in points of each character drawn on a page from the first
    word to the last, line breaks and all."""
    document = pypdfium2.PdfDocument(data)
    try:
        text = document[index].get_textpage()
        start, _ = text.search(first).get_next()
        end, count = text.search(last, index=start).get_next()
        found = []
        for i in range(start, end + count):
            if text.get_text_range(i, 1).strip():
                found.append(text.get_charbox(i))
        return found
    finally:
        document.close()


def starts_under_itself(found: list[tuple[float, ...]]) -> bool:
    """True if every line of these characters starts where the first line starts (or to its
    right), and there is more than one line (so there is a wrap to check)."""
    left = found[0][0]
    lines = {round(box[1]) for box in found}
    return len(lines) > 1 and min(box[0] for box in found) >= left - 2


def test_standard_print_is_at_least_12_point(client, app, run_tasks):
    data, _ = printed(client, app, run_tasks, residents(app), {"Ada Lovelace": "standard"})
    sizes = [size for page in PdfReader(io.BytesIO(data)).pages for size, _ in _sizes(page)]
    assert sizes and min(sizes) >= 12


def test_question_numbers_stand_apart_from_their_questions_in_large_print(
        client, app, run_tasks):
    data, _ = printed(client, app, run_tasks, residents(app), {"Large Person": "large-print"})
    text = squash(" ".join(pdf_pages(data)))
    # "10.What is your ethnic group?" was printed with the number touching the words.
    assert "10. What is your ethnic group? (optional)" in text
    assert not re.search(r"\b\d+\.[A-Z]", text)


def test_the_large_print_letter_keeps_every_word_on_the_paper(client, app, run_tasks):
    data, references = printed(client, app, run_tasks, residents(app),
                               {"Large Person": "large-print"})
    letter = pages_of(data, references["Large Person"])[0]
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[letter]
        text, width = page.get_textpage(), page.get_width()
        rights = [text.get_charbox(i)[2] for i in range(text.count_chars())
                  if text.get_text_range(i, 1).strip()]
    finally:
        document.close()
    # The contact email, at 18 pt, ran past the right-hand edge of the sheet.
    assert max(rights) <= width - 18 * MM + 1
    assert "engagement@" in pdf_pages(data)[letter]
    # The date to send it back by is never broken across two lines.
    closing = re.search(r"provided by\s+(\d+\s+\w+\s+\d{4})", pdf_pages(data)[letter])
    assert closing and "\n" not in closing.group(1)


def test_the_easy_read_letter_keeps_the_address_with_the_words_that_introduce_it(
        client, app, run_tasks):
    data, _ = printed(client, app, run_tasks, residents(app), {"Easy Person": "easy-read"})
    pages = pdf_pages(data)
    introduces = next(n for n, text in enumerate(pages) if "The envelope goes to:" in text)
    assert "Freepost HAVE YOUR SAY LONDON" in pages[introduces]


def rightmost(data: bytes, index: int) -> tuple[float, float]:
    """How far right anything (words, boxes, lines) is drawn on a page, and where its
    right-hand margin starts, in points."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[index]
        # What is drawn, not the frames it is drawn in (each questionnaire page is one).
        drawn = [o for o in page.get_objects(max_depth=5)
                 if o.type != pypdfium2.raw.FPDF_PAGEOBJ_FORM]
        return max(o.get_bounds()[2] for o in drawn), page.get_width() - 18 * MM
    finally:
        document.close()


def test_option_words_that_wrap_start_under_the_words(client, app, run_tasks):
    data, references = printed(client, app, run_tasks, residents(app),
                               {"Ada Lovelace": "standard"})
    pages = pdf_pages(data)
    page = next(n for n, text in enumerate(pages) if "Serious violence involving" in text)
    # In two columns, "young people" went onto a line of its own under the box's number.
    assert starts_under_itself(boxes(data, page, "Serious violence", "people"))
    # The line to write "something else" on stays inside its column (it ran past the margin).
    other = next(n for n, text in enumerate(pages) if "please say" in text)
    drawn, margin = rightmost(data, other)
    assert drawn <= margin + 1


def test_the_consent_box_goes_over_with_its_section_heading(client, app, run_tasks):
    data, references = printed(client, app, run_tasks, every_kind(app),
                               {"Large Person": "large-print"})
    pages = pdf_pages(data)
    heading = next(n for n, text in enumerate(pages) if "About you (optional)" in text)
    # Left at the foot of one page with the consent box at the top of the next, the box read
    # as a question with no heading.
    assert "Tick this box if you agree" in pages[heading]
    # Its words run under themselves, not under the box.
    assert starts_under_itself(boxes(data, heading, "Tick this box", "this section."))


def test_the_paper_promises_only_what_keying_keeps(client, app, run_tasks):
    """The optional section's words on paper: the clerk keys a form by its reference, with the
    answers to the optional questions on the same page, so the paper must not promise they
    are never shown with the reference. They are never shown with the name."""
    data, references = printed(client, app, run_tasks, every_kind(app),
                               {"Ada Lovelace": "standard"})
    text = squash(" ".join(pdf_pages(data)))
    assert "Your answers are never shown with your name." in text
    assert "or reference" not in text
    with app.app_context():  # the run is posted
        db.session.execute(update(PaperRequest).values(status=RequestStatus.POSTED,
                                                       posted_at=utcnow()))
        db.session.commit()
    key_page = client.get(f"/staff/boroughs/camden/paper/keying/{references['Ada Lovelace']}")
    assert key_page.status_code == 200
    html = key_page.get_data(as_text=True)
    assert references["Ada Lovelace"] in html and "equality_consent" in html
    assert "Ada Lovelace" not in html
