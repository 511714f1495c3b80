"""The questionnaire builder through HTTP: sections, every kind of question, options, reporting
tags, show-if conditions, reordering by keyboard without JavaScript, and who may change what."""

from __future__ import annotations

from sqlalchemy import event, select

from engage.extensions import db
from engage.surveys.models import (
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    ReportingTag,
    Section,
)
from tests.factories import create_officer, create_user
from tests.helpers import Browser, form_keys, inserts, move_form, page_text
from tests.surveys.support import (
    STAFF,
    add_question,
    add_section,
    make_consultation,
    make_response,
    sign_in_staff,
)

QUESTION = {"text": "", "key": "", "help_text": "", "interviewer_note": "", "required": "yes",
            "tag": ""}


def _base(made) -> str:
    return f"{STAFF}/{made.slug}/residents"


def _current(app, made):
    """{key: question id} and [section ids] of the current version."""
    with app.app_context():
        version = db.session.get(Questionnaire, made.questionnaire_id).current_version
        return ({q.key: q.id for q in version.ordered_questions()},
                [s.id for s in version.sections])


def _question(app, question_id: int) -> dict:
    with app.app_context():
        q = db.session.get(Question, question_id)
        return {"key": q.key, "kind": q.kind, "text": q.text, "required": q.required,
                "tag": q.tag, "min": q.min_value, "max": q.max_value,
                "max_choices": q.max_choices, "rank_count": q.rank_count,
                "section": q.section.title, "position": q.position,
                "show_if": q.show_if_question.key if q.show_if_question else None,
                "show_if_values": list(q.show_if_values),
                "options": [(o.value, o.label, o.asks_other, o.exclusive) for o in q.options]}


def _add(client, made, section_id: int, kind: str, **fields):
    url = f"{_base(made)}/sections/{section_id}/questions/new/{kind}"
    return client.submit(url, {**QUESTION, **fields})


def _new_id(response) -> int:
    assert response.status_code == 302, page_text(response)[:3000]
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_sections_are_added_changed_and_removed(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, questions=False)
    base = _base(made)
    assert "has no sections yet" in page_text(client.get(base))
    missing = client.submit(f"{base}/sections/new", {"title": ""})
    assert "Enter the title of the section" in page_text(missing)
    added = client.submit(f"{base}/sections/new", {"title": "Your area",
                                                   "introduction": "About where you live."})
    assert added.status_code == 302
    _keys, (section_id,) = _current(app, made)
    client.submit(f"{base}/sections/{section_id}/edit", {"title": "Your neighbourhood"})
    assert "Your neighbourhood" in page_text(client.get(base))

    confirm = client.get(f"{base}/sections/{section_id}/remove")
    assert "Are you sure you want to remove the section" in page_text(confirm)
    client.submit(f"{base}/sections/{section_id}/remove")
    with app.app_context():
        assert db.session.scalar(select(Section.id)) is None


def _send_twice(client, url: str, **fields):
    """The form at `url` sent twice, as a double click or a browser retry sends it; the second
    time finds the first one's key before it makes anything (a version copy included)."""
    data = {**form_keys(client.get(url).get_data(as_text=True)), **fields}
    first = client.post(url, data)
    with inserts(client.app) as inserted:
        second = client.post(url, data)
    assert inserted == []
    assert first.status_code == second.status_code == 302, page_text(second)[:3000]
    return first, second


def test_a_section_sent_twice_is_added_once(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, questions=False)
    first, second = _send_twice(client, f"{_base(made)}/sections/new", title="Your area")
    assert second.location == first.location
    _keys, sections = _current(app, made)
    assert len(sections) == 1


