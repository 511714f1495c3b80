"""Response files for analysts: asked for on a borough's report, made by a worker, downloaded as
a ZIP of responses.csv, questions.csv and about.txt; never with the equality answers or
anything that finds a person; for the borough's officers and analysts; audited; deleted after
ENGAGE_RESPONSE_FILE_DAYS."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from engage import storage
from engage.audit.models import AuditEvent
from engage.clock import utcnow
from engage.datasets import building, tasks
from engage.datasets.models import FileStatus, ResponseFile
from engage.extensions import db
from engage.surveys.models import (
    Channel,
    Consultation,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
)
from engage.surveys.responses import new_key, store_response
from tests.factories import PASSWORD, borough, create_admin, create_user
from tests.helpers import Browser, csrf_token, page_text
from tests.reports.support import CONFIDENCE, ETHNIC, PRIORITIES
from tests.surveys.support import add_question, add_section

SLUG = "have-your-say-2027"
PAGE = f"/staff/boroughs/camden/reports/{SLUG}/responses"
HEADER = ["response", "version", "channel", "borough", "submitted_on", "priorities_burglary",
          "priorities_robbery", "priorities_knife_crime", "priorities_anti_social_behaviour",
          "confidence", "help_more_patrols", "help_cctv", "help_other", "help_other_text",
          "postcode", "comments", "years", "incident"]
HELP = (("more-patrols", "More patrols"), ("cctv", "CCTV"),
        {"value": "other", "label": "Something else", "asks_other": True})


def _questionnaire(app) -> dict[str, int]:
    """Residents' questionnaire, version 1 and version 2 (which added an option and a question),
    with every kind a file writes differently, and the equality section."""
    with app.app_context():
        consultation = Consultation(slug=SLUG, title="Have your say 2027/28",
                                    opens_at=utcnow() - timedelta(days=10),
                                    closes_at=utcnow() + timedelta(days=20), all_boroughs=True)
        questionnaire = Questionnaire(consultation=consultation, audience="residents",
                                      title="Residents' questionnaire")
        ids = {}
        for number in (1, 2):
            version = QuestionnaireVersion(number=number, questionnaire=questionnaire)
            db.session.add(version)
            main = add_section(version, "Policing in your area")
            add_question(main, "priorities", QuestionKind.RANKING, "What should the police "
                         "focus on?", PRIORITIES, tag=ReportingTag.PRIORITIES, rank_count=3)
            add_question(main, "confidence", QuestionKind.RATING, "How good a job?", CONFIDENCE,
                         tag=ReportingTag.CONFIDENCE, required=False)
            add_question(main, "help", QuestionKind.MULTIPLE_CHOICE, "What would help?",
                         HELP if number == 2 else HELP[:1] + HELP[2:], max_choices=2,
                         required=False)
            add_question(main, "postcode", QuestionKind.POSTCODE, "Your postcode",
                         required=False)
            add_question(main, "comments", QuestionKind.LONG_TEXT, "Anything else?",
                         required=False)
            if number == 2:
                add_question(main, "years", QuestionKind.NUMBER, "Years lived here",
                             required=False)
                add_question(main, "incident", QuestionKind.DATE, "When?", required=False)
            about = add_section(version, "About you", is_equality=True)
            add_question(about, "ethnic-group", QuestionKind.SINGLE_CHOICE, "Ethnic group",
                         ETHNIC, tag=ReportingTag.ETHNIC_GROUP, required=False)
            db.session.flush()
            ids[number] = version.id
        db.session.commit()
        return ids


def _respond(version_id: int, answers: dict, *, slug: str | None = "camden",
             consent: bool = False,
             channel: Channel = Channel.ONLINE, at: datetime | None = None) -> None:
    response = store_response(db.session.get(QuestionnaireVersion, version_id), answers,
                              idempotency_key=new_key(), borough=borough(slug) if slug else None,
                              channel=channel,
                              equality_consent=consent)
    if at is not None:
        response.submitted_at = at


@pytest.fixture
def responses(app) -> dict[str, int]:
    ids = _questionnaire(app)
    with app.app_context():
        _respond(ids[1], {"priorities": {"ranked": ["robbery", "burglary", "knife-crime"]},
                          "confidence": {"option": "good"},
                          "help": {"options": ["more-patrols", "other"],
                                   "other": "=HYPERLINK(\"x\") lights on the estate"},
                          "postcode": {"postcode": "NW1 2DB"},
                          "comments": {"text": "Mrs Smith at number 4 deals drugs"},
                          "ethnic-group": {"option": "black"}},
                 consent=True, channel=Channel.PAPER,
                 at=datetime(2027, 4, 10, 23, 30))  # 11 April in London (BST)
        _respond(ids[2], {"priorities": {"ranked": ["knife-crime", "robbery", "burglary"]},
                          "help": {"options": ["cctv"]}, "years": {"number": 12},
                          "incident": {"date": "2027-01-05"}})
        _respond(ids[2], {"priorities": {"ranked": ["burglary", "robbery", "knife-crime"]}},
                 slug="hackney")  # another borough's: never in Camden's file
        db.session.commit()
    return ids


def _analyst(app, email="analyst@example.org", **roles):
    with app.app_context():
        create_user(email=email, roles=roles or {"analyst": "camden"})
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def _questionnaire_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Questionnaire.id))


def _ask(browser, app, run_tasks):
    asked = browser.submit(PAGE, {"questionnaire": _questionnaire_id(app)})
    assert asked.status_code == 302 and asked.location.endswith(PAGE)
    return [name for name, _ in run_tasks()]


def _download(browser, app) -> tuple[zipfile.ZipFile, object]:
    page = browser.get(PAGE)
    link = next(line.split('"')[0] for line in page.get_data(as_text=True).split('href="')
                if line.startswith(PAGE + "/"))
    response = browser.get(link)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data)), response


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_an_analyst_downloads_the_borough_s_responses_as_data(app, responses, run_tasks):
    browser = _analyst(app)
    report = browser.get(f"/staff/boroughs/camden/reports/{SLUG}")
    assert f'href="{PAGE}">Download the responses</a>' in report.get_data(as_text=True)
    page = page_text(browser.get(PAGE))
    assert "Download the responses" in page and "equality monitoring answers" in page
    assert "No files have been asked for in the last 7 days." in page

    assert _ask(browser, app, run_tasks) == ["engage.datasets.make_response_file"]
    page = page_text(browser.get(PAGE))
    assert "Residents' questionnaire" in page and "2 responses, ZIP" in page

    archive, response = _download(browser, app)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename={SLUG}-camden-residents-responses-')
    assert sorted(archive.namelist()) == ["about.txt", "questions.csv", "responses.csv",
                                          "responses.xlsx"]
    rows = _csv(archive, "responses.csv")
    header = rows[0]
    # The newest version's order, a column for each option of a ranking or "choose up to"
    # question, one for "other, please say"; the equality section left out.
    assert header == HEADER
    assert len(rows) == 3  # Hackney's response is not in Camden's file
    first, second = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert first == {
        "response": "1", "version": "1", "channel": "paper", "borough": "Camden",
        "submitted_on": "2027-04-11",
        "priorities_burglary": "2", "priorities_robbery": "1", "priorities_knife_crime": "3",
        "priorities_anti_social_behaviour": "", "confidence": "good",
        # CCTV was not offered in version 1: not "0", not chosen, but empty.
        "help_more_patrols": "1", "help_cctv": "", "help_other": "1",
        # "Other, please say" in their words, made safe to open in a spreadsheet.
        "help_other_text": "'=HYPERLINK(\"x\") lights on the estate",
        "postcode": "NW1", "comments": "Mrs Smith at number 4 deals drugs", "years": "",
        "incident": ""}
    assert second["version"] == "2" and second["priorities_knife_crime"] == "1"
    assert (second["help_cctv"], second["help_more_patrols"], second["years"],
            second["incident"], second["confidence"]) == ("1", "0", "12", "2027-01-05", "")
    text = archive.read("responses.csv").decode("utf-8-sig")
    assert "black" not in text and "ethnic" not in text and "NW1 2DB" not in text

    codebook = _csv(archive, "questions.csv")
    assert codebook[0] == ["column", "question", "holds", "code", "meaning", "versions"]
    assert ["confidence", "2. How good a job?", "The code of the answer chosen", "good",
            "Good", "1 to 2"] in codebook
    assert ["priorities_robbery", "1. What should the police focus on?",
            "Its place in their order, 1 first (empty: not placed, or the question was not "
            "answered)", "", "Robbery", "1 to 2"] in codebook
    # Which versions offered an option, and asked a question: why a cell is empty.
    assert [row[5] for row in codebook if row[0] in ("help_cctv", "years")] == ["2", "2"]
    # Every column is labelled, under the same name.
    assert sorted({row[0] for row in codebook[1:]}) == sorted(header)
    assert not [row for row in codebook if "thnic" in row[0] + row[1]]
    # The same, for Excel: codes as text, numbers as numbers, dates as dates, and words that
    # start like a formula as words (a text cell, no apostrophe).
    book = load_workbook(io.BytesIO(archive.read("responses.xlsx")))
    assert book.sheetnames == ["Responses", "Questions"]
    sheet = book["Responses"]
    assert [cell.value for cell in sheet[1]] == HEADER
    first_row = {name: cell for name, cell in zip(HEADER, sheet[2], strict=True)}
    assert first_row["response"].value == 1 and first_row["priorities_robbery"].value == 1
    assert first_row["submitted_on"].value == datetime(2027, 4, 11)  # a date cell
    assert first_row["confidence"].value == "good" and first_row["help_cctv"].value is None
    other = first_row["help_other_text"]
    assert (other.value, other.data_type) == ('=HYPERLINK("x") lights on the estate', "s")
    assert [cell.value for cell in book["Questions"][1]] == codebook[0]
    assert book["Questions"].max_row == len(codebook)
    about = archive.read("about.txt").decode()
    assert "Have your say 2027/28: Residents' questionnaire, Camden" in about
    assert "2 responses" in about and "equality monitoring answers" in about
    assert "engage deletes its own copy 7 days after it was asked for." in about
    assert 'encoding="utf-8-sig"' in about and "have a ' put before them" in about
    assert "Excel turns codes" not in about  # none of its codes looks like a date


def test_only_the_borough_s_officers_analysts_and_administrators_may(app, responses, run_tasks):
    with app.app_context():
        create_user(email="desk@example.org",
                    roles={"interviewer": "camden", "clerk": "camden", "analyst": "hackney"})
        create_admin(email="admin@example.org")
    desk = Browser(app)
    desk.sign_in("desk@example.org", PASSWORD)
    assert desk.get(PAGE).status_code == 403  # interviewers and clerks do other work
    token = csrf_token(desk.get("/account").get_data(as_text=True))
    assert desk.post(PAGE, {"csrf_token": token, "questionnaire": _questionnaire_id(app)}
                     ).status_code == 403
    officer = _analyst(app, "officer@example.org", officer="camden")
    assert _ask(officer, app, run_tasks) == ["engage.datasets.make_response_file"]
    _, made = _download(officer, app)
    link = next(line.split('"')[0] for line in officer.get(PAGE).get_data(as_text=True)
                .split('href="') if line.startswith(PAGE + "/"))
    # Hackney's analyst cannot reach Camden's file, under Camden's address or their own.
    assert desk.get(link).status_code == 403
    assert desk.get(link.replace("/camden/", "/hackney/")).status_code == 404
    admin = Browser(app)
    admin.sign_in("admin@example.org", PASSWORD)
    assert admin.get(link).status_code == 200
    assert admin.get(link.replace("/camden/", "/hackney/")).status_code == 404
    assert admin.get(link.replace(".zip", "0.zip")).status_code == 404
    signed_out = Browser(app).get(link)
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.location


def test_asking_twice_makes_one_file_and_both_steps_are_audited(app, responses, run_tasks):
    browser = _analyst(app)
    page = browser.get(PAGE).get_data(as_text=True)
    sent_key = page.split('name="sent_key" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_token(page), "sent_key": sent_key,
            "questionnaire": str(_questionnaire_id(app))}
    first, second = browser.post(PAGE, data), browser.post(PAGE, data)
    assert second.status_code == 302 and second.location == first.location
    assert [name for name, _ in run_tasks()] == ["engage.datasets.make_response_file"]
    # Run again (a duplicate from the broker): the file is made once.
    with app.app_context():
        file_id = db.session.scalar(select(ResponseFile.id))
        assert tasks.make_response_file.apply(args=[file_id]).get() == "skipped"
        assert db.session.scalar(select(func.count(ResponseFile.id))) == 1
    _download(browser, app)
    _download(browser, app)
    with app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.target,
                                           AuditEvent.details)
                                    .where(AuditEvent.action.like("report.response_file%"))
                                    .order_by(AuditEvent.id)).all()
    assert [(action, target) for action, target, _ in events] == [
        ("report.response_file_requested", f"response-file:{file_id}"),
        ("report.response_file_downloaded", f"response-file:{file_id}"),
        ("report.response_file_downloaded", f"response-file:{file_id}")]
    assert events[1].details["responses"] == 2


def test_nothing_chosen_is_an_error_on_the_page(app, responses):
    browser = _analyst(app)
    refused = browser.submit(PAGE, {})
    assert refused.status_code == 200
    text = page_text(refused)
    assert "There is a problem" in text and "Select whose responses to download" in text
    assert text.startswith("Error: Download the responses")
    assert browser.submit(PAGE, {"questionnaire": "999"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(ResponseFile.id))) == 0


def test_a_file_is_deleted_after_its_days_and_its_row_kept(app, responses, run_tasks):
    browser = _analyst(app)
    _ask(browser, app, run_tasks)
    with app.app_context():
        file = db.session.scalar(select(ResponseFile))
        link = f"{PAGE}/{file.id}.zip"
        assert storage.exists(file.key)
        assert tasks.tend_response_files.apply().get() == 0
        db.session.execute(update(ResponseFile).values(
            requested_at=utcnow() - timedelta(days=7, minutes=1)))
        db.session.commit()
        assert tasks.tend_response_files.apply().get() == 1
        file = db.session.scalar(select(ResponseFile))
        assert (file.status, file.responses) == (FileStatus.DELETED, 2)
        assert not storage.exists(file.key)
        assert tasks.tend_response_files.apply().get() == 0
    gone = browser.get(link, follow_redirects=True)
    assert "That file is not ready yet, or it has been deleted." in page_text(gone)
    assert "No files have been asked for in the last 7 days." in page_text(gone)


def test_a_file_the_broker_lost_is_queued_again_and_one_that_fails_says_so(
        app, responses, run_tasks, monkeypatch):
    browser = _analyst(app)
    browser.submit(PAGE, {"questionnaire": _questionnaire_id(app)})
    app.extensions["engage_recorded_tasks"].clear()  # the broker lost it
    assert "Being made" in page_text(browser.get(PAGE))
    with app.app_context():
        assert tasks.tend_response_files.apply().get() == 0
        db.session.execute(update(ResponseFile).values(
            requested_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
        assert tasks.tend_response_files.apply().get() == 1

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(building, "write", broken)
    for _ in range(tasks.MAX_ATTEMPTS):
        with app.app_context():
            tasks.tend_response_files.apply()
        run_tasks()
    with app.app_context():
        file = db.session.scalar(select(ResponseFile))
        assert (file.status, file.attempts) == (FileStatus.FAILED, 3)
        assert "disk full" in file.last_error
        assert not storage.exists(file.key)
    assert "Could not be made. Ask for it again" in page_text(browser.get(PAGE))


def test_more_files_cost_the_page_no_more_queries(app, responses, run_tasks):
    from tests.helpers import count_queries

    browser = _analyst(app)
    _ask(browser, app, run_tasks)
    one = count_queries(browser, PAGE)
    with app.app_context():
        for n in range(3):
            create_user(email=f"colleague{n}@example.org", roles={"analyst": "camden"})
    for n in range(3):
        colleague = Browser(app)
        colleague.sign_in(f"colleague{n}@example.org", PASSWORD)
        _ask(colleague, app, run_tasks)
    assert "Person" in page_text(browser.get(PAGE))
    assert count_queries(browser, PAGE) == one


def test_london_s_file_has_every_borough_s_responses_for_administrators_only(
        app, responses, run_tasks):
    london = f"/staff/reports/{SLUG}/london/responses"
    analyst = _analyst(app)
    assert analyst.get(london).status_code == 403  # a borough's analyst sees their borough's
    with app.app_context():
        create_admin(email="admin@example.org")
        _respond(responses[2], {"priorities": {"ranked": ["robbery", "burglary",
                                                        "knife-crime"]}}, slug=None)
        db.session.commit()
    admin = Browser(app)
    admin.sign_in("admin@example.org", PASSWORD)
    assert f'href="{london}">Download the responses</a>' in admin.get(
        f"/staff/reports/{SLUG}/london").get_data(as_text=True)
    asked = admin.submit(london, {"questionnaire": _questionnaire_id(app)})
    assert asked.location.endswith(london)
    run_tasks()
    page = admin.get(london).get_data(as_text=True)
    assert "4 responses, ZIP" in page_text(admin.get(london))
    link = next(line.split('"')[0] for line in page.split('href="')
                if line.startswith(london + "/"))
    download = admin.get(link)
    assert download.headers["Content-Disposition"].startswith(
        f"attachment; filename={SLUG}-london-residents-responses-")
    rows = _csv(zipfile.ZipFile(io.BytesIO(download.data)), "responses.csv")
    assert [row[3] for row in rows[1:]] == ["Camden", "Camden", "Hackney", ""]
    # London's file is not Camden's, under Camden's address, nor Camden's London's.
    assert admin.get(link.replace(f"/reports/{SLUG}/london/",
                                  f"/boroughs/camden/reports/{SLUG}/")).status_code == 404
    assert analyst.get(link).status_code == 403
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "report.response_file_downloaded")).one()
        assert (event.borough_id, event.details["area"]) == (None, "London")


def test_the_codebook_s_words_are_safe_to_open_in_a_spreadsheet(app, responses, run_tasks):
    """An option's words are typed by staff, and questions.csv carries them as they are: one
    that starts like a formula ("-5 or less", "=HYPERLINK(...)") ran as one when the analyst
    opened the file in a spreadsheet. It gets the apostrophe responses.csv's words get."""
    from engage.surveys.models import Option

    with app.app_context():
        for option in db.session.scalars(select(Option).where(Option.label == "CCTV")):
            option.label = '=HYPERLINK("https://example.net/x","CCTV")'
        db.session.commit()
    browser = _analyst(app)
    _ask(browser, app, run_tasks)
    archive, _ = _download(browser, app)
    [meaning] = [row[4] for row in _csv(archive, "questions.csv") if row[0] == "help_cctv"]
    assert meaning == '\'=HYPERLINK("https://example.net/x","CCTV")'
    # Excel's sheet holds it as text already (a text cell, no apostrophe to see).
    sheet = load_workbook(io.BytesIO(archive.read("responses.xlsx")))["Questions"]
    [cell] = [row[4] for row in sheet.iter_rows(min_row=2) if row[0].value == "help_cctv"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("https://example.net/x","CCTV")', "s")
