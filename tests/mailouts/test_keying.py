"""Keying in returned paper: opening a form by its reference (typed loosely, or scanned), every
kind of question stored as a paper response, and a form keyed once."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.mailouts.models import PaperRequest, RequestStatus
from engage.surveys.models import Answer, Channel, Response
from tests.factories import create_user
from tests.helpers import csrf_token, page_text, title
from tests.mailouts.support import sign_in
from tests.mailouts.test_keying_support import (
    CAMDEN,
    all_kinds,
    key,
    open_reference,
    posted_paper,
    responses,
)
from tests.surveys.support import make_response, sign_in_staff

FULL = {
    "q_priorities": "4 1 2",  # anti-social behaviour, burglary, robbery
    "q_worries": "25",  # robbery and something else
    "q_worries_other": "Speeding",
    "q_confidence": "2",
    "q_victim": "1",
    "q_area": "2",
    "q_times": "3",
    "q_street": "Gordon Square",
    "q_comments": "More patrols, please.",
    "q_postcode": "wc1h0ag",
    "q_when": ["27", "3", "2027"],
    "equality_consent": "y",
    "q_age_band": "3",
}


def test_a_reference_opens_typed_in_any_case_with_spaces_or_without_dashes(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    compact = reference.replace("-", "")
    for typed in (reference, reference.lower(), f"  {compact[:4]} {compact[4:8]} {compact[8]} ",
                  compact.lower()):
        opened = open_reference(client, typed)
        assert opened.status_code == 302, typed
        assert opened.headers["Location"].endswith(f"{CAMDEN}/{reference}")
    page = client.get(f"{CAMDEN}/{reference}")
    assert page.status_code == 200
    text = page_text(page)
    # The paper's order and numbers, and the boxes numbered as counted down the paper.
    assert text.index("1. Put your top 3 in order") < text.index("10. When did it happen?") \
        < text.index("11. What is your age?")
    assert "1 Burglary 2 Robbery 3 Knife crime 4 Anti-social behaviour" in text


def test_a_mistyped_reference_is_caught_by_its_check_character(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    body = reference.replace("-", "")
    # Swap two neighbouring characters (or change one): the check character no longer fits.
    swapped = body[1] + body[0] + body[2:] if body[0] != body[1] else "Z" + body[1:]
    refused = open_reference(client, swapped)
    assert refused.status_code == 200 and title(refused).startswith("Error: ")
    assert "is not a reference we made: a character is probably mistyped" in page_text(refused)
    assert 'href="#reference"' in refused.get_data(as_text=True)
    short = open_reference(client, body[:7])
    assert "A reference has 9 letters and numbers, like K7M3-9QX2-T" in page_text(short)
    blank = open_reference(client, "  ")
    assert "Enter the reference printed at the top of each page" in page_text(blank)


def test_an_unknown_reference_and_another_boroughs_are_refused_clearly(client, app):
    made = all_kinds(app)
    westminster = posted_paper(app, made.questionnaire_id, slug="westminster")
    sign_in(client, app, clerk="camden")
    unknown = open_reference(client, "K7M3-9QX2-T")
    assert "We have no paper questionnaire with reference" in page_text(unknown) \
        or "not a reference we made" in page_text(unknown)
    other = open_reference(client, westminster)
    assert f"Reference {westminster} was sent out by Westminster" in page_text(other)
    direct = client.get(f"{CAMDEN}/{westminster}")
    assert direct.status_code == 404


def test_every_kind_of_question_is_stored_as_a_paper_response(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    clerk_id = sign_in(client, app, clerk="camden")
    saved = key(client, reference, FULL)
    assert saved.status_code == 302, page_text(saved)[:2000]
    assert f"Reference {reference} is saved." in page_text(client.get(saved.headers["Location"]))
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.reference == reference))
        assert response.channel == Channel.PAPER and response.entered_by_id == clerk_id
        assert response.submitted_at is not None and response.borough.slug == "camden"
        assert response.equality_consent is True
        stored = {}
        for answer in response.answers:
            value = (answer.option.value if answer.option else None, answer.rank,
                     answer.text, answer.number, answer.date and answer.date.isoformat())
            stored.setdefault(answer.question.key, []).append(value)
        assert sorted(stored["priorities"], key=lambda v: v[1]) == [
            ("anti-social-behaviour", 1, None, None, None), ("burglary", 2, None, None, None),
            ("robbery", 3, None, None, None)]
        assert sorted(stored["worries"]) == [("robbery", None, None, None, None),
                                             ("something-else", None, "Speeding", None, None)]
        assert stored["confidence"] == [("good", None, None, None, None)]
        assert stored["victim"] == [("yes", None, None, None, None)]
        assert stored["area"] == [("south", None, None, None, None)]
        assert stored["times"] == [(None, None, None, 3, None)]
        assert stored["street"] == [(None, None, "Gordon Square", None, None)]
        assert stored["comments"] == [(None, None, "More patrols, please.", None, None)]
        assert stored["postcode"] == [(None, None, "WC1H 0AG", None, None)]
        assert stored["when"] == [(None, None, None, None, "2027-03-27")]
        assert stored["age-band"] == [("65-or-over", None, None, None, None)]
        paper = db.session.scalar(select(PaperRequest))
        assert paper.status == RequestStatus.RETURNED and paper.returned_at is not None


def test_blank_answers_are_kept_blank_and_wrong_ones_are_refused_on_their_field(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    wrong = key(client, reference, {"q_confidence": "7", "q_area": "12", "q_worries": "1 6",
                                    "q_times": "", "q_victim": "1", "q_postcode": "NOT A PC",
                                    "q_priorities": "1 1"})
    assert wrong.status_code == 200 and title(wrong).startswith("Error: ")
    html, text = wrong.get_data(as_text=True), page_text(wrong)
    # q_confidence is a rating: one box is ticked, and the message says so.
    assert "Type the box number from 1 to 5, as printed beside the boxes" in text
    assert "beside the boxes." not in text
    assert "Type one box number. If more than one box is ticked, leave this blank" in text
    assert ("\u201cNone of these\u201d is typed with other boxes. If the paper has it ticked "
            "with others, leave this blank") in text
    assert "Enter a full UK postcode, like SW1A 2AA" in text
    # A ranking's box typed twice is said in box numbers, as the clerk keys it.
    assert ("Box 1 is typed twice. Type each box marked on the paper once, in the order "
            "marked") in text
    assert "Choose each option" not in text
    for field in ("q_confidence", "q_area", "q_worries", "q_postcode", "q_priorities"):
        assert f'href="#{field}' in html, field
    assert responses(app, reference) == []
    # Only two questions answered on the paper: stored as they are, the rest blank.
    saved = key(client, reference, {"q_confidence": "1", "q_priorities": "3"})
    assert saved.status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.reference == reference))
        assert {(a.question.key, a.option.value) for a in response.answers} == {
            ("confidence", "excellent"), ("priorities", "knife-crime")}


def test_a_box_typed_twice_for_a_tick_all_question_is_refused_not_kept_once(client, app):
    """"1 1 3" (or "113") was stored as boxes 1 and 3: the box the clerk meant to type was
    lost without a word."""
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    for typed in ("1 1 3", "113"):
        refused = key(client, reference, {"q_confidence": "1", "q_worries": typed})
        assert refused.status_code == 200, typed
        assert "Box 1 is typed twice. Type each box ticked on the paper once" in \
            page_text(refused), typed
        assert 'href="#q_worries' in refused.get_data(as_text=True)
    assert responses(app, reference) == []
    assert key(client, reference, {"q_confidence": "1", "q_worries": "1 2 3"}).status_code \
        == 302


def test_a_date_keyed_with_more_than_digits_is_refused_not_read_as_a_number(client, app):
    """int() read "1_2" as 12 and full-width digits as ours: a date nobody wrote was stored."""
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    for when in (["1_2", "3", "2027"], ["27", "\uff13", "2027"], ["27", "3", "+2027"]):
        refused = key(client, reference, {"q_confidence": "1", "q_when": when})
        assert refused.status_code == 200, when
        assert "Enter a real date, like 27 3 2027" in page_text(refused), when
        assert 'href="#q_when' in refused.get_data(as_text=True)
    assert responses(app, reference) == []
    assert key(client, reference, {"q_confidence": "1", "q_when": [" 12 ", "3", "2027"]}
               ).status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.date.is_not(None)))
        assert answer.date.isoformat() == "2027-03-12"


def test_optional_answers_are_dropped_without_the_consent_box(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, {"q_confidence": "1", "q_age_band": "2"}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.reference == reference))
        assert response.equality_consent is False
        assert [a.question.key for a in response.answers] == ["confidence"]


def test_a_keyed_paper_return_is_a_response_like_an_online_one(client, app):
    made = all_kinds(app)
    online = make_response(app, made.version_id, {"confidence": {"option": "poor"}},
                           relax_required=True)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, officer="camden")
    assert key(client, reference, {"q_confidence": "4"}).status_code == 302
    with app.app_context():
        rows = db.session.execute(
            select(Response.id, Response.channel, Answer.option_id)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.consultation_id == made.consultation_id)
            .order_by(Response.id)).all()
        assert [(r.id == online, r.channel) for r in rows] == [
            (True, Channel.ONLINE), (False, Channel.PAPER)]
        assert rows[0].option_id == rows[1].option_id  # both said "poor"


def test_a_form_is_keyed_once_even_when_the_post_is_replayed(client, app, other_client):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in_staff(client, app, create_user, roles={"clerk": "camden"}, name="Kim Clerk")
    page = client.get(f"{CAMDEN}/{reference}")
    token = csrf_token(page.get_data(as_text=True))
    data = {"csrf_token": token, "q_confidence": "2"}
    assert client.post(f"{CAMDEN}/{reference}", data).status_code == 302
    replayed = client.post(f"{CAMDEN}/{reference}", data)
    assert replayed.status_code == 409
    assert f"Reference {reference} was already keyed on" in page_text(replayed)
    assert "by Kim Clerk" in page_text(replayed)
    sign_in(other_client, app, clerk="camden")
    again = open_reference(other_client, reference)
    assert "already keyed on" in page_text(again) and "by Kim Clerk" in page_text(again)
    assert len(responses(app, reference)) == 1
