"""The staff report pages and CSV: the snapshot's time, suppressed figures that never leak,
the button that asks for a new count, and who may see what."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.templating import london_time
from tests.factories import PASSWORD, borough, create_officer, create_user
from tests.helpers import form_keys, inserts, page_text
from tests.reports.support import hand_worked, make_consultation, snapshot

PAGE = "/staff/boroughs/camden/reports/have-your-say-2027"
LONDON_PAGE = "/staff/reports/have-your-say-2027/london"


def sign_in(client, app, **user):
    with app.app_context():
        person = create_user(**user)
        email = person.email
    client.sign_in(email, PASSWORD)


def collated(app, client, run_tasks):
    """The hand-worked data set, counted through the officer's button."""
    made = hand_worked(app)
    sign_in(client, app, roles={"officer": "camden"})
    before = client.get(PAGE)
    assert "has not been counted yet" in page_text(before)
    assert client.get(PAGE + "/figures.csv").status_code == 404
    pressed = client.submit(PAGE + "/collate", form_page=PAGE)
    assert pressed.status_code == 302 and pressed.headers["Location"].endswith(PAGE)
    assert run_tasks() == [("engage.reports.collate_area",
                            (made.consultation_id, _camden_id(app)))]
    return made


def _camden_id(app) -> int:
    with app.app_context():
        return borough("camden").id


def table_row(html: str, label: str) -> str:
    """The text of the table row headed `label` (the first such row)."""
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells and cells[0] == label:
            return " | ".join(cells)
    raise AssertionError(f"no row {label!r}")


def test_the_officer_asks_for_a_count_and_sees_when_it_was_made(app, client, run_tasks):
    made = collated(app, client, run_tasks)
    page = client.get(PAGE)
    text = page_text(page)
    with app.app_context():
        made_at = snapshot(made.consultation_id, borough("camden").ons_code).made_at
        requested = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "report.collation_requested"))
        assert requested.borough_id == borough("camden").id
    assert f"Counted on {london_time(made_at)} , from 20 responses" in text
    assert "Count again now" in text
    html = page.get_data(as_text=True)
    # Visible priorities with share, interval and score, in rank order.
    assert table_row(html, "Burglary") == "Burglary | 20 | 100.0% | 83.9% to 100.0% | 2.20"
    assert table_row(html, "Robbery") == "Robbery | 18 | 90.0% | 69.9% to 97.2% | 2.00"
    assert html.index(">Burglary<") < html.index(">Robbery<")
    # The chart has its own title and description, and the table beside it.
    assert re.search(r'<svg[^>]+role="img"[^>]+aria-labelledby="chart-priorities-title '
                     r'chart-priorities-desc"', html)
    assert '<title id="chart-priorities-title">' in html


def test_small_counts_and_their_complements_never_show_a_number(app, client, run_tasks):
    collated(app, client, run_tasks)
    html = client.get(PAGE).get_data(as_text=True)
    # Anti-social behaviour (6) is under 10; knife crime (16) is hidden with it ("not shown",
    # not "fewer than 10", which it is not), or 60 choices minus the others would give the 6
    # back; the smallest that leaves the 6 anywhere from 1 to 9.
    assert table_row(html, "Anti-social behaviour") == (
        "Anti-social behaviour | fewer than 10 | not shown | not shown | not shown")
    assert table_row(html, "Knife crime") == (
        "Knife crime | not shown | not shown | not shown | not shown")
    assert "Anti-social behaviour</text>" not in html  # left out of the chart as well
    # Confidence: 10 positive, 6 not: the headline would give the 6 away.
    assert "Not shown: too few people answered" in page_text(client.get(PAGE))
    assert table_row(html, "Poor") == "Poor | fewer than 10 | not shown"
    # Telephone 4 of 20: hidden, and online (16) with it.
    assert table_row(html, "Telephone") == "Telephone | fewer than 10 | not shown"
    assert table_row(html, "Online") == "Online | not shown | not shown"

    csv_page = client.get(PAGE + "/figures.csv")
    assert csv_page.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_page.get_data(as_text=True).lstrip("\ufeff"))))
    by_label = {(r[0], r[1]): r[2:8] for r in rows[1:]}
    assert by_label[("Priorities", "Burglary")] == ["20", "100.0", "83.9", "100.0", "2.20", ""]
    assert by_label[("Priorities", "Knife crime")] == ["not shown", "", "", "", "", ""]
    assert by_label[("Priorities", "Anti-social behaviour")] == ["fewer than 10", "", "", "",
                                                                 "", ""]
    assert by_label[("How people answered", "Telephone")][0] == "fewer than 10"
    for row in rows[1:]:
        if row[2] in ("fewer than 10", "not shown"):
            assert row[3:7] == ["", "", "", ""], row
            assert row[8:11] == ["", "", ""], row  # weighting never brings a hidden share back


