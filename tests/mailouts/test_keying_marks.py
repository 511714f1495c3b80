"""Keying paper as people really fill it in: a box ticked without the words beside it, more
boxes ticked than the question allows, and an answer given to a question the paper said to
skip. The clerk keys what is on the paper, and is told what to do when it cannot count."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.surveys.models import Consultation, Response
from tests.factories import borough
from tests.helpers import csrf_token, page_text
from tests.mailouts.support import sign_in
from tests.mailouts.test_keying_support import (
    CAMDEN,
    all_kinds,
    key,
    open_reference,
    posted_paper,
    responses,
)


def _stored(app, reference: str) -> dict[str, list[tuple]]:
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.reference == reference))
        found: dict[str, list[tuple]] = {}
        for a in response.answers:
            found.setdefault(a.question.key, []).append(
                (a.option.value if a.option else None, a.text, a.number))
        return found


def test_a_box_asking_for_words_is_keyed_when_nothing_is_written_beside_it(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    page = page_text(client.get(f"{CAMDEN}/{reference}"))
    assert "Leave it blank if nothing is written." in page
    # "Robbery" and "Something else" ticked, with nothing written beside "Something else".
    saved = key(client, reference, {"q_worries": "2 5", "q_confidence": "1"})
    assert saved.status_code == 302, page_text(saved)
    assert _stored(app, reference)["worries"] == [("robbery", None, None),
                                                   ("something-else", None, None)]


def test_more_boxes_ticked_than_allowed_tells_the_clerk_to_leave_it_blank(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    page = page_text(client.get(f"{CAMDEN}/{reference}"))
    assert "It says tick up to 3: if more are ticked, leave it blank." in page
    assert ("Type the numbers of the boxes marked 1 to 3, in that order, like 4 1 7. Where a "
            "number is missed out, type the rest in order; where two boxes share a number, stop "
            "before them.") in page
    four = key(client, reference, {"q_worries": "1 2 3 4"})
    assert four.status_code == 200
    assert ("4 box numbers are typed, but the question says tick up to 3. If more than 3 "
            "boxes are ticked on the paper, leave this blank") in page_text(four)
    assert responses(app, reference) == []
    # The respondent numbered all four boxes where the question asks for the top 3.
    four_places = key(client, reference, {"q_priorities": "4 1 2 3"})
    assert ("Type only the boxes marked 1 to 3, in that order: the question asks for the top "
            "3") in page_text(four_places)
    assert key(client, reference, {"q_worries": "", "q_priorities": "4 1 2"}).status_code == 302
    stored = _stored(app, reference)
    assert "worries" not in stored and len(stored["priorities"]) == 3


def test_an_answer_to_a_question_the_paper_said_to_skip_does_not_hold_up_keying(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    # Question 6 is asked only if question 4 is "Yes": this paper says "No" and then, against
    # the instruction, writes 500 in question 6 (more than its boxes allow).
    saved = key(client, reference, {"q_victim": "2", "q_times": "500", "q_street": "Mall"})
    assert saved.status_code == 302, page_text(saved)
    stored = _stored(app, reference)
    assert "times" not in stored and stored["victim"] == [("no", None, None)]


def test_a_form_whose_consultation_no_longer_covers_the_borough_is_refused_in_words(client,
                                                                                   app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    with app.app_context():
        # Since the paper was posted, the consultation was changed to cover Islington only.
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.all_boroughs = False
        consultation.boroughs = [borough("islington")]
        db.session.commit()
    sign_in(client, app, clerk="camden")
    opened = open_reference(client, reference)
    assert opened.status_code == 200
    assert f"no longer covers Camden, so reference {reference} cannot be counted" in \
        page_text(opened)
    assert client.get(f"{CAMDEN}/{reference}").status_code == 409
    assert responses(app, reference) == []


def test_a_change_of_coverage_while_a_form_is_keyed_is_said_not_hidden(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    page = client.get(f"{CAMDEN}/{reference}")
    with app.app_context():
        # The consultation is changed to cover Islington only while the clerk is typing.
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.all_boroughs = False
        consultation.boroughs = [borough("islington")]
        db.session.commit()
    saved = client.post(f"{CAMDEN}/{reference}",
                        {"csrf_token": csrf_token(page.get_data(as_text=True)),
                         "q_confidence": "2"})
    assert saved.status_code == 409
    assert "no longer covers Camden" in page_text(saved)
    assert responses(app, reference) == []


def test_words_typed_for_a_box_not_typed_are_not_dropped_without_a_word(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    page = page_text(client.get(f"{CAMDEN}/{reference}"))
    assert "Day, month and year, as written. If any of them is missing, leave it blank." in page
    assert ("9. Your postcode? Type what is written. If it is not a whole postcode, like SW1A "
            "2AA, leave it blank.") in page
    assert ("Type what is written. If it is not one whole number, leave it blank.") in page
    # Box 5 is "Something else, please say": the clerk typed its words, not its number.
    refused = key(client, reference, {"q_worries": "4", "q_worries_other": "Speeding"})
    assert refused.status_code == 200
    assert ("Words are typed for box 5, but box 5 is not. If they wrote there, type 5 with the "
            "other box numbers; if not, clear the words") in page_text(refused)
    assert 'href="#q_worries_other"' in refused.get_data(as_text=True)
    assert responses(app, reference) == []
    saved = key(client, reference, {"q_worries": "4 5", "q_worries_other": "Speeding"})
    assert saved.status_code == 302
    assert _stored(app, reference)["worries"] == [("anti-social-behaviour", None, None),
                                                   ("something-else", "Speeding", None)]
