"""Publishing a borough's report: the public page shows what was pinned when an officer
published it, with every small number hidden, and nothing at all until then."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.reports.targets_models import ReportPublication
from engage.templating import london_time
from tests.factories import PASSWORD, borough, create_officer
from tests.helpers import page_text, title
from tests.reports.support import answers, hand_worked, make_consultation, respond
from tests.reports.test_pages import table_row

REPORT = "/staff/boroughs/camden/reports/have-your-say-2027"
PUBLIC = "/boroughs/camden/have-your-say/have-your-say-2027/report"
FIGURES = """crime type,change in offences,percentage change,target,result
Residential burglary,89,-8.8%,,achieved
Gun crime,+12,+14.2%,reduce by 4.2%,missed
"""


def counted(app, client, run_tasks):
    """The hand-worked responses counted by Camden's officer, signed in as `client`."""
    made = hand_worked(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    return made


def prepared(app, client, run_tasks):
    """The hand-worked responses counted, with targets, crime figures and one priority."""
    made = counted(app, client, run_tasks)
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8"})
    client.submit(REPORT + "/crime-figures", {
        "period": "2026/27", "figures": (io.BytesIO(FIGURES.encode()), "figures.csv")})
    client.submit(REPORT + "/you-said-we-did", {
        "priority": "burglary", "target": "A 1.2% reduction in burglary"})
    return made


def publish(client):
    return client.submit(REPORT + "/publish")


def change_after_publishing(app, client, made, run_tasks):
    """Five more responses counted and a new confidence target, after publishing: the public
    report must not move until an officer publishes again."""
    with app.app_context():
        first = db.session.scalar(select(ReportPublication.counted_at))
        for _ in range(5):
            respond(made.residents, answers(["robbery", "burglary", "knife-crime"]),
                    submitted_at=first - timedelta(hours=1))
        db.session.commit()
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    client.submit(REPORT + "/targets", {"confidence_target": "60", "gap_target": ""})


def test_nothing_is_public_until_an_officer_publishes(app, client, other_client, run_tasks):
    make_consultation(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    assert other_client.get(PUBLIC).status_code == 404
    client.sign_in("officer@example.org", PASSWORD)
    # Not counted yet: nothing to publish, and posting anyway publishes nothing.
    page = client.get(REPORT + "/publish")
    assert "has not been counted yet, so there is nothing to publish" in page_text(page)
    assert publish(client).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportPublication)) == 0
    assert other_client.get(PUBLIC).status_code == 404
    for url in ("/boroughs/nowhere/have-your-say/have-your-say-2027/report",
                "/boroughs/camden/have-your-say/no-such-consultation/report"):
        assert other_client.get(url).status_code == 404


def test_one_crime_type_is_counted_in_the_singular_before_publishing(app, client, run_tasks):
    prepared(app, client, run_tasks)
    client.submit(REPORT + "/crime-figures", {
        "period": "2026/27", "replace": "y", "figures": (io.BytesIO(
            b"crime type,change in offences,percentage change,result\nGun crime,3,+1%,missed\n"),
            "figures.csv")})
    assert "1 crime type, 2026/27" in page_text(client.get(REPORT + "/publish"))


def test_the_public_page_shows_the_published_report_with_small_numbers_hidden(
        app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    check = client.get(REPORT + "/publish")
    assert "It will show, as they are now:" in page_text(check)
    assert "51.4%" in page_text(check) and "2 crime types, 2026/27" in page_text(check)
    assert "would show the responses counted so far, not the final figures" in page_text(check)
    response = publish(client)
    assert response.status_code == 302 and response.headers["Location"].endswith(REPORT)

    page = other_client.get(PUBLIC)  # nobody signed in
    assert page.status_code == 200
    # The title says what the heading says, then the consultation and the service.
    assert title(page) == ("Camden: what you told us and what the police will do \u2013 "
                           "Have your say (have-your-say-2027) \u2013 engage")
    html = page.get_data(as_text=True)
    text = page_text(page)
    with app.app_context():
        published = db.session.scalar(select(ReportPublication))
        assert published.published_by_id is not None
        counted = london_time(published.counted_at)
        published_on = london_time(published.published_at)
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "report.published")) == "report.published"
    assert "Camden: what you told us and what the police will do" in text
    assert f"The figures were counted on {counted}, from 20 responses" in text
    # Online and by telephone, and none on paper (the table shows its 0), so paper goes unnamed.
    assert "from 20 responses online and by telephone." in text
    assert table_row(html, "Paper") == "Paper | 0 | 0.0%"
    assert f"Published on {published_on} ." in text
    # You said, we did.
    assert "Burglary : A 1.2% reduction in burglary" in text
    # Priorities: shown figures with their interval and score; small ones ("fewer than 10")
    # and the one hidden to protect them ("not shown"), with nothing resting on them.
    assert table_row(html, "Burglary") == "Burglary | 20 (100.0%, 83.9% to 100.0%) | 2.20"
    assert table_row(html, "Anti-social behaviour") == (
        "Anti-social behaviour | fewer than 10 | not shown")
    assert table_row(html, "Knife crime") == "Knife crime | not shown | not shown"
    assert "Anti-social behaviour</text>" not in html
    # Confidence rests on 10 against 6: withheld, with the target still said.
    assert "Not shown: too few people answered" in text
    assert "The target was 51.4%." in text
    # The gap is not measured: its target is said once, not twice.
    assert "gap in confidence between White respondents and Black and minority ethnic " \
           "respondents is at most 3.8 percentage points" in text
    assert text.count("3.8 percentage points") == 1
    assert table_row(html, "Telephone") == "Telephone | fewer than 10 | not shown"
    # No hidden number anywhere: the equality tables are not on the public page at all, and
    # no cell reads a count under 10.
    counts = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">'
                        r"(\d[\d,]*)(?:</td>| \()", html)
    assert "20" in counts and "18" in counts
    for shown in counts:
        assert shown == "0" or int(shown.replace(",", "")) >= 10, shown
    assert "Ethnic group" not in text
    # Performance against targets, as uploaded.
    assert table_row(html, "Residential burglary") == (
        "Residential burglary | -89 (-8.8%) | target achieved")
    assert table_row(html, "Gun crime") == (
        "Gun crime | +12 (+14.2%) | reduce by 4.2%: target missed")
    assert "How these figures were made" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img"' in html


