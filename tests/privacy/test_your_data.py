"""A copy of your data: what the account page offers, what the file holds (everything tied to
the account; from records kept against the address, only what our emails have said), and
nothing of anyone else's."""

from __future__ import annotations

import json
from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import (
    AgeBand,
    Disability,
    EqualityAnswers,
    EthnicGroup,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Represents,
)
from engage.meetings.minutes import Attendance, AttendanceStatus
from engage.meetings.models import Invitation, Reply
from engage.news.models import NewsSubscription, ResultsRequest
from engage.surveys.invitation_models import SurveyOptOut
from engage.surveys.models import (
    Channel,
    Invitee,
    InviteeList,
    InviteeListSource,
    QuestionnaireVersion,
)
from engage.surveys.responses import new_key, store_response
from tests.factories import PASSWORD, borough, create_user
from tests.helpers import Browser, count_queries, page_text
from tests.meetings.support import cpeg, create_meeting
from tests.surveys.support import make_consultation

ADA = "ada@example.org"


def _world(app) -> None:
    """Ada, with something of every kind; Bob, with the same kinds, whose data must stay out
    of Ada's file; and a guest registration at Ada's address typed by someone else."""
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2), title="Spring meeting")
    other_id = create_meeting(app, start, start + timedelta(hours=1), title="Ward panel")
    made = make_consultation(app, title="Have your say 2027/28")
    with app.app_context():
        ada = create_user(email=ADA, name="Ada Lovelace", roles={"analyst": "camden"})
        bob = create_user(email="bob@example.org", name="Bob Secret")
        group = cpeg()
        for person, organisation in ((ada, "Kentish Town Residents"), (bob, "Bob's Bakery")):
            membership = Membership(group=group, user=person, status=MembershipStatus.ACTIVE,
                                    represents=Represents.RESIDENTS, organisation=organisation,
                                    joined_at=utcnow())
            membership.events.append(MembershipEvent(kind="approved", detail="Welcome"))
            db.session.add(membership)
            db.session.add(Invitation(meeting_id=meeting_id, user_id=person.id,
                                      reply=Reply.ATTENDING, replied_at=utcnow(),
                                      access_needs=f"Hearing loop for {person.name}"))
        # The register of a meeting: Ada sent apologies, Bob was there.
        db.session.add(Attendance(meeting_id=meeting_id, user_id=ada.id,
                                  status=AttendanceStatus.APOLOGIES))
        db.session.add(Attendance(meeting_id=meeting_id, user_id=bob.id,
                                  status=AttendanceStatus.PRESENT))
        db.session.add(EqualityAnswers(user_id=ada.id, consented_at=utcnow(),
                                       age_band=AgeBand.FROM_35, ethnic_group=EthnicGroup.MIXED,
                                       disability=Disability.NO))
        db.session.add(EqualityAnswers(user_id=bob.id, consented_at=utcnow(),
                                       age_band=AgeBand.OVER_75,
                                       ethnic_group=EthnicGroup.BLACK,
                                       disability=Disability.YES))
        # Someone typed Ada's address, with words of their own, on another meeting's page.
        db.session.add(Invitation(meeting_id=other_id, email=ADA, name="Not Ada",
                                  access_needs="Planted words", registered_at=utcnow(),
                                  reply=Reply.ATTENDING))
        db.session.add(NewsSubscription(borough=borough("camden"), email=ADA, name="Someone",
                                        confirmed_at=utcnow()))
        db.session.add(NewsSubscription(borough=borough("camden"), email="bob@example.org"))
        db.session.add(ResultsRequest(borough=borough("camden"), email=ADA,
                                      consultation_id=made.consultation_id,
                                      confirmed_at=utcnow()))
        db.session.add(ResultsRequest(borough=borough("camden"), email="bob@example.org",
                                      consultation_id=made.consultation_id))
        db.session.add(SurveyOptOut(email=ADA))
        # Invited to answer, and answered through the link; Bob too.
        questionnaire_id = made.questionnaire_ids["residents"]
        people = InviteeList(questionnaire_id=questionnaire_id, borough=borough("camden"),
                             name="Traders", source=InviteeListSource.UPLOAD)
        people.invitees = [Invitee(email=ADA, name="Typed name", organisation="Typed org",
                                   token=new_key()),
                           Invitee(email="bob@example.org", token=new_key())]
        db.session.add(people)
        db.session.flush()
        version = db.session.get(QuestionnaireVersion, made.version_ids["residents"])
        for invitee, answers in zip(people.invitees, (
                {"priorities": {"options": ["knife-crime", "something-else"],
                                "other": "Cycle theft"},
                 "confidence": {"option": "fair"}, "victim": {"option": "no"},
                 "comments": {"text": "More patrols near the station"}},
                {"priorities": {"options": ["robbery"]}, "confidence": {"option": "poor"},
                 "victim": {"option": "yes"}, "reported": {"option": "no"},
                 "comments": {"text": "Bob's comment"}}), strict=True):
            store_response(version, answers, idempotency_key=new_key(),
                           borough=borough("camden"), channel=Channel.ONLINE,
                           invitee_id=invitee.id)
        db.session.commit()


