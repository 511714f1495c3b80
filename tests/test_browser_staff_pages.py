"""The staff pages in a real headless Chromium, each checked against WCAG 2.2 AA by axe-core.

Staff are borough engagement officers, telephone interviewers, data-entry clerks, analysts and
administrators, disabled people among them: their pages meet the same standard as the public's.
Each test builds a world with the app's own operations and the suites' helpers, signs someone in
through the sign-in form and goes round one part of the staff site (groups and meetings,
consultations and their questionnaires, invitations by email, paper, telephone, reports,
administration), forms sent back with their errors and uploads with their line-numbered
reports included. Each page must be the one meant (its h1), and axe must find nothing on it; a
test lists every page's failures at its end, not only the first."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ERROR_TITLE, WCAG_22_AA
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CAMDEN = "/staff/boroughs/camden"
GROUP = CAMDEN + "/groups/cpeg"
CPEG = "Community Police Engagement Group"
EVERY_CAMDEN_ROLE = {"officer": "camden", "interviewer": "camden", "clerk": "camden",
                     "analyst": "camden"}
COMMENTS = "Is there anything else you want to tell us?"


@dataclass
class Visit:
    """One signed-in browser going round pages, noting every axe failure on them."""

    page: Page
    server: str
    failures: list[str] = field(default_factory=list)

    def go(self, path: str, heading: str) -> None:
        response = self.page.goto(self.server + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.check(heading)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def refused(self, button: str, heading: str) -> None:
        """Send the form as it is filled in (or not), and check it comes back with errors."""
        self.press(button)
        self.check(heading, error=True)

    def check(self, heading: str, error: bool = False) -> None:
        """The page is the one meant: its only h1 ends with `heading` (after any caption in
        it); with `error`, it is a form shown again with its errors, the summary focused. Then
        axe's failures on it, if any, are noted."""
        h1 = self.page.locator("h1")
        # expect() waits for the navigation a click starts; a bare read could see the old page.
        expect(h1).to_have_text(re.compile(re.escape(heading) + r"\s*$"))
        assert h1.count() == 1, self.page.url
        if error:
            expect(self.page).to_have_title(ERROR_TITLE)
            expect(self.page.locator(".govuk-error-summary")).to_be_focused()
        self.failures.extend(violations(self.page))

    def sign_in(self, email: str) -> None:
        self.page.goto(self.server + "/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.press("Sign in")
        expect(self.page.locator("h1")).to_have_text("Staff")  # staff land on their dashboard


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 AA failures on the page, as tests.browser.axe_violations finds them,
    each with the page and the elements that fail (CSS selectors), to say where to look."""
    from axe_playwright_python.sync_playwright import Axe

    # Failures only: axe then keeps one element for each rule that passes, not every element,
    # which makes a long page's check quicker.
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA},
                                       "resultTypes": ["violations"]})
    where = "/" + page.url.split("/", 3)[-1]
    return [f"{where}: {v['id']} ({v['help']}): "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in results.response["violations"]]


def staff(page: Page, live_server: str, app, **roles: str) -> Visit:
    """Someone holding `roles` ({"officer": "camden"}; an administrator when none are given),
    signed in through the sign-in form."""
    from tests.factories import create_admin, create_user

    with app.app_context():
        person = (create_user(roles=roles, name="Sam Staff") if roles
                  else create_admin(name="Alex Administrator"))
        email = person.email
    page.set_default_timeout(10_000)  # a missing button fails in 10 seconds, not 30
    visit = Visit(page, live_server)
    visit.sign_in(email)
    return visit


def csv_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


# Groups and meetings ---------------------------------------------------------------------------

def _groups_and_meetings(app) -> dict[str, int]:
    """Camden's CPEG with two members (equality answers given, one for an association) and an
    applicant; a coming meeting with an agenda, a paper and replies; a past one with replies,
    draft minutes and an action point. Returns the ids the pages need."""
    from sqlalchemy import select

    from engage.clock import utcnow
    from engage.extensions import db
    from engage.groups.models import (
        AgeBand,
        Disability,
        EthnicGroup,
        Membership,
        MembershipStatus,
        Represents,
    )
    from engage.groups.operations import save_equality_answers
    from engage.meetings.minutes import add_action, save_minutes
    from engage.meetings.models import AgendaItem, Invitation, Meeting, MeetingStatus, Paper, Reply
    from engage.meetings.registration import register
    from tests.factories import create_officer, create_user
    from tests.meetings.support import PDF, cpeg, create_meeting

    hour = utcnow().replace(microsecond=0, second=0, minute=0)
    coming = create_meeting(app, hour + timedelta(days=30, hours=1),
                            hour + timedelta(days=30, hours=3),
                            agenda=["Welcome", "Neighbourhood priorities"],
                            access_notes="Step-free entrance. Hearing loop.", capacity=40)
    past = create_meeting(app, hour - timedelta(days=30), hour - timedelta(days=30, hours=-2),
                          title="Winter meeting", agenda=["Welcome", "Burglary"])
    draft = create_meeting(app, hour + timedelta(days=60), hour + timedelta(days=60, hours=2),
                           title="Summer meeting", status=MeetingStatus.DRAFT)
    with app.app_context():
        people = {}
        for name, status, represents in (
                ("Ada Lovelace", MembershipStatus.ACTIVE, Represents.SELF),
                ("Grace Hopper", MembershipStatus.ACTIVE, Represents.RESIDENTS),
                ("Mary Somerville", MembershipStatus.PENDING, Represents.SELF)):
            person = create_user(name=name)
            save_equality_answers(person, AgeBand.FROM_25, EthnicGroup.WHITE, Disability.NO)
            membership = Membership(
                group=cpeg(), user=person, status=status, represents=represents,
                organisation=None if represents == Represents.SELF
                else "Camden Town residents' association",
                joined_at=hour if status == MembershipStatus.ACTIVE else None)
            db.session.add(membership)
            db.session.flush()
            people[name] = (person.id, membership.id)
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == coming,
                                                          AgendaItem.position == 1))
        item.papers.append(Paper(original_filename="crime figures.pdf",
                                 stored_name=secrets.token_hex(16),
                                 content_type="application/pdf", size_bytes=len(PDF)))
        for meeting_id in (coming, past):
            db.session.add_all([
                Invitation(meeting_id=meeting_id, user_id=people["Ada Lovelace"][0],
                           reply=Reply.ATTENDING,
                           access_needs="Large-print papers, please."
                           if meeting_id == coming else None),
                Invitation(meeting_id=meeting_id, user_id=people["Grace Hopper"][0],
                           reply=Reply.NOT_ATTENDING)])
        register(db.session.get(Meeting, coming), "Alan Turing", "alan@example.org",
                 "A seat near the front: I lip-read.")
        winter = db.session.get(Meeting, past)
        save_minutes(winter, "The chair welcomed everyone.\n\nBurglary is down.",
                     create_officer("camden"))
        add_action(winter, "Write to the council about street lighting", "The chair",
                   date.today() + timedelta(days=30))
        db.session.commit()
        return {"coming": coming, "past": past, "draft": draft, "item": item.id,
                "member": people["Ada Lovelace"][1], "applicant": people["Mary Somerville"][1]}


def test_a_borough_officers_group_pages_are_accessible(page, live_server, app):
    ids = _groups_and_meetings(app)
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)

    visit.go("/staff/", "Staff")
    visit.go(CAMDEN, "Camden")
    visit.go(CAMDEN + "/contact", "Camden: public contact details")
    visit.go(CAMDEN + "/groups", "Groups and requests to join")
    visit.go(CAMDEN + "/groups/new", "Add a group in Camden")
    visit.refused("Add the group", "Add a group in Camden")
    visit.go(GROUP + "/edit", f"Change the details of the {CPEG}")
    visit.page.get_by_label("Name of the group").fill("")
    visit.refused("Save changes", f"Change the details of the {CPEG}")
    visit.go(GROUP + "/requests", f"Requests to join the {CPEG}")
    visit.go(f"{GROUP}/requests/{ids['applicant']}/decline",
             "Decline Mary Somerville's request to join")
    visit.go(GROUP + "/members", f"Members of the {CPEG}")
    visit.go(f"{GROUP}/members/{ids['member']}", "Ada Lovelace")
    visit.go(GROUP + "/representation", "How well the group reflects the borough")
    visit.go(GROUP + "/import", "Import existing members")
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "members.csv", "name,email,represents\nAlan Turing,alan@example,self\n"
                       ",joan@example.org,a choir\n"))
    visit.refused("Import members", "Import existing members")
    expect(visit.page.get_by_role("table", name=re.compile("Problems in the file"))
           ).to_be_visible()
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "members.csv", "name,email,represents,phone\nAlan Turing,alan@example.org,self,0207\n"))
    visit.refused("Import members", "Import existing members")
    expect(visit.page.get_by_label("Ignore columns engage does not use")).not_to_be_checked()
    assert visit.failures == []


def _contrast(rgb: tuple[int, ...], other: tuple[int, ...]) -> float:
    def luminance(colour: tuple[int, ...]) -> float:
        parts = [c / 255 for c in colour[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(rgb), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_scrolling_tables_focus_ring_stands_out_from_the_page(page, live_server, app):
    """WCAG 1.4.11 (Non-text contrast): a table too wide for the window scrolls in a box that
    takes keyboard focus. Its focus ring must show against the white page at 3:1 or more; GOV.UK
    yellow alone is 1.4:1, so the ring needs GOV.UK's black edge as well."""
    _groups_and_meetings(app)
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    visit.go(GROUP + "/members", f"Members of the {CPEG}")
    box = page.get_by_role("region", name="Members")
    box.focus()
    expect(box).to_be_focused()
    ring = box.evaluate("""box => { const style = getComputedStyle(box);
        return [style.outlineStyle !== 'none' && style.outlineWidth !== '0px'
                ? style.outlineColor : '', style.boxShadow]; }""")
    # Every colour drawn, leaving out any fully transparent one (rgba(..., 0)).
    colours = [tuple(int(n) for n in parts[:3])
               for found in re.findall(r"rgba?\(([^)]*)\)", " ".join(ring))
               if not ((parts := found.split(",")) and len(parts) == 4
                       and float(parts[3]) == 0)]
    assert colours, ring
    assert max(_contrast(colour, (255, 255, 255)) for colour in colours) >= 3, ring


def test_a_borough_officers_meeting_pages_are_accessible(page, live_server, app):
    ids = _groups_and_meetings(app)
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    coming = f"{GROUP}/meetings/{ids['coming']}"
    past = f"{GROUP}/meetings/{ids['past']}"

    visit.go(GROUP + "/meetings", "Meetings")
    visit.go(coming, "Quarterly meeting")
    expect(visit.page.get_by_text("A seat near the front: I lip-read.")).to_be_visible()
    expect(visit.page.get_by_text("Large-print papers, please.")).to_be_visible()
    visit.go(past, "Winter meeting")
    visit.go(GROUP + "/meetings/new", "Schedule a meeting")
    visit.refused("Schedule the meeting", "Schedule a meeting")
    visit.go(coming + "/edit", "Change the meeting's details")
    visit.go(coming + "/agenda/new", "Add an agenda item")
    visit.refused("Add to the agenda", "Add an agenda item")
    visit.go(f"{coming}/agenda/{ids['item']}/papers/new", "Upload a paper for Welcome")
    visit.go(coming + "/cancel", "Cancel Quarterly meeting")
    visit.go(f"{GROUP}/meetings/{ids['draft']}/publish", "Publish Summer meeting")
    visit.go(past + "/attendance", "Attendance register")
    visit.go(past + "/minutes", "Minutes")
    visit.go(past + "/actions", "Action points")
    visit.refused("Add the action", "Action points")
    assert visit.failures == []


# Consultations and their questionnaires --------------------------------------------------------

def test_the_consultation_and_questionnaire_builder_pages_are_accessible(page, live_server,
                                                                         app):
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.models import Audience, QuestionnaireVersion
    from tests.surveys.support import make_consultation

    # Not open yet, so it can still be changed; and another, open, to list beside it.
    made = make_consultation(app, title="Policing priorities 2027",
                             audiences=(Audience.RESIDENTS, Audience.BUSINESSES),
                             opens_at=utcnow() + timedelta(days=7))
    make_consultation(app, title="Have your say 2026", boroughs=["camden", "lambeth"])
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        questions = {q.key: q for q in version.ordered_questions()}
        ids = {key: questions[key].id for key in ("priorities", "victim", "reported",
                                                  "comments")}
        ids.update(section=version.sections[0].id,
                   option=questions["priorities"].options[1].id)
    visit = staff(page, live_server, app)
    consultation = f"/staff/consultations/{made.slug}"
    builder = consultation + "/residents"
    section = f"{builder}/sections/{ids['section']}"
    priorities = f"{builder}/questions/{ids['priorities']}"
    reported = f"{builder}/questions/{ids['reported']}"

    visit.go("/staff/consultations", "Consultations")
    visit.go("/staff/consultations/new", "Create a consultation")
    visit.refused("Save the consultation", "Create a consultation")
    visit.go(consultation, "Policing priorities 2027")
    visit.go(consultation + "/edit", "Change the consultation's details")
    visit.go(builder, "Have your say: residents")
    visit.go(builder + "/details", "Change the questionnaire's title and introduction")
    visit.go(priorities, "Which of these should the police in your area focus on?")
    visit.go(f"{builder}/questions/{ids['comments']}/edit", "Change the question")
    visit.page.get_by_label("Question", exact=True).fill("")
    visit.refused("Save the question", "Change the question")
    visit.go(section + "/questions/new", "Add a question")
    visit.go(section + "/questions/new/single-choice", "Add a single choice question")
    visit.refused("Save the question", "Add a single choice question")
    visit.go(section + "/edit", "Change the section")
    visit.go(builder + "/sections/new", "Add a section")
    visit.go(reported + "/condition",
             "Show this question only after an answer to which question?")
    visit.go(f"{reported}/condition/{ids['victim']}", "Show it when the answer to \u201cIn "
             "the last 12 months, have you been a victim of crime?\u201d is")
    visit.go(priorities + "/options/new", "Add an option")
    visit.go(f"{builder}/options/{ids['option']}/edit", "Change the option")
    visit.go(f"{builder}/questions/{ids['comments']}/remove",
             f"Are you sure you want to remove the question \u201c{COMMENTS}\u201d?")
    # Its languages: two forms on one page, each label finding its own box; a download asked
    # for without a language comes back with the error.
    visit.go(builder + "/languages", "Have your say: residents in other languages")
    visit.refused("Download the words to translate",
                  "Have your say: residents in other languages")
    visit.go(builder + "/languages", "Have your say: residents in other languages")
    visit.refused("Upload the translation", "Have your say: residents in other languages")
    # The preview: the public pages, as staff walk them.
    visit.go(f"/have-your-say/preview/{made.questionnaire_id}", "Have your say: residents")
    visit.press("Start now")
    visit.check("What is your postcode?")
    assert visit.failures == []


# Invitations by email --------------------------------------------------------------------------

def test_the_invitation_pages_are_accessible(page, live_server, app):
    from engage.extensions import db
    from engage.surveys import invitations
    from engage.surveys.models import Audience, Questionnaire
    from tests.factories import borough, create_officer
    from tests.surveys.test_invitations_support import add_members, cpeg, make_consultation

    ids = make_consultation(app)
    add_members(app, ["ada@example.org", "grace@example.org"])
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, ids[Audience.RESIDENTS])
        camden, officer = borough("camden"), create_officer("camden")
        from_group, _added = invitations.list_from_group(questionnaire, camden, cpeg(),
                                                         "CPEG members", officer)
        uploaded = invitations.new_upload_list(questionnaire, camden,
                                               "Residents' associations", officer)
        rows, errors, _ = invitations.check_upload("email,name\nchair@example.org,Pat Chair\n",
                                                   questionnaire.audience)
        assert not errors
        invitations.add_rows(uploaded, rows)
        db.session.commit()
        pages = f"{CAMDEN}/consultations/{questionnaire.consultation.slug}/invitations"
        group_list, upload_list = f"{pages}/{from_group.id}", f"{pages}/{uploaded.id}"
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)

    visit.go(pages, "Invitations by email")
    visit.go(pages + "/new/group", "Make a list from a group")
    visit.refused("Make the list", "Make a list from a group")
    visit.go(pages + "/new/upload", "Upload a list of businesses")
    visit.page.get_by_label("Policing priorities: businesses (businesses)").check()
    visit.page.get_by_label("Name of the list").fill("Shops on the high street")
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "people.csv", "email,name,organisation\nsam@example,Sam Patel,Corner Shop Ltd\n"
                      ",Ravi,Bakery\nmo@example.org,Mo,\nmo@example.org,Mo,Cafe\n"))
    visit.refused("Upload the list", "Upload a list of businesses")
    expect(visit.page.get_by_role("table", name=re.compile("Problems in the file"))
           ).to_be_visible()
    visit.go(group_list, "CPEG members")
    visit.go(group_list + "/send", "Send the invitation")
    visit.go(group_list + "/reminder", "Send a reminder")
    visit.press("Continue")
    visit.check("Send the reminder")
    visit.go(group_list + "/automatic-reminder", "Automatic reminder for CPEG members")
    visit.go(upload_list, "Residents' associations")
    visit.go(upload_list + "/add", "Add people to Residents' associations")
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "people.csv", "email,name\nchair@example\n"))
    visit.refused("Add these people", "Add people to Residents' associations")
    # A CRM export: refused, and the box to leave its other columns out is offered; the file
    # is chosen again and the box ticked.
    export = csv_file("people.csv", "email,name,phone\nsecretary@example.org,Jo,0207\n")
    visit.page.get_by_label("CSV file").set_input_files(export)
    visit.refused("Add these people", "Add people to Residents' associations")
    visit.page.get_by_label("CSV file").set_input_files(export)
    visit.page.get_by_label("Ignore columns engage does not use").check()
    visit.press("Add these people")
    visit.check("Residents' associations")
    expect(visit.page.get_by_text("Columns not read: phone.")).to_be_visible()
    assert visit.failures == []


