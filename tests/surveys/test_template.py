"""The ready "Have your say" template: it loads, every answer round-trips, and a broken
definition is refused with a message naming the question."""

from __future__ import annotations

import copy
import tomllib
from datetime import timedelta
from importlib import resources

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import AgeBand, Disability, EthnicGroup
from engage.surveys.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    ReportingTag,
    Section,
)
from engage.surveys.pages import (
    field_name,
    other_field_name,
    page_form,
    rank_field_name,
    read_page,
)
from engage.surveys.questions import check
from engage.surveys.responses import new_key, store_response
from engage.surveys.template import (
    TemplateError,
    TemplateRefused,
    add_equality_section,
    add_template_questionnaires,
    definition,
    parse,
)
from tests.helpers import page_text
from tests.surveys.support import STAFF, sign_in_staff


def raw_template() -> dict:
    source = resources.files("engage.surveys").joinpath("data/have-your-say.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


def new_consultation() -> Consultation:
    consultation = Consultation(slug="have-your-say-2027-28", title="Have your say 2027/28",
                                opens_at=utcnow() - timedelta(days=1),
                                closes_at=utcnow() + timedelta(days=40))
    db.session.add(consultation)
    return consultation


@pytest.fixture
def loaded(app):
    with app.app_context():
        consultation = new_consultation()
        questionnaires = add_template_questionnaires(consultation)
        db.session.commit()
        yield {q.audience: q.current_version for q in questionnaires}


def sample(question: Question) -> dict | None:
    """An answer using the question's harder paths: "other" text, several choices, an order."""
    options = question.options
    other = next((o for o in options if o.asks_other), None)
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING):
        if other:
            return {"option": other.value, "other": "Fly-tipping"}
        return {"option": options[1].value}
    if kind == QuestionKind.YES_NO:
        return {"option": "yes"}
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = [o for o in options if not o.exclusive and not o.asks_other][:2]
        if other:
            return {"options": [o.value for o in [*chosen, other]], "other": "Fly-tipping"}
        return {"options": [o.value for o in chosen]}
    if kind == QuestionKind.RANKING:
        return {"ranked": [o.value for o in reversed(options[:question.rank_count])]}
    if kind == QuestionKind.NUMBER:
        return {"number": question.max_value}
    if kind == QuestionKind.LONG_TEXT:
        return {"text": "More patrols by the station, please."}
    raise AssertionError(f"the template now uses {kind}: add a sample answer for it")


def from_rows(question: Question, rows: list[Answer]) -> dict:
    """Read a stored answer back into its canonical shape."""
    by_id = {o.id: o for o in question.options}
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO):
        (row,) = rows
        return {"option": by_id[row.option_id].value, **({"other": row.text} if row.text else {})}
    if kind == QuestionKind.MULTIPLE_CHOICE:
        other = [r.text for r in rows if r.text]
        return {"options": [by_id[r.option_id].value for r in rows],
                **({"other": other[0]} if other else {})}
    if kind == QuestionKind.RANKING:
        return {"ranked": [by_id[r.option_id].value for r in sorted(rows, key=lambda r: r.rank)]}
    if kind == QuestionKind.NUMBER:
        return {"number": rows[0].number}
    return {"text": rows[0].text}


def test_both_questionnaires_load_as_version_1(loaded):
    residents, businesses = loaded[Audience.RESIDENTS], loaded[Audience.BUSINESSES]
    assert (residents.number, businesses.number) == (1, 1)
    for version, spec in zip((residents, businesses), definition().questionnaires, strict=True):
        assert version.questionnaire.title == spec.title
        assert [s.title for s in version.sections] == [s.title for s in spec.sections]
        assert [q.key for q in version.ordered_questions()] == [
            q.key for s in spec.sections for q in s.questions]
        assert [s.is_equality for s in version.sections][-1] is True
    assert db.session.scalar(select(func.count(Question.id))) == sum(
        len(v.ordered_questions()) for v in loaded.values())


