"""What a usability review of the staff pages found wrong, each checked through HTTP as staff use
the pages: where error summary links lead, a way back from the questionnaire preview, what
upload problems and automatic reminders say, the staff invitation email, a meeting's details,
the words for a role just given, and tables that must not widen the page at 200% zoom."""

from __future__ import annotations

import io
import re

from tests.factories import PASSWORD, create_admin, create_officer
from tests.helpers import csrf_token, page_text
from tests.meetings.support import STAFF as MEETINGS
from tests.meetings.support import schedule
from tests.meetings.support import sign_in as sign_in_officer
from tests.surveys.answering_support import post
from tests.surveys.support import STAFF, make_consultation, sign_in_staff
from tests.surveys.test_invitations_support import STAFF as INVITATIONS
from tests.surveys.test_invitations_support import add_members, list_from_group, officer
from tests.surveys.test_invitations_support import make_consultation as make_open_consultation


def _summary_links(html: str) -> list[str]:
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    return re.findall(r'href="#([^"]+)"', summary)


# 1. A date's error summary link goes to its day box, which takes focus -------------------------

def test_a_dates_error_summary_link_goes_to_its_first_box(client, app):
    sign_in_staff(client, app)
    refused = client.submit(f"{STAFF}/new", {"title": "Spring check", "purpose": "To check.",
                                            "coverage": "all", "opens_on": ["31", "2", "2027"],
                                            "opens_time": "9am", "closes_on": ["", "", ""],
                                            "closes_time": "5pm"})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    targets = _summary_links(html)
    # The date's own id is on the wrapper round its boxes, which cannot take focus: a link there
    # leaves a keyboard or screen reader user where they were.
    assert targets == ["opens_on-day", "closes_on-day"]
    for target in targets:
        assert re.search(rf'<input class="govuk-input govuk-date-input__input[^>]*id="{target}"',
                         html)
    assert "Opening date must be a real date" in page_text(refused)


# 2. Every page of a questionnaire's preview leads back to its questions -----------------------

def test_every_preview_page_leads_back_to_the_questionnaires_questions(client, app):
    made = make_consultation(app)
    sign_in_staff(client, app, create_officer, "lambeth")
    builder = f'href="{STAFF}/{made.slug}/residents"'
    preview = f"/have-your-say/preview/{made.questionnaire_id}"
    start = client.get(preview)
    assert builder in start.get_data(as_text=True)
    assert "Back to the questions" in page_text(start)
    client.submit(f"{preview}/start", {}, form_page=preview)
    post(client, f"{preview}/postcode", {"postcode": "SW9 6AA"})
    question = client.get(f"{preview}/questions/1")
    assert question.status_code == 200
    assert builder in question.get_data(as_text=True)
    assert client.get(f"{STAFF}/{made.slug}/residents").status_code == 200
    # The public's own pages say nothing of it.
    public = client.get(f"/have-your-say/{made.questionnaire_id}").get_data(as_text=True)
    assert builder not in public and "Back to the questions" not in public


# 3. An upload's problems are in the table above the file's field, not "below" -----------------

