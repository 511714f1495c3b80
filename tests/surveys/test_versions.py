"""Versions: once a version has a response it is locked, and any change makes the next version
as an exact copy, so every response keeps pointing at the words it answered."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.surveys.models import (
    Answer,
    Channel,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from engage.surveys.versions import editable_version, is_locked
from tests.helpers import csrf_token, form_keys, page_text
from tests.surveys.support import STAFF, make_consultation, make_response, sign_in_staff


def _edit(client, base: str, app, question_id: int, **changes):
    """Submit a question's edit form as a browser would: every field as shown, some changed."""
    with app.app_context():
        q = db.session.get(Question, question_id)
        data = {"text": q.text, "key": q.key, "kind": q.kind.value, "section": str(q.section_id),
                "help_text": q.help_text, "interviewer_note": q.interviewer_note,
                "required": "yes" if q.required else "no", "tag": q.tag.value if q.tag else ""}
    return client.submit(f"{base}/questions/{question_id}/edit", {**data, **changes},
                         follow_redirects=True)


def _snapshot(app, version_id: int) -> list:
    """Everything a version says, by position: what an exact copy must repeat."""
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        return [(s.position, s.title, s.introduction, s.is_equality,
                 [(q.position, q.key, q.kind, q.text, q.help_text, q.interviewer_note,
                   q.required, q.tag, q.min_value, q.max_value, q.max_choices, q.rank_count,
                   q.show_if_question.key if q.show_if_question else None,
                   list(q.show_if_values),
                   [(o.position, o.value, o.label, o.asks_other, o.exclusive)
                    for o in q.options])
                  for q in s.questions])
                for s in version.sections]


def _versions(app, questionnaire_id: int) -> list[int]:
    with app.app_context():
        return [v.id for v in db.session.get(Questionnaire, questionnaire_id).versions]


def _ids(app, version_id: int) -> dict[str, int]:
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        return {q.key: q.id for q in version.ordered_questions()}


def _locked(app):
    """A consultation whose version 1 has a response, and an administrator signed in."""
    made = make_consultation(app)
    response_id = make_response(app, made.version_id, {
        "priorities": {"options": ["burglary", "something-else"], "other": "Speeding"},
        "confidence": {"option": "good"}, "victim": {"option": "yes"},
        "reported": {"option": "no"}})
    return made, response_id


def test_a_response_locks_its_version(app):
    made = make_consultation(app)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        assert not is_locked(version)
        assert editable_version(version.questionnaire) is version
    make_response(app, made.version_id, channel=Channel.PAPER)  # any channel locks it
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        assert is_locked(version)
        copy = editable_version(version.questionnaire)
        assert copy.number == 2 and version.questionnaire.current_version is copy
        db.session.commit()
        copy_id = copy.id
    assert _snapshot(app, copy_id) == _snapshot(app, made.version_id)


def test_printing_a_version_for_paper_locks_it_too(client, app):
    """Paper copies carry the version's words, and their answers are keyed against it: once a
    print run has printed it, a change makes the next version, as a response would."""
    from engage.mailouts.models import PrintRun
    from tests.factories import borough

    made = make_consultation(app)
    with app.app_context():
        db.session.add(PrintRun(borough_id=borough("camden").id,
                                questionnaire_id=made.questionnaire_id,
                                version_id=made.version_id))
        db.session.commit()
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    assert ("Version 1 has been printed for paper copies, so your next change makes version 2. "
            "Paper copies already printed, and the answers keyed from them, keep their words."
            ) in page_text(client.get(base))
    old = _ids(app, made.version_id)
    before = _snapshot(app, made.version_id)
    response = _edit(client, base, app, old["confidence"], text="How well do the police do?")
    assert "Version 1 has been printed for paper copies, so your change makes version 2." in \
        page_text(response)
    v1, v2 = _versions(app, made.questionnaire_id)
    assert v1 == made.version_id and _snapshot(app, v1) == before
    with app.app_context():
        assert is_locked(db.session.get(QuestionnaireVersion, v1))
        assert not is_locked(db.session.get(QuestionnaireVersion, v2))