def test_the_seed_s_priorities_and_the_reporting_tags_are_there(loaded):
    residents, businesses = loaded[Audience.RESIDENTS], loaded[Audience.BUSINESSES]
    tags = {v.questionnaire.audience: {q.tag for q in v.ordered_questions() if q.tag}
            for v in (residents, businesses)}
    common = {ReportingTag.PRIORITIES, ReportingTag.CONFIDENCE, ReportingTag.FEELING_SAFE,
              ReportingTag.VICTIM_OF_CRIME, ReportingTag.AGE_BAND, ReportingTag.ETHNIC_GROUP,
              ReportingTag.DISABILITY}
    assert tags[Audience.RESIDENTS] == common
    assert tags[Audience.BUSINESSES] == common | {ReportingTag.BUSINESS_SECTOR,
                                                  ReportingTag.BUSINESS_SIZE}
    priorities = next(q for q in residents.ordered_questions() if q.tag == "priorities")
    assert priorities.kind == QuestionKind.RANKING and priorities.rank_count == 3
    assert {"burglary", "robbery", "knife-crime", "gun-crime", "serious-youth-violence",
            "anti-social-behaviour", "theft-from-vehicles", "theft-of-vehicles",
            "drugs"} <= {o.value for o in priorities.options}
    confidence = next(q for q in residents.ordered_questions() if q.tag == "confidence")
    assert confidence.text == ("Taking everything into account, how good a job do you think "
                               "the police in this area are doing?")
    assert [o.label for o in confidence.options] == [
        "Excellent", "Good", "Fair", "Poor", "Very poor", "Don't know"]
    assert confidence.interviewer_note


def test_every_show_if_points_at_an_earlier_page_and_real_options(loaded):
    conditions = 0
    for version in loaded.values():
        for question in version.ordered_questions():
            condition = question.show_if_question
            if condition is None:
                continue
            conditions += 1
            assert condition.version_id == question.version_id
            assert condition.section.position < question.section.position
            assert set(question.show_if_values) <= {o.value for o in condition.options}
    assert conditions == 5


def test_equality_questions_are_optional_and_match_the_census_categories(loaded):
    expected = {"age-band": AgeBand, "ethnic-group": EthnicGroup, "disability": Disability}
    for version in loaded.values():
        (section,) = [s for s in version.sections if s.is_equality]
        assert [q.key for q in section.questions] == list(expected)
        for question in section.questions:
            assert question.required is False and question.tag.is_equality
            assert [o.value for o in question.options] == [m.value for m in expected[question.key]]
            prefer_not = question.option("prefer-not-to-say")
            assert prefer_not.exclusive and prefer_not.label == "Prefer not to say"


def test_every_answer_is_stored_and_reads_back_the_same(loaded):
    kinds = set()
    for version in loaded.values():
        answers = {q.key: sample(q) for q in version.ordered_questions()}
        for question in version.ordered_questions():
            assert check(question, answers[question.key]) == answers[question.key]
            kinds.add(question.kind)
        response = store_response(version, answers, idempotency_key=new_key(), borough=None,
                                  channel=Channel.TELEPHONE, equality_consent=True)
        db.session.commit()
        rows = db.session.scalars(select(Answer).where(Answer.response_id == response.id)
                                  .order_by(Answer.id)).all()
        for question in version.ordered_questions():
            mine = [r for r in rows if r.question_id == question.id]
            assert from_rows(question, mine) == answers[question.key], question.key
    assert kinds == {QuestionKind.RANKING, QuestionKind.RATING, QuestionKind.YES_NO,
                     QuestionKind.MULTIPLE_CHOICE, QuestionKind.SINGLE_CHOICE,
                     QuestionKind.NUMBER, QuestionKind.LONG_TEXT}