def test_a_question_sent_twice_is_added_once_with_one_new_version(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    make_response(app, made.version_id)  # version 1 is answered: a change makes version 2
    _keys, sections = _current(app, made)
    url = f"{_base(made)}/sections/{sections[0]}/questions/new/short-text"
    first, second = _send_twice(client, url, **{**QUESTION, "text": "Where do you live?",
                                                "key": "where"})
    # Not "That page was for an earlier version": the question the first one made.
    assert second.location == first.location
    keys, _sections = _current(app, made)
    assert _new_id(first) == keys["where"]
    with app.app_context():
        assert [v.number for v in db.session.get(Questionnaire,
                                                 made.questionnaire_id).versions] == [1, 2]
        assert len(db.session.scalars(select(Question.id).where(Question.key == "where"))
                   .all()) == 1
    page = page_text(client.get(second.location))
    assert "The question is added." in page and "your change makes version 2" in page


def test_an_option_sent_twice_is_added_once(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _sections = _current(app, made)
    first, second = _send_twice(
        client, f"{_base(made)}/questions/{keys['priorities']}/options/new", label="Gun crime")
    assert second.location == first.location
    options = [o[0] for o in _question(app, keys["priorities"])["options"]]
    assert options.count("gun-crime") == 1


def test_every_kind_of_question(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, questions=False)
    client.submit(f"{_base(made)}/sections/new", {"title": "Questions"})
    _keys, (section,) = _current(app, made)

    kinds = client.get(f"{_base(made)}/sections/{section}/questions/new")
    for kind in QuestionKind:
        assert f'value="{kind.value}"' in kinds.get_data(as_text=True)
    chosen = client.submit(f"{_base(made)}/sections/{section}/questions/new",
                           {"kind": "ranking"})
    assert chosen.location.endswith(f"/sections/{section}/questions/new/ranking")
    unknown = client.submit(f"{_base(made)}/sections/{section}/questions/new",
                            {"kind": "telepathy"})
    assert "Select the kind of question" in page_text(unknown)
    assert client.get(f"{_base(made)}/sections/{section}/questions/new/telepathy"
                      ).status_code == 404

    single = _new_id(_add(client, made, section, "single-choice",
                          text="Where do you feel least safe?",
                          options="On the street\n  At home  \n\nOn public transport"))
    assert _question(app, single)["key"] == "where-do-you-feel-least-safe"
    assert _question(app, single)["options"] == [
        ("on-the-street", "On the street", False, False), ("at-home", "At home", False, False),
        ("on-public-transport", "On public transport", False, False)]

    multiple = _new_id(_add(client, made, section, "multiple-choice", key="priorities",
                            text="What should the police focus on?", max_choices="3",
                            tag="priorities", options="Burglary\nRobbery\nKnife crime"))
    assert _question(app, multiple)["max_choices"] == 3
    assert _question(app, multiple)["tag"] == ReportingTag.PRIORITIES

    ranking = _new_id(_add(client, made, section, "ranking", text="Put these in order",
                           rank_count="2", options="Drugs\nGun crime\nTheft"))
    assert _question(app, ranking)["rank_count"] == 2

    rating = _new_id(_add(client, made, section, "rating",
                          text="How good a job are the police doing?"))
    assert [o[1] for o in _question(app, rating)["options"]] == [
        "Excellent", "Good", "Fair", "Poor", "Very poor"]

    yes_no = _new_id(_add(client, made, section, "yes-no", text="Have you been a victim?"))
    assert [o[:2] for o in _question(app, yes_no)["options"]] == [("yes", "Yes"), ("no", "No")]

    number = _new_id(_add(client, made, section, "number", text="How many staff?",
                          min_value="1", max_value="10,000", required="no"))
    assert (_question(app, number)["min"], _question(app, number)["max"]) == (1, 10000)
    assert _question(app, number)["required"] is False

    for kind in ("short-text", "long-text", "postcode", "date"):
        made_id = _new_id(_add(client, made, section, kind, text=f"A {kind} question"))
        assert _question(app, made_id)["kind"] == QuestionKind(kind)
        assert _question(app, made_id)["options"] == []

    builder = page_text(client.get(_base(made)))
    assert "Ranking (put the top ones in order), required. Key: put-these-in-order." in builder
    assert "Number, optional." in builder


def test_question_errors_are_shown_on_their_fields(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    _keys, sections = _current(app, made)
    cases = [
        ("short-text", {"text": ""}, "Enter the question", "text"),
        ("short-text", {"text": "Again", "key": "confidence"},
         "Another question in this version already has this key", "key"),
        ("short-text", {"text": "Bad key", "key": "Bad Key"},
         "The question key must be lower-case letters", "key"),
        ("rating", {"text": "Safe?", "tag": "confidence"},
         "\u201cHow good a job are the police doing in this area?\u201d already has the "
         "reporting tag \u201cConfidence in local policing\u201d", "tag"),
        ("single-choice", {"text": "Pick", "options": "Only one"},
         "Enter at least 2 options, one on each line", "options"),
        ("single-choice", {"text": "Pick", "options": "Same\nsame"},
         "\u201csame\u201d is listed more than once", "options"),
        ("number", {"text": "How many?", "min_value": "10", "max_value": "5"},
         "The largest number must be the same as or more than the smallest", "max_value"),
        ("number", {"text": "How many?", "min_value": "ten"},
         "Smallest number allowed must be a whole number", "min_value"),
        ("number", {"text": "How many?", "max_value": "1,5"},
         "Largest number allowed must be a whole number", "max_value"),
        ("multiple-choice", {"text": "Pick", "options": "A\nB", "max_choices": "0"},
         "Most options people can choose must be a whole number from 1 to 100", "max_choices"),
        ("short-text", {"text": "Tagged", "tag": "not-a-tag"},
         "Select a reporting tag from the list", "tag"),
        # Reports count the options chosen: a tag needs options, and a headline share needs
        # one answer a person.
        ("short-text", {"text": "How safe do you feel?", "tag": "feeling-safe"},
         "A question with the reporting tag \u201cFeeling safe\u201d must offer options to "
         "choose from", "tag"),
        ("multiple-choice", {"text": "How safe?", "options": "Safe\nUnsafe",
                             "tag": "feeling-safe"},
         "A question with the reporting tag \u201cFeeling safe\u201d must take one answer "
         "from each person (a rating or single choice question)", "tag"),
        # The borough comes from the postcode step: the tag is not offered, nor taken by hand.
        ("single-choice", {"text": "Which borough?", "options": "Camden\nHackney",
                           "tag": "borough"},
         "No question needs the reporting tag \u201cBorough\u201d: every questionnaire asks "
         "for the borough first, from the person's postcode", "tag"),
    ]
    offered = client.get(f"{_base(made)}/sections/{sections[0]}/questions/new/single-choice")
    assert offered.status_code == 200
    tags = offered.get_data(as_text=True)
    assert 'value="feeling-safe"' in tags and 'value="borough"' not in tags
    for kind, fields, message, field in cases:
        response = _add(client, made, sections[0], kind, **fields)
        assert response.status_code == 200, fields
        html = response.get_data(as_text=True)
        assert message in page_text(response), (fields, page_text(response)[:2500])
        assert f'href="#{field}"' in html, field  # the error summary links to the field
    keys, _sections = _current(app, made)
    with app.app_context():
        assert len(keys) == 6  # nothing was added
        assert len(db.session.scalars(select(Questionnaire.id)).all()) == 1


def test_changing_a_question(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _sections = _current(app, made)
    url = f"{_base(made)}/questions/{keys['priorities']}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="priorities"' in form and 'value="ranking"' in form
    assert 'value="postcode"' not in form  # choice questions change only to other choice kinds

    data = {**QUESTION, "text": "Put your top 2 in order", "key": "priorities",
            "kind": "ranking", "rank_count": "2", "max_choices": "3", "tag": "priorities",
            "section": str(_question_section(app, keys["priorities"])),
            "interviewer_note": "Read all the options first."}
    # A ranking page has nowhere to say more, and every option takes a place: "Something
    # else" (say more) and "None of these" (on its own) must change first.
    refused = client.submit(url, data)
    assert refused.status_code == 200
    assert ("A ranking question cannot have an option that asks people to say more or must be "
            "chosen on its own: change \u201cSomething else\u201d first") in page_text(refused)
    assert _question(app, keys["priorities"])["kind"] == QuestionKind.MULTIPLE_CHOICE
    base = _base(made)
    page = f"{base}/questions/{keys['priorities']}"
    with app.app_context():
        special = db.session.scalars(select(Option.id).where(
            Option.question_id == keys["priorities"],
            Option.value.in_(["something-else", "none-of-these"]))).all()
    for option_id in special:
        client.submit(f"{base}/options/{option_id}/remove", form_page=page)
    response = client.submit(url, data)
    assert response.status_code == 302
    changed = _question(app, keys["priorities"])
    assert changed["kind"] == QuestionKind.RANKING and changed["rank_count"] == 2
    assert changed["max_choices"] is None  # only what a ranking question uses is kept
    assert len(changed["options"]) == 4  # the other options are kept
    # ...and none of them can now be made to ask for more.
    assert 'name="asks_other"' not in client.get(f"{page}/options/new").get_data(as_text=True)
    with app.app_context():
        first = db.session.scalar(select(Option.id).where(
            Option.question_id == keys["priorities"]).order_by(Option.position).limit(1))
    edited = client.submit(f"{base}/options/{first}/edit",
                           {"label": "Burglary", "value": "burglary", "asks_other": "y"})
    assert edited.status_code == 302
    assert not any(o[2] for o in _question(app, keys["priorities"])["options"])

    postcode = client.submit(url, {**data, "kind": "postcode"})
    assert "Select the kind of question" in page_text(postcode)


def test_no_condition_depends_on_an_equality_answer(client, app):
    """A question after the equality section cannot be shown only to people who gave one
    equality answer: everyone who answers it would be known to have given it."""
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _ = _current(app, made)
    with app.app_context():
        version = db.session.get(Questionnaire, made.questionnaire_id).current_version
        after = add_section(version, "Anything else")
        later = add_question(after, "stopped", QuestionKind.YES_NO, "Stopped and searched?")
        db.session.commit()
        later_id = later.id
    base = _base(made)
    chooser = client.get(f"{base}/questions/{later_id}/condition").get_data(as_text=True)
    assert f'value="{keys["confidence"]}"' in chooser
    assert f'value="{keys["age-band"]}"' not in chooser
    refused = client.submit(f"{base}/questions/{later_id}/condition",
                            {"source": str(keys["age-band"])})
    assert "Select one of the questions shown" in page_text(refused)
    # Nor by a hand-made address.
    assert client.get(f"{base}/questions/{later_id}/condition/"
                      f"{keys['age-band']}").status_code == 404
    assert _question(app, later_id)["show_if"] is None


def _question_section(app, question_id: int) -> int:
    with app.app_context():
        return db.session.get(Question, question_id).section_id


def test_conditions_depend_on_earlier_sections_only(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, sections = _current(app, made)
    base = _base(made)
    comments = keys["comments"]

    chooser = client.get(f"{base}/questions/{comments}/condition").get_data(as_text=True)
    # Questions with options in section 1 are offered; none from its own section or later.
    assert f'value="{keys["victim"]}"' in chooser and f'value="{keys["confidence"]}"' in chooser
    assert f'value="{keys["reported"]}"' not in chooser
    assert f'value="{keys["age-band"]}"' not in chooser

    later = client.submit(f"{base}/questions/{comments}/condition",
                          {"source": str(keys["reported"])})
    assert "Select one of the questions shown" in page_text(later)
    step = client.submit(f"{base}/questions/{comments}/condition",
                         {"source": str(keys["confidence"])})
    assert step.location.endswith(f"/questions/{comments}/condition/{keys['confidence']}")
    nothing = client.submit(step.location, {})
    assert "Select at least one answer" in page_text(nothing)
    tampered = client.submit(step.location, {"values": ["brilliant"]})
    assert "Select answers from the list" in page_text(tampered)
    client.submit(step.location, {"values": ["poor", "very-poor"]})
    assert _question(app, comments)["show_if"] == "confidence"
    assert _question(app, comments)["show_if_values"] == ["poor", "very-poor"]
    assert ("Shown only if the answer to \u201cHow good a job are the police doing in this "
            "area?\u201d is \u201cPoor\u201d or \u201cVery poor\u201d") in page_text(
        client.get(base))

    # A later question cannot be a condition, even by a hand-made URL.
    assert client.get(f"{base}/questions/{keys['victim']}/condition/"
                      f"{keys['reported']}").status_code == 404

    # What depends on a question keeps it in place.
    removed = client.submit(f"{base}/questions/{keys['confidence']}/remove",
                            follow_redirects=True)
    assert "depends on an answer to this question" in page_text(removed)
    moved = client.submit(f"{base}/sections/{sections[1]}/move", {"direction": "up"},
                          form_page=base, follow_redirects=True)
    assert "must stay after it" in page_text(moved)
    assert _current(app, made)[1] == sections

    page = f"{base}/questions/{comments}"
    client.submit(f"{page}/condition/remove", form_page=page)
    assert _question(app, comments)["show_if"] is None


def test_refusals_naming_several_questions_say_depend(client, app):
    """One question "depends" on an answer; two or more "depend", and "their" conditions."""
    sign_in_staff(client, app)
    made = make_consultation(app)
    with app.app_context():
        version = db.session.get(Questionnaire, made.questionnaire_id).current_version
        victim = next(q for q in version.ordered_questions() if q.key == "victim")
        add_question(version.sections[1], "where", QuestionKind.SHORT_TEXT,
                     "Where did it happen?", show_if_question=victim, show_if_values=["yes"])
        db.session.commit()
    keys, sections = _current(app, made)
    base = _base(made)
    both = "\u201cDid you report it to the police?\u201d, \u201cWhere did it happen?\u201d"

    removed = client.submit(f"{base}/questions/{keys['victim']}/remove", follow_redirects=True)
    assert (f"{both} depend on an answer to this question. Change their conditions first."
            in page_text(removed))
    moved = client.submit(f"{base}/sections/{sections[1]}/move", {"direction": "up"},
                          form_page=base, follow_redirects=True)
    assert (f"{both} depend on an answer in \u201cPolicing in your area\u201d, so they must "
            "stay after it. Change the condition first.") in page_text(moved)
    section = client.submit(f"{base}/sections/{sections[0]}/remove", follow_redirects=True)
    assert (f"{both} depend on an answer in this section. Change their conditions first."
            in page_text(section))
    assert _current(app, made) == (keys, sections)  # nothing changed


def test_move_buttons_pressed_twice_move_once(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, sections = _current(app, made)
    base = _base(made)

    def twice(action: str, page: str) -> None:
        sent = {**move_form(client.get(page).get_data(as_text=True), action),
                "direction": "up"}
        for _ in range(2):
            assert client.post(action, sent).status_code == 302

    twice(f"{base}/sections/{sections[2]}/move", base)
    assert _current(app, made)[1] == [sections[0], sections[2], sections[1]]
    twice(f"{base}/questions/{keys['victim']}/move", base)
    assert _question(app, keys["victim"])["position"] == 2
    page = f"{base}/questions/{keys['confidence']}"
    with app.app_context():
        last = db.session.scalars(select(Option.id).where(
            Option.question_id == keys["confidence"]).order_by(Option.position.desc())).first()
        count = len(db.session.scalars(select(Option.id).where(
            Option.question_id == keys["confidence"])).all())
    twice(f"{base}/options/{last}/move", page)
    with app.app_context():
        assert db.session.get(Option, last).position == count - 1
    assert "nothing more was moved" in page_text(client.get(page))


def test_reordering_by_keyboard_without_javascript(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, sections = _current(app, made)
    base = _base(made)
    html = client.get(base).get_data(as_text=True)
    assert ('Move down<span class="govuk-visually-hidden">: question Which of these should the '
            'police in your area focus on?</span>') in html
    assert 'Move up<span class="govuk-visually-hidden">: section Policing in your area' not in html

    client.submit(f"{base}/questions/{keys['victim']}/move", {"direction": "up"}, form_page=base)
    client.submit(f"{base}/questions/{keys['victim']}/move", {"direction": "up"}, form_page=base)
    assert _question(app, keys["victim"])["position"] == 1
    assert _question(app, keys["priorities"])["position"] == 2
    # Up from the top changes nothing.
    client.submit(f"{base}/questions/{keys['victim']}/move", {"direction": "up"}, form_page=base)
    assert _question(app, keys["victim"])["position"] == 1

    moved = client.submit(f"{base}/sections/{sections[2]}/move", {"direction": "up"},
                          form_page=base)
    assert moved.location.endswith(f"#section-{sections[2]}")
    assert _current(app, made)[1] == [sections[0], sections[2], sections[1]]

    page = f"{base}/questions/{keys['confidence']}"
    with app.app_context():
        good = db.session.scalar(select(Option.id).where(Option.value == "good",
                                                         Option.question_id == keys["confidence"]))
    client.submit(f"{base}/options/{good}/move", {"direction": "down"}, form_page=page)
    assert [o[0] for o in _question(app, keys["confidence"])["options"]] == [
        "excellent", "fair", "good", "poor", "very-poor"]


def test_options_one_by_one(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _sections = _current(app, made)
    base = _base(made)
    priorities = keys["priorities"]
    page = f"{base}/questions/{priorities}"

    form = client.get(f"{page}/options/new").get_data(as_text=True)
    assert 'name="exclusive"' in form  # multiple choice: "on its own" is offered
    assert 'name="exclusive"' not in client.get(
        f"{base}/questions/{keys['confidence']}/options/new").get_data(as_text=True)

    client.submit(f"{page}/options/new", {"label": "Gun crime"})
    assert ("gun-crime", "Gun crime", False, False) in _question(app, priorities)["options"]
    twice = client.submit(f"{page}/options/new", {"label": "gun crime"})
    assert "already has an option with these words" in page_text(twice)
    other = client.submit(f"{page}/options/new", {"label": "Another thing", "asks_other": "y"})
    assert "Only one option can ask people to say more" in page_text(other)

    with app.app_context():
        burglary = db.session.scalar(select(Option.id).where(Option.value == "burglary"))
    # New words keep the code, so answers still line up across versions.
    client.submit(f"{base}/options/{burglary}/edit",
                  {"label": "Burglary from homes", "value": "burglary", "exclusive": "y"})
    assert ("burglary", "Burglary from homes", False, True) in _question(app, priorities)[
        "options"]
    bad = client.submit(f"{base}/options/{burglary}/edit",
                        {"label": "Burglary", "value": "robbery"})
    assert "Another option of this question already has this code" in page_text(bad)

    client.submit(f"{base}/options/{burglary}/remove", form_page=page)
    assert "burglary" not in [o[0] for o in _question(app, priorities)["options"]]

    # Yes and No are fixed; their words can change.
    victim = f"{base}/questions/{keys['victim']}"
    assert "Add an option" not in page_text(client.get(victim))
    refused = client.submit(f"{victim}/options/new", {"label": "Maybe"}, form_page=victim,
                            follow_redirects=True)
    assert "A yes or no question has only the options Yes and No" in page_text(refused)


def test_an_option_a_condition_relies_on(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _sections = _current(app, made)
    base = _base(made)
    with app.app_context():
        yes = db.session.scalar(select(Option.id).where(Option.question_id == keys["victim"],
                                                        Option.value == "yes"))
    client.submit(f"{base}/options/{yes}/edit", {"label": "Yes, I have", "value": "yes-i-have"})
    # The condition follows the new code, so "reported" still shows after that answer.
    assert _question(app, keys["reported"])["show_if_values"] == ["yes-i-have"]


def test_who_may_change_the_questions(client, app, other_client):
    sign_in_staff(client, app, create_user, roles={"analyst": "camden"})
    made = make_consultation(app, boroughs=["camden"])
    keys, sections = _current(app, made)
    base = _base(made)
    page = client.get(base)
    assert page.status_code == 200 and "Add a section" not in page_text(page)
    assert client.get(f"{base}/sections/new").status_code == 403
    assert client.submit(f"{base}/sections/{sections[0]}/move", {"direction": "down"},
                         form_page=base).status_code == 403
    assert client.get(f"{base}/questions/{keys['victim']}/edit").status_code == 403

    sign_in_staff(other_client, app, create_officer, "islington")
    assert other_client.get(f"{base}/sections/new").status_code == 403
    other_client = Browser(app)
    sign_in_staff(other_client, app, create_officer, "camden")
    assert other_client.get(f"{base}/sections/new").status_code == 200

    # Another questionnaire's ids are not found here.
    other = make_consultation(app)
    other_keys, _other_sections = _current(app, other)
    assert other_client.get(f"{base}/questions/{other_keys['victim']}").status_code == 404


def test_the_equality_section_is_offered_once(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, questions=False)
    base = _base(made)
    assert "Add the equality-monitoring section" in page_text(client.get(base))
    response = client.submit(f"{base}/equality-section", form_page=base, follow_redirects=True)
    assert "The equality-monitoring section is added" in page_text(response)
    with app.app_context():
        section = db.session.scalar(select(Section))
        assert section.is_equality and section.questions
    assert "Add the equality-monitoring section" not in page_text(client.get(base))
    again = client.submit(f"{base}/equality-section", form_page=base, follow_redirects=True)
    assert "already has an equality monitoring section" in page_text(again)
    with app.app_context():
        assert len(db.session.scalars(select(Section.id)).all()) == 1


def test_equality_tags_only_in_the_equality_section(client, app):
    """Ethnic group, age band and disability are asked only after the person agrees, and kept
    only with their consent: a question outside the equality section cannot carry their tags,
    by being added there, tagged there or moved there."""
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, (area, _experience, about) = _current(app, made)
    base = _base(made)
    outside = ("The reporting tag \u201cEthnic group\u201d can only be on a question in the "
               "equality monitoring section, which people answer only if they agree to")

    added = _add(client, made, area, "single-choice", text="What is your ethnic group?",
                 options="Asian\nBlack\nWhite", tag="ethnic-group")
    assert added.status_code == 200 and outside in page_text(added)
    assert 'href="#tag"' in added.get_data(as_text=True)
    assert _current(app, made)[0] == keys  # nothing was added

    victim = f"{base}/questions/{keys['victim']}/edit"
    retagged = client.submit(victim, {**QUESTION, "text": "Do you have a disability?",
                                      "key": "victim", "kind": "yes-no",
                                      "tag": "disability", "section": str(area)})
    assert "The reporting tag \u201cDisability\u201d can only be on a question" in page_text(
        retagged)
    assert _question(app, keys["victim"])["tag"] == ReportingTag.VICTIM_OF_CRIME

    age = f"{base}/questions/{keys['age-band']}/edit"
    data = {**QUESTION, "text": "What is your age?", "key": "age-band",
            "kind": "single-choice", "required": "no", "tag": "age-band"}
    moved = client.submit(age, {**data, "section": str(area)})
    assert moved.status_code == 200
    assert ("A question with the reporting tag \u201cAge band\u201d must stay in the equality "
            "monitoring section") in page_text(moved)
    assert 'href="#section"' in moved.get_data(as_text=True)
    assert _question(app, keys["age-band"])["section"] == "About you"
    with app.app_context():
        assert len(db.session.scalars(select(Questionnaire.id)).all()) == 1
        assert all(v.number == 1 for v in db.session.scalars(select(Questionnaire)).one()
                   .versions)  # no version was copied for a refused change

    # In the equality section the tags are what they are for.
    assert client.submit(age, {**data, "section": str(about)}).status_code == 302
    inside = _new_id(_add(client, made, about, "single-choice", required="no",
                          text="What is your ethnic group?", options="Asian\nBlack\nWhite",
                          tag="ethnic-group"))
    assert _question(app, inside)["tag"] == ReportingTag.ETHNIC_GROUP


def test_the_builder_links_to_the_preview(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app)
    if "surveys_public.preview" not in app.view_functions:
        return  # the public pages are not part of this build
    html = client.get(_base(made)).get_data(as_text=True)
    assert f'/preview/{made.questionnaire_id}"' in html


def _queries_for(client, app, url: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_builder_page_costs_the_same_queries_however_long(client, app):
    sign_in_staff(client, app)
    small = make_consultation(app)
    large = make_consultation(app)
    with app.app_context():
        version = db.session.get(Questionnaire, large.questionnaire_id).current_version
        extra = add_section(version, "More questions")
        for n in range(8):
            add_question(extra, f"extra-{n}", QuestionKind.SINGLE_CHOICE, f"Extra {n}?",
                         options=[("a", "A"), ("b", "B")])
        db.session.commit()
    assert _queries_for(client, app, _base(large)) == _queries_for(client, app, _base(small))


def test_a_question_page_says_what_was_left_empty_in_words(client, app):
    """An optional detail left empty reads "Not given" (or "Not set" for a reporting tag), never
    "None"; and "no tag" is offered in words on the question's form."""
    sign_in_staff(client, app)
    made = make_consultation(app)
    keys, _sections = _current(app, made)
    text = page_text(client.get(f"{_base(made)}/questions/{keys['comments']}"))
    assert "Help text Not given" in text
    assert "Note for telephone interviewers Not given" in text
    assert "Reporting tag Not set" in text
    assert "None" not in text
    tagged = page_text(client.get(f"{_base(made)}/questions/{keys['priorities']}"))
    assert "Reporting tag Policing priorities" in tagged
    form = client.get(f"{_base(made)}/questions/{keys['comments']}/edit").get_data(as_text=True)
    assert '<option value="" selected>No reporting tag</option>' in form
    assert ">None<" not in form