def test_editing_a_locked_version_changes_a_copy(client, app):
    made, response_id = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    before = _snapshot(app, made.version_id)
    old = _ids(app, made.version_id)

    builder = page_text(client.get(base))
    assert "Version 1 has responses, so your next change makes version 2" in builder
    url = f"{base}/questions/{old['confidence']}/edit"
    assert "Version 1 has responses, so your change makes version 2" in page_text(client.get(url))

    response = _edit(client, base, app, old["confidence"],
                     text="How well do the police do their job?")
    assert ("Version 1 has responses, so your change makes version 2. Responses already given "
            "keep the words they answered.") in page_text(response)

    v1, v2 = _versions(app, made.questionnaire_id)
    assert v1 == made.version_id
    assert _snapshot(app, v1) == before  # the words answered are untouched
    after = _snapshot(app, v2)
    changed = [q for s in after for q in s[4] if q[1] == "confidence"][0]
    assert changed[3] == "How well do the police do their job?"
    # Apart from that one question's words, the copy is exact: keys, tags, options, conditions.
    assert [[q[:3] + q[4:] for q in s[4]] for s in after] == [
        [q[:3] + q[4:] for q in s[4]] for s in before]

    new = _ids(app, v2)
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    with app.app_context():
        reported = db.session.get(Question, new["reported"])
        assert reported.show_if_question_id == new["victim"]  # re-pointed to the copy
        assert all(o.question_id == q for q in new.values()
                   for o in db.session.get(Question, q).options)

        # The response still points at version 1 and at the words it answered.
        stored = db.session.get(Response, response_id)
        assert stored.version_id == v1
        answers = db.session.scalars(select(Answer).where(Answer.response_id == response_id))
        answered = {a.question.key: (a.question.text, a.question.version_id) for a in answers}
        assert answered["confidence"] == ("How good a job are the police doing in this area?",
                                          v1)
        assert {version for _text, version in answered.values()} == {v1}
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "questionnaire.version_created"))
        assert event.details["number"] == 2 and event.details["copied_from"] == 1


def test_the_copy_takes_every_change_until_it_is_answered_too(client, app):
    made, _response = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    for text in ("First change", "Second change"):
        v1_ids = _ids(app, _versions(app, made.questionnaire_id)[-1])
        _edit(client, base, app, v1_ids["confidence"], text=text)
    assert len(_versions(app, made.questionnaire_id)) == 2  # the second change used version 2

    v2 = _versions(app, made.questionnaire_id)[-1]
    make_response(app, v2)
    v2_ids = _ids(app, v2)
    _edit(client, base, app, v2_ids["confidence"], text="Third")
    assert len(_versions(app, made.questionnaire_id)) == 3


def _option_id(app, question_id: int, value: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Option.id).where(Option.question_id == question_id,
                                                         Option.value == value))