def test_every_page_of_the_template_reads_back_what_was_posted(app, loaded):
    """The public pages' forms ask the template's questions and return the same answers."""
    for version in loaded.values():
        for section in version.sections:
            posted = MultiDict()
            expected = {}
            for question in section.questions:
                value = expected[question.key] = sample(question)
                if "ranked" in value:
                    for rank, chosen in enumerate(value["ranked"], start=1):
                        posted.add(rank_field_name(question, rank), chosen)
                elif "options" in value:
                    for chosen in value["options"]:
                        posted.add(field_name(question), chosen)
                else:
                    posted.add(field_name(question), str(next(iter(value.values()))))
                if "other" in value:
                    posted.add(other_field_name(question), value["other"])
            with app.test_request_context(method="POST", data=posted):
                form = page_form(section.questions, formdata=posted, meta={"csrf": False})
                assert read_page(form, section.questions) == expected, section.title


def test_the_template_is_added_only_to_a_consultation_without_questionnaires(loaded):
    consultation = loaded[Audience.RESIDENTS].questionnaire.consultation
    with pytest.raises(TemplateRefused, match="already has questionnaires"):
        add_template_questionnaires(consultation)


def test_the_equality_section_is_appended_once(app):
    with app.app_context():
        consultation = new_consultation()
        questionnaire = add_template_questionnaires(consultation)[0]
        version = QuestionnaireVersion(questionnaire=questionnaire, number=2)
        section = Section(position=1, title="Your say")
        version.sections.append(section)
        db.session.add(version)
        section.questions.append(Question(version=version, position=1, key="comments",
                                          kind=QuestionKind.LONG_TEXT, text="Anything to add?"))
        db.session.flush()

        added = add_equality_section(version)
        db.session.commit()
        assert added.position == 2 and added.is_equality and added.title == "About you"
        assert [q.key for q in version.ordered_questions()] == [
            "comments", "age-band", "ethnic-group", "disability"]
        with pytest.raises(TemplateRefused, match="already has an equality"):
            add_equality_section(version)


def test_the_equality_section_is_refused_over_a_clashing_key_or_tag(app):
    with app.app_context():
        consultation = new_consultation()
        questionnaire = add_template_questionnaires(consultation)[0]
        version = QuestionnaireVersion(questionnaire=questionnaire, number=2)
        section = Section(position=1, title="Your say")
        version.sections.append(section)
        db.session.add(version)
        question = Question(version=version, position=1, key="age-band",
                            kind=QuestionKind.NUMBER, text="How old are you?")
        section.questions.append(question)
        db.session.flush()
        with pytest.raises(TemplateRefused, match="key \u201cage-band\u201d"):
            add_equality_section(version)
        question.key, question.tag = "age", ReportingTag.AGE_BAND
        db.session.flush()
        with pytest.raises(TemplateRefused, match="tagged \u201cAge band\u201d"):
            add_equality_section(version)
        assert len(version.sections) == 1


def _questions(data: dict, audience: str, section: int) -> list[dict]:
    return data[audience]["sections"][section]["questions"]


def _break(change):
    def broken() -> dict:
        data = copy.deepcopy(raw_template())
        change(data)
        return data
    return broken