def test_the_replies_asked_for_pages_are_accessible(page, live_server, app):
    from engage.extensions import db
    from engage.surveys.models import Response
    from tests.surveys.support import DEFAULT_ANSWERS, make_consultation, make_response

    made = make_consultation(app)
    pages = f"{CAMDEN}/consultations/{made.slug}/replies"
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    visit.go(pages, "Replies asked for")  # nobody yet
    response_id = make_response(
        app, made.version_ids["residents"],
        {**DEFAULT_ANSWERS, "comments": {"text": "The lights are out.\nPlease ring me."}},
        contact={"name": "Ada Lovelace", "email": "ada@example.org", "phone": "020 7946 0000"})
    with app.app_context():
        heading = f"Reply to response {db.session.get(Response, response_id).reference}"
    visit.go(pages, "Replies asked for")
    visit.go(f"{pages}/{response_id}", heading)
    visit.page.get_by_label("Note (optional)").fill("x" * 2001)
    visit.refused("Mark as replied", heading)
    visit.page.get_by_label("Note (optional)").fill("Phoned her back")
    visit.press("Mark as replied")
    visit.check("Replies asked for")
    visit.go(f"{pages}/{response_id}", heading)
    assert visit.failures == []


# Paper questionnaires --------------------------------------------------------------------------

