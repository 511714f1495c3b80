"""Double keying: two different clerks key each form; a match is stored once, a mismatch is
shown side by side for a supervisor, and nothing counts until it is verified."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import keying
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest, RequestStatus
from engage.surveys.models import Channel, Consultation, Response
from tests.helpers import Browser, csrf_token, page_text, title
from tests.mailouts.support import count, sign_in
from tests.mailouts.test_keying_support import (
    CAMDEN,
    all_kinds,
    key,
    open_reference,
    posted_paper,
    responses,
    set_consultation,
)

ANSWERS = {"q_confidence": "2", "q_priorities": "4 1 2", "q_street": "Gordon Square"}


def _double(app):
    made = all_kinds(app)
    set_consultation(app, made.consultation_id, double_keying=True)
    return made, posted_paper(app, made.questionnaire_id)


def test_two_matching_keyings_store_the_form_once(client, other_client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    first = key(client, reference, ANSWERS)
    assert first.status_code == 302
    listing = page_text(client.get(first.headers["Location"]))
    assert "Another clerk must key it too before it counts" in listing
    assert ("Each form is keyed once, or by two clerks where it says so below." in listing
            and "Each of its forms is keyed by two clerks" in listing)
    assert "Keyed once, waiting for a second clerk" in listing and reference in listing
    assert responses(app, reference) == []  # nothing counts yet
    with app.app_context():
        assert count(KeyedEntry) == 1

    second_id = sign_in(other_client, app, clerk="camden")
    second = key(other_client, reference, dict(ANSWERS, q_priorities="412"))
    assert second.status_code == 302
    assert "both keyings match" in page_text(other_client.get(second.headers["Location"]))
    assert responses(app, reference) == [(responses(app, reference)[0][0], Channel.PAPER,
                                          second_id)]
    with app.app_context():
        assert count(KeyedEntry) == 0  # the answers are kept once, in the response
        assert db.session.scalar(select(PaperRequest)).status == RequestStatus.RETURNED
    again = open_reference(other_client, reference)
    assert "already keyed on" in page_text(again)


def test_the_same_clerk_cannot_key_a_form_twice(client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, ANSWERS).status_code == 302
    refused = open_reference(client, reference)
    assert "You have already keyed reference" in page_text(refused)
    assert "Another clerk must key it the second time" in page_text(refused)
    direct = client.get(f"{CAMDEN}/{reference}")
    assert direct.status_code == 409
    posted = client.submit(f"{CAMDEN}/{reference}", ANSWERS, form_page=CAMDEN)
    assert posted.status_code == 409 and "You have already keyed" in page_text(posted)
    with app.app_context():
        assert count(KeyedEntry) == 1 and count(Response) == 0


def test_a_mismatch_is_settled_by_a_supervisor_and_stored_once(client, other_client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    key(client, reference, dict(ANSWERS, equality_consent="y", q_age_band="2"))
    sign_in(other_client, app, clerk="camden")
    mismatch = key(other_client, reference, dict(ANSWERS, q_confidence="3",
                                                 q_street="Gordon Sq"))
    assert "the two keyings differ" in page_text(other_client.get(mismatch.headers["Location"]))
    assert responses(app, reference) == []
    # A third clerk is told it waits for a supervisor; a clerk cannot settle it.
    third_clerk = Browser(app)
    sign_in(third_clerk, app, clerk="camden")
    third = open_reference(third_clerk, reference)
    assert "has been keyed twice" in page_text(third)
    assert "waiting for a supervisor" in page_text(third)
    assert third_clerk.get(f"{CAMDEN}/{reference}/settle").status_code == 403

    client.sign_out()
    supervisor_id = sign_in(client, app, officer="camden")
    index = page_text(client.get(CAMDEN))
    assert f"Settle {reference}" in index
    page = client.get(f"{CAMDEN}/{reference}/settle")
    text = page_text(page)
    # Side by side: the question, the first keying, the second keying.
    assert "Question 3: How good a job do they do?" in text
    assert "Good (keyed as 2) Fair (keyed as 3)" in text
    assert "Question 7: Which street?" in text
    # Each difference's choices say which question they settle: the legend is what a screen
    # reader reads as the focus moves into them, and every one was "Which is right?".
    assert "Second keying (Person" in text and (") Gordon Square Gordon Sq Which is right for "
                                                "question 7? First keying") in text
    assert "Which is right for question 3? First keying" in text
    assert "The consent box for the optional questions" in text
    assert "Which is right for the consent box? First keying" in text
    assert "Question 11: What is your age?" in text
    assert "Question 1:" not in text  # the ranking was keyed the same

    unanswered = client.submit(f"{CAMDEN}/{reference}/settle", {})
    assert title(unanswered).startswith("Error: ")
    assert "Select which answer is right for question 3" in page_text(unanswered)
    wrong = client.submit(f"{CAMDEN}/{reference}/settle", {
        "choose_confidence": "corrected", "q_confidence": "9", "choose_street": "first",
        "choose_equality_consent": "first", "choose_age_band": "first"})
    assert "Type the box number from 1 to 5" in page_text(wrong)
    # "Key the right answer" with nothing keyed is not taken for "left blank".
    forgotten = client.submit(f"{CAMDEN}/{reference}/settle", {
        "choose_confidence": "corrected", "q_confidence": "", "choose_street": "first",
        "choose_equality_consent": "first", "choose_age_band": "first"})
    assert ("Key the right answer to question 3 below, or select that the question was left "
            "blank") in page_text(forgotten)
    assert responses(app, reference) == []

    settled = client.submit(f"{CAMDEN}/{reference}/settle", {
        "choose_confidence": "corrected", "q_confidence": "1", "choose_street": "first",
        "choose_equality_consent": "first", "choose_age_band": "first"})
    assert settled.status_code == 302
    assert "is saved as you settled it" in page_text(client.get(settled.headers["Location"]))
    stored = responses(app, reference)
    assert len(stored) == 1 and stored[0][1:] == (Channel.PAPER, supervisor_id)
    with app.app_context():
        response = db.session.scalar(select(Response))
        answers = {a.question.key: (a.option.value if a.option else a.text, a.rank)
                   for a in response.answers if a.rank in (None, 1)}
        assert answers == {"confidence": ("excellent", None), "street": ("Gordon Square", None),
                           "priorities": ("anti-social-behaviour", 1),
                           "age-band": ("25-to-64", None)}
        assert response.equality_consent is True
        assert count(KeyedEntry) == 0
    # Settled once: a replay finds nothing to settle and stores nothing more.
    replay = client.get(f"{CAMDEN}/{reference}/settle", follow_redirects=True)
    assert "already keyed on" in page_text(replay)
    assert len(responses(app, reference)) == 1


def test_administrators_switch_double_keying_on_the_consultation(client, app):
    from tests.surveys.support import STAFF, sign_in_staff

    made = all_kinds(app)
    sign_in_staff(client, app)
    edit = f"{STAFF}/{made.slug}/edit"
    page = client.get(edit)
    assert "Key every paper form twice" in page_text(page)
    form = {"title": "Have your say", "slug": made.slug, "purpose": "Priorities.",
            "coverage": "all", "opens_on": ["1", "1", "2020"], "opens_time": "9am",
            "closes_on": ["1", "1", "2099"], "closes_time": "5pm", "double_keying": "y"}
    assert client.submit(edit, form).status_code == 302
    with app.app_context():
        from engage.surveys.models import Consultation

        assert db.session.get(Consultation, made.consultation_id).double_keying is True
    # The consultation's page says how its paper is keyed.
    summary = f"{STAFF}/{made.slug}"
    assert ("Paper forms keyed Twice, by two clerks, with differences settled by an "
            "engagement officer") in page_text(client.get(summary))
    form.pop("double_keying")
    assert client.submit(edit, form).status_code == 302
    with app.app_context():
        assert db.session.get(Consultation, made.consultation_id).double_keying is False
    assert "Paper forms keyed Once" in page_text(client.get(summary))


def test_officers_do_not_see_the_double_keying_switch(client, app):
    from tests.factories import create_officer
    from tests.surveys.support import STAFF, make_consultation, sign_in_staff

    made = make_consultation(app, boroughs=["camden"])
    sign_in_staff(client, app, create_officer, "camden")
    page = client.get(f"{STAFF}/{made.slug}/edit")
    assert page.status_code == 200
    assert "Key every paper form twice" not in page_text(page)


def _past_the_deadline(app, made) -> None:
    """Staff move the paper deadline to just after closing, already past."""
    with app.app_context():
        closes_at = db.session.get(Consultation, made.consultation_id).closes_at
    set_consultation(app, made.consultation_id, paper_grace_until=closes_at + timedelta(hours=1))


def _closed_double(app):
    now = utcnow().replace(microsecond=0)
    made = all_kinds(app, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=3))
    set_consultation(app, made.consultation_id, double_keying=True)
    return made, posted_paper(app, made.questionnaire_id)


def test_a_form_keyed_once_in_time_is_finished_after_the_deadline(client, other_client, app):
    made, reference = _closed_double(app)
    untouched = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, ANSWERS).status_code == 302
    _past_the_deadline(app, made)

    # Paper nobody keyed before the deadline is refused; the half-keyed form is not.
    sign_in(other_client, app, clerk="camden")
    assert other_client.get(f"{CAMDEN}/{untouched}").status_code == 410
    assert "came back too late" in page_text(open_reference(other_client, untouched))
    opened = open_reference(other_client, reference)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(reference)
    assert "keyed once before then, so its second keying still counts" in page_text(
        other_client.get(opened.headers["Location"]))
    second = key(other_client, reference, ANSWERS)
    assert second.status_code == 302
    assert "both keyings match" in page_text(other_client.get(second.headers["Location"]))
    assert len(responses(app, reference)) == 1
    with app.app_context():
        assert count(KeyedEntry) == 0


def test_a_mismatch_keyed_after_the_deadline_is_settled(client, other_client, app):
    made, reference = _closed_double(app)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, ANSWERS).status_code == 302
    _past_the_deadline(app, made)
    sign_in(other_client, app, clerk="camden")
    mismatch = key(other_client, reference, dict(ANSWERS, q_confidence="3"))
    assert "the two keyings differ" in page_text(other_client.get(mismatch.headers["Location"]))

    client.sign_out()
    sign_in(client, app, officer="camden")
    settled = client.submit(f"{CAMDEN}/{reference}/settle", {"choose_confidence": "second"})
    assert settled.status_code == 302
    assert "is saved as you settled it" in page_text(client.get(settled.headers["Location"]))
    assert len(responses(app, reference)) == 1


def test_a_keying_saved_at_the_same_moment_as_another_becomes_the_second(client, other_client,
                                                                          app, monkeypatch):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    second_id = sign_in(other_client, app, clerk="camden")
    page = other_client.get(f"{CAMDEN}/{reference}")  # the second clerk starts typing
    assert key(client, reference, ANSWERS).status_code == 302  # the first saves meanwhile
    # The second clerk's save read the keyings a moment before the first one's was committed
    # (two saves at once): it finds none until the database refuses its "first" keying.
    real, stale = keying.entries, [True]
    monkeypatch.setattr(keying, "entries", lambda paper: [] if stale else real(paper))
    with app.app_context():
        engine = db.engine

    def refused(context):
        stale.clear()

    event.listen(engine, "handle_error", refused)
    try:
        saved = other_client.post(f"{CAMDEN}/{reference}", {
            "csrf_token": csrf_token(page.get_data(as_text=True)), **ANSWERS})
    finally:
        event.remove(engine, "handle_error", refused)
    assert not stale  # the race did happen
    # Not lost: kept as the second keying, which matches the first, so the form is stored.
    assert saved.status_code == 302
    assert "both keyings match" in page_text(other_client.get(saved.headers["Location"]))
    assert [r[2] for r in responses(app, reference)] == [second_id]


def _stored_words(app) -> dict[str, object]:
    """The stored response's answers that are words or a number, by question key."""
    with app.app_context():
        response = db.session.scalar(select(Response))
        return {a.question.key: a.text if a.number is None else a.number
                for a in response.answers if a.text is not None or a.number is not None}