def _opening(other_client) -> tuple[str, str]:
    """The public report's first sentence about the responses, on the page and in its PDF."""
    page = " ".join(page_text(other_client.get(PUBLIC)).split())
    pdf = other_client.get(PUBLIC.removesuffix("/report") + "/report.pdf")
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(pdf.data)).pages).split())
    return (re.search(r"from [^.]*\.", page.split("The figures were counted on")[1]).group(0),
            re.search(r"from [^.]*\.", pdf_text.split("The figures were counted on")[1]).group(0))


def test_the_report_names_only_the_ways_people_answered(app, client, other_client, run_tasks):
    made = make_consultation(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
        for _ in range(5):
            respond(made.residents, answers(["burglary", "robbery", "knife-crime"]))
        db.session.commit()
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    publish(client)
    run_tasks()
    # 5 responses: the table hides every channel, zeros too, so naming "online" would say that
    # all 5 answered online.
    assert _opening(other_client) == (
        "from fewer than 10 responses, counting every way of answering.",) * 2
    with app.app_context():
        for _ in range(10):
            respond(made.businesses, answers(["robbery", "burglary", "knife-crime"]))
        db.session.commit()
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    publish(client)
    run_tasks()
    assert _opening(other_client) == ("from 15 responses online.",) * 2
    assert table_row(other_client.get(PUBLIC).get_data(as_text=True), "Telephone") == (
        "Telephone | 0 | 0.0%")


def test_the_words_for_the_ways_people_answered_tell_no_more_than_the_table():
    from engage.reports.public_views import ways_answered
    from engage.reports.published import _count_table

    def words(online, paper, telephone):
        table = _count_table("channel", "How people answered",
                             {"online": online, "paper": paper, "telephone": telephone},
                             {}, threshold=10)
        return ways_answered(table)

    assert words(19, 0, 0) == "online"
    assert words(30, 3, 12) == "online, on paper and by telephone"  # a small one is named
    assert words(16, 0, 4) == "online and by telephone"
    assert words(0, 12, 0) == "on paper"
    # Every cell hidden, zeros too: naming the channels with responses would give them away.
    assert words(15, 3, 0) is None
    assert words(5, 0, 0) is None
    assert words(0, 0, 0) is None


def test_confidence_is_shown_against_its_target_when_it_can_be(app, client, other_client,
                                                               run_tasks):
    prepared(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    publish(client)
    html = other_client.get(PUBLIC).get_data(as_text=True)
    text = page_text(other_client.get(PUBLIC))
    # Camden: 10 excellent or good of 16 with a view (4 "don't know" left out): 62.5%.
    assert "62.5% of people who gave a view said the police do an excellent or good job, " \
           "against a target of 51.4%: the target was met" in text
    assert table_row(html, "Public confidence, against a target of 51.4%") == (
        "Public confidence, against a target of 51.4% | 62.5% | Target met")
    assert 'aria-labelledby="chart-confidence-title chart-confidence-desc"' in html
    # Feeling safe has no target yet: it is shown only with the other answers.
    assert "Feeling safe, against a target" not in text
    staff_page = client.get(REPORT)
    staff = page_text(staff_page)
    assert "62.5% said excellent or good, against a target of 51.4%: target met" in staff
    # The staff chart of both measures has its data table beside it, on the page and in the PDF.
    staff_html = staff_page.get_data(as_text=True)
    assert 'aria-labelledby="chart-measures-title chart-measures-desc"' in staff_html
    row = table_row(staff_html, "Confidence in local policing: excellent or good")
    assert re.fullmatch(r"Confidence in local policing: excellent or good \| 62\.5% \| "
                        r"\d+(\.\d)?% to \d+(\.\d)?%", row), row
    staff_pdf = client.get(REPORT + "/report.pdf")
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(staff_pdf.data)).pages).split())
    assert "Confidence and feeling safe: the shares in the chart" in pdf_text
    assert "Confidence in local policing: excellent or good 62.5%" in pdf_text
    client.submit(REPORT + "/targets", {"confidence_target": "70", "gap_target": ""})
    assert "against a target of 70.0%: target not met" in page_text(client.get(REPORT))