CHANGES = {
    "add a section": lambda c, base, ids, app: c.submit(f"{base}/sections/new",
                                                        {"title": "More"}),
    "move a question": lambda c, base, ids, app: c.submit(
        f"{base}/questions/{ids['victim']}/move", {"direction": "up"}, form_page=base),
    "remove a question": lambda c, base, ids, app: c.submit(
        f"{base}/questions/{ids['comments']}/remove"),
    "change an option": lambda c, base, ids, app: c.submit(
        f"{base}/options/{_option_id(app, ids['confidence'], 'good')}/edit",
        {"label": "Quite good", "value": "good"}),
    "move an option": lambda c, base, ids, app: c.submit(
        f"{base}/options/{_option_id(app, ids['confidence'], 'good')}/move",
        {"direction": "up"}, form_page=base),
    "remove an option": lambda c, base, ids, app: c.submit(
        f"{base}/options/{_option_id(app, ids['priorities'], 'robbery')}/remove",
        form_page=base),
    "set a condition": lambda c, base, ids, app: c.submit(
        f"{base}/questions/{ids['comments']}/condition/{ids['victim']}", {"values": ["yes"]}),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_to_a_locked_version_makes_a_copy(client, app, change):
    made, response_id = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    before = _snapshot(app, made.version_id)
    response = CHANGES[change](client, base, _ids(app, made.version_id), app)
    assert response.status_code == 302, page_text(response)[:2000]
    versions = _versions(app, made.questionnaire_id)
    assert len(versions) == 2
    assert _snapshot(app, versions[0]) == before
    assert _snapshot(app, versions[1]) != before  # the change is on the copy
    with app.app_context():
        assert db.session.get(Response, response_id).version_id == versions[0]


def test_adding_the_equality_section_to_a_locked_version(client, app):
    made = make_consultation(app, questions=False)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    client.submit(f"{base}/sections/new", {"title": "Your area"})
    section_id = _section_ids(app, made.version_id)[0]
    client.submit(f"{base}/sections/{section_id}/questions/new/short-text",
                  {"text": "Anything to add?", "required": "no", "tag": ""})
    make_response(app, made.version_id, {})
    client.submit(f"{base}/equality-section", form_page=base)
    v1, v2 = _versions(app, made.questionnaire_id)
    # (The standard questions already have one, so this starts from a plain questionnaire.)
    assert len(_section_ids(app, v1)) == 1 and len(_section_ids(app, v2)) == 2


def _section_ids(app, version_id: int) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.get(QuestionnaireVersion, version_id).sections]


def test_a_refused_change_makes_no_copy(client, app):
    made, _response = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    ids = _ids(app, made.version_id)
    taken = _edit(client, base, app, ids["confidence"], key="victim")
    assert "already has this key" in page_text(taken)
    assert "Version 1 has responses" in page_text(taken)  # the page still says version 1
    refused = client.submit(f"{base}/questions/{ids['victim']}/remove", follow_redirects=True)
    assert "depends on an answer to this question" in page_text(refused)
    assert _versions(app, made.questionnaire_id) == [made.version_id]


def _keys_in_order(app, version_id: int) -> list[str]:
    with app.app_context():
        return [q.key for q in db.session.get(QuestionnaireVersion,
                                              version_id).ordered_questions()]


def test_a_move_pressed_on_a_page_for_an_older_version_moves_it_in_the_current_one(client,
                                                                                  app):
    """It used to be dropped ("make your change again here"). The question is found in the
    current version by its key and moved there if it is where the page showed it; pressed
    again, it is not where the page showed it any more, and nothing more is moved."""
    made, _response = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    old = _ids(app, made.version_id)
    before = _keys_in_order(app, made.version_id)
    _edit(client, base, app, old["confidence"], text="Changed")
    v1, v2 = _versions(app, made.questionnaire_id)

    # Someone presses a button on a page they opened before version 2 existed.
    moved = client.submit(f"{base}/questions/{old['victim']}/move",
                          {"direction": "up", "at": "3"}, form_page=base,
                          follow_redirects=True)
    assert "is moved up" in page_text(moved)
    assert _keys_in_order(app, v2)[:3] == ["priorities", "victim", "confidence"]
    assert _keys_in_order(app, v1) == before
    again = client.submit(f"{base}/questions/{old['victim']}/move",
                          {"direction": "up", "at": "3"}, form_page=base,
                          follow_redirects=True)
    assert "The order had changed since the page was shown" in page_text(again)
    assert _keys_in_order(app, v2)[:3] == ["priorities", "victim", "confidence"]
    assert _versions(app, made.questionnaire_id) == [v1, v2]
    assert client.get(f"{base}/questions/{old['victim']}").status_code == 404