# What the first clerk types, and a second clerk's keying of the same handwriting that differs
# only in spacing, line breaks, letter case, quote marks, dashes and Unicode forms.
TYPED_FIRST = {"q_priorities": "4 1 2", "q_worries": "25", "q_worries_other": "Speeding  cars",
               "q_confidence": "2", "q_victim": "1", "q_times": " 3",
               "q_street": "O\u2019Neill Road \u2013 north end",
               "q_comments": "More patrols,\r\nplease \u201cat night\u201d near the Caf\u00e9",
               "q_postcode": "wc1h0ag"}
TYPED_SECOND = dict(TYPED_FIRST, q_worries="2 5", q_worries_other="speeding cars ",
                    q_times="3", q_street="  o'neill road - NORTH END",
                    q_comments='More patrols, please "AT NIGHT"   near the Cafe\u0301',
                    q_postcode="WC1H 0AG")


def test_keyings_differing_only_in_spacing_case_and_quotes_match(client, other_client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, TYPED_FIRST).status_code == 302
    second_id = sign_in(other_client, app, clerk="camden")
    second = key(other_client, reference, TYPED_SECOND)
    assert second.status_code == 302
    assert "both keyings match" in page_text(other_client.get(second.headers["Location"]))
    assert [r[1:] for r in responses(app, reference)] == [(Channel.PAPER, second_id)]
    # Stored once, in the first clerk's words exactly as typed (ends trimmed, as always).
    assert _stored_words(app) == {
        "worries": "Speeding  cars", "times": 3, "street": "O\u2019Neill Road \u2013 north end",
        "comments": "More patrols,\r\nplease \u201cat night\u201d near the Caf\u00e9",
        "postcode": "WC1H 0AG"}
    with app.app_context():
        assert count(KeyedEntry) == 0


