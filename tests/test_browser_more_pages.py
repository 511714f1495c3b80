"""More public pages in a real headless Chromium, each checked against WCAG 2.2 AA by axe-core:
the pages test_browser.py does not reach. Those are mostly behind a sign-in (a member's account
pages) or a link in an email (confirming, resetting, replying, unsubscribing, answering a
personal invitation, coming back to saved answers), or are the pages for a link that does not
work, a closed consultation, and the errors the public can meet (403, 405, 400, 429).

Each test builds what its pages need with the app's own operations and factories, visits them,
checks the page is the one intended (its h1) and that axe finds nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import ERROR_TITLE, axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


LINK_DOES_NOT_WORK = "This link does not work"
CPEG = "Community Police Engagement Group"


def _check(page, heading: str) -> None:
    """The page is the one meant (its only h1 says `heading`) and axe finds no WCAG 2.2 AA
    failure on it."""
    h1 = page.locator("h1")
    # expect() waits for the navigation a click starts; a bare read could see the old page.
    expect(h1).to_have_text(heading)
    assert h1.count() == 1, page.url
    assert axe_violations(page) == [], page.url


def _press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def _sign_in(page, live_server, email: str) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _press(page, "Sign in")
    expect(page.locator("h1")).to_have_text("Your account")


def _emailed_link(recipient: str, template: str, key: str) -> str:
    """The path of the link in the last email of `template` queued to `recipient` (call inside
    an app context, after the operation that queued it)."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.outbox.models import OutboxMessage

    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient,
                                    OutboxMessage.template == template)
        .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no {template} email to {recipient}"
    return _path(message.context[key])


def _path(url: str) -> str:
    return urlsplit(url).path


def test_a_signed_in_members_account_pages_are_accessible(page, live_server, app):
    """/account and the pages it leads to, a group as its member sees it, leaving it, asking to
    join another with equality answers already given, accepting a staff invitation, and the 403
    a member meets on a staff page."""
    from engage.auth.models import StaffRoleName
    from engage.auth.operations import invite_staff
    from engage.extensions import db
    from engage.groups.models import (
        AgeBand,
        Disability,
        EthnicGroup,
        GroupKind,
        Membership,
        MembershipStatus,
        Represents,
    )
    from engage.groups.operations import create_group, save_equality_answers
    from engage.meetings.models import Invitation, Reply
    from tests.dates import at
    from tests.factories import borough, create_admin, create_user
    from tests.meetings.support import LATER_DAY, create_meeting, make_member

    coming = create_meeting(app, at(LATER_DAY, 17, 30), at(LATER_DAY, 19), agenda=["Welcome"])
    past = create_meeting(app, datetime(2024, 3, 30, 17, 30), datetime(2024, 3, 30, 19),
                          title="Winter meeting")
    with app.app_context():
        ada = create_user(email="ada@example.org", name="Ada Lovelace")
        save_equality_answers(ada, AgeBand.FROM_25, EthnicGroup.WHITE, Disability.NO)
        create_group(borough("camden"), GroupKind.WARD_PANEL, "Camden Town ward panel",
                     purpose="Local priorities for Camden Town.",
                     terms_of_reference="The panel meets four times a year.",
                     contact_email="camdentown@example.org", contact_phone="020 7946 0000")
        # A request to join, not yet answered, to withdraw.
        db.session.add(Membership(
            group=create_group(borough("camden"), GroupKind.YOUTH_FORUM, "Camden youth forum"),
            user=ada, status=MembershipStatus.PENDING, represents=Represents.SELF))
        db.session.add_all([
            Invitation(meeting_id=coming, user_id=ada.id, reply=Reply.ATTENDING),
            Invitation(meeting_id=past, user_id=ada.id, reply=Reply.MAYBE)])
        invite_staff(email="ada@example.org", name="Ada Lovelace", make_admin=False,
                     role=StaffRoleName.CLERK, boroughs=[borough("camden")],
                     invited_by=create_admin())
        accept = _emailed_link("ada@example.org", "staff_invitation", "accept_url")
        db.session.commit()
        ada_id = ada.id
    make_member(app, ada_id)
    _sign_in(page, live_server, "ada@example.org")

    page.goto(live_server + "/account")
    _check(page, "Your account")
    page.goto(live_server + "/account/password")
    _check(page, "Change your password")
    _press(page, "Change password")
    expect(page).to_have_title(ERROR_TITLE)
    _check(page, "Change your password")
    page.goto(live_server + "/account/delete")
    _check(page, "Delete your account")
    page.goto(live_server + "/account/groups")
    _check(page, "Your groups")
    page.goto(live_server + "/account/equality")
    _check(page, "Equality monitoring answers")
    page.goto(live_server + "/account/meetings")
    _check(page, "Your meetings")
    expect(page.get_by_text("Winter meeting")).to_be_visible()
    page.goto(live_server + "/account/home-borough")
    _check(page, "Your home borough")
    page.goto(live_server + "/account/your-data")
    _check(page, "Your data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download your data").click()
    assert download.value.suggested_filename.startswith("engage-your-data-")
    page.goto(live_server + "/boroughs/camden/groups/cpeg")
    _check(page, CPEG)
    page.goto(live_server + "/boroughs/camden/groups/cpeg/leave")
    _check(page, f"Leave the {CPEG}")
    page.goto(live_server + "/boroughs/camden/groups/camden-town-ward-panel")
    _check(page, "Camden Town ward panel")
    expect(page.get_by_text("The panel meets four times a year.")).to_be_visible()
    page.goto(live_server + "/boroughs/camden/groups/camden-town-ward-panel/join")
    _check(page, "Ask to join the Camden Town ward panel")
    page.goto(live_server + "/boroughs/camden/groups/camden-youth-forum/leave")
    _check(page, "Withdraw your request to join the Camden youth forum")
    _press(page, "Withdraw my request")
    expect(page.get_by_text("Your request to join the Camden youth forum is withdrawn.")
           ).to_be_visible()
    _check(page, "Your groups")
    expect(page.get_by_role("cell", name="Request withdrawn")).to_be_visible()
    page.goto(live_server + accept)
    _check(page, "Accept your invitation")
    page.goto(live_server + "/staff/")
    _check(page, "You do not have access to this page")
    page.goto(live_server + "/account/email")
    _check(page, "Change your email address")
    page.get_by_label("New email address").fill("ada.lovelace@example.org")
    page.get_by_label("Current password").fill(PASSWORD)
    _press(page, "Change email address")
    _check(page, "Check your email")


