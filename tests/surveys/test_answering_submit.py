"""Sending the answers: exactly once whatever is replayed, never after the closing time, never
for a filled honeypot or a used personal link, with the version the person started on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Consultation,
    Invitee,
    InviteeList,
    InviteeListSource,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from tests.factories import borough
from tests.helpers import Browser, csrf_token, page_text
from tests.surveys.answering_support import (
    begin,
    build_every_kind,
    check_answers,
    complete,
    drafts,
    make_every_kind,
    page,
    post,
    reach,
    responses,
    start_url,
    step,
    submission_key,
)


@pytest.fixture
def made(app):
    return make_every_kind(app)


def _count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Response.id)).all())


def _close(app, made, minutes_ago: int = 1) -> None:
    with app.app_context():
        db.session.execute(update(Consultation).where(Consultation.id == made.consultation_id)
                           .values(closes_at=utcnow() - timedelta(minutes=minutes_ago)))
        db.session.commit()


def test_a_double_click_stores_one_response_and_shows_the_same_reference(client, app, made):
    qid = made.questionnaire_id
    html = complete(client, qid).get_data(as_text=True)
    form = {"csrf_token": csrf_token(html), "submission_key": submission_key(html)}
    first = client.post(step(qid, "check-answers"), form)
    second = client.post(step(qid, "check-answers"), form)
    assert first.headers["Location"] == second.headers["Location"] == step(qid, "confirmation")
    [response] = responses(app)
    confirmation = page_text(client.get(step(qid, "confirmation")))
    assert "Your answers have been sent" in confirmation
    assert f"Your reference number {response.reference}" in confirmation


def test_a_replay_after_the_session_is_gone_shows_the_confirmation_and_stores_nothing_new(
        client, app, made):
    qid = made.questionnaire_id
    key = submission_key(complete(client, qid).get_data(as_text=True))
    assert check_answers(client, qid).status_code == 302
    [response] = responses(app)
    # Another browser (or this one with its cookies cleared) replays the same POST.
    stranger = Browser(app)
    replay = stranger.submit(step(qid, "check-answers"), {"submission_key": key},
                             form_page=start_url(qid), follow_redirects=True)
    assert f"Your reference number {response.reference}" in page_text(replay)
    assert _count(app) == 1


def test_an_unknown_submission_key_stores_nothing(client, app, made):
    complete(client, made.questionnaire_id)
    response = Browser(app).submit(step(made.questionnaire_id, "check-answers"),
                                   {"submission_key": "made-up"},
                                   form_page=start_url(made.questionnaire_id))
    assert response.status_code == 404
    assert "We cannot find those answers" in page_text(response)
    assert _count(app) == 0


def test_sending_before_every_step_is_done_goes_back_to_the_step(client, app, made):
    """A hand-made POST straight after "Start now" (no borough given yet) stores nothing: the
    person is sent to the first step still to do, as the pages would have sent them."""
    qid = made.questionnaire_id
    begin(client, qid)
    [draft] = drafts(app)
    sent = client.submit(step(qid, "check-answers"), {"submission_key": draft.submission_key},
                         form_page=start_url(qid))
    assert sent.status_code == 302 and sent.location.endswith(step(qid, "postcode"))
    assert _count(app) == 0
    # With the borough given but the required questions not answered: the first such page.
    post(client, step(qid, "postcode"), {"postcode": "SW9 6AA"})
    sent = client.submit(step(qid, "check-answers"), {"submission_key": draft.submission_key},
                         form_page=start_url(qid))
    assert sent.status_code == 302 and sent.location.endswith(page(qid, 1))
    assert _count(app) == 0
    # Once everything is done, the same key sends them.
    complete(client, qid)
    assert check_answers(client, qid).status_code == 302
    assert _count(app) == 1


def test_the_honeypot_pretends_and_keeps_nothing(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid)
    response = check_answers(client, qid, website="http://spam.example")
    assert response.status_code == 200
    assert "Your answers have been sent" in page_text(response)
    assert "Your reference number" in page_text(response)
    assert _count(app) == 0
    # The honeypot is out of everyone's way: hidden, out of the tab order, labelled.
    html = client.get(step(qid, "check-answers")).get_data(as_text=True)
    assert '<div class="govuk-visually-hidden" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html
    assert '<label for="website">Leave this box empty</label>' in html


def test_after_the_closing_time_nothing_is_sent_and_people_halfway_are_told(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid)
    html = client.get(step(qid, "check-answers")).get_data(as_text=True)
    _close(app, made)
    response = client.post(step(qid, "check-answers"),
                           {"csrf_token": csrf_token(html), "submission_key": submission_key(html)})
    assert response.status_code == 410
    assert "This consultation has closed" in page_text(response)
    assert "If you had started answering, your answers have not been sent." in page_text(response)
    assert _count(app) == 0
    for url in (page(qid, 2), step(qid, "reply"), step(qid, "postcode"), start_url(qid)):
        assert "This consultation has closed" in page_text(client.get(url)), url
    assert client.post(page(qid, 2), {"csrf_token": csrf_token(html)}).status_code == 410


def test_a_consultation_not_yet_open_says_when_it_opens(client, app):
    start = utcnow() + timedelta(days=3)
    made = make_every_kind(app, opens_at=start, closes_at=start + timedelta(days=30))
    text = page_text(client.get(start_url(made.questionnaire_id)))
    assert "This consultation is not open yet" in text
    assert "opens on" in text
    assert "Start now" not in text


def test_a_draft_keeps_the_version_it_started_on(client, app, made):
    qid = made.questionnaire_id
    reach(client, qid, 2)
    with app.app_context():
        version = QuestionnaireVersion(questionnaire_id=qid, number=2)
        db.session.add(version)
        db.session.flush()
        build_every_kind(version)
        db.session.commit()
        newer = version.id
    # Carry on to the end: the pages and the response are version 1's.
    post(client, page(qid, 2), {"q_confidence": "good", "q_safe": "streets",
                                         "q_victim": "no"})
    post(client, page(qid, 4), {"q_years": "5"})
    post(client, step(qid, "about-you"), {"consent": "no"})
    post(client, step(qid, "reply"), {})
    assert check_answers(client, qid).status_code == 302
    [response] = responses(app)
    assert response.version_id == made.version_id
    assert {a.question.version_id for a in response.answers} == {made.version_id}
    # Someone starting now answers version 2.
    other = Browser(app)
    complete(other, qid)
    assert drafts(app)[-1].version_id == newer


def test_a_personal_link_used_once_already_is_refused(client, app, made):
    from tests.surveys.support import make_response

    qid = made.questionnaire_id
    with app.app_context():
        listing = InviteeList(questionnaire_id=qid, borough=borough("camden"), name="Traders",
                              source=InviteeListSource.UPLOAD)
        invitee = Invitee(invitee_list=listing, email="shop@example.org", token="invitee-token")
        db.session.add_all([listing, invitee])
        db.session.commit()
        invitee_id = invitee.id
    # The same invitation answered in another browser first.
    made_answers = {"priorities": {"ranked": ["drugs", "robbery", "burglary"]},
                    "confidence": {"option": "good"}, "safe": {"option": "streets"},
                    "victim": {"option": "no"}, "years": {"number": 3}}
    make_response(app, made.version_id, made_answers, invitee_id=invitee_id)

    with app.test_request_context():
        from engage.surveys.flow import begin_with_draft
        from engage.surveys.responses import start_draft

        version = db.session.get(QuestionnaireVersion, made.version_id)
        draft = start_draft(version, borough=borough("camden"), invitee_id=invitee_id)
        db.session.commit()
        redirect = begin_with_draft(draft)
        token = draft.token
    # The invitation already has a borough, so the first page of questions comes first.
    assert redirect.headers["Location"] == page(qid, 1)
    with client.http.session_transaction() as session:
        session["surveys"] = {str(qid): {"token": token}}
    for position, data in ((1, {"q_priorities_1": "drugs", "q_priorities_2": "robbery",
                                "q_priorities_3": "burglary"}),
                           (2, {"q_confidence": "good", "q_safe": "streets", "q_victim": "no"}),
                           (4, {"q_years": "3"})):
        assert post(client, page(qid, position), data).status_code == 302
    post(client, step(qid, "about-you"), {"consent": "no"})
    post(client, step(qid, "reply"), {})
    refused = check_answers(client, qid)
    assert refused.status_code == 409
    assert "This link has already been used" in page_text(refused)
    assert _count(app) == 1


def _borough_link(html: str) -> str:
    found = re.search(r'<a class="govuk-link" href="([^"]+)">Find out about policing meetings '
                      r'in ([^<]+)</a>', html)
    assert found, "no link to the borough's meetings"
    return f"{found[1]} {found[2]}"


def test_the_confirmation_says_a_reply_is_coming_and_links_the_borough(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid, reply={"wants": "y", "email": "ada@example.org", "agree": "y"})
    assert check_answers(client, qid).status_code == 302
    confirmation = client.get(step(qid, "confirmation"))
    assert ("You asked for a reply. The Lambeth police engagement team will contact you."
            in page_text(confirmation))
    assert _borough_link(confirmation.get_data(as_text=True)) == "/boroughs/lambeth Lambeth"
    # And where to ask for the results by email (engage.news.results).
    assert (f'href="/boroughs/lambeth/have-your-say/{made.slug}/results-email">Get an email '
            "when the results for Lambeth are published</a>") in confirmation.get_data(
        as_text=True)


def test_the_confirmation_without_a_reply_says_none_is_coming(client, app, made):
    qid = made.questionnaire_id
    complete(client, qid)
    assert check_answers(client, qid).status_code == 302
    confirmation = client.get(step(qid, "confirmation"))
    assert "You asked for a reply" not in page_text(confirmation)
    assert _borough_link(confirmation.get_data(as_text=True)) == "/boroughs/lambeth Lambeth"
    # The honeypot's pretend confirmation has no response, so no borough: every borough.
    other = Browser(app)
    complete(other, qid, reply={"wants": "y", "email": "ada@example.org", "agree": "y"})
    pretend = check_answers(other, qid, website="http://spam.example")
    assert "You asked for a reply" not in page_text(pretend)
    assert _borough_link(pretend.get_data(as_text=True)) == "/boroughs your borough"


def _start_page_says_how_long(client, questionnaire_id: int) -> list[str]:
    return re.findall(r"\w[^.]*\btakes about \d+ minutes", page_text(
        client.get(start_url(questionnaire_id))))


def test_the_start_page_says_how_long_it_takes_once(client, app, made):
    # The questionnaire's own introduction says it ("It takes about 5 minutes."): not again.
    assert _start_page_says_how_long(client, made.questionnaire_id) == ["It takes about 5 minutes"]
    assert "You can answer until" in page_text(client.get(start_url(made.questionnaire_id)))
    # An introduction that does not say it: the start page does, from the questions.
    with app.app_context():
        db.session.execute(update(Questionnaire).where(Questionnaire.id == made.questionnaire_id)
                           .values(introduction="Tell us what matters to you."))
        db.session.commit()
    assert _start_page_says_how_long(client, made.questionnaire_id) == ["It takes about 5 minutes"]


def test_the_ready_questionnaires_start_pages_say_how_long_once(client, app):
    from engage.surveys.template import add_template_questionnaires

    with app.app_context():
        consultation = Consultation(slug="have-your-say-2027-28", title="Have your say 2027/28",
                                    opens_at=utcnow() - timedelta(days=1),
                                    closes_at=utcnow() + timedelta(days=30))
        db.session.add(consultation)
        ids = [q.id for q in add_template_questionnaires(consultation)]
        db.session.commit()
    for questionnaire_id in ids:
        found = _start_page_says_how_long(client, questionnaire_id)
        assert len(found) == 1, found