def test_equality_tables_sit_beside_the_population(app, client, run_tasks):
    collated(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    html = client.get(PAGE).get_data(as_text=True)
    # 12 consented (white 6, black 4, asian 2); the 4 who did not consent and the businesses
    # are "not answered". Camden's 2011 Census figures beside them.
    white = table_row(html, "White")
    assert white.startswith("White | 6 | 50.0% | ")
    assert re.fullmatch(r"White \| 6 \| 50\.0% \| \d+\.\d%", white)
    assert table_row(html, "Not answered (or did not agree to these questions)") == (
        "Not answered (or did not agree to these questions) | 8 | ")
    assert "2011 Census" in page_text(client.get(PAGE))


@pytest.mark.parametrize(("page", "task"), [
    (PAGE, "engage.reports.collate_area"),
    (LONDON_PAGE, "engage.reports.collate_consultation"),
])
def test_a_count_asked_for_twice_is_queued_once(app, client, page, task):
    """A double click on "Count it now": one count queued, one audit event."""
    make_consultation(app)
    sign_in(client, app, is_admin=True)
    data = form_keys(client.get(page).get_data(as_text=True))
    first = client.post(page + "/collate", data)
    with inserts(app) as inserted:
        second = client.post(page + "/collate", data)
    assert inserted == []
    assert first.status_code == second.status_code == 302
    assert second.location == first.location and first.location.endswith(page)
    recorded = app.extensions.get("engage_recorded_tasks", [])
    assert [name for name, _ in recorded if name.startswith("engage.reports.")] == [task]
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "report.collation_requested")).all() == [
                "report.collation_requested"]
    assert "sent twice, and saved once" in page_text(client.get(second.location))


