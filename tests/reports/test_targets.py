"""Officers add to a borough's report: crime figures from CSV (checked line by line, all or
nothing, replaced only when asked), confidence targets, and "You said, we did"."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.reports.targets_models import (
    CrimeFigure,
    CrimeFigureUpload,
    PlannedPriority,
    ReportTargets,
)
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, form_keys, inserts, move_form, page_text
from tests.reports.support import make_consultation

REPORT = "/staff/boroughs/camden/reports/have-your-say-2027"
UPLOAD = REPORT + "/crime-figures"
TARGETS = REPORT + "/targets"
PLANNED = REPORT + "/you-said-we-did"
# The seed's table (Kensington and Chelsea, 2009/10), as the file staff upload.
SEED = """crime type,change in offences,percentage change,target,result
Residential burglary,89,-8.8%,,Target achieved
Total robbery,41,+8.1%,,Target missed
Theft from vehicles,198,-10.8%,,achieved
Theft or taking of vehicles,35,+7.3%,,Not achieved
Serious youth violence,2,-2.7%,reduce by 4.7%,missed
Knife crime,35 offences,-18.9%,,achieved
Gun crime,0,-0.00%,reduce by 4.2%,achieved
"""


def officer(app, client, slug: str = "camden") -> None:
    make_consultation(app)
    with app.app_context():
        create_officer(slug, email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)


def upload(client, text: str, period: str = "2026/27", replace: bool = False):
    data = {"period": period, "figures": (io.BytesIO(text.encode()), "figures.csv")}
    if replace:
        data["replace"] = "y"
    return client.submit(UPLOAD, data)


def stored(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(CrimeFigure.crime_type, CrimeFigure.change_in_offences,
                   CrimeFigure.percentage_change, CrimeFigure.target, CrimeFigure.achieved)
            .order_by(CrimeFigure.line))]


def test_the_seed_table_uploads_and_shows_on_the_report(app, client):
    officer(app, client)
    assert "Upload performance against targets" in page_text(client.get(UPLOAD))
    response = upload(client, SEED, "2009/10")
    assert response.status_code == 302 and response.headers["Location"].endswith(REPORT)
    assert "Crime figures for 2009/10 saved: 7 crime types." in page_text(
        client.get(response.location))
    rows = stored(app)
    assert len(rows) == 7
    # Unsigned offences take the percentage's direction, as the seed writes them.
    assert rows[0] == ("Residential burglary", -89, Decimal("-8.80"), "", True)
    assert rows[1] == ("Total robbery", 41, Decimal("8.10"), "", False)
    assert rows[3][4] is False  # "Not achieved", as people write it, is missed
    assert rows[4] == ("Serious youth violence", -2, Decimal("-2.70"), "reduce by 4.7%", False)
    assert rows[5][:2] == ("Knife crime", -35)
    assert rows[6][:3] == ("Gun crime", 0, Decimal("0"))
    report = page_text(client.get(REPORT))
    assert "Performance against targets 2009/10, uploaded" in report
    page = client.get(UPLOAD).get_data(as_text=True)
    assert "Residential burglary" in page and "-89" in page and "+8.1%" in page
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "report.crime_figures_uploaded"))
        assert event.details["lines"] == 7 and event.details["replaced"] is False


def test_every_problem_is_listed_by_line_and_column_and_nothing_is_saved(app, client):
    officer(app, client)
    bad = """crime type,change in offences,percentage change,target,result