def test_the_pages_from_account_emails_and_sign_in_are_accessible(page, live_server, app):
    """Confirming an address, resetting or choosing a password, a staff invitation to someone
    new or not signed in, links that do not work, signing in unconfirmed or wrongly until the
    limit (429), and the 405 and 400 error pages."""
    from engage.auth.models import StaffRoleName
    from engage.auth.operations import (
        invite_staff,
        send_confirmation,
        send_password_reset,
        set_password_link,
    )
    from engage.extensions import db
    from tests.factories import borough, create_admin, create_user

    with app.app_context():
        grace = create_user(email="grace@example.org", email_confirmed_at=None)
        create_user(email="alan@example.org", email_confirmed_at=None)
        create_user(email="ada@example.org")
        imported = create_user(email="mary@example.org")
        send_confirmation(grace)
        confirm = _emailed_link("grace@example.org", "confirm_email", "confirm_url")
        send_password_reset("ada@example.org")
        reset = _emailed_link("ada@example.org", "reset_password", "reset_url")
        choose = _path(set_password_link(imported))
        admin = create_admin()
        for email in ("new.officer@example.org", "ada@example.org"):
            invite_staff(email=email, name="Someone", make_admin=False,
                         role=StaffRoleName.OFFICER, boroughs=[borough("camden")],
                         invited_by=admin)
        invited_new = _emailed_link("new.officer@example.org", "staff_invitation", "accept_url")
        invited_ada = _emailed_link("ada@example.org", "staff_invitation", "accept_url")
        db.session.commit()

    page.goto(live_server + "/register/check-your-email")
    _check(page, "Check your email")
    page.goto(live_server + confirm)
    _check(page, "Confirm your email address")
    _press(page, "Continue")
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    _check(page, "Sign in")
    page.goto(live_server + "/confirm-email/not-a-real-token")
    _press(page, "Continue")
    _check(page, LINK_DOES_NOT_WORK)

    page.goto(live_server + reset)
    _check(page, "Choose a new password")
    page.goto(live_server + "/reset-password/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)
    page.goto(live_server + choose)
    _check(page, "Choose a password")
    page.goto(live_server + invited_new)
    _check(page, "Accept your invitation")
    page.goto(live_server + invited_ada)
    _check(page, "Sign in to accept your invitation")
    page.goto(live_server + "/invitations/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)

    page.goto(live_server + "/forgotten-password")
    page.get_by_label("Email address").fill("ada@example.org")
    _press(page, "Send link")
    _check(page, "Check your email")
    page.goto(live_server + "/forgotten-password")
    page.locator('input[name="csrf_token"]').evaluate("e => e.value = 'expired'")
    page.get_by_label("Email address").fill("ada@example.org")
    _press(page, "Send link")
    _check(page, "Sorry, there is a problem with that request")
    page.goto(live_server + "/sign-out")  # a GET where only POST is allowed
    _check(page, "Sorry, that did not work")

    def sign_in(email: str, password: str) -> None:
        page.goto(live_server + "/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        _press(page, "Sign in")

    sign_in("alan@example.org", PASSWORD)
    _check(page, "Confirm your email address first")
    sign_in("ada@example.org", "not the password")
    expect(page).to_have_title(ERROR_TITLE)
    _check(page, "Sign in")
    from limits import parse

    allowed = parse(app.config["ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT"]).amount  # 5 in 15 minutes
    for _ in range(allowed - 1):
        sign_in("ada@example.org", "not the password")
        expect(page).to_have_title(ERROR_TITLE)
    sign_in("ada@example.org", "not the password")
    _check(page, "Too many attempts")


def test_the_pages_from_meeting_emails_and_after_a_meeting_are_accessible(page, live_server,
                                                                          app):
    """Published minutes, a past meeting and the group page that lists both, replying (saved,
    closed, no longer invited, a bad link), a member's meeting-email settings before and after,
    and registering once registration has closed."""
    from datetime import date

    from sqlalchemy import update

    from engage.auth.tokens import make_token
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.groups.models import Membership, MembershipStatus, Represents
    from engage.meetings.mailings import REPLY, unsubscribe_link
    from engage.meetings.minutes import add_action, save_minutes
    from engage.meetings.models import Invitation, Meeting, MeetingVisibility
    from tests.dates import at
    from tests.factories import create_officer, create_user
    from tests.meetings.support import LATER_DAY, cpeg, create_meeting

    month, two_months = LATER_DAY + timedelta(days=31), LATER_DAY + timedelta(days=61)
    coming = create_meeting(app, at(LATER_DAY, 17, 30), at(LATER_DAY, 19))
    members_only = create_meeting(app, at(month, 17, 30), at(month, 19),
                                  title="Members' meeting",
                                  visibility=MeetingVisibility.MEMBERS_ONLY)
    past = create_meeting(app, datetime(2024, 3, 30, 17, 30), datetime(2024, 3, 30, 19),
                          title="Winter meeting", agenda=["Welcome", "Burglary in Kentish Town"])
    closing = create_meeting(app, at(two_months, 17, 30), at(two_months, 19),
                             title="Spring meeting")
    with app.app_context():
        officer = create_officer("camden")
        meeting = db.session.get(Meeting, past)
        save_minutes(meeting, "The chair welcomed everyone.\n\nBurglary is down in Kentish "
                              "Town.", officer, publish=True)
        add_action(meeting, "Write to the council about street lighting", "The chair",
                   date(2024, 4, 30))
        ada, grace = create_user(), create_user()
        membership = Membership(group=cpeg(), user_id=ada.id, status=MembershipStatus.ACTIVE,
                                represents=Represents.SELF)
        invitations = [Invitation(meeting_id=coming, user_id=ada.id),
                       Invitation(meeting_id=past, user_id=ada.id),
                       Invitation(meeting_id=members_only, user_id=grace.id)]
        db.session.add_all([membership, *invitations])
        db.session.commit()
        reply_to = {i.meeting_id: f"/meetings/reply/{make_token(REPLY, {'i': i.id})}"
                    for i in invitations}
        emails = _path(unsubscribe_link(membership.id, None)["unsubscribe_url"])

    public = f"{live_server}/boroughs/camden/groups/cpeg"
    page.goto(f"{public}/meetings/{past}/minutes")
    _check(page, "Minutes of Winter meeting")
    expect(page.get_by_text("Write to the council about street lighting")).to_be_visible()
    page.goto(f"{public}/meetings/{past}")
    _check(page, "Winter meeting")
    page.goto(public)
    _check(page, CPEG)
    expect(page.get_by_role("link", name=re.compile("Winter meeting"))).to_be_visible()

    page.goto(live_server + reply_to[coming])
    page.get_by_label("Yes, I can come").check()
    page.get_by_label("Access needs (optional)").fill("Large-print papers, please.")
    _press(page, "Send reply")
    expect(page.get_by_text("Your reply is saved")).to_be_visible()
    expect(page.get_by_label("Access needs (optional)")).to_have_value(
        "Large-print papers, please.")
    _check(page, "Quarterly meeting")
    page.goto(live_server + reply_to[past])
    _check(page, "Replies to this meeting are closed")
    page.goto(live_server + reply_to[members_only])
    _check(page, f"This meeting is for members of the {CPEG}")
    page.goto(live_server + "/meetings/reply/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)
    # A members-only meeting's page, signed out: sign in first, and come back.
    page.goto(f"{public}/meetings/{members_only}")
    _check(page, "Sign in")
    expect(page.get_by_text("Sign in to see this page.")).to_be_visible()

    page.goto(live_server + emails)
    _check(page, f"Meeting emails from the {CPEG}")
    _press(page, "Stop meeting emails")
    expect(page.get_by_role("button", name="Start meeting emails again")).to_be_visible()
    _check(page, f"Meeting emails from the {CPEG}")
    page.goto(live_server + "/meetings/unsubscribe/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)

    page.goto(f"{public}/meetings/{closing}")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Email address").fill("grace@example.org")
    with app.app_context():  # it starts while the form is open
        db.session.execute(update(Meeting).where(Meeting.id == closing)
                           .values(starts_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    _press(page, "Register to attend")
    _check(page, "Registration for this meeting has closed")


def test_a_meeting_page_and_its_minutes_fit_a_small_phone_with_a_long_address_in_them(
        chromium, live_server, app):
    """Officers paste long addresses into descriptions and minutes: at 320px wide they wrap
    rather than make the page scroll sideways (WCAG 1.4.10), and lines typed one under another
    stay so."""
    from engage.clock import utcnow
    from engage.extensions import db
    from engage.meetings.minutes import add_action, save_minutes
    from engage.meetings.models import Meeting
    from tests.factories import create_officer
    from tests.meetings.support import create_meeting

    # No hyphen or space to break at: only overflow-wrap can wrap it.
    address = ("https://www.example.org/documents/View?ref=" + "0123456789abcdef" * 10)[:150]
    start = utcnow().replace(microsecond=0) - timedelta(days=30)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2),
                                description=f"1. Welcome\nThe chair welcomed everyone.\n\n"
                                            f"The plan: {address}")
    # The next meeting, whose page carries the action points still open.
    soon = utcnow().replace(microsecond=0) + timedelta(days=30)
    next_id = create_meeting(app, soon, soon + timedelta(hours=2), title="Spring meeting")
    with app.app_context():
        save_minutes(db.session.get(Meeting, meeting_id),
                     f"Actions:\n- Mina to read {address}\n- Tom to ask about lighting.",
                     create_officer("camden"), publish=True)
        # Action points in the words officers use: their tables must fit too.
        add_action(db.session.get(Meeting, meeting_id),
                   "Write to the council about street lighting on Camden High Street",
                   "Neighbourhood Inspector", date(2030, 9, 30))
        add_action(db.session.get(Meeting, meeting_id), "Share the burglary figures",
                   "Secretary", None)
        db.session.commit()

    context = chromium.new_context(viewport={"width": 320, "height": 640})
    phone = context.new_page()
    meeting = f"{live_server}/boroughs/camden/groups/cpeg/meetings/{meeting_id}"
    for path, lines in [(meeting, "1. Welcome\nThe chair welcomed everyone."),
                        (meeting + "/minutes", "Actions:\n- Mina to read")]:
        phone.goto(path)
        expect(phone.get_by_text(address, exact=False)).to_be_visible()
        assert lines in phone.locator("main").inner_text(), path
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
    expect(phone.get_by_text("Neighbourhood Inspector")).to_be_visible()
    phone.goto(f"{live_server}/boroughs/camden/groups/cpeg/meetings/{next_id}")
    expect(phone.get_by_role("heading", name="Actions from earlier meetings")).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the next meeting's page scrolls sideways by {overflow}px"
    assert axe_violations(phone) == []
    context.close()


def test_the_pages_from_meeting_news_emails_are_accessible(page, live_server, app):
    """Confirming news of a borough's meetings, stopping it, and links that do not work."""
    from engage.extensions import db
    from engage.news.operations import subscribe
    from tests.factories import borough

    with app.app_context():
        subscribe(borough("camden"), "grace@example.org", "Grace Hopper")
        confirm = _emailed_link("grace@example.org", "news_confirm", "confirm_url")
        db.session.commit()

    page.goto(live_server + confirm)
    _check(page, "Confirm that you want emails about meetings")
    _press(page, "Confirm")
    _check(page, "You will get emails about meetings in Camden")
    # The link is absolute, to ENGAGE_BASE_URL: follow its path on the test server.
    page.goto(live_server + _path(page.get_by_role("link", name="stop them now")
                                  .get_attribute("href")))
    _check(page, "Stop emails about meetings in Camden")
    _press(page, "Stop these emails")
    _check(page, "You will not get any more emails about new meetings in Camden")
    page.goto(live_server + "/meeting-news/confirm/not-a-real-token")
    _press(page, "Confirm")
    _check(page, LINK_DOES_NOT_WORK)
    page.goto(live_server + "/meeting-news/unsubscribe/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)


def test_the_results_by_email_pages_are_accessible(page, live_server, app):
    """Asking for the results by email (with an error first), confirming and cancelling it,
    and a link that does not work."""
    from tests.surveys.support import make_consultation

    made = make_consultation(app, title="Have your say 2027/28")
    page.goto(live_server + f"/boroughs/camden/have-your-say/{made.slug}/results-email")
    _check(page, "Have your say 2027/28: CamdenGet an email when the results are published")
    _press(page, "Email me when the results are published")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert axe_violations(page) == [], page.url
    page.get_by_label("Email address").fill("grace@example.org")
    _press(page, "Email me when the results are published")
    _check(page, "Check your email")
    with app.app_context():
        confirm = _emailed_link("grace@example.org", "results_confirm", "confirm_url")
    page.goto(live_server + confirm)
    _check(page, "Confirm that you want the results by email")
    _press(page, "Confirm")
    _check(page, "You will get an email when the results are published")
    page.goto(live_server + _path(page.get_by_role("link", name="Cancel the email")
                                  .get_attribute("href")))
    _check(page, "Cancel the email about the results")
    _press(page, "Cancel the email")
    _check(page, "We will not email you about the results")
    page.goto(live_server + "/results-email/confirm/not-a-real-token")
    _press(page, "Confirm")
    _check(page, LINK_DOES_NOT_WORK)


def test_the_pages_from_questionnaire_emails_are_accessible(page, live_server, app):
    """A personal invitation link (start, save and come back, answered already), the resume
    link once the answers are sent, stopping consultation emails, links that do not work, and a
    consultation not open yet or closed."""
    from sqlalchemy import select

    from engage.clock import utcnow
    from engage.extensions import db
    from engage.surveys.invitations import list_from_group, unsubscribe_url
    from engage.surveys.models import Audience, Invitee, Questionnaire
    from tests.factories import borough, create_officer
    from tests.surveys.test_invitations_support import add_members, cpeg, make_consultation

    ids = make_consultation(app)
    now = utcnow()
    closed = make_consultation(app, slug="have-your-say-2026", title="Have your say 2026",
                               opens_at=now - timedelta(days=90),
                               closes_at=now - timedelta(days=30))
    upcoming = make_consultation(app, slug="have-your-say-2028", title="Have your say 2028",
                                 opens_at=now + timedelta(days=30),
                                 closes_at=now + timedelta(days=90))
    add_members(app, ["ada@example.org"])
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, ids[Audience.RESIDENTS])
        list_from_group(questionnaire, borough("camden"), cpeg(), "CPEG members",
                        create_officer("camden"))
        invitee = db.session.scalars(select(Invitee)).one()
        invited = f"/have-your-say/invited/{invitee.token}"
        stop = _path(unsubscribe_url(invitee.id))
        db.session.commit()
    title = "Policing priorities: residents"

    page.goto(live_server + invited)
    _check(page, title)
    _press(page, "Start now")
    expect(page.get_by_label("What should the police in your area concentrate on?")
           ).to_be_visible()
    page.get_by_label("What should the police in your area concentrate on?").fill("Bikes")
    _press(page, "Save and come back later")
    _check(page, "Get a link to come back to your answers")
    _press(page, "Send me a link")
    expect(page).to_have_title(ERROR_TITLE)
    _check(page, "Get a link to come back to your answers")
    page.get_by_label("Email address").fill("ada@example.org")
    _press(page, "Send me a link")
    _check(page, "Check your email")
    with app.app_context():
        resume = _emailed_link("ada@example.org", "survey_resume", "resume_url")

    page.get_by_role("link", name="Carry on answering now").click()
    expect(page.locator("h1")).to_contain_text(
        "What should the police in your area concentrate on?")
    _press(page, "Continue")
    expect(page.locator("h1")).to_have_text("Would you like a reply?")
    _press(page, "Continue")
    expect(page.locator("h1")).to_have_text("Check your answers before sending them")
    _press(page, "Send my answers")
    expect(page.locator("h1")).to_have_text("Your answers have been sent")
    page.goto(live_server + invited)
    _check(page, "You've already answered, thank you")
    page.goto(live_server + resume)
    _check(page, "These answers have already been sent")
    page.goto(live_server + "/have-your-say/resume/not-a-real-token")
    _check(page, "We cannot find those answers")
    page.goto(live_server + "/have-your-say/invited/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)

    page.goto(live_server + stop)
    _check(page, "Stop emails about consultations")
    _press(page, "Stop these emails")
    _check(page, "You will not get any more emails about consultations")
    page.goto(live_server + "/have-your-say/unsubscribe/not-a-real-token")
    _check(page, LINK_DOES_NOT_WORK)

    page.goto(f"{live_server}/have-your-say/{closed[Audience.RESIDENTS]}")
    _check(page, "This consultation has closed")
    page.goto(f"{live_server}/have-your-say/{upcoming[Audience.BUSINESSES]}")
    _check(page, "This consultation is not open yet")
    page.goto(live_server + "/have-your-say/")
    _check(page, "Have your say on policing in your area")
    expect(page.get_by_text("Have your say 2028").first).to_be_visible()


def test_a_members_account_pages_fit_a_small_phone(chromium, live_server, app):
    """At 320px wide (or 1280px at 400% zoom) a member's own pages, with their group and its
    meetings listed under their long names, wrap rather than make the page scroll sideways
    (WCAG 1.4.10), and pass axe there too."""
    from engage.extensions import db
    from engage.meetings.models import Invitation, Reply
    from tests.dates import at
    from tests.factories import create_user
    from tests.meetings.support import LATER_DAY, create_meeting, make_member

    coming = create_meeting(app, at(LATER_DAY, 17, 30), at(LATER_DAY, 19),
                            title="Neighbourhood policing and community safety meeting")
    past = create_meeting(app, datetime(2024, 3, 30, 17, 30), datetime(2024, 3, 30, 19),
                          title="Winter meeting")
    with app.app_context():
        ada = create_user(email="ada@example.org", name="Ada Lovelace")
        db.session.add_all([
            Invitation(meeting_id=coming, user_id=ada.id, reply=Reply.WAITING),
            Invitation(meeting_id=past, user_id=ada.id, reply=Reply.NOT_ATTENDING)])
        db.session.commit()
        ada_id = ada.id
    make_member(app, ada_id)

    context = chromium.new_context(viewport={"width": 320, "height": 640})
    phone = context.new_page()
    _sign_in(phone, live_server, "ada@example.org")
    for path, heading in [("/account", "Your account"), ("/account/groups", "Your groups"),
                          ("/account/meetings", "Your meetings")]:
        phone.goto(live_server + path)
        _check(phone, heading)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
    expect(phone.get_by_text("On the waiting list")).to_be_visible()
    context.close()
