"""A borough's Local Policing Summary: the seed document's shape, made only from the published
report and what the borough's public pages show."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.models import Meeting, MeetingStatus, MeetingVisibility
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Audience, Consultation
from tests.factories import borough
from tests.helpers import page_text
from tests.meetings.support import cpeg, create_meeting
from tests.reports.support import answers, respond
from tests.reports.test_public_report import PUBLIC, REPORT, prepared, publish

SUMMARY = PUBLIC.removesuffix("/report") + "/local-policing-summary.pdf"


def summary_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def with_contacts_and_meetings(app) -> None:
    soon = utcnow().replace(microsecond=0) + timedelta(days=7)
    with app.app_context():
        camden = borough("camden")
        camden.contact_phone = "020 7946 0123"
        camden.contact_email = "camden.engagement@example.org"
        group = cpeg()
        group.contact_email = "cpeg@camden.example.org"
        db.session.commit()
    create_meeting(app, soon, soon + timedelta(hours=2), title="Spring public meeting")
    create_meeting(app, soon + timedelta(days=1), soon + timedelta(days=1, hours=2),
                   title="Members briefing", visibility=MeetingVisibility.MEMBERS_ONLY)
    create_meeting(app, soon + timedelta(days=2), soon + timedelta(days=2, hours=2),
                   title="Draft planning", status=MeetingStatus.DRAFT)
    create_meeting(app, soon - timedelta(days=30), soon - timedelta(days=30, hours=-2),
                   title="Last winter's meeting")


def test_not_found_until_published_and_linked_from_both_pages_after(app, client, other_client,
                                                                   run_tasks):
    prepared(app, client, run_tasks)
    assert other_client.get(SUMMARY).status_code == 404
    assert "Local Policing Summary" not in page_text(client.get(REPORT))
    publish(client)
    staff_page = client.get(REPORT).get_data(as_text=True)
    assert f'href="{SUMMARY}"' in staff_page
    assert f'href="{SUMMARY}"' in other_client.get(PUBLIC).get_data(as_text=True)
    response = other_client.get(SUMMARY)
    assert response.status_code == 200
    assert re.search(r'filename="local-policing-summary-camden-have-your-say-2027\.pdf"',
                     response.headers["Content-Disposition"])
    assert other_client.get("/boroughs/hackney/have-your-say/have-your-say-2027/"
                            "local-policing-summary.pdf").status_code == 404


def test_the_summary_has_the_seed_document_s_sections(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    with_contacts_and_meetings(app)
    publish(client)
    text = summary_text(other_client.get(SUMMARY))
    assert "Local Policing Summary Camden" in text
    # Every page after the first is headed with what it is, and numbered.
    reader = PdfReader(io.BytesIO(other_client.get(SUMMARY).data))
    last = reader.pages[-1].extract_text()
    assert "Local Policing Summary: Camden" in last
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    # Priorities for the coming year: you said, we did; then what people said, suppressed.
    assert "Looking forward: priorities for the coming year" in text
    assert "Burglary: A 1.2% reduction in burglary" in text
    assert "Knife crime not shown not shown" in text
    # Confidence rests on 10 against 6, so it is withheld; its target and the gap's are said.
    assert "Not shown: too few people answered" in text and "The target was 51.4%." in text
    assert "3.8 percentage points" in text
    # Performance against last year's targets, as the seed's table.
    assert "How Camden performed during 2026/27" in text
    assert "Residential burglary -89 (-8.8%) target achieved" in text
    assert "Gun crime +12 (+14.2%) reduce by 4.2%: target missed" in text
    # The CPEG with its public contact and next public meetings only.
    assert "Community Police Engagement Group" in text
    assert "cpeg@camden.example.org" in text
    assert "Spring public meeting" in text
    # Printed, a link reading "details" leads nowhere: the meeting's address is given.
    with app.app_context():
        spring = db.session.scalar(select(Meeting).where(Meeting.title == "Spring public meeting"))
        address = f"http://localhost/boroughs/camden/groups/cpeg/meetings/{spring.id}"
    assert f"Details: {address}" in re.sub(r"/ ", "/", text)  # a long address wraps at a /
    for hidden in ("Members briefing", "Draft planning", "Last winter's meeting"):
        assert hidden not in text
    # How to take part: online while it is open, by phone for paper or telephone, 999/101.
    with app.app_context():
        residents = db.session.scalar(select(Consultation)).questionnaire_for(Audience.RESIDENTS)
        start = f"http://localhost/have-your-say/{residents.id}"
    assert start in text
    assert "call 020 7946 0123 to receive a paper version or to answer by telephone" in text
    assert "In an emergency always dial 999. If it is not an emergency, dial 101." in text
    # Nothing staff-only.
    assert "Ethnic group" not in text and "Staff copy" not in text


def test_confidence_is_set_against_its_target_when_it_can_be_shown(app, client, other_client,
                                                                   run_tasks):
    prepared(app, client, run_tasks)
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 2
    publish(client)
    text = summary_text(other_client.get(SUMMARY))
    assert ("62.5% of people who gave a view said the police do an excellent or good job in "
            "Camden, against a target of 51.4%: the target was met") in text
    # The chart has its data table beside it, in the PDF as on the page.
    assert "Public confidence against its target" in text
    assert "Public confidence, against a target of 51.4% 62.5% Target met" in text


def test_the_summary_keeps_the_published_figures_after_a_later_count(app, client,
                                                                     other_client, run_tasks):
    made = prepared(app, client, run_tasks)
    publish(client)
    with app.app_context():
        first = db.session.scalar(select(ReportPublication.counted_at))
        for _ in range(5):
            respond(made.residents, answers(["robbery", "burglary", "knife-crime"]),
                    submitted_at=first - timedelta(hours=1))
        consultation = db.session.scalar(select(Consultation))
        consultation.closes_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    client.submit(REPORT + "/you-said-we-did", {"priority": "robbery",
                                                "target": "Fewer robberies"})
    text = summary_text(other_client.get(SUMMARY))
    assert "from 20 responses" in text and "25 responses" not in text
    assert "Fewer robberies" not in text
    # Closed now: the summary points to the next consultation instead of this one's forms.
    assert "Answer the next consultation online when it opens: " \
           "http://localhost/have-your-say/" in text


def test_a_borough_without_contact_details_gives_the_service_s(app, client, other_client,
                                                               run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    email, phone = app.config["ENGAGE_CONTACT_EMAIL"], app.config["ENGAGE_CONTACT_PHONE"]
    text = summary_text(other_client.get(SUMMARY))
    # Neither Camden nor its CPEG has details: the printed summary still says whom to ask.
    assert ("Contact details for this group have not been added yet. Contact the engage team "
            f"instead, who will pass your message on: Email: {email} Telephone: {phone}") in text
    assert (f"call the engage team on {phone} to receive a paper version or to answer by "
            "telephone") in text
    assert ("The engage team, who will pass your message on to Camden's police engagement "
            f"team: {email}, telephone {phone}") in text


def test_a_borough_with_only_a_telephone_number_gives_it_under_useful_contacts(
        app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    with app.app_context():
        borough("camden").contact_phone = "020 7946 0123"
        db.session.commit()
    publish(client)
    text = summary_text(other_client.get(SUMMARY))
    assert "Camden police engagement team: telephone 020 7946 0123" in text
    assert "Telephone: 020 7946 0123" in text  # the CPEG's, which falls back to the borough's
    assert app.config["ENGAGE_CONTACT_EMAIL"] not in text and "have not been added" not in text


def test_printed_web_addresses_break_only_after_a_slash(app, client, other_client, run_tasks):
    """Left to itself a line breaks after any hyphen ("community-police-engagement-" then
    "group"), and a reader cannot tell whether to type the hyphen: addresses break after a /."""
    prepared(app, client, run_tasks)
    with_contacts_and_meetings(app)
    long_slug = "community-police-engagement-group-for-the-london-borough-of-camden"
    with app.app_context():
        cpeg().slug = long_slug
        db.session.commit()
    publish(client)
    reader = PdfReader(io.BytesIO(other_client.get(SUMMARY).data))
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    group_lines = [line for line in lines if "community-police" in line or "-camden" in line]
    assert group_lines, lines
    # Every line holding part of an address ends at a "/" or at the address's end.
    assert not [line for line in lines if line.rstrip().endswith("-")], lines
    text = re.sub(r"/\s+", "/", " ".join(lines))
    assert f"http://localhost/boroughs/camden/groups/{long_slug}" in text


def test_the_summary_s_links_are_the_service_s_whatever_host_was_asked(app, client,
                                                                        other_client, run_tasks):
    """The summary is printed and handed out, and kept to be served to everyone: its links
    come from ENGAGE_BASE_URL, as an email's do, never from the Host header of whoever asked
    (a request naming another host drew, and kept, a summary linking there)."""
    prepared(app, client, run_tasks)
    with_contacts_and_meetings(app)
    publish(client)
    run_tasks()
    asked = other_client.get(SUMMARY, headers={"Host": "phishing.example"})
    text = summary_text(asked)
    assert "phishing.example" not in text
    assert "http://localhost/boroughs/camden/groups/cpeg" in text
    # The same file as anyone else is given.
    assert asked.data == other_client.get(SUMMARY).data