def test_an_uploads_problems_are_named_where_they_are_listed(app):
    ids = make_open_consultation(app)
    browser = officer(app)
    url = f"{INVITATIONS}/new/upload"
    page = browser.get(url).get_data(as_text=True)
    refused = browser.post(url, {
        "csrf_token": csrf_token(page),
        "questionnaire": str(ids[next(iter(ids))]), "name": "High street",
        "people": (io.BytesIO(b"email,name\nnot-an-email,Sam\n"), "people.csv")},
        content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    message = ("The file has 1 problem: nobody was added. Correct the lines listed under "
               '"Problems in the file" and upload it again')
    assert message in page_text(refused)
    assert "listed below" not in html
    # The table it names comes before the file's field, where the message is shown again.
    assert html.index(">Problems in the file") < html.index('id="people"')


# 4. A reminder one day after the invitation says "1 day" ---------------------------------------

def test_an_automatic_reminder_after_one_day_says_1_day(app):
    ids = make_open_consultation(app)
    add_members(app, ["one@example.org"])
    browser = officer(app)
    list_id = int(list_from_group(browser, ids[next(iter(ids))]))
    saved = browser.submit(f"{INVITATIONS}/{list_id}/automatic-reminder", {"days": "1"},
                           follow_redirects=True)
    text = page_text(saved)
    assert "reminded automatically 1 day after their invitation" in text
    assert "Automatic reminder 1 day after the invitation" in text
    assert "1 days" not in text


# 5. The staff invitation email leaves a line between the roles and what to do -----------------

def test_the_staff_invitation_email_sets_the_roles_apart_from_the_link(client, app, mailbox,
                                                                       run_tasks):
    with app.app_context():
        email = create_admin(name="Ada Admin").email
    client.sign_in(email, PASSWORD)
    sent = client.submit("/admin/staff/invite", {"name": "Grace Hopper",
                                                 "email": "grace@example.org", "role": "clerk",
                                                 "boroughs": ["camden", "lambeth"]})
    assert sent.status_code == 302
    run_tasks()
    [message] = mailbox.to("grace@example.org")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert ("as:\n\n- Data-entry clerk, Camden\n- Data-entry clerk, Lambeth\n\n"
            "To accept, open this link") in text


# 6. A role just given is said in a sentence's words --------------------------------------------

def test_a_role_given_is_said_in_a_sentence(client, app):
    with app.app_context():
        email = create_admin().email
        olive_id = create_officer("camden", name="Olive Officer").id
    client.sign_in(email, PASSWORD)
    added = client.submit(f"/admin/staff/{olive_id}", {"role": "officer", "borough": "lambeth"},
                          follow_redirects=True)
    assert "Olive Officer is now a borough engagement officer in Lambeth." in page_text(added)


# 7. A meeting's page for staff says nothing of calendar files' version numbers ------------------

def test_a_meetings_staff_page_shows_no_calendar_version_number(client, app):
    sign_in_officer(client, app)
    meeting_id = schedule(client)
    text = page_text(client.get(f"{MEETINGS}/{meeting_id}"))
    assert "Who can see it" in text
    # The iCalendar SEQUENCE, "Calendar version 0": nothing an officer can use or act on.
    assert "Calendar version" not in text


# 8. Wide staff tables scroll in their own box at 200% zoom, not the whole page -----------------

SCROLL_BOX = '<div class="engage-table-scroll" role="region" aria-label="{}" tabindex="0">'


def _table_in_scroll_box(html: str, label: str) -> bool:
    box = SCROLL_BOX.format(label)
    return box in html and html.split(box, 1)[1].lstrip().startswith('<table class="govuk-table">')


def test_wide_staff_tables_scroll_inside_their_own_box(client, app):
    ids = make_open_consultation(app)
    add_members(app, ["a.long.address.for.a.member@example.org"])
    browser = officer(app)
    list_from_group(browser, ids[next(iter(ids))])
    pages = {f"{INVITATIONS}": "Lists and response rates",
             "/staff/boroughs/camden/groups/cpeg/members": "Members"}
    for url, label in pages.items():
        assert _table_in_scroll_box(browser.get(url).get_data(as_text=True), label), url
    with app.app_context():
        email = create_admin().email
    client.sign_in(email, PASSWORD)
    client.submit("/admin/staff/invite", {"name": "Grace Hopper", "email": "grace@example.org",
                                          "role": "clerk", "boroughs": ["camden"]})  # an email
    for url, label in {"/admin/audit": "Staff actions", "/admin/outbox": "Emails"}.items():
        assert _table_in_scroll_box(client.get(url).get_data(as_text=True), label), url
    # The box scrolls sideways, and holds the hidden words of the tables' headers in it.
    stylesheet = client.get("/static/engage.css")
    css = stylesheet.get_data(as_text=True)
    stylesheet.close()
    assert re.search(r"\.engage-table-scroll\{[^}]*position:relative[^}]*overflow-x:auto", css)
