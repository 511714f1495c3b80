"""Staff pages never show a value as Python prints it.

Borough engagement officers, clerks and analysts read these pages: an empty optional detail
reads "Not given" (or "Not set" for a setting), a flag "Yes" or "No", an enum its label, a time
"6 December 2026 at 5:11pm". Never "None", "True", "Reply.ATTENDING" or
"2026-12-06 17:11:20.123456".

The sweep opens every staff page (bar downloads) once, over the world tests.test_wrong_parent
builds (every kind of object in Camden and Lambeth), with more objects whose optional details
are left empty, and looks for raw values in what a person reads.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
from flask import render_template_string
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import GroupKind, GroupRole, Represents
from engage.groups.operations import approve, change_role, create_group, request_to_join
from engage.meetings.models import (
    Invitation,
    Meeting,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
    Reply,
)
from engage.outbox.models import OutboxMessage, OutboxStatus
from engage.surveys.models import Audience, Consultation, Questionnaire
from engage.translations.models import ContentTranslation, PhraseTranslation
from tests.conftest import discard_test_app, new_test_app
from tests.factories import PASSWORD, borough, create_user
from tests.helpers import Browser, page_text

# The world of the wrong-parent tests: one of everything, built once for this module too.
from tests.test_wrong_parent import _build as build_world

# What a person must never read. "None of these" is a questionnaire's own option.
RAW_TEXT = re.compile(
    r"\bNone\b(?! of these)|\bTrue\b|\bFalse\b|\bnan\b"
    r"|\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]{2,}\b"  # an enum's repr: Reply.ATTENDING
    r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"  # an ISO time: 2026-12-06 17:11, 2026-12-06T17:11
)
# ...nor see in a box or a list to choose from; nor meet a group of choices without its
# question (a legend left empty: a screen reader announces a nameless group, WCAG 1.3.1).
RAW_HTML = re.compile(r'value="(None|True|False)"|>\s*(None|True|False)\s*</'
                      r'|<fieldset class="govuk-fieldset"[^>]*>\s*(?!\s|<legend)')

CAMDEN = "/staff/boroughs/camden"
DOWNLOADS = (".csv", ".xlsx", ".pdf", ".zip")
# Downloads whose kind of file is asked in the address (a workbook or a PO file to translate).
DOWNLOAD_ENDPOINTS = {"translations.questionnaire_words", "translations.phrase_words"}
# Each argument of a staff address, as a name in the world's ids (or as it is).
ARGUMENTS = {
    "borough_slug": "=camden", "consultation_slug": "consultation", "group_slug": "group",
    "meeting_id": "meeting", "item_id": "item", "membership_id": "member", "list_id": "list",
    "reference": "reference", "request_id": "request", "run_id": "run", "ref": "=comments",
    "flag_id": "flag", "case_id": "case", "key": "=confidence", "consultation_id":
    "consultation_id", "user_id": "staff_user", "audience": "=residents", "option_id": "option",
    "question_id": "question", "source_id": "source", "section_id": "section",
    "kind": "=short-text", "response_id": "reply", "code": "=pl",
}
# Where a page wants another object than the usual one.
OVERRIDES = {
    "groups_staff.decline": {"membership_id": "pending"},
    "mailouts_keying.settle": {"reference": "settle_reference"},
    "surveys_builder.add_option": {"question_id": "choice"},
}
# Pages that are asked a question in the address.
QUERIES = {"admin.toggle_admin": "?administrator=yes"}
# Pages that send the reader on, as they should in this world: both of the consultation's
# questionnaires exist already.
REDIRECTS = {"surveys_staff.new_questionnaire"}


@pytest.fixture(scope="module")
def world(app_settings, backend, _schema, smtp_server):
    app = new_test_app(app_settings, backend)
    try:
        ids = build_world(app)
        ids.update(_leave_details_empty(app, ids))
        yield app, ids
    finally:
        discard_test_app(app)


def _leave_details_empty(app, ids: dict[str, str]) -> dict[str, str]:
    """More of the world, with every optional detail left empty: a group with no contacts or
    purpose, an online meeting with no access information or limit, someone who registered
    with no name or access needs, a role with a term, times and dates in the audit log's
    details, and an email in each state."""
    with app.app_context():
        camden = borough("camden")  # its public contact details are not given either
        group = create_group(camden, GroupKind.WARD_PANEL, "Kentish Town ward panel")
        starts = utcnow().replace(microsecond=0)
        meeting = Meeting(group=group, title="Online meeting", starts_at=starts,
                          ends_at=starts + timedelta(hours=1),
                          mode=MeetingMode.ONLINE, online_link="https://meet.example.org/a",
                          visibility=MeetingVisibility.PUBLIC, status=MeetingStatus.PUBLISHED,
                          published_at=starts)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Invitation(meeting_id=meeting.id, email="guest@example.org",
                                  registered_at=starts, reply=Reply.ATTENDING))
        officer = create_user(roles={"officer": "camden"})
        membership = request_to_join(group, create_user(), Represents.SELF, None)
        approve(membership, officer)
        change_role(membership, GroupRole.CHAIR, date(2027, 4, 1), None, officer)
        db.session.add(AuditEvent(actor_label="system", action="meeting.scheduled",
                                  borough_id=camden.id, target=f"meeting:{meeting.id}",
                                  details={"starts_at": "2027-03-30T17:30:00",
                                           "counted_at": "2026-12-06T17:21:12.441270",
                                           "due_on": "2027-04-30", "capacity": None,
                                           "public": True}))
        for status in OutboxStatus:
            db.session.add(OutboxMessage(recipient="someone@example.org",
                                         template="account_deleted", context={},
                                         status=status, due_at=starts))
        # Translations half done, by nobody still here: the languages pages' counts and times.
        questionnaire = db.session.scalar(select(Questionnaire).join(Consultation).where(
            Consultation.slug == ids["builder"], Questionnaire.audience == Audience.RESIDENTS))
        db.session.add(ContentTranslation(questionnaire_id=questionnaire.id, language="pl",
                                          texts={questionnaire.title: "Wasze zdanie"}))
        db.session.add(PhraseTranslation(language="pl", texts={"Continue": "Dalej"}))
        db.session.commit()
        return {"empty_group": group.slug, "empty_meeting": str(meeting.id),
                "termed_member": str(membership.id)}


def _address(rule, ids: dict[str, str]) -> str:
    names = {**ARGUMENTS, **OVERRIDES.get(rule.endpoint, {})}
    if rule.rule.startswith("/staff/boroughs/<slug>"):
        names["slug"] = "=camden"
    else:
        names["slug"] = "builder"  # a consultation: Camden's own, which its officer may change
    path = rule.rule
    for argument in rule.arguments:
        assert argument in names, (f"{rule.rule}: say in ARGUMENTS which of the world's objects "
                                   f"<{argument}> names, so the sweep opens the page")
        name = names[argument]
        value = name[1:] if name.startswith("=") else ids[name]
        path = re.sub(rf"<(?:\w+:)?{argument}>", value, path)
    return path + QUERIES.get(rule.endpoint, "")


def _raw_values(response) -> list[str]:
    text, html = page_text(response), response.get_data(as_text=True)
    found = [text[max(0, m.start() - 60):m.end() + 60] for m in RAW_TEXT.finditer(text)]
    return found + [html[max(0, m.start() - 120):m.end() + 20] for m in RAW_HTML.finditer(html)]


def test_no_staff_page_shows_a_raw_value(world):
    app, ids = world
    officer, admin = Browser(app), Browser(app)
    officer.sign_in(ids["officer_email"], PASSWORD)
    admin.sign_in(ids["admin_email"], PASSWORD)
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(("/staff", "/admin")) and "GET" in rule.methods
             and not rule.rule.endswith(DOWNLOADS) and rule.endpoint not in DOWNLOAD_ENDPOINTS]
    extra = [f"{CAMDEN}/groups/{ids['empty_group']}/edit",
             f"{CAMDEN}/groups/{ids['empty_group']}/meetings/{ids['empty_meeting']}",
             f"{CAMDEN}/groups/{ids['empty_group']}/members/{ids['termed_member']}",
             "/admin/audit?action=meeting", "/admin/outbox?status=sent"]
    leaks, not_shown = {}, {}
    for path in [_address(rule, ids) for rule in rules] + extra:
        response = officer.get(path)
        if response.status_code == 403:  # an administrator's page
            response = admin.get(path)
        if response.status_code != 200:
            not_shown[path] = response.status_code
            continue
        if found := _raw_values(response):
            leaks[path] = found
    assert leaks == {}
    # Every page was seen: a page that stopped opening would make the sweep prove nothing.
    redirected = {_address(rule, ids) for rule in rules if rule.endpoint in REDIRECTS}
    assert {path: status for path, status in not_shown.items()
            if not (status == 302 and path in redirected)} == {}
    assert len(rules) > 80


def test_the_two_step_pages_show_no_raw_value(world):
    """Two-step verification's pages, which staff meet on the way to theirs: setting it up,
    the code page of signing in, the recovery codes, and the page once it is on."""
    app, ids = world
    with app.app_context():
        someone = create_user(roles={"analyst": "camden"})
        email = someone.email
    person = Browser(app)
    person.sign_in(email, PASSWORD)
    set_up = person.get("/account/two-step")
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", set_up.get_data(as_text=True)).group(1)
    turned_on = person.submit("/account/two-step",
                              {"code": pyotp.TOTP(secret.replace(" ", "")).now()})
    on = person.get("/account/two-step")
    person.sign_out()
    person.sign_in(email, PASSWORD)
    code_page = person.get("/sign-in/two-step")
    pages = {"set-up": set_up, "recovery codes": turned_on, "on": on, "code": code_page}
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert {name: found for name, page in pages.items() if (found := _raw_values(page))} == {}


SAID = [
    (None, "Not given"), ("", "Not given"), ("  \n", "Not given"), (0, "0"),
    ("team@camden.example.org", "team@camden.example.org"), (True, "Yes"), (False, "No"),
    (Reply.ATTENDING, "Attending"), (Audience.BUSINESSES, Audience.BUSINESSES.label),
    (OutboxStatus.PENDING, "Waiting to be sent"),
    (datetime(2026, 12, 6, 17, 11, 20, 123456), "6 December 2026 at 5:11pm"),
    (datetime(2027, 6, 1, 17, 0), "1 June 2027 at 6pm"),  # London summer time
    (date(2027, 4, 1), "1 April 2027"),
]


# These use the module's own app: a test here on the `app` fixture would empty the tables under
# the module's world, whichever order the test processes run them in.
def test_or_not_given_says_a_value_in_words(world):
    app, _ = world
    with app.test_request_context():
        said = [render_template_string("{{ value | or_not_given }}", value=value)
                for value, _ in SAID]
    assert said == [words for _, words in SAID]


def test_or_not_given_takes_the_words_for_nothing(world):
    app, _ = world
    with app.test_request_context():
        assert render_template_string('{{ value | or_not_given("Not set") }}',
                                      value=None) == "Not set"
        assert render_template_string("{{ missing | or_not_given }}") == "Not given"
        # Text stays escaped as any other value.
        assert render_template_string("{{ value | or_not_given }}",
                                      value="<b>") == "&lt;b&gt;"
