"""The personal link in an invitation: a start page that changes nothing when opened, a draft
handed to the public questionnaire when the person starts, one response per link."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Audience,
    Consultation,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseDraft,
)
from tests.helpers import Browser, csrf_token, page_text, path_of, title
from tests.surveys.test_invitations_support import (
    add_members,
    invitees,
    list_from_group,
    make_consultation,
    officer,
)


def _invitee(app, email: str = "ada@example.org"):
    """A list of one member of Camden's CPEG: the invitee row, with its token."""
    ids = make_consultation(app)
    add_members(app, [email])
    list_id = list_from_group(officer(app), ids[Audience.RESIDENTS])
    [invitee] = invitees(app, list_id)
    return invitee


def _drafts(app) -> list[ResponseDraft]:
    with app.app_context():
        found = db.session.scalars(select(ResponseDraft)).all()
        db.session.expunge_all()
        return list(found)


def _responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Response.id)))


def _answer_all(browser: Browser, response) -> object:
    """Follow the public questionnaire from a redirect to its first step, answering each page,
    until the answers are sent. Returns the last response."""
    for _ in range(10):
        if response.status_code != 302:
            return response
        url = path_of(response.location)
        page = browser.get(url)
        html = page.get_data(as_text=True)
        if "/check-answers" in url:
            key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
            return browser.post(url, {"csrf_token": csrf_token(html),
                                      "submission_key": unescape(key.group(1))})
        data = {"csrf_token": csrf_token(html)}
        if 'name="q_comments"' in html:
            data["q_comments"] = "More patrols near the station"
        if 'name="wants"' in html:
            data["wants"] = "no"
        response = browser.post(url, data)
    raise AssertionError("the questionnaire did not end")


def test_an_unknown_link_is_a_plain_english_404(app):
    make_consultation(app)
    response = Browser(app).get("/have-your-say/invited/not-a-real-token")
    assert response.status_code == 404
    assert title(response).startswith("This link does not work")
    assert "check that you used the whole link from the email" in page_text(response)
    assert "This is not the way to report a crime. In an emergency call 999" in page_text(
        response)


def test_opening_the_link_changes_nothing_until_the_person_starts(app):
    invitee = _invitee(app)
    browser = Browser(app)
    page = browser.get(f"/have-your-say/invited/{invitee.token}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Policing priorities: residents" in text
    assert "This link is personal: please do not forward it." in text
    assert "You can answer until" in text
    assert ("This is not the way to report a crime. In an emergency call 999. If it is not an "
            "emergency, call 101.") in text
    assert _drafts(app) == []
    started = browser.submit(f"/have-your-say/invited/{invitee.token}")
    assert started.status_code == 302
    [draft] = _drafts(app)
    assert draft.invitee_id == invitee.id
    with app.app_context():
        assert db.session.get(ResponseDraft, draft.id).borough.slug == "camden"
    # The person's borough is known, so the questionnaire starts at its questions.
    assert "/postcode" not in started.location
    assert f"/have-your-say/{draft.questionnaire_id}/" in started.location
    # Starting again (another click, another device) carries on with the same draft.
    Browser(app).submit(f"/have-your-say/invited/{invitee.token}")
    assert len(_drafts(app)) == 1


def test_the_invited_start_page_gives_the_other_ways_to_answer_as_the_public_one_does(app):
    """Paper, telephone or another format, and whom to ask: said on the public start page, and
    missing from the start page an invitation's link opens, which people who would rather not
    answer online are as likely to open (WCAG 3.2.6: help in the same place on both)."""
    from engage.boroughs.models import Borough

    app.config.update(ENGAGE_CONTACT_EMAIL="access@police.example.org")
    invitee = _invitee(app)
    link = f"/have-your-say/invited/{invitee.token}"
    text = page_text(Browser(app).get(link))
    assert ("Other ways to answer You can also answer on paper or by telephone, or ask for the "
            "questions in another format, such as large print or easy read. Ask the Camden "
            "police engagement team: Contact details for Camden have not been added yet. "
            "Contact the engage team instead, who will pass your message on: Email: "
            "access@police.example.org") in text
    # Before the button, as on the public start page.
    assert text.index("Other ways to answer") < text.index("Start now")

    with app.app_context():
        camden = db.session.scalar(select(Borough).where(Borough.slug == "camden"))
        camden.contact_email = "engagement@camden.example.org"
        db.session.commit()
    text = page_text(Browser(app).get(link))
    assert ("Ask the Camden police engagement team: Email: engagement@camden.example.org"
            in text)


def test_the_link_gives_one_response_and_then_says_thank_you(app):
    invitee = _invitee(app)
    link = f"/have-your-say/invited/{invitee.token}"
    browser = Browser(app)
    started = browser.submit(link)
    with app.app_context():
        # A second draft for the same link, as if started on another device long ago.
        draft = db.session.scalar(select(ResponseDraft))
        questionnaire_id = draft.questionnaire_id
        db.session.add(ResponseDraft(
            token="other-device", submission_key="other-device-key",
            questionnaire_id=questionnaire_id, version_id=draft.version_id,
            borough_id=draft.borough_id, invitee_id=draft.invitee_id, answers={}))
        db.session.commit()
    done = _answer_all(browser, started)
    assert done.status_code == 302 and "/confirmation" in done.location
    with app.app_context():
        assert db.session.scalar(select(Response.invitee_id)) == invitee.id
    again = browser.get(link)
    assert again.status_code == 200
    assert title(again).startswith("You've already answered, thank you")
    assert "This is not the way to report a crime" in page_text(again)
    assert "cannot answer again with it" in page_text(again)
    # Sending the other device's draft is refused: one response per link.
    other = Browser(app)
    page = other.get(f"/have-your-say/{questionnaire_id}")
    refused = other.post(f"/have-your-say/{questionnaire_id}/check-answers", {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "submission_key": "other-device-key"})
    assert refused.status_code == 409
    assert _responses(app) == 1


def test_a_link_to_a_consultation_not_open_says_so(app):
    invitee = _invitee(app)
    browser = Browser(app)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.opens_at = utcnow() - timedelta(days=30)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    closed = browser.get(f"/have-your-say/invited/{invitee.token}")
    assert closed.status_code == 410
    assert "closed" in title(closed).lower()
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.opens_at = utcnow() + timedelta(days=1)
        consultation.closes_at = utcnow() + timedelta(days=30)
        db.session.commit()
    early = browser.get(f"/have-your-say/invited/{invitee.token}")
    assert early.status_code == 200
    assert "Start now" not in page_text(early)
    assert _drafts(app) == []


def _borough_of_draft(app) -> str:
    with app.app_context():
        return db.session.scalar(select(ResponseDraft)).borough.slug


def test_an_invited_person_is_not_asked_for_their_borough_and_cannot_change_it(app):
    """The invitation set the borough (Camden's list): there is no postcode step to go back
    to, its address leads on to the questions, and a postcode or borough sent anyway changes
    nothing."""
    invitee = _invitee(app)
    link = f"/have-your-say/invited/{invitee.token}"
    browser = Browser(app)
    first = path_of(browser.submit(link).location)
    qid = _drafts(app)[0].questionnaire_id
    assert first == f"/have-your-say/{qid}/questions/1"
    html = browser.get(first).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)" class="govuk-back-link">', html)
    assert back[1] == link  # back to the invitation, which carries on with the same answers
    assert "/postcode" not in html
    token = csrf_token(html)
    for url, data in ((f"/have-your-say/{qid}/postcode", {"postcode": "SW9 6AA"}),
                      (f"/have-your-say/{qid}/borough", {"borough": "lambeth"}),
                      (f"/have-your-say/{qid}/borough?district=W10", {"borough": "brent"})):
        assert path_of(browser.get(url).location) == first, url
        sent = browser.post(url, {"csrf_token": token, **data})
        assert sent.status_code == 302 and path_of(sent.location) == first, url
    assert _borough_of_draft(app) == "camden"

    # "Check your answers" shows the borough with nothing to change it.
    browser.post(first, {"csrf_token": token, "q_comments": "More patrols"})
    browser.post(f"/have-your-say/{qid}/reply", {"csrf_token": token})
    check = browser.get(f"/have-your-say/{qid}/check-answers")
    assert check.status_code == 200
    assert "Your borough Camden" in page_text(check)
    assert "/postcode" not in check.get_data(as_text=True)
    changing = browser.get(f"/have-your-say/{qid}/postcode?change=1")
    assert path_of(changing.location) == f"/have-your-say/{qid}/check-answers"
    done = _answer_all(browser, changing)
    assert "/confirmation" in done.location
    with app.app_context():
        assert db.session.scalar(select(Response)).borough.slug == "camden"