def test_a_target_within_the_share_s_interval_is_said_to_be_within_chance(
        app, client, other_client, run_tasks):
    """10 of 16 with a view: 62.5%, "met" against 51.4%. Its Wilson interval, worked by hand
    (z = 1.96, p = 0.625, n = 16): centre (0.625 + 0.1200) / 1.2401 = 0.6007, half
    1.96 / 1.2401 x sqrt(0.01465 + 0.00375) = 0.2144, so 38.6% to 81.5%: it holds the target,
    so chance alone could put the share on either side of it, which "met" alone hid."""
    prepared(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    publish(client)
    text = page_text(other_client.get(PUBLIC))
    assert ("against a target of 51.4%: the target was met . Not weighted; its 95% confidence "
            "interval is 38.6% to 81.5%, which includes the target: chance alone could put "
            "the share on either side of it.") in text
    # A target outside the interval is said to be so.
    client.submit(REPORT + "/targets", {"confidence_target": "30", "gap_target": "3.8"})
    publish(client)
    assert ("the target was met . Not weighted; its 95% confidence interval is 38.6% to 81.5%, "
            "all of it above the target.") in page_text(other_client.get(PUBLIC))


def test_feeling_safe_is_shown_against_its_target_on_the_page_the_pdf_and_the_api(
        app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    client.submit(REPORT + "/targets", {"confidence_target": "51.4", "gap_target": "3.8",
                                        "feeling_safe_target": "95"})
    staff = page_text(client.get(REPORT))
    assert re.search(r"Feeling safe (\d+(\.\d)?)% said very or fairly safe, against a target of "
                     r"95\.0%: target not met", staff), staff
    publish(client)
    run_tasks()
    html = other_client.get(PUBLIC).get_data(as_text=True)
    text = page_text(other_client.get(PUBLIC))
    found = re.search(r"(\d+(?:\.\d)?)% of people who gave a view said they feel very or fairly "
                      r"safe, against a target of 95\.0%: the target was not met", text)
    assert found, text
    share = found.group(1)
    assert table_row(html, "Feeling safe, against a target of 95.0%") == (
        f"Feeling safe, against a target of 95.0% | {share}% | Target not met")
    assert 'aria-labelledby="chart-feeling-safe-title chart-feeling-safe-desc"' in html
    api = other_client.get("/api/consultations/have-your-say-2027/reports/camden").get_json()
    assert api["feeling_safe_target"] == {"target": 95.0, "share": api["feeling_safe_target"][
        "share"], "met": False}
    assert round(100 * api["feeling_safe_target"]["share"], 1) == float(share)
    pdf = other_client.get(PUBLIC.removesuffix("/report") + "/report.pdf")
    assert pdf.status_code == 200
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"Feeling safe, against a target of 95.0% {share}% Target not met" in " ".join(
        pdf_text.split())


def test_publishing_pins_what_is_public_until_published_again(app, client, other_client,
                                                              run_tasks):
    made = prepared(app, client, run_tasks)
    publish(client)
    change_after_publishing(app, client, made, run_tasks)
    staff = page_text(client.get(REPORT))
    assert "from 25 responses" in staff
    assert "Later counts and changes are not public until it is published again" in staff
    text = page_text(other_client.get(PUBLIC))
    assert "from 20 responses" in text and "The target was 51.4%." in text
    assert "3.8 percentage points" in text

    publish(client)
    text = page_text(other_client.get(PUBLIC))
    assert "from 25 responses" in text and "The target was 60.0%." in text
    assert "percentage points" not in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportPublication)) == 1


def test_an_officer_stops_publishing_and_the_page_is_gone(app, client, other_client,
                                                          run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    assert other_client.get(PUBLIC).status_code == 200
    response = client.submit(REPORT + "/unpublish", form_page=REPORT)
    assert response.status_code == 302
    assert other_client.get(PUBLIC).status_code == 404
    assert "Not published" in page_text(client.get(REPORT))
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.borough_id).where(
            AuditEvent.action == "report.unpublished")) == borough("camden").id


def test_another_boroughs_officer_can_neither_publish_nor_unpublish(app, client, other_client,
                                                                    run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
    other_client.sign_in("hackney@example.org", PASSWORD)
    token_page = other_client.get("/staff/boroughs/hackney/reports/have-your-say-2027/publish")
    assert token_page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      token_page.get_data(as_text=True)).group(1)
    for url in (REPORT + "/publish", REPORT + "/unpublish"):
        assert other_client.post(url, {"csrf_token": token}).status_code == 403
    assert other_client.get(REPORT + "/publish").status_code == 403
    assert other_client.get(PUBLIC).status_code == 200  # still public: nothing changed