def test_the_paper_and_keying_pages_are_accessible(page, live_server, app):
    from sqlalchemy import select, update

    from engage.extensions import db
    from engage.mailouts.keying_models import KeyedEntry
    from engage.mailouts.models import PaperFormat, PaperRequest, PrintRun, RunStatus
    from engage.mailouts.operations import RequestDetails, record_request
    from engage.surveys.models import Questionnaire
    from tests.factories import borough, create_user
    from tests.mailouts.test_keying_support import all_kinds, posted_paper

    # A questionnaire asking every kind of question; paper posted, and one form keyed twice
    # differently, for a supervisor to settle; and a request waiting to be printed.
    made = all_kinds(app, title="Have your say 2027")
    posted = posted_paper(app, made.questionnaire_id)
    disputed = posted_paper(app, made.questionnaire_id)
    with app.app_context():
        paper = db.session.scalar(select(PaperRequest).where(PaperRequest.reference == posted))
        request_id, run_id = paper.id, paper.print_run_id
        record_request(RequestDetails(
            questionnaire=db.session.get(Questionnaire, made.questionnaire_id),
            borough=borough("camden"), name="Grace Hopper", address_line_1="1 Judd Street",
            address_line_2="", town="London", postcode="WC1H 9JE",
            format=PaperFormat.LARGE_PRINT, language="", notes="Evenings are best."),
            create_user(roles={"officer": "camden"}))
        for round_, confidence in ((1, "good"), (2, "poor")):
            clerk = create_user(roles={"clerk": "camden"})
            db.session.add(KeyedEntry(
                reference=disputed, round=round_, clerk_id=clerk.id,
                answers={"confidence": {"option": confidence}, "street": {"text": "Judd St"}}))
        db.session.commit()
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    paper_pages = CAMDEN + "/paper"

    visit.go(paper_pages, "Paper questionnaires")
    visit.go(f"{paper_pages}/requests/{request_id}", "Ada Lovelace")
    visit.go(f"{paper_pages}/runs/{run_id}", f"Print run {run_id}")
    visit.go(paper_pages + "/requests/new", "Record a request for a paper questionnaire")
    visit.refused("Save the request", "Record a request for a paper questionnaire")
    # Someone who asked already: the officer is asked whether this is a second request.
    visit.page.get_by_label("Have your say 2027: residents").check()
    visit.page.get_by_label("Full name").fill("Grace Hopper")
    visit.page.get_by_label("Address line 1").fill("1 Judd Street")
    visit.page.get_by_label("Town or city").fill("London")
    visit.page.get_by_label("Postcode").fill("WC1H 9JE")
    visit.page.get_by_label("Borough").select_option("camden")
    visit.page.get_by_label("Large print").check()
    visit.page.get_by_label(re.compile("The caller agrees")).check()
    visit.press("Save the request")
    visit.check("They may have asked already")
    visit.refused("Continue", "They may have asked already")

    # A print run being prepared shows its progress without reloading the page (a reload would
    # take a screen reader back to the top): a script reads it again every 10 seconds.
    visit.go(paper_pages, "Paper questionnaires")
    visit.page.clock.install()
    visit.page.get_by_role("button", name=re.compile("Start a print run now")).click()
    expect(visit.page).to_have_url(re.compile(r"/runs/\d+$"))
    # The polling script is a module, started once the page is parsed: the clock moves on
    # only after that, or the move would be lost.
    visit.page.wait_for_load_state("load")
    run = int(visit.page.url.rsplit("/", 1)[1])
    visit.check(f"Print run {run}")
    progress = visit.page.get_by_role("status")
    expect(progress).to_have_text("0 of 1 copies prepared.")
    for values, now in (({"rendered_count": 1}, "1 of 1 copies prepared."),
                        ({"status": RunStatus.READY, "page_count": 4},
                         "Ready to print: refresh the page to see the files, or what to do "
                         "next.")):
        with app.app_context():
            db.session.execute(update(PrintRun).where(PrintRun.id == run).values(**values))
            db.session.commit()
        visit.page.clock.run_for(10_000)
        expect(progress).to_have_text(now)
    visit.check(f"Print run {run}")

    visit.go(paper_pages + "/keying", "Key in returned paper")
    visit.page.get_by_label("Reference").fill(posted)
    visit.press("Open the form")
    visit.check(f"Key in {posted}")
    visit.page.get_by_role("textbox", name="3. How good a job do they do?").fill("9")
    visit.refused("Save this form", f"Key in {posted}")
    visit.go(f"{paper_pages}/keying/{disputed}/settle", f"Settle the keyings of {disputed}")
    expect(visit.page.get_by_text("Poor").first).to_be_visible()
    assert visit.failures == []