LINKED = "Because you are answering through your personal invitation, your answers are linked to it"


def test_an_invited_person_is_told_their_answers_are_linked_to_the_invitation(app):
    """Never "anonymous" to someone whose response keeps their invitation: the invited start
    page, the public start page their draft takes them back to, the optional questions about
    themselves and the reply page each say what the link means instead."""
    from tests.surveys.support import AGE_BANDS, add_question, add_section

    invitee = _invitee(app)
    with app.app_context():
        version = db.session.scalar(select(QuestionnaireVersion).join(Questionnaire).where(
            Questionnaire.audience == Audience.RESIDENTS))
        about = add_section(version, "About you", is_equality=True)
        add_question(about, "age-band", QuestionKind.SINGLE_CHOICE, "What is your age?",
                     options=AGE_BANDS, required=False)
        db.session.commit()
    link = f"/have-your-say/invited/{invitee.token}"
    browser = Browser(app)
    invited_start = page_text(browser.get(link))
    assert LINKED in invited_start
    assert "Staff can see how many people on the list have answered, but not who." in (
        invited_start)
    browser.submit(link)
    qid = _drafts(app)[0].questionnaire_id
    for url in (f"/have-your-say/{qid}", f"/have-your-say/{qid}/about-you",
                f"/have-your-say/{qid}/reply"):
        shown = browser.get(url)
        assert shown.status_code == 200, url
        assert LINKED in page_text(shown), url
        assert "anonymous" not in page_text(shown), url

    # Anyone else is told their answers are anonymous, as they are.
    public = Browser(app)
    public.submit(f"/have-your-say/{qid}/start", form_page=f"/have-your-say/{qid}")
    for url in (f"/have-your-say/{qid}", f"/have-your-say/{qid}/about-you",
                f"/have-your-say/{qid}/reply"):
        shown = page_text(public.get(url))
        assert "anonymous" in shown, url
        assert LINKED not in shown, url


def test_the_privacy_page_says_answers_through_a_personal_link_are_not_anonymous(app):
    text = page_text(Browser(app).get("/privacy"))
    assert "If you answer through the questionnaire on this website, your answers are " \
           "anonymous." in text
    assert "If we emailed you a personal link, your answers are not anonymous in the same " \
           "way." in text
    assert "Your answers are anonymous. We do not link them" not in text