def test_words_that_really_differ_still_go_to_a_supervisor(client, other_client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    assert key(client, reference, TYPED_FIRST).status_code == 302
    sign_in(other_client, app, clerk="camden")
    mismatch = key(other_client, reference, dict(
        TYPED_SECOND, q_worries_other="speeding vans",
        q_comments='More patrols, please "AT NIGHT"   near the Cafe\u0301s'))
    assert "the two keyings differ" in page_text(other_client.get(mismatch.headers["Location"]))
    assert responses(app, reference) == []

    client.sign_out()
    sign_in(client, app, officer="camden")
    text = page_text(client.get(f"{CAMDEN}/{reference}/settle"))
    # Only the answers with a different word are shown; the street differs in case and marks.
    assert "Question 2: What worries you?" in text and "speeding vans" in text
    assert "Question 8: Anything else?" in text
    assert "Question 7:" not in text and "Question 6:" not in text
    assert "Question 9:" not in text
    settled = client.submit(f"{CAMDEN}/{reference}/settle",
                            {"choose_worries": "second", "choose_comments": "first"})
    assert settled.status_code == 302
    assert "is saved as you settled it" in page_text(client.get(settled.headers["Location"]))
    assert _stored_words(app) == {
        "worries": "speeding vans", "times": 3, "street": "O\u2019Neill Road \u2013 north end",
        "comments": "More patrols,\r\nplease \u201cat night\u201d near the Caf\u00e9",
        "postcode": "WC1H 0AG"}


def test_a_supervisor_can_say_a_question_was_left_blank(client, other_client, app):
    made, reference = _double(app)
    sign_in(client, app, clerk="camden")
    key(client, reference, ANSWERS)
    sign_in(other_client, app, clerk="camden")
    key(other_client, reference, dict(ANSWERS, q_confidence="3"))
    client.sign_out()
    sign_in(client, app, officer="camden")
    assert "Neither: the question was left blank" in page_text(
        client.get(f"{CAMDEN}/{reference}/settle"))
    settled = client.submit(f"{CAMDEN}/{reference}/settle", {"choose_confidence": "blank"})
    assert settled.status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        keys = {answer.question.key for answer in response.answers}
    assert "confidence" not in keys and "street" in keys