def test_removing_from_a_page_left_open_removes_only_what_the_page_showed(client, other_client,
                                                                        app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    first, second = _section_ids(app, made.version_id)[:2]
    options = _options(app, made.version_id, "priorities")
    remove_comments = _open_page(client, f"{base}/questions/{old['comments']}/remove", {})
    remove_section = _open_page(client, f"{base}/sections/{second}/remove", {})
    question_page = client.get(f"{base}/questions/{old['priorities']}").get_data(as_text=True)
    make_response(app, made.version_id)
    # Meanwhile a colleague renames one option and adds a question to the second section.
    other_client.submit(f"{base}/options/{options['robbery'][0]}/edit",
                        {"label": "Street robbery", "value": "robbery"})
    v1, v2 = _versions(app, made.questionnaire_id)
    other_client.submit(f"{base}/sections/{_section_ids(app, v2)[1]}/questions/new/short-text",
                        {"text": "Where was it?", "key": "where", "required": "no", "tag": ""})

    # The question nobody touched is removed from version 2.
    response = remove_comments()
    assert response.status_code == 302
    assert "comments" not in _ids(app, v2) and "comments" in _ids(app, v1)
    # The option renamed meanwhile is kept, and the page says why.
    kept = client.post(f"{base}/options/{options['robbery'][0]}/remove",
                       {"csrf_token": csrf_token(question_page)}, follow_redirects=True)
    assert ("version 2 of the questionnaire was made, and this option was changed in it (the "
            "option's words). Nothing is changed: check it here, then remove it if you still "
            "mean to.") in page_text(kept)
    assert "robbery" in _options(app, v2, "priorities")
    # So is the section with the colleague's new question in it.
    section = remove_section()
    assert section.status_code == 302
    assert "this section was changed in it (its questions)" in page_text(
        client.get(section.location))
    assert "where" in _ids(app, v2)
    assert _versions(app, made.questionnaire_id) == [v1, v2]


# An edit page left open while the questionnaire moves on ---------------------------------------

def _two_editors(client, other_client, app):
    """A consultation, and two staff signed in to edit its residents' questionnaire (at base)."""
    made = make_consultation(app)
    sign_in_staff(client, app)
    sign_in_staff(other_client, app)
    return made, f"{STAFF}/{made.slug}/residents"


def _open_edit_page(client, base: str, app, question_id: int, **changes):
    """GET the question's edit page now; returns a function that sends it later, as the
    browser would, with `changes` typed into it."""
    page = client.get(f"{base}/questions/{question_id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with app.app_context():
        q = db.session.get(Question, question_id)
        data = {"text": q.text, "key": q.key, "kind": q.kind.value, "section": str(q.section_id),
                "help_text": q.help_text, "interviewer_note": q.interviewer_note,
                "required": "yes" if q.required else "no", "tag": q.tag.value if q.tag else ""}
    data.update({"csrf_token": csrf_token(html), **changes})
    return lambda: client.post(f"{base}/questions/{question_id}/edit", data)


def _question_text(app, version_id: int, key: str) -> tuple[str, str]:
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        q = next(q for q in version.ordered_questions() if q.key == key)
        return q.text, q.help_text


def test_a_first_response_while_the_page_is_open_makes_the_next_version_with_the_change(
        client, app):
    made = make_consultation(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    send = _open_edit_page(client, base, app, _ids(app, made.version_id)["confidence"],
                           text="How well do the police do?")
    make_response(app, made.version_id)  # version 1 locks while the page is open
    response = send()
    assert response.status_code == 302
    text = page_text(client.get(response.location))
    assert "Version 1 has responses, so your change makes version 2." in text
    v1, v2 = _versions(app, made.questionnaire_id)
    assert _question_text(app, v2, "confidence")[0] == "How well do the police do?"
    assert _question_text(app, v1, "confidence")[0] != "How well do the police do?"


def test_a_change_elsewhere_meanwhile_does_not_lose_the_edit(client, other_client, app):
    """The page was for version 1; meanwhile a response locked it and a colleague's change to
    another question made version 2. The edit used to be dropped ("make your change again
    here") with everything typed; this question is the same in version 2, so it lands there."""
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    send = _open_edit_page(client, base, app, old["confidence"],
                           text="How well do the police do?", help_text="Think of this year.")
    make_response(app, made.version_id)
    _edit(other_client, base, app, old["victim"], text="Has a crime happened to you?")
    v1, v2 = _versions(app, made.questionnaire_id)

    response = send()
    assert response.status_code == 302
    new = _ids(app, v2)
    assert response.location.endswith(f"/questions/{new['confidence']}")
    assert "The question is saved." in page_text(client.get(response.location))
    assert _versions(app, made.questionnaire_id) == [v1, v2]  # version 2 had no responses
    assert _question_text(app, v2, "confidence") == ("How well do the police do?",
                                                     "Think of this year.")
    assert _question_text(app, v2, "victim")[0] == "Has a crime happened to you?"  # kept
    # Sent again (Back and send): already saved, nothing more made or changed.
    again = send()
    assert again.status_code == 302 and again.location.endswith(
        f"/questions/{new['confidence']}")
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_a_question_changed_meanwhile_is_shown_again_with_what_was_typed(client, other_client,
                                                                         app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    send = _open_edit_page(client, base, app, old["confidence"],
                           text="How well do the police do?")
    make_response(app, made.version_id)
    _edit(other_client, base, app, old["confidence"], help_text="Think of the last year.")
    v1, v2 = _versions(app, made.questionnaire_id)

    # Applying the page would undo the colleague's help text: it comes back instead.
    response = send()
    assert response.status_code == 200
    text = page_text(response)
    assert ("While you had this page open, version 2 of the questionnaire was made, and this "
            "question was changed in it (the help text). Nothing you typed here is saved yet. "
            "Check your changes below against the question as it is now, then save the "
            "question again.") in text
    html = response.get_data(as_text=True)
    assert "How well do the police do?</textarea>" in html  # what they typed, kept
    new = _ids(app, v2)
    assert f'action="{base}/questions/{new["confidence"]}/edit"' in html
    assert _question_text(app, v2, "confidence") == (
        "How good a job are the police doing in this area?", "Think of the last year.")

    # Saved again from that page, both changes stand.
    token = csrf_token(html)
    saved = client.post(f"{base}/questions/{new['confidence']}/edit", {
        "csrf_token": token, "text": "How well do the police do?", "key": "confidence",
        "kind": "rating", "section": re.search(
            r'<option value="(\d+)" selected', html).group(1),
        "help_text": "Think of the last year.", "interviewer_note": "", "required": "yes",
        "tag": "confidence"})
    assert saved.status_code == 302
    assert _question_text(app, v2, "confidence") == ("How well do the police do?",
                                                     "Think of the last year.")
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_a_question_removed_meanwhile_keeps_what_was_typed_and_says_so(client, other_client,
                                                                       app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    send = _open_edit_page(client, base, app, old["confidence"], text="My careful rewording")
    make_response(app, made.version_id)
    other_client.submit(f"{base}/questions/{old['confidence']}/remove")
    response = send()
    assert response.status_code == 200
    assert ("version 2 of the questionnaire was made, and this question is not in it"
            ) in page_text(response)
    assert "My careful rewording</textarea>" in response.get_data(as_text=True)
    assert f'href="{base}" class="govuk-back-link"' in response.get_data(as_text=True)


def test_a_question_or_option_added_from_a_page_left_open_goes_into_the_newer_version(
        client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    first_section = _section_ids(app, made.version_id)[0]
    pages = {}
    for name, url in (("question", f"{base}/sections/{first_section}/questions/new/short-text"),
                      ("option", f"{base}/questions/{old['priorities']}/options/new")):
        pages[name] = (url, form_keys(client.get(url).get_data(as_text=True)))
    make_response(app, made.version_id)
    _edit(other_client, base, app, old["victim"], text="Has a crime happened to you?")
    v1, v2 = _versions(app, made.questionnaire_id)

    url, keys = pages["question"]
    added = client.post(url, {**keys, "text": "Where do you live?", "key": "where",
                              "help_text": "", "interviewer_note": "", "required": "yes",
                              "tag": ""})
    assert added.status_code == 302, page_text(added)[:2000]
    url, keys = pages["option"]
    option = client.post(url, {**keys, "label": "Gun crime"})
    assert option.status_code == 302, page_text(option)[:2000]
    assert _versions(app, made.questionnaire_id) == [v1, v2]
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, v2)
        by_key = {q.key: q for q in version.ordered_questions()}
        assert by_key["where"].section is version.sections[0]  # the section it was for
        assert "Gun crime" in [o.label for o in by_key["priorities"].options]
        assert "where" not in {q.key for q in db.session.get(
            QuestionnaireVersion, v1).ordered_questions()}


# The other builder pages left open while a newer version was made ------------------------------

def _open_page(client, url: str, data: dict):
    """GET a builder page now; returns a function that sends its form later, as the browser
    would, with `data` in it."""
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    keys = form_keys(html) if 'name="sent_key"' in html else {"csrf_token": csrf_token(html)}
    return lambda: client.post(url, {**keys, **data})


def _newer_version_elsewhere(app, other_client, base: str, made) -> tuple[int, int]:
    """A response locks version 1 and a colleague's change to another question makes 2."""
    make_response(app, made.version_id)
    _edit(other_client, base, app, _ids(app, made.version_id)["victim"],
          text="Has a crime happened to you?")
    v1, v2 = _versions(app, made.questionnaire_id)
    return v1, v2


def _sections(app, version_id: int) -> list[tuple[int, str, str]]:
    with app.app_context():
        return [(s.id, s.title, s.introduction)
                for s in db.session.get(QuestionnaireVersion, version_id).sections]


def test_a_section_edit_page_left_open_saves_into_the_newer_version(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    first = _section_ids(app, made.version_id)[0]
    send = _open_page(client, f"{base}/sections/{first}/edit",
                      {"title": "Policing where you live", "introduction": "About your area."})
    v1, v2 = _newer_version_elsewhere(app, other_client, base, made)

    response = send()
    assert response.status_code == 302
    new_first = _section_ids(app, v2)[0]
    assert response.location.endswith(f"#section-{new_first}")
    assert "is saved" in page_text(client.get(response.location))
    assert _sections(app, v2)[0][1:] == ("Policing where you live", "About your area.")
    assert _sections(app, v1)[0][1] == "Policing in your area"
    assert _question_text(app, v2, "victim")[0] == "Has a crime happened to you?"  # kept
    again = send()  # Back and send: already saved, nothing more made
    assert again.status_code == 302
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_a_section_changed_or_removed_meanwhile_keeps_what_was_typed(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    first, second = _section_ids(app, made.version_id)[:2]
    send_first = _open_page(client, f"{base}/sections/{first}/edit",
                            {"title": "Policing in your area", "introduction": "My words."})
    send_second = _open_page(client, f"{base}/sections/{second}/edit",
                             {"title": "What happened to you", "introduction": ""})
    make_response(app, made.version_id)
    other_client.submit(f"{base}/sections/{first}/edit",
                        {"title": "Policing in your area", "introduction": "Their words."})
    v1, v2 = _versions(app, made.questionnaire_id)
    other_client.submit(f"{base}/sections/{_section_ids(app, v2)[1]}/remove")

    response = send_first()
    assert response.status_code == 200
    assert ("While you had this page open, version 2 of the questionnaire was made, and this "
            "section was changed in it (the introduction). Nothing you typed here is saved "
            "yet.") in page_text(response)
    html = response.get_data(as_text=True)
    assert "My words.</textarea>" in html
    assert f'action="{base}/sections/{_section_ids(app, v2)[0]}/edit"' in html
    assert _sections(app, v2)[0][2] == "Their words."  # not undone

    gone = send_second()
    assert gone.status_code == 200
    assert "version 2 of the questionnaire was made, and this section is not in it as it was" \
        in page_text(gone)
    assert 'value="What happened to you"' in gone.get_data(as_text=True)
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def _options(app, version_id: int, key: str) -> dict[str, tuple[int, str]]:
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        question = next(q for q in version.ordered_questions() if q.key == key)
        return {o.value: (o.id, o.label) for o in question.options}


def test_an_option_edit_page_left_open_saves_into_the_newer_version(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    good = _options(app, made.version_id, "confidence")["good"][0]
    send = _open_page(client, f"{base}/options/{good}/edit",
                      {"label": "Quite good", "value": "good"})
    v1, v2 = _newer_version_elsewhere(app, other_client, base, made)

    response = send()
    assert response.status_code == 302
    assert response.location.endswith(f"/questions/{_ids(app, v2)['confidence']}")
    assert _options(app, v2, "confidence")["good"][1] == "Quite good"
    assert _options(app, v1, "confidence")["good"][1] == "Good"
    assert send().status_code == 302  # sent again: already saved
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_an_option_changed_or_removed_meanwhile_keeps_what_was_typed(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    old = _options(app, made.version_id, "confidence")
    send_good = _open_page(client, f"{base}/options/{old['good'][0]}/edit",
                           {"label": "Quite good", "value": "good"})
    send_fair = _open_page(client, f"{base}/options/{old['fair'][0]}/edit",
                           {"label": "Middling", "value": "fair"})
    make_response(app, made.version_id)
    other_client.submit(f"{base}/options/{old['good'][0]}/edit",
                        {"label": "Good enough", "value": "good"})
    v1, v2 = _versions(app, made.questionnaire_id)
    other_client.submit(f"{base}/options/{_options(app, v2, 'confidence')['fair'][0]}/remove",
                        form_page=base)

    response = send_good()
    assert response.status_code == 200
    assert ("version 2 of the questionnaire was made, and this option was changed in it (the "
            "option's words). Nothing you typed here is saved yet.") in page_text(response)
    html = response.get_data(as_text=True)
    assert 'value="Quite good"' in html
    assert f'action="{base}/options/{_options(app, v2, "confidence")["good"][0]}/edit"' in html
    assert _options(app, v2, "confidence")["good"][1] == "Good enough"  # not undone

    gone = send_fair()
    assert gone.status_code == 200
    assert "and this option is not in it: it was removed, or its code was changed" in \
        page_text(gone)
    assert 'value="Middling"' in gone.get_data(as_text=True)
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def _condition(app, version_id: int, key: str) -> tuple[str | None, list[str]]:
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        question = next(q for q in version.ordered_questions() if q.key == key)
        return (question.show_if_question.key if question.show_if_question else None,
                list(question.show_if_values))


def test_choosing_the_question_a_condition_depends_on_on_a_page_left_open(client,
                                                                           other_client, app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    choose = _open_page(client, f"{base}/questions/{old['comments']}/condition",
                        {"source": str(old["victim"])})
    _v1, v2 = _newer_version_elsewhere(app, other_client, base, made)
    new = _ids(app, v2)
    # Nothing is saved yet: the answers page that follows is the newer version's.
    chosen = choose()
    assert chosen.status_code == 302
    assert chosen.location.endswith(f"/questions/{new['comments']}/condition/{new['victim']}")


def test_a_condition_page_left_open_saves_into_the_newer_version(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    send = _open_page(client, f"{base}/questions/{old['comments']}/condition/{old['victim']}",
                      {"values": ["yes"]})
    v1, v2 = _newer_version_elsewhere(app, other_client, base, made)

    response = send()
    assert response.status_code == 302
    assert response.location.endswith(f"/questions/{_ids(app, v2)['comments']}")
    assert "The condition is saved." in page_text(client.get(response.location))
    assert _condition(app, v2, "comments") == ("victim", ["yes"])
    assert _condition(app, v1, "comments") == (None, [])
    assert send().status_code == 302  # sent again: already saved
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_a_condition_changed_meanwhile_comes_back_with_what_was_chosen(client, other_client,
                                                                       app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    url = f"{base}/questions/{old['comments']}/condition/{old['victim']}"
    send = _open_page(client, url, {"values": ["yes"]})
    make_response(app, made.version_id)
    other_client.submit(url, {"values": ["no"]})
    v1, v2 = _versions(app, made.questionnaire_id)
    new = _ids(app, v2)

    response = send()
    assert response.status_code == 200
    assert ("version 2 of the questionnaire was made, and this condition was changed in it "
            "(the question's condition). Nothing you typed here is saved yet."
            ) in page_text(response)
    html = response.get_data(as_text=True)
    assert re.search(r'value="yes" checked', html) and not re.search(r'value="no" checked',
                                                                     html)
    assert f'action="{base}/questions/{new["comments"]}/condition/{new["victim"]}"' in html
    assert _condition(app, v2, "comments") == ("victim", ["no"])  # not undone


def test_removing_a_condition_from_a_page_left_open(client, other_client, app):
    made, base = _two_editors(client, other_client, app)
    old = _ids(app, made.version_id)
    # The question page's "Remove the condition" button.
    page = client.get(f"{base}/questions/{old['reported']}").get_data(as_text=True)
    assert f'action="{base}/questions/{old["reported"]}/condition/remove"' in page
    v1, v2 = _newer_version_elsewhere(app, other_client, base, made)

    removed = client.post(f"{base}/questions/{old['reported']}/condition/remove",
                          {"csrf_token": csrf_token(page)})
    assert removed.status_code == 302
    assert removed.location.endswith(f"/questions/{_ids(app, v2)['reported']}")
    assert _condition(app, v2, "reported") == (None, [])
    assert _condition(app, v1, "reported") == ("victim", ["yes"])
    assert _versions(app, made.questionnaire_id) == [v1, v2]


def test_a_change_that_meets_a_colleague_making_the_next_version_at_the_same_moment(
        client, app, monkeypatch):
    """Two editors copying a locked version at once meet the unique version number; the second
    used to be told to make their change again. The browser now sends the form again (307),
    and it lands in the colleague's version like any page left open."""
    from engage.surveys import versions

    made, _response = _locked(app)
    sign_in_staff(client, app)
    base = f"{STAFF}/{made.slug}/residents"
    question_id = _ids(app, made.version_id)["confidence"]
    real = versions.editable_version
    calls = []

    def colleague_first(questionnaire, user=None):
        calls.append(user)
        if len(calls) == 1:  # the colleague's copy is committed just before this one's
            real(questionnaire, None)
            db.session.commit()
            raise IntegrityError("INSERT", {}, Exception("unique questionnaire, number"))
        return real(questionnaire, user)

    monkeypatch.setattr(versions, "editable_version", colleague_first)
    send = _open_edit_page(client, base, app, question_id, text="How well do the police do?")
    response = send()
    assert response.status_code == 307  # the browser sends the same form to the same place
    assert response.location.endswith(f"/questions/{question_id}/edit")
    assert _question_text(app, made.version_id, "confidence")[0] != "How well do the police do?"
    again = send()
    v1, v2 = _versions(app, made.questionnaire_id)
    assert again.status_code == 302
    assert again.location.endswith(f"/questions/{_ids(app, v2)['confidence']}")
    assert _question_text(app, v2, "confidence")[0] == "How well do the police do?"
    assert _question_text(app, v1, "confidence")[0] != "How well do the police do?"