def _download(app) -> tuple[object, dict]:
    browser = Browser(app)
    browser.sign_in(ADA, PASSWORD)
    response = browser.get("/account/your-data/download")
    return response, json.loads(response.get_data(as_text=True))


def test_the_account_page_leads_to_a_page_that_says_what_the_file_holds(app):
    with app.app_context():
        create_user(email=ADA)
    browser = Browser(app)
    browser.sign_in(ADA, PASSWORD)
    account = browser.get("/account")
    assert "See what we hold about you and download a copy" in page_text(account)
    assert 'href="/account/your-data"' in account.get_data(as_text=True)
    page = browser.get("/account/your-data")
    assert page.status_code == 200
    assert "Other answers to consultations are anonymous" in page_text(page)
    assert 'href="/account/your-data/download"' in page.get_data(as_text=True)


def test_signed_out_people_are_sent_to_sign_in(app):
    for path in ("/account/your-data", "/account/your-data/download"):
        response = Browser(app).get(path)
        assert response.status_code == 302 and "/sign-in" in response.location


def test_the_file_holds_everything_tied_to_the_account(app):
    _world(app)
    response, data = _download(app)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="engage-your-data-')
    account = data["account"]
    assert (account["name"], account["email"], account["home_borough"]) == (
        "Ada Lovelace", ADA, "Camden")
    assert account["staff_roles"][0]["role"] == "Analyst"
    assert account["staff_roles"][0]["borough"] == "Camden"
    assert data["equality_monitoring"]["age_band"] == "35 to 44"
    assert data["equality_monitoring"]["ethnic_group"] == "Mixed or multiple ethnic groups"
    assert data["equality_monitoring"]["disability"] == "No"
    [membership] = data["group_memberships"]
    assert (membership["borough"], membership["status"], membership["organisation"]) == (
        "Camden", "Member", "Kentish Town Residents")
    assert membership["history"][0]["what"] == "approved"
    [invited] = data["meeting_invitations"]
    assert (invited["meeting"], invited["reply"], invited["access_needs"]) == (
        "Spring meeting", "Attending", "Hearing loop for Ada Lovelace")
    assert invited["starts_at"].endswith("Z")
    # The attendance register names her too (UK GDPR article 15: all of it, not only replies).
    [attended] = data["meeting_attendance"]
    assert (attended["meeting"], attended["group"], attended["recorded_as"]) == (
        "Spring meeting", "Community Police Engagement Group", "Sent apologies")
    assert attended["starts_at"].endswith("Z") and attended["recorded_at"].endswith("Z")
    assert data["signed_in_devices"] and data["signed_in_devices"][0]["signed_in_at"]
    assert data["consultation_emails_stopped_at"] is not None
    [news] = data["meeting_news"]
    assert news["borough"] == "Camden" and news["confirmed_at"] is not None
    [results] = data["results_emails_asked_for"]
    assert (results["borough"], results["consultation"]) == ("Camden", "Have your say 2027/28")
    assert results["confirmed_at"] is not None