# Telephone interviews --------------------------------------------------------------------------

def test_the_telephone_interview_pages_are_accessible(page, live_server, app):
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.models import Questionnaire
    from engage.telephone import interview
    from engage.telephone.models import Call, CallCase
    from tests.factories import borough, create_user
    from tests.telephone.support import consultation_with_note

    # Two cases: one on a call with the interview under way (started as the pages would, but
    # whatever the time of day: calls are refused outside calling hours), one not called yet.
    made = consultation_with_note(app, title="Have your say 2027")
    with app.app_context():
        interviewer = create_user(roles={"interviewer": "camden"})
        now = utcnow().replace(microsecond=0)
        cases = {}
        for name in ("Ada Lovelace", "Grace Hopper"):
            call_case = CallCase(questionnaire_id=made.questionnaire_id,
                                 borough_id=borough("camden").id, name=name,
                                 phone="+442079460000", consented_at=now,
                                 recorded_by_id=interviewer.id, notes="Hard of hearing.")
            db.session.add(call_case)
            db.session.flush()
            cases[name] = call_case.id
        on_call = db.session.get(CallCase, cases["Ada Lovelace"])
        db.session.add(Call(case_id=on_call.id, caller_id=interviewer.id, started_at=now))
        db.session.flush()
        db.session.refresh(on_call, ["calls"])
        interview.begin(on_call, now)
        consultation_id = db.session.get(Questionnaire, made.questionnaire_id).consultation_id
        db.session.commit()
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    with app.app_context():
        # The visitor is the interviewer on the call: only they work its interview.
        from sqlalchemy import select, update

        from engage.auth.models import User
        visitor = db.session.scalar(select(User.id).where(User.name == "Sam Staff"))
        db.session.execute(update(Call).where(Call.case_id == cases["Ada Lovelace"])
                           .values(caller_id=visitor))
        db.session.commit()
    telephone = CAMDEN + "/telephone"
    case = f"{telephone}/cases/{cases['Ada Lovelace']}"

    visit.go(telephone, "Telephone interviews")
    visit.go(telephone + "/requests/new", "Record a request to be called")
    visit.refused("Save the request", "Record a request to be called")
    visit.go(f"{telephone}/consultations/{consultation_id}", "Call list")
    visit.go(f"{telephone}/cases/{cases['Grace Hopper']}", "Grace Hopper")
    visit.go(case, "Ada Lovelace")
    visit.press("Resume the interview")
    visit.check("Policing in your area")
    visit.refused("Save and continue", "Policing in your area")
    about_them = "Would they like to answer some optional questions about themselves?"
    visit.go(case + "/interview/about-them", about_them)
    visit.refused("Save and continue", about_them)
    visit.go(case + "/interview/check", "Check the answers")
    visit.go(case + "/outcome", "How did the call to Ada Lovelace end?")
    visit.refused("Save the outcome", "How did the call to Ada Lovelace end?")
    assert visit.failures == []