Residential burglary,89,-8.8%,,achieved
,12,+1%,,missed
Total robbery,lots,+8.1%,,missed
Knife crime,-35,+18.9%,,achieved
Gun crime,3,minus two,,achieved
residential BURGLARY,1,+1%,,achieved
Theft from vehicles,198,-10.8%,,maybe
"""
    response = upload(client, bad)
    assert response.status_code == 200
    text = page_text(response)
    assert text.startswith("Error: ")
    assert "The file has 6 problems: no figures were saved" in text
    assert "3 crime type Enter the crime type" in text
    assert "4 change in offences 'lots' must be a whole number of offences" in text
    assert "5 change in offences The offences and the percentage change go in different " \
           "directions" in text
    assert "6 percentage change 'minus two' must be a percentage" in text
    assert "7 crime type residential BURGLARY is also on line 2" in text
    assert "8 result 'maybe' must be achieved or missed" in text
    # The error summary links to the file field.
    assert 'href="#figures"' in response.get_data(as_text=True)
    assert stored(app) == []


def test_files_that_are_not_right_at_all_are_refused(app, client):
    officer(app, client)
    text = page_text(upload(client, "crime,offences\nBurglary,3\n"))
    assert "The first line must name the columns crime type, change in offences" in text
    assert "missing: crime type, change in offences, percentage change, result" in text
    text = page_text(upload(client, "crime type,change in offences,percentage change,result\n"))
    assert "The file has no crime figures" in text
    response = client.submit(UPLOAD, {"period": "2026/27", "figures": (
        io.BytesIO("crime type\nBurglary \xe9\n".encode("latin-1")), "figures.csv")})
    assert "must be saved as UTF-8 text" in page_text(response)
    text = page_text(upload(client, SEED, period="last year"))
    assert "Enter the year like 2026/27" in text
    many = "crime type,change in offences,percentage change,result\n" + "".join(
        f"Crime {n},1,+1%,missed\n" for n in range(51))
    assert "52 file The file has more than 50 crime types" in page_text(upload(client, many))
    text = page_text(upload(client, "crime type,change in offences,percentage change,result\n"
                                    "Burglary,2000000,+1%,missed\nRobbery,1,+12000%,missed\n"))
    assert "2 change in offences The change is too large to be right" in text
    assert "3 percentage change The change is too large to be right" in text
    assert stored(app) == []


def test_a_column_the_figures_do_not_take_is_refused_with_no_choice_to_leave_it_out(app, client):
    """The figures file is made for engage and published: a column it does not take is most
    often a misspelling, so unlike a member import there is no box to leave it out."""
    officer(app, client)
    response = upload(client, "crime type,change in offences,percentage change,targets,result\n"
                              "Burglary,89,-8.8%,reduce by 4%,achieved\n")
    assert response.status_code == 200
    text = page_text(response)
    assert ('1 header The first line names a column this file cannot have: "targets". '
            '"targets" may be meant as "target": if so, correct its name in the file. Use only '
            "crime type, change in offences, percentage change, target, result, and remove any "
            "other column") in text
    assert "Ignore columns" not in text
    assert stored(app) == []


def test_a_file_that_stops_being_csv_is_reported_where_the_record_starts(app, client):
    officer(app, client)
    header = "crime type,change in offences,percentage change,target,result\n"
    # A quoted target may run over two lines: a problem on the line after it is still counted
    # from where each record starts.
    text = page_text(upload(client, header + 'Burglary,many,-8.8%,"reduce by 4%\nin the year",'
                                             "achieved\nRobbery,lots,+8.1%,,missed\n"))
    assert "2 change in offences 'many' must be a whole number of offences" in text
    assert "4 change in offences 'lots' must be a whole number of offences" in text
    # A quote opened on line 3 and never closed runs to the end of the file, past the CSV
    # reader's limit on one value: one error, at line 3, and nothing saved.
    endless = (header + "Burglary,89,-8.8%,,achieved\n" + 'Robbery,41,+8.1%,"reduce,missed\n'
               + "Knife crime,35,-18.9%,,achieved\n" * 6000)
    response = upload(client, endless)
    assert response.status_code == 200
    text = page_text(response)
    assert "The file has 1 problem: no figures were saved" in text
    assert "3 file This line could not be read. Check for a quote mark (\") that is opened but " \
           "not closed" in text
    assert "field limit" not in text  # the CSV reader's own words are never shown
    # NUL characters: a file saved as UTF-16 (or not text at all), not stored.
    text = page_text(upload(client, header + "Burglary,89,-8.8%,,achieved\nRob\x00bery,41,+8.1%,,"
                                             "missed\n"))
    assert "3 file The file has characters that are not text (NUL)" in text
    utf16 = header.encode("utf-16-le") + "Burglary,89,-8.8%,,achieved\n".encode("utf-16-le")
    response = client.submit(UPLOAD, {"period": "2026/27",
                                      "figures": (io.BytesIO(utf16), "figures.csv")})
    assert response.status_code == 200
    assert "characters that are not text (NUL)" in page_text(response)
    assert stored(app) == []


def test_replacing_the_figures_must_be_asked_for(app, client):
    officer(app, client)
    upload(client, SEED, "2009/10")
    newer = ("crime type,change in offences,percentage change,target,result\n"
             "Burglary,-12,-1.5%,reduce by 1.2%,achieved\n")
    response = upload(client, newer, "2010/11")
    assert response.status_code == 200
    assert "Tick the box to replace the figures uploaded before" in page_text(response)
    assert len(stored(app)) == 7
    response = upload(client, newer, "2010/11", replace=True)
    assert response.status_code == 302
    assert "Crime figures for 2010/11 saved: 1 crime type." in page_text(
        client.get(response.location))
    assert stored(app) == [("Burglary", -12, Decimal("-1.50"), "reduce by 1.2%", True)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CrimeFigureUpload)) == 1
        assert db.session.scalar(select(CrimeFigureUpload.period)) == "2010/11"


def test_a_file_sent_without_the_replace_box_is_checked_too(app, client):
    officer(app, client)
    upload(client, SEED, "2009/10")
    # The year of the figures held is filled in to start from.
    assert 'name="period" type="text" spellcheck="false" value="2009/10"' in client.get(
        UPLOAD).get_data(as_text=True)
    bad = ("crime type,change in offences,percentage change,target,result\n"
           "Burglary,lots,-1.5%,,achieved\n")
    response = upload(client, bad, "2010/11")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = page_text(response).split("There is a problem", 1)[1].split("Camden:", 1)[0]
    # Every problem at once: the file's lines alongside the box still to tick.
    assert "The file has 1 problem: no figures were saved" in summary
    assert "Tick the box to replace the figures uploaded before" in summary
    assert 'href="#figures"' in html and 'href="#replace"' in html
    assert "2 change in offences 'lots' must be a whole number" in page_text(response)
    assert 'value="2010/11"' in html  # the year typed comes back as it was
    # An empty file, a wrong year and no tick: all three said together.
    text = page_text(upload(client, "", "last year"))
    assert "Enter the year like 2026/27" in text
    assert "The first line must name the columns" in text
    assert "Tick the box to replace the figures uploaded before" in text
    assert len(stored(app)) == 7
    with app.app_context():
        assert db.session.scalar(select(CrimeFigureUpload.period)) == "2009/10"


def test_the_year_s_second_part_must_be_the_year_after_the_first(app, client):
    """Only the shape was checked: "2026/99" was saved, and the report showed a year that
    never was. Full-width digits passed the shape too."""
    officer(app, client)
    for period in ("2026/99", "2026/26", "2026/28", "1999/99"):
        response = upload(client, SEED, period)
        assert response.status_code == 200, period
        assert ("Enter the year as 2026/27: the second part is the year after the first"
                in page_text(response)), period
        assert 'href="#period"' in response.get_data(as_text=True)
    refused = upload(client, SEED, "\uff12\uff10\uff12\uff16/\uff12\uff17")
    assert "Enter the year like 2026/27" in page_text(refused)
    assert stored(app) == []


def test_the_year_is_from_2000_01_to_the_year_under_way(app, client):
    """The shape was all that was checked: "0000/01" was saved, and so was next year, which
    has no figures yet and is most often this year mistyped."""
    officer(app, client)
    today = to_london(utcnow()).date()
    now = today.year if today.month >= 4 else today.year - 1  # financial years start in April
    this_year, next_year = f"{now}/{(now + 1) % 100:02d}", f"{now + 1}/{(now + 2) % 100:02d}"
    for period in ("0000/01", "1999/00", next_year, "2062/63"):
        response = upload(client, SEED, period)
        assert response.status_code == 200, period
        assert (f"Enter a year from 2000/01 to {this_year} (the year under way now)"
                in page_text(response)), period
        assert 'href="#period"' in response.get_data(as_text=True)
    assert stored(app) == []
    assert upload(client, SEED, "2000/01").status_code == 302
    assert upload(client, SEED, this_year, replace=True).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(CrimeFigureUpload.period)) == this_year


def test_targets_are_checked_and_saved(app, client):
    officer(app, client)
    response = client.submit(TARGETS, {"confidence_target": "153", "gap_target": "three",
                                       "feeling_safe_target": "-2"})
    text = page_text(response)
    assert text.startswith("Error: ")
    assert "Enter the public confidence target as a number from 0 to 100" in text
    assert "Enter the confidence gap target as a number from 0 to 100" in text
    assert "Enter the feeling safe target as a number from 0 to 100" in text
    html = response.get_data(as_text=True)
    assert 'href="#confidence_target"' in html and 'href="#gap_target"' in html
    assert 'href="#feeling_safe_target"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportTargets)) == 0
    response = client.submit(TARGETS, {"confidence_target": "51.4%", "gap_target": "3.8",
                                       "feeling_safe_target": "80"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(ReportTargets))
        assert (saved.confidence_target, saved.gap_target, saved.feeling_safe_target) == (
            Decimal("51.4"), Decimal("3.8"), Decimal("80.0"))
    text = page_text(client.get(REPORT))
    assert "against a target of 51.4%" in text
    assert "a gap of at most 3.8 percentage points" in text
    assert "Feeling safe Not counted yet, against a target of 80.0%" in text
    form = client.get(TARGETS).get_data(as_text=True)
    assert 'value="51.4"' in form and 'value="80.0"' in form
    # Emptying a target removes it.
    client.submit(TARGETS, {"confidence_target": "", "gap_target": "3.8",
                            "feeling_safe_target": ""})
    with app.app_context():
        assert db.session.execute(select(ReportTargets.confidence_target,
                                         ReportTargets.feeling_safe_target)).one() == (None, None)


def test_a_target_in_other_digits_is_refused_not_read_as_ours(app, client):
    """Decimal() read full-width "５１.４" as 51.4: a target nobody typed in 0-9 was saved."""
    officer(app, client)
    response = client.submit(TARGETS, {"confidence_target": "\uff15\uff11.\uff14",
                                       "gap_target": "", "feeling_safe_target": ""})
    assert response.status_code == 200
    assert "Enter the public confidence target as a number from 0 to 100" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportTargets)) == 0


def test_you_said_we_did_is_an_ordered_list_of_priorities_and_targets(app, client):
    officer(app, client)
    page = page_text(client.get(PLANNED))
    assert "Burglary" in page and "Anti-social behaviour" in page and "Something else" in page
    response = client.submit(PLANNED, {"priority": "other", "target": ""})
    text = page_text(response)
    assert "Enter the priority" in text and "Enter what the police will do" in text
    refused = page_text(client.submit(PLANNED, {"priority": "not-an-option", "target": "x"}))
    assert "Choose a priority, or something else" in refused
    assert "Choose a priority, or something else" in page_text(
        client.submit(PLANNED, {"target": "x"}))
    client.submit(PLANNED, {"priority": "burglary", "target": "A 1.2% reduction in burglary"})
    client.submit(PLANNED, {"priority": "other", "other": "Sanction detections",
                            "target": "Challenging targets for sanction detection rates"})
    client.submit(PLANNED, {"priority": "knife-crime", "target": "A 3.0% reduction"})

    def order() -> list[tuple[int, str]]:
        with app.app_context():
            return [(p.position, p.title) for p in db.session.scalars(
                select(PlannedPriority).order_by(PlannedPriority.position))]

    assert order() == [(1, "Burglary"), (2, "Sanction detections"), (3, "Knife crime")]
    with app.app_context():
        knife = db.session.scalar(select(PlannedPriority.id).where(
            PlannedPriority.title == "Knife crime"))
        written = db.session.scalar(select(PlannedPriority).where(
            PlannedPriority.title == "Sanction detections"))
        assert written.option_value is None
    client.submit(f"{PLANNED}/{knife}/up", form_page=PLANNED)
    assert order() == [(1, "Burglary"), (2, "Knife crime"), (3, "Sanction detections")]
    client.submit(f"{PLANNED}/{knife}/up", form_page=PLANNED)
    client.submit(f"{PLANNED}/{knife}/up", form_page=PLANNED)  # already first: no change
    assert order() == [(1, "Knife crime"), (2, "Burglary"), (3, "Sanction detections")]
    client.submit(f"{PLANNED}/{knife}/down", form_page=PLANNED)
    assert order() == [(1, "Burglary"), (2, "Knife crime"), (3, "Sanction detections")]
    # "Move down" pressed twice from the same page moves it one place.
    sent = move_form(client.get(PLANNED).get_data(as_text=True), f"{PLANNED}/{knife}/down")
    for _ in range(2):
        client.post(f"{PLANNED}/{knife}/down", sent)
    assert order() == [(1, "Burglary"), (2, "Sanction detections"), (3, "Knife crime")]
    assert "nothing more was moved" in page_text(client.get(PLANNED))
    client.submit(f"{PLANNED}/{knife}/up", form_page=PLANNED)
    assert order() == [(1, "Burglary"), (2, "Knife crime"), (3, "Sanction detections")]
    client.submit(f"{PLANNED}/{knife}/remove", form_page=PLANNED)
    assert order() == [(1, "Burglary"), (3, "Sanction detections")]
    assert "2 priorities for next year" in page_text(client.get(REPORT))


def test_a_priority_sent_twice_is_added_once(app, client):
    officer(app, client)
    data = {**form_keys(client.get(PLANNED).get_data(as_text=True)), "priority": "burglary",
            "target": "A 1.2% reduction in burglary"}
    first = client.post(PLANNED, data)
    with inserts(app) as inserted:
        second = client.post(PLANNED, data)
    assert inserted == []  # it found the first one's key before making anything
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    with app.app_context():
        assert db.session.scalars(select(PlannedPriority.title)).all() == ["Burglary"]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "report.priority_planned")) == 1


def test_another_borough_analysts_and_the_public_cannot_change_anything(app, client,
                                                                       other_client):
    make_consultation(app)
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
    client.sign_in("hackney@example.org", PASSWORD)
    for url in (UPLOAD, TARGETS, PLANNED, REPORT + "/publish"):
        assert client.get(url).status_code == 403, url
    assert client.post(TARGETS, {"confidence_target": "50"}).status_code in (400, 403)
    other_client.sign_in("analyst@example.org", PASSWORD)
    assert other_client.get(UPLOAD).status_code == 403
    report = other_client.get(REPORT).get_data(as_text=True)
    assert "Targets and the public report" in report
    assert "/crime-figures" not in report and "/publish" not in report  # nothing to change
    response = Browser(app).get(TARGETS)  # nobody signed in
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportTargets)) == 0


def test_what_is_not_set_reads_in_words_before_publishing(app, client, run_tasks):
    """The publish page says a target or next year's priorities are not set yet in words, never
    "None"; a crime figure with no target says it was not given."""
    officer(app, client)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    upload(client, SEED, "2009/10")
    text = page_text(client.get(REPORT + "/publish"))
    assert "Confidence target No target set" in text
    assert "Feeling safe target No target set" in text
    assert "Confidence gap target No target set" in text
    assert "You said, we did No priorities for next year yet" in text
    assert "None" not in text
    figures = page_text(client.get(UPLOAD))
    assert "Residential burglary -89 -8.8% Not given Target achieved" in figures
    assert "Serious youth violence -2 -2.7% reduce by 4.7% Target missed" in figures
