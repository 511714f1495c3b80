"""Print runs: gathered by the button and by beat, rendered by the worker into one PDF made
from the questionnaire version itself, with the reference and its QR code on every page, large
print really large, address labels beside it; posting; and rendering that is safe to repeat."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engage import clock
from engage.config import build_config
from engage.extensions import db
from engage.mailouts import files, operations, tasks
from engage.mailouts.models import PaperRequest, PrintRun, RequestStatus, RunStatus
from engage.surveys.models import QuestionKind, Questionnaire
from tests.factories import borough
from tests.helpers import page_text
from tests.mailouts.support import (
    BASE,
    count,
    make_consultation,
    on_a_working_day,
    pdf_pages,
    qr_codes,
    record,
    sign_in,
)

CAMDEN = BASE.format("camden")


def squash(text: str) -> str:
    """Text as words: the PDF breaks lines anywhere, after a hyphen too ("day-to-" / "day")."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))


def start_run(client) -> str:
    """Press "Start a print run now"; returns the run page's address."""
    response = client.submit(CAMDEN + "/runs", form_page=CAMDEN)
    assert response.status_code == 302
    return response.headers["Location"]


def references(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(PaperRequest.reference)
                                       .order_by(PaperRequest.format, PaperRequest.id)))


def test_a_print_run_holds_every_question_of_the_version_and_the_reference(
        client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, clerk="camden")
    record(client, ids["residents"])
    record(client, ids["residents"], name="Grace Hopper", address_line_1="3 Flat, 1 Judd St",
           postcode="WC1H 9NE")
    run_url = start_run(client)
    waiting = client.get(run_url)
    assert "0 of 2 copies prepared" in page_text(waiting)
    # The count is read again every 10 seconds by a script; the page never reloads itself
    # (a meta refresh would take a screen reader user back to the top: WCAG 2.2.1).
    assert 'id="run-progress"' in waiting.get_data(as_text=True)
    assert 'http-equiv="refresh"' not in waiting.get_data(as_text=True)
    assert [name for name, _ in run_tasks()] == ["engage.mailouts.render_print_run"]

    page = client.get(run_url)
    assert "Ready to print" in page_text(page)
    assert 'id="run-progress"' not in page.get_data(as_text=True)
    pdf = client.get(run_url + "/print-run.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = pdf_pages(pdf.data)
    pdf.close()
    text = squash(" ".join(pages))
    with app.app_context():
        version = db.session.get(Questionnaire, ids["residents"]).current_version
        questions = version.ordered_questions()
        assert len(questions) > 10
        for question in questions:
            assert squash(question.text) in text, question.key
            for option in question.options:
                assert squash(option.label) in text, (question.key, option.value)
        run = db.session.scalar(select(PrintRun))
        assert run.page_count == len(pages) and run.version_id == version.id
    for reference in references(app):
        assert reference in text
    # Each recipient's pages carry their own reference, on every page.
    first, second = references(app)
    assert all(first in p or second in p for p in pages)
    assert "not the way to report a crime" in text and "999" in text and "101" in text
    assert "Freepost HAVE YOUR SAY LONDON" in text
    assert "(optional)" in text and "Tick this box if you agree" in text

    labels = client.get(run_url + "/labels.csv")
    rows = list(csv.reader(io.StringIO(labels.get_data(as_text=True).lstrip("\ufeff"))))
    labels.close()
    assert labels.headers["Cache-Control"] == "private, no-store"  # names and addresses
    assert rows[0][:2] == ["Reference", "Name"]
    assert [r[0] for r in rows[1:]] == references(app)
    assert rows[2][1:6] == ["Grace Hopper", "3 Flat, 1 Judd St", "", "London", "WC1H 9NE"]


def test_each_kind_of_question_is_laid_out_for_a_pen(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    start_run(client)
    run_tasks()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        data = files.read(run, run.pdf_name)
        questions = run.version.ordered_questions()
        numbers = {q.id: n for n, q in enumerate(questions, start=1)}
        expected = []
        for question in questions:
            if question.show_if_question:
                wanted = question.show_if_question.option(question.show_if_values[0]).label
                expected.append(f"{numbers[question.id]}. {squash(question.text)}")
                expected.append(f"Answer this only if you answered \u201c{wanted}\u201d to "
                                f"question {numbers[question.show_if_question_id]}. If not, "
                                "go to the next question.")
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                expected.append(f"Tick up to {question.max_choices} boxes."
                                if question.max_choices else "Tick all the boxes that apply.")
            if question.kind == QuestionKind.RANKING:
                expected.append("Write 1 in the box next to your first choice, 2 next to your "
                                f"second, and so on up to {question.rank_count}.")
            if question.kind == QuestionKind.MULTIPLE_CHOICE and any(
                    o.exclusive for o in question.options):
                label = next(o.label for o in question.options if o.exclusive)
                expected.append(f"{label} (tick this box on its own)")
            if not question.required:
                expected.append(f"{squash(question.text)} (optional)")
    text = squash(" ".join(pdf_pages(data)))
    assert any("Answer this only if" in e for e in expected)
    assert any("Write 1 in the box" in e for e in expected)
    for words in expected:
        assert words in text, words


def test_the_qr_code_on_every_page_decodes_to_the_reference_printed_there(
        client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    record(client, ids["businesses"], name="Alan Turing", postcode="WC1N 1AB")
    start_run(client)
    run_tasks()
    with app.app_context():
        runs = db.session.scalars(select(PrintRun).order_by(PrintRun.id)).all()
        assert len(runs) == 2  # one per questionnaire version
        data = files.read(runs[0], runs[0].pdf_name)
        reference = runs[0].requests[0].reference
    texts, codes = pdf_pages(data), qr_codes(data)
    assert len(codes) >= 3
    for text, found in zip(texts, codes, strict=True):
        assert found == [reference]
        assert reference in text


def _sizes(page) -> list[tuple[float, str]]:
    """(size in points, text) of every piece of text drawn on a PDF page."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1
            found.append((round(size * scale, 1), text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def test_large_print_is_at_least_16_point(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"], format="large-print")
    record(client, ids["residents"], name="Standard Person", postcode="WC1N 2AB")
    start_run(client)
    run_tasks()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        data = files.read(run, run.pdf_name)
        large = db.session.scalar(select(PaperRequest).where(
            PaperRequest.format == "large-print"))
        # The address in the envelope window is for the postman, not the reader.
        address, reference = {large.name, *large.address_lines}, large.reference
    pages = PdfReader(io.BytesIO(data)).pages
    large_sizes, standard_sizes = [], []
    for page in pages:
        sizes = _sizes(page)
        target = large_sizes if reference in page.extract_text() else standard_sizes
        target.extend(s for s, text in sizes if text not in address)
    assert large_sizes and min(large_sizes) >= 16
    assert standard_sizes and min(standard_sizes) < 16  # the check can tell them apart


def test_posting_a_run_moves_its_requests_on(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    run_url = start_run(client)
    early = client.submit(run_url + "/posted", form_page=run_url, follow_redirects=True)
    assert "only a run that is ready to print can be marked as posted" in page_text(early)
    run_tasks()
    posted = client.submit(run_url + "/posted", form_page=run_url, follow_redirects=True)
    assert "1 request is now posted" in page_text(posted)
    with app.app_context():
        paper = db.session.scalar(select(PaperRequest))
        assert paper.status == RequestStatus.POSTED and paper.posted_at is not None
        assert paper.in_print_run_at <= paper.posted_at
        assert db.session.scalar(select(PrintRun)).status == RunStatus.POSTED
        request_url = f"{CAMDEN}/requests/{paper.id}"
    undelivered = client.submit(request_url + "/undeliverable", form_page=request_url,
                                follow_redirects=True)
    assert "marked as undeliverable" in page_text(undelivered)
    for step in ("In a print run", "Posted", "Undeliverable"):
        assert step in page_text(undelivered)  # each step, with its date
    with app.app_context():
        paper = db.session.scalar(select(PaperRequest))
        assert paper.status == RequestStatus.UNDELIVERABLE and paper.undeliverable_at
        operations.mark_returned(paper)  # it turned up after all, and was keyed in
        assert paper.status == RequestStatus.RETURNED and paper.returned_at
        with pytest.raises(operations.NotAllowed):
            operations.move(paper, RequestStatus.POSTED)


def test_gathering_and_rendering_twice_make_one_run(client, app, run_tasks, monkeypatch):
    on_a_working_day(monkeypatch)  # so that nothing is gathered for want of requests
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    start_run(client)
    again = client.submit(CAMDEN + "/runs", form_page=CAMDEN, follow_redirects=True)
    assert "There are no requests waiting to be printed" in page_text(again)
    with app.app_context():
        assert tasks.gather_print_runs.apply().get() == 0
        run_id = db.session.scalar(select(PrintRun.id))
    run_tasks()
    with app.app_context():
        assert tasks.render_print_run.apply(args=[run_id]).get() == "skipped"
        run = db.session.get(PrintRun, run_id)
        assert (count(PrintRun), run.status, run.attempts) == (1, RunStatus.READY, 1)
        assert files.names(run_id) == [f"print-run-{run_id}-labels.csv",
                                       f"print-run-{run_id}.pdf"]


def test_a_run_stopped_part_way_resumes_where_it_stopped(client, app, run_tasks, monkeypatch):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    for n in range(5):
        record(client, ids["residents"], name=f"Person {n}", address_line_1=f"{n} Judd Street")
    start_run(client)
    monkeypatch.setattr(tasks, "CHUNK", 2)
    real = tasks.render_chunk
    calls = []

    def failing_second_time(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(tasks, "render_chunk", failing_second_time)
    assert [r for r in run_tasks()]  # the render task ran and stopped part way
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        assert (run.status, run.rendered_count, run.attempts) == (RunStatus.RENDERING, 2, 1)
        assert "disk full" in run.last_error
        # What the stopped worker finished is kept in the database, not on its own disk (its
        # scratch folder is gone): a worker on another machine resumes from it.
        assert files.names(run.id) == ["part-000000.pdf", "questionnaire-standard.pdf"]
        # The sweeper leaves it until its retry time, then queues it again.
        assert tasks.sweep_print_runs.apply().get() == 0
        run.lease_until = run.lease_until.replace(year=2000)
        db.session.commit()
        assert tasks.sweep_print_runs.apply().get() == 1
    run_tasks()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        assert (run.status, run.rendered_count) == (RunStatus.READY, 5)
        data = files.read(run, run.pdf_name)
    # Chunks of two: the first, the failed second, then the second and third again.
    assert len(calls) == 4
    text = " ".join(pdf_pages(data))
    assert [text.count(f"Dear Person {n},") for n in range(5)] == [1] * 5  # each letter once
    for reference in references(app):
        assert reference in text


def test_beat_gathers_nothing_on_a_bank_holiday(client, app, monkeypatch):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    # Christmas Day 2026 is a Friday, and Monday 28 December the Boxing Day holiday.
    for holiday in (datetime(2026, 12, 25, 7, 30), datetime(2026, 12, 28, 7, 30)):
        monkeypatch.setattr(clock, "utcnow", lambda moment=holiday: moment)
        with app.app_context():
            assert tasks.gather_print_runs.apply().get() == 0
            assert db.session.scalars(select(PrintRun)).all() == []
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 29, 7, 30))
    with app.app_context():
        assert tasks.gather_print_runs.apply().get() == 1


def test_beat_gathers_each_borough_and_leaves_what_cannot_be_printed(client, app, run_tasks,
                                                                    monkeypatch):
    on_a_working_day(monkeypatch)
    ids = make_consultation(app)
    later = make_consultation(app, opens_in_days=3, closes_in_days=40)
    sign_in(client, app, officer=["camden", "hackney"])
    record(client, ids["residents"])
    record(client, ids["residents"], postcode="E8 1AA")
    record(client, ids["residents"], name="Someone Else", format="other-language",
           language="Polish")
    record(client, later["residents"], name="Early Bird")
    with app.app_context():
        assert tasks.gather_print_runs.apply().get() == 2
        runs = db.session.scalars(select(PrintRun)).all()
        assert sorted(r.borough.slug for r in runs) == ["camden", "hackney"]
        waiting = {p.name: p.status for p in db.session.scalars(
            select(PaperRequest).where(PaperRequest.print_run_id.is_(None)))}
        assert waiting == {"Someone Else": RequestStatus.REQUESTED,
                           "Early Bird": RequestStatus.REQUESTED}
    schedule = build_config({"ENGAGE_ENV": "test"})["CELERY"]["beat_schedule"]
    assert schedule["paper-print-runs"]["schedule"].day_of_week == {1, 2, 3, 4, 5}


def test_easy_read_asks_one_question_a_page(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"], format="easy-read")
    start_run(client)
    run_tasks()
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        data = files.read(run, run.pdf_name)
        headings = [f"{n}. {squash(q.text)}"
                    for n, q in enumerate(run.version.ordered_questions(), start=1)]
    pages = [squash(text) for text in pdf_pages(data)]
    where = [[index for index, text in enumerate(pages) if heading in text]
             for heading in headings]
    assert all(len(found) == 1 for found in where), where  # each question printed once
    assert len({found[0] for found in where}) == len(headings)  # each on a page of its own
    assert "You asked us for this questionnaire." in pages[0]  # the letter in short sentences


def test_the_letter_says_whom_to_contact_even_when_the_borough_has_no_details(
        client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, clerk=["camden", "hackney"])
    with app.app_context():  # Camden has no details of its own; Hackney only a telephone
        borough("hackney").contact_phone = "020 7946 0456"
        db.session.commit()
    record(client, ids["residents"])
    record(client, ids["residents"], slug="hackney", postcode="E8 1DY")
    start_run(client)
    hackney = client.submit(BASE.format("hackney") + "/runs", form_page=BASE.format("hackney"))
    assert hackney.status_code == 302
    run_tasks()
    with app.app_context():
        letters = {run.borough.slug: squash(pdf_pages(files.read(run, run.pdf_name))[0])
                   for run in db.session.scalars(select(PrintRun))}
    email, phone = app.config["ENGAGE_CONTACT_EMAIL"], app.config["ENGAGE_CONTACT_PHONE"]
    assert (f"Camden community engagement team Contact us through the engage team: "
            f"Telephone {phone} {email}") in letters["camden"]
    assert "Hackney community engagement team Telephone 020 7946 0456" in letters["hackney"]
    assert email not in letters["hackney"] and phone not in letters["hackney"]