def test_answers_given_through_a_personal_link_are_there_in_words(app):
    _world(app)
    _response, data = _download(app)
    [invitation] = data["consultation_invitations"]
    assert invitation["consultation"] == "Have your say 2027/28"
    given = {a["question"]: a["answer"] for a in invitation["response"]["answers"]}
    assert given == {
        "Which of these should the police in your area focus on?": [
            "Knife crime", "Something else: Cycle theft"],
        "How good a job are the police doing in this area?": ["Fair"],
        "In the last 12 months, have you been a victim of crime?": ["No"],
        "Is there anything else you want to tell us?": ["More patrols near the station"],
    }
    assert invitation["response"]["reference"]


def test_words_someone_else_typed_with_the_address_and_other_people_s_data_stay_out(app):
    _world(app)
    response, data = _download(app)
    text = response.get_data(as_text=True)
    [guest] = data["meetings_registered_for_without_an_account"]
    assert (guest["meeting"], guest["reply"], guest["access_needs_given"]) == (
        "Ward panel", "Attending", True)
    for typed in ("Not Ada", "Planted words", "Someone", "Typed name", "Typed org"):
        assert typed not in text, typed
    for bob_s in ("Bob", "bob@example.org", "75 or over", "Robbery", "Poor",
                  "Black, Black British"):
        assert bob_s not in text, bob_s


def test_the_privacy_notice_gives_the_periods_the_clean_up_uses(app):
    app.config.update(ENGAGE_PAPER_RETENTION_DAYS=45, ENGAGE_MEETING_RETENTION_DAYS=60,
                      ENGAGE_SUPPRESSION_THRESHOLD=5, ENGAGE_RESPONSE_FILE_DAYS=3)
    text = page_text(Browser(app).get("/privacy"))
    assert "paper questionnaires: 45 days after the consultation closes" in text
    assert "access needs: 60 days after the meeting" in text
    assert "we never publish a total for fewer than 5 people" in text
    assert "download a copy" in text
    assert "Our copy of each file is deleted after 3 days." in text



def test_more_answered_invitations_cost_no_more_queries(app):
    """Each response's answers are not fetched one response at a time."""
    _world(app)
    browser = Browser(app)
    browser.sign_in(ADA, PASSWORD)
    one = count_queries(browser, "/account/your-data/download")
    with app.app_context():
        made = make_consultation(app, title="Have your say 2028/29")
        people = InviteeList(questionnaire_id=made.questionnaire_ids["residents"],
                             borough=borough("camden"), name="Residents",
                             source=InviteeListSource.UPLOAD)
        people.invitees = [Invitee(email=ADA, token=new_key())]
        db.session.add(people)
        db.session.flush()
        store_response(db.session.get(QuestionnaireVersion, made.version_ids["residents"]),
                       {"priorities": {"options": ["robbery"]},
                        "confidence": {"option": "good"}, "victim": {"option": "no"}},
                       idempotency_key=new_key(), borough=borough("camden"),
                       channel=Channel.ONLINE, invitee_id=people.invitees[0].id)
        db.session.commit()
    assert count_queries(browser, "/account/your-data/download") == one
    data = json.loads(browser.get("/account/your-data/download").get_data(as_text=True))
    answered = {i["consultation"]: {a["question"]: a["answer"] for a in i["response"]["answers"]}
                for i in data["consultation_invitations"]}
    assert answered["Have your say 2028/29"] == {
        "Which of these should the police in your area focus on?": ["Robbery"],
        "How good a job are the police doing in this area?": ["Good"],
        "In the last 12 months, have you been a victim of crime?": ["No"]}
    assert answered["Have your say 2027/28"]["Is there anything else you want to tell us?"] == [
        "More patrols near the station"]