BROKEN = [
    (lambda d: _questions(d, "residents", 1)[1].update(key="confidence"),
     "residents, section 2, question 2 ('confidence'): another question already has this key"),
    (lambda d: _questions(d, "residents", 1)[0].update(key="Confidence!"),
     "a key is lower-case letters and digits joined by -"),
    (lambda d: _questions(d, "residents", 0)[0].update(
        show_if={"question": "confidence", "values": ["good"]}),
     "show_if refers to 'confidence', which is not a question in an earlier section"),
    (lambda d: _questions(d, "residents", 1)[1].update(
        show_if={"question": "confidence", "values": ["good"]}),
     "show_if refers to 'confidence', which is not a question in an earlier section"),
    (lambda d: _questions(d, "residents", 3)[0]["show_if"].update(values=["maybe"]),
     "show_if values must be options of 'victim' (no, yes)"),
    (lambda d: _questions(d, "residents", 1)[2].update(tag="confidence"),
     "residents: more than one question is tagged 'confidence'"),
    (lambda d: _questions(d, "residents", 1)[2].update(tag="age-band"),
     "'safe-daytime' has an equality tag outside the equality section"),
    (lambda d: _questions(d, "residents", 1)[0].update(colour="blue"),
     "unknown field(s) colour"),
    (lambda d: _questions(d, "residents", 1)[0].update(kind="slider"),
     "'slider' is not a valid QuestionKind"),
    (lambda d: _questions(d, "residents", 0)[0].update(max_choices=3),
     "max_choices is only for multiple-choice questions"),
    (lambda d: _questions(d, "residents", 0)[0].update(rank_count=20),
     "rank_count must be between 1 and the number of options"),
    (lambda d: _questions(d, "businesses", 2)[1].update(min_value=50, max_value=5),
     "min_value is more than max_value"),
    (lambda d: _questions(d, "residents", 4)[0].update(tag="business-sector"),
     "the reporting tag \u201cBusiness sector\u201d must offer options to choose from"),
    (lambda d: _questions(d, "residents", 4)[0].update(options=[]),
     "a long-text question has no options"),
    (lambda d: _questions(d, "residents", 0)[0]["options"][1].update(value="burglary"),
     "option values must be unique"),
    (lambda d: _questions(d, "residents", 0)[0]["options"][1].update(asks_other=True),
     "a ranking cannot have 'other' or exclusive options"),
    (lambda d: _questions(d, "residents", 1)[0].update(option_set="stars"),
     "no option set called 'stars'"),
    (lambda d: d["equality"]["questions"][0].update(required=True),
     "equality question 'age-band': equality questions are optional"),
    (lambda d: d["equality"]["questions"][2]["options"].pop(),
     "equality question 'disability': needs an exclusive 'prefer-not-to-say' option"),
    (lambda d: _questions(d, "businesses", 0)[0].update(key="age-band"),
     "businesses: keys also used by the equality section: age-band"),
    (lambda d: d.pop("businesses"), "template: missing businesses"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_broken_definition_is_refused_saying_where(change, message):
    with pytest.raises(TemplateError) as refused:
        parse(_break(change)())
    assert message in str(refused.value)


def test_the_packaged_definition_parses_as_is():
    assert parse(raw_template()) == definition()


def test_staff_can_reword_the_template_s_banded_options_and_keep_their_codes(app, client):
    """The age bands and business sizes are coded like 75+ and 250+, as the population figures
    are: the builder keeps such a code when the words change, and refuses a "+" elsewhere."""
    sign_in_staff(client, app)
    with app.app_context():
        consultation = new_consultation()
        add_template_questionnaires(consultation)
        db.session.commit()
        over_75 = db.session.scalar(select(Question.id).join(Question.options).where(
            Question.key == "age-band").limit(1))
        option_id = next(o.id for o in db.session.get(Question, over_75).options
                         if o.value == AgeBand.OVER_75.value)
    edit = f"{STAFF}/have-your-say-2027-28/residents/options/{option_id}/edit"
    form = client.get(edit)
    assert form.status_code == 200 and 'value="75+"' in form.get_data(as_text=True)
    saved = client.submit(edit, {"label": "Aged 75 or over", "value": "75+"})
    assert saved.status_code == 302
    with app.app_context():
        option = next(o for o in db.session.get(Question, over_75).options
                      if o.value == AgeBand.OVER_75.value)
        assert option.label == "Aged 75 or over"
    refused = client.submit(edit, {"label": "Aged 75 or over", "value": "75+plus"})
    assert refused.status_code == 200
    assert "The code must be lower-case letters, numbers and single hyphens, and may end in +" \
        in page_text(refused)