def test_another_borough_and_other_roles_are_refused(app, client, run_tasks):
    hand_worked(app)
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
        create_user(email="interviewer@example.org", roles={"interviewer": "camden"})
    client.sign_in("hackney@example.org", PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "/figures.csv").status_code == 403
    assert client.post(PAGE + "/collate").status_code in (400, 403)
    assert client.get(LONDON_PAGE).status_code == 403  # officers see their borough only
    assert client.get("/staff/boroughs/hackney/reports/have-your-say-2027").status_code == 200
    assert client.get("/staff/boroughs/hackney/reports/no-such-thing").status_code == 404
    client.sign_out()
    client.sign_in("interviewer@example.org", PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert run_tasks() == []


def test_the_public_is_sent_to_sign_in_and_members_are_refused(app, client):
    hand_worked(app)
    for url in (PAGE, PAGE + "/figures.csv", LONDON_PAGE, "/staff/reports"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, app)
    assert client.get(PAGE).status_code == 403
    assert client.get(LONDON_PAGE).status_code == 403


def test_only_administrators_see_london(app, client, other_client, run_tasks):
    """Borough reports are public once published, so London less them would give one borough's
    analyst another borough's unpublished figures: London is for administrators, who see every
    borough anyway."""
    made = hand_worked(app)
    sign_in(client, app, roles={"analyst": "hackney", "officer": "camden"})
    token = form_keys(client.get(PAGE).get_data(as_text=True))["csrf_token"]
    for url in (LONDON_PAGE, LONDON_PAGE + "/figures.csv", LONDON_PAGE + "/figures.xlsx",
                LONDON_PAGE + "/report.pdf", LONDON_PAGE + "/comments"):
        assert client.get(url).status_code == 403, url
    assert client.post(LONDON_PAGE + "/collate", {"csrf_token": token}).status_code == 403
    assert run_tasks() == []
    index = client.get("/staff/reports").get_data(as_text=True)
    assert "/london" not in index  # and not linked to it
    assert 'href="/staff/boroughs/hackney/reports/have-your-say-2027"' in index
    assert 'href="/staff/boroughs/camden/reports/have-your-say-2027"' in index
    assert 'href="/staff/boroughs/lambeth/reports/have-your-say-2027"' not in index

    sign_in(other_client, app, is_admin=True)
    assert "has not been counted yet" in page_text(other_client.get(LONDON_PAGE))
    other_client.submit(LONDON_PAGE + "/collate", form_page=LONDON_PAGE)
    ran = run_tasks()
    assert ran[0] == ("engage.reports.collate_consultation", (made.consultation_id,))
    assert len(ran) == 1 + 33
    text = page_text(other_client.get(LONDON_PAGE))
    assert "London: priorities report" in text and "from 24 responses" in text
    index = other_client.get("/staff/reports").get_data(as_text=True)
    assert 'href="/staff/reports/have-your-say-2027/london"' in index
    assert other_client.get(LONDON_PAGE + "/figures.csv").status_code == 200
    # Counted now, London is still refused to the analyst and the officer.
    assert client.get(LONDON_PAGE + "/figures.csv").status_code == 403


def test_reports_are_offered_only_to_those_who_may_read_them(app, client):
    """Interviewers and clerks read no report: the staff home does not offer them reports, and
    /staff/reports says whom reports are for rather than that nothing covers their boroughs."""
    hand_worked(app)
    for roles in ({"interviewer": "camden"}, {"clerk": "camden"},
                  {"interviewer": "camden", "clerk": "hackney"}):
        sign_in(client, app, roles=roles)
        home = client.get("/staff/").get_data(as_text=True)
        assert "Borough priority reports" not in home and 'href="/staff/reports"' not in home
        assert "Waiting for you" in home  # the rest of the home page is as it was
        listed = client.get("/staff/reports")
        assert listed.status_code == 200
        text = page_text(listed)
        assert "Reports are for engagement officers and analysts" in text, roles
        assert "does not cover any of your boroughs" not in text
        assert "/reports/have-your-say-2027" not in listed.get_data(as_text=True)
        client.sign_out()
    for user in ({"roles": {"officer": "camden"}}, {"roles": {"analyst": "camden"}},
                 {"roles": {"clerk": "camden", "analyst": "hackney"}}, {"is_admin": True}):
        sign_in(client, app, **user)
        home = client.get("/staff/").get_data(as_text=True)
        assert 'href="/staff/reports">Borough priority reports</a>' in home, user
        text = page_text(client.get("/staff/reports"))
        assert "Reports are for engagement officers and analysts" not in text
        assert "Have your say (have-your-say-2027)" in text
        client.sign_out()


def test_a_borough_the_consultation_does_not_cover_has_no_report(app, client):
    make_consultation(app, slug="camden-only", boroughs=["camden"])
    sign_in(client, app, is_admin=True)
    assert client.get("/staff/boroughs/camden/reports/camden-only").status_code == 200
    assert client.get("/staff/boroughs/hackney/reports/camden-only").status_code == 404
    assert client.get("/staff/boroughs/nowhere/reports/camden-only").status_code == 404