# Reports ---------------------------------------------------------------------------------------

def _report_world(app) -> tuple[str, int]:
    """The reports suite's hand-worked consultation (in Camden, 16 residents and 4
    businesses), with a comments question two residents answered, one comment flagged; counted
    for Camden and London, with targets, crime figures and two planned priorities. Returns its
    slug and the flag's id."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.reports import targets
    from engage.reports.collation import collate_area, save_snapshot
    from engage.reports.comments_models import CommentFlag
    from engage.surveys.models import Consultation, QuestionKind, QuestionnaireVersion
    from tests.factories import borough, create_officer
    from tests.reports.support import answers, hand_worked, respond
    from tests.surveys.support import add_question

    made = hand_worked(app)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.residents)
        add_question(version.sections[0], "comments", QuestionKind.LONG_TEXT, COMMENTS,
                     required=False)
        db.session.flush()
        for text in ("More patrols on the high street at night, please.",
                     "A man followed me home from the station last night."):
            respond(made.residents, {**answers(["burglary", "robbery", "knife-crime"]),
                                     "comments": {"text": text}})
        consultation = db.session.get(Consultation, made.consultation_id)
        camden, officer = borough("camden"), create_officer("camden")
        for area in (camden, None):  # counting flags the second comment
            save_snapshot(consultation, area, collate_area(consultation, area))
        rows, errors = targets.check_crime_figures(
            "crime type,change in offences,percentage change,target,result\n"
            "Burglary,-12,-3.5%,-2%,achieved\nRobbery,+8,+2.1%,-1%,missed\n")
        assert not errors
        targets.replace_crime_figures(consultation, camden, rows, "2026/27", "crime.csv",
                                      officer)
        targets.set_targets(consultation, camden, officer, confidence=Decimal("60"),
                            gap=Decimal("5"), feeling_safe=Decimal("80"))
        targets.add_planned(consultation, camden, "burglary", "Burglary",
                            "A 2% reduction in burglary")
        targets.add_planned(consultation, camden, None, "Speeding on the high street",
                            "Speed checks every week")
        flag = db.session.scalars(select(CommentFlag)).one()
        db.session.commit()
        return made.slug, flag.id


def test_the_report_pages_are_accessible(page, live_server, app):
    slug, flag = _report_world(app)
    visit = staff(page, live_server, app, **EVERY_CAMDEN_ROLE)
    report = f"{CAMDEN}/reports/{slug}"

    visit.go("/staff/reports", "Borough priority reports")
    visit.go(report, "Camden: priorities report")
    visit.go(report + "/comments", "Comments")
    visit.page.get_by_role("link", name=COMMENTS, exact=True).click()
    visit.check(f"Comments: {COMMENTS}")
    visit.go(report + "/comments/comments?flagged=1", f"Flagged comments: {COMMENTS}")
    visit.go(f"{report}/comments/flags/{flag}", "Follow up a flagged comment")
    visit.go(report + "/targets", "Confidence and feeling safe targets")
    visit.page.get_by_label("Public confidence target (%)").fill("lots")
    visit.refused("Save targets", "Confidence and feeling safe targets")
    visit.go(report + "/crime-figures", "Upload performance against targets")
    visit.page.get_by_label("Which year are the figures for?").fill("2027/28")
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "crime.csv", "crime type,change in offences,percentage change,target,result\n"
                     "Burglary,minus twelve,-3.5%,,achieved\n,4,2%,,maybe\n"))
    visit.page.get_by_label("Replace the figures uploaded before").check()
    visit.refused("Upload crime figures", "Upload performance against targets")
    problems = visit.page.get_by_role("table", name=re.compile("Problems in the file"))
    expect(problems.get_by_role("row")).to_have_count(4)  # the heading and three problems
    visit.go(report + "/you-said-we-did", "You said, we did")
    visit.refused("Add priority", "You said, we did")
    visit.go(report + "/publish", "Publish the report")
    visit.go(report + "/responses", "Download the responses")
    visit.refused("Make the file", "Download the responses")
    visit.page.get_by_role("radio").first.check()
    visit.press("Make the file")
    visit.check("Download the responses")
    expect(visit.page.get_by_role("region", name="Files")).to_contain_text("Being made")
    assert visit.failures == []


# Administration --------------------------------------------------------------------------------

def test_the_administration_pages_are_accessible(page, live_server, app):
    from engage.audit.operations import record
    from engage.auth.models import StaffRoleName, UserSession
    from engage.auth.operations import invite_staff
    from engage.clock import utcnow
    from engage.extensions import db
    from tests.factories import borough, create_admin, create_user

    with app.app_context():
        admin = create_admin(name="Pat Admin")
        someone = create_user(name="Sam Officer", roles={"officer": ["camden", "lambeth"],
                                                         "analyst": "camden"})
        invite_staff(email="new.officer@example.org", name="Robin Newcomer", make_admin=False,
                     role=StaffRoleName.CLERK, boroughs=[borough("hackney")], invited_by=admin)
        for n in range(1, 56):  # more than one page of the audit log
            record("paper.requested", borough=borough("camden"), target=f"paper-request:{n}",
                   actor=admin, reference=f"K7M3-9QX{n % 10}-T")
        # Sam is signed in on a phone: their page lists it, with the button to sign them out.
        db.session.add(UserSession(token_hash="0" * 64, user_id=someone.id, created_at=utcnow(),
                                   last_seen_at=utcnow(), user_agent=(
                                       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
                                       "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
                                       "Mobile/15E148 Safari/604.1")))
        # One scheduled job late, one failed: the jobs page with its summary of both.
        from engage.jobs.models import ScheduledJobRun

        db.session.add_all([
            ScheduledJobRun(task="engage.periodic.news_retention",
                            started_at=utcnow() - timedelta(days=2),
                            finished_at=utcnow() - timedelta(days=2)),
            ScheduledJobRun(task="engage.periodic.sweep_outbox", started_at=utcnow(),
                            failed_at=utcnow(), failure="OperationalError")])
        db.session.commit()
        someone_id = someone.id
    _two_step_on(app, someone_id)
    slug, flag = _report_world(app)
    visit = staff(page, live_server, app)

    visit.go("/staff/", "Staff")
    visit.go("/admin/staff", "Staff")
    visit.go(f"/admin/staff/{someone_id}", "Sam Officer")
    visit.go(f"/admin/staff/{someone_id}/administrator?administrator=yes",
             "Make Sam Officer an administrator")
    visit.go(f"/admin/staff/{someone_id}/two-step", "Reset Sam Officer's two-step verification")
    visit.go(f"/admin/staff/{someone_id}/sign-out", "Sign Sam Officer out everywhere")
    visit.go("/account/signed-in", "Where you are signed in")
    visit.go("/admin/staff/invite", "Invite someone to work on engage")
    visit.refused("Send invitation", "Invite someone to work on engage")
    visit.go("/admin/audit", "Audit log")
    visit.page.get_by_role("link", name="Next page").click()
    visit.check("Audit log")
    visit.go("/admin/outbox", "Outbox")
    visit.go("/admin/jobs", "Scheduled jobs")
    visit.go("/admin/languages", "The service's words in other languages")
    visit.go("/admin/population", "Population figures")
    visit.page.get_by_label("CSV file").set_input_files(csv_file(
        "figures.csv", "ons_code,dimension,category,count\nE09000007,ethnic_group,white,lots\n"
                       "E99999999,age_band,16-24,100\n"))
    visit.page.get_by_label("Where the figures come from").fill("Census 2021")
    visit.refused("Upload figures", "Population figures")
    expect(visit.page.get_by_role("table", name=re.compile("Problems in the file"))
           ).to_be_visible()
    # London's report and its comments are for administrators.
    visit.go(f"/staff/reports/{slug}/london", "London: priorities report")
    visit.go(f"/staff/reports/{slug}/london/comments", "Comments")
    visit.go(f"/staff/reports/{slug}/london/comments/flags/{flag}",
             "Follow up a flagged comment")
    assert visit.failures == []


def _two_step_on(app, user_id: int) -> str:
    """Two-step verification on for the user, as setting it up leaves it; returns the secret."""
    from engage.auth import two_step
    from engage.auth.models import User
    from engage.extensions import db

    with app.app_context():
        user = db.session.get(User, user_id)
        secret = two_step.secret_for_set_up(user)
        two_step.turn_on(user)
        db.session.commit()
    return secret


def test_the_two_step_verification_pages_are_accessible(page, live_server, app):
    """Setting it up, as staff are sent to do when it is required (a wrong code first), the
    recovery codes, the page once it is on, and the code page of signing in."""
    import time

    import pyotp

    from tests.factories import create_officer

    app.config["ENGAGE_STAFF_TWO_STEP"] = True
    with app.app_context():
        email = create_officer("camden", name="Sam Staff").email
    page.set_default_timeout(10_000)
    visit = Visit(page, live_server)
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    visit.press("Sign in")
    visit.check("Set up two-step verification")  # sent from the staff home
    secret = page.locator("code").inner_text().replace(" ", "")
    page.get_by_label("Enter the 6-digit code your app shows").fill("12345")
    visit.refused("Turn on two-step verification", "Set up two-step verification")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Enter the 6-digit code your app shows").fill(totp.now())
    visit.press("Turn on two-step verification")
    visit.check("Two-step verification is on")
    page.get_by_role("button", name="I have saved my recovery codes – continue").click()
    visit.check("Staff")
    visit.go("/account/two-step", "Two-step verification")
    visit.press("Sign out")
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    visit.press("Sign in")
    visit.check("Enter the code from your authenticator app")
    page.get_by_label("Enter the code from your authenticator app").fill("not a code")
    visit.refused("Continue", "Enter the code from your authenticator app")
    # The step after the one used to set it up: a code is accepted once.
    page.get_by_label("Enter the code from your authenticator app").fill(
        totp.at(time.time() + 30))
    visit.press("Continue")
    visit.check("Staff")
    assert visit.failures == []


# What each role sees ---------------------------------------------------------------------------

def test_the_pages_as_an_analyst_interviewer_or_clerk_sees_them_are_accessible(
        page, live_server, app):
    """With one role, fewer links; and an analyst sees counts where an officer sees names."""
    ids = _groups_and_meetings(app)
    for role, pages in (
            ("analyst", [("/staff/", "Staff"), (CAMDEN, "Camden"),
                         (GROUP + "/representation", "How well the group reflects the borough"),
                         (f"{GROUP}/meetings/{ids['coming']}", "Quarterly meeting"),
                         (f"{GROUP}/meetings/{ids['past']}/attendance", "Attendance register")]),
            ("interviewer", [("/staff/", "Staff"), (CAMDEN + "/telephone",
                                                    "Telephone interviews")]),
            ("clerk", [("/staff/", "Staff"), (CAMDEN + "/paper", "Paper questionnaires")])):
        visit = staff(page, live_server, app, **{role: "camden"})
        for path, heading in pages:
            visit.go(path, heading)
        assert visit.failures == [], role
        visit.press("Sign out")
