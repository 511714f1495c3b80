"""Storing a response, whatever the channel: once per idempotency key, once per personal link,
answers checked again, equality answers only with consent; and references that catch typos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    Invitee,
    InviteeList,
    InviteeListSource,
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Response,
    ResponseContact,
    Section,
)
from engage.surveys.references import ALPHABET, new_reference, normalise_reference
from engage.surveys.responses import (
    LinkAlreadyUsed,
    ResponseRefused,
    new_key,
    start_draft,
    store_response,
    submit_draft,
)


def borough(name: str) -> Borough:
    return db.session.scalar(select(Borough).where(Borough.name == name))


def small_questionnaire(**consultation) -> QuestionnaireVersion:
    now = utcnow()
    c = Consultation(slug="have-your-say", title="Have your say", opens_at=now - timedelta(1),
                     closes_at=now + timedelta(30), **consultation)
    version = QuestionnaireVersion(number=1, questionnaire=Questionnaire(
        consultation=c, audience=Audience.RESIDENTS, title="Residents"))
    main = Section(version=version, position=1, title="Priorities")
    about = Section(version=version, position=2, title="About you", is_equality=True)
    Question(version=version, section=main, position=1, key="priorities",
             kind=QuestionKind.RANKING, text="Rank", rank_count=2,
             options=[Option(position=n, value=v, label=v.title())
                      for n, v in enumerate(["burglary", "robbery", "drugs"], start=1)])
    Question(version=version, section=about, position=1, key="age", required=False,
             kind=QuestionKind.SINGLE_CHOICE, text="Age",
             options=[Option(position=1, value="16-24", label="16 to 24")])
    db.session.add(c)
    db.session.flush()
    return version


ANSWERS = {"priorities": {"ranked": ["drugs", "burglary"]}, "age": {"option": "16-24"}}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_same_key_stores_one_response_however_often_it_arrives(app):
    with app.app_context():
        version = small_questionnaire()
        key = new_key()
        first = store_response(version, ANSWERS, idempotency_key=key,
                               borough=borough("Camden"), channel=Channel.ONLINE)
        db.session.commit()
        again = store_response(version, ANSWERS, idempotency_key=key,
                               borough=borough("Camden"), channel=Channel.ONLINE)
        db.session.commit()
        assert again.id == first.id
        assert count(Response) == 1
        # Two ranked choices; the equality answer is dropped because consent was not given.
        ranked = db.session.execute(
            select(Option.value, Answer.rank).join(Answer.option).order_by(Answer.rank)).all()
        assert ranked == [("drugs", 1), ("burglary", 2)]
        assert first.reference == normalise_reference(first.reference)


def test_equality_answers_are_stored_only_with_consent(app):
    with app.app_context():
        version = small_questionnaire()
        store_response(version, ANSWERS, idempotency_key=new_key(), borough=None,
                       channel=Channel.TELEPHONE, equality_consent=True)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Answer)
                                 .where(Answer.text.is_(None))) == 3


@pytest.mark.parametrize("channel", list(Channel))
def test_an_equality_tagged_question_outside_the_equality_section_needs_consent_too(
        app, channel):
    """The builder keeps equality tags in the equality section, but an older version may have
    one elsewhere, asked before consent: its answer is kept only with consent, whatever the
    channel, like the equality section's own (paper is keyed with blanks allowed)."""
    with app.app_context():
        version = small_questionnaire()
        db.session.add(Question(
            version=version, section=version.sections[0], position=2, key="ethnicity",
            kind=QuestionKind.SINGLE_CHOICE, text="Ethnic group", tag=ReportingTag.ETHNIC_GROUP,
            options=[Option(position=1, value="white", label="White"),
                     Option(position=2, value="black", label="Black")]))
        db.session.flush()
        answers = {**ANSWERS, "ethnicity": {"option": "black"}}
        relax = channel == Channel.PAPER
        without = store_response(version, answers, idempotency_key=new_key(), borough=None,
                                 channel=channel, relax_required=relax)
        given = store_response(version, answers, idempotency_key=new_key(), borough=None,
                               channel=channel, equality_consent=True, relax_required=relax)
        db.session.commit()

        def stored(response):
            return sorted(db.session.scalars(
                select(Option.value).join(Answer.option).where(Answer.response_id == response.id)))

        assert stored(without) == ["burglary", "drugs"]
        assert stored(given) == ["16-24", "black", "burglary", "drugs"]
        # Nor does it make the weighting cell of a response without consent.
        assert db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.cell_ethnic_group_id.is_not(None), Answer.response_id == without.id)) == 0


def test_answers_are_checked_again_and_nothing_is_half_written(app):
    with app.app_context():
        version = small_questionnaire()
        with pytest.raises(ResponseRefused) as refused:
            store_response(version, {"priorities": {"ranked": ["drugs"]}},
                           idempotency_key=new_key(), borough=None, channel=Channel.ONLINE)
        assert refused.value.errors == {
            "priorities": "Choose 2 options in order for \u201cRank\u201d"}
        db.session.commit()
        assert count(Response) == 0 and count(Answer) == 0


def test_a_borough_outside_the_consultation_is_refused(app):
    with app.app_context():
        version = small_questionnaire(all_boroughs=False)
        version.questionnaire.consultation.boroughs.append(borough("Camden"))
        with pytest.raises(ResponseRefused, match="does not cover Hackney"):
            store_response(version, ANSWERS, idempotency_key=new_key(),
                           borough=borough("Hackney"), channel=Channel.ONLINE)


def test_a_personal_link_makes_one_response(app):
    with app.app_context():
        version = small_questionnaire()
        people = InviteeList(questionnaire=version.questionnaire, borough=borough("Camden"),
                             name="Businesses", source=InviteeListSource.UPLOAD)
        invitee = Invitee(invitee_list=people, email="shop@example.org", token=new_key())
        db.session.add(invitee)
        db.session.flush()
        first, second = (start_draft(version, invitee_id=invitee.id) for _ in range(2))
        first.answers = second.answers = ANSWERS
        submit_draft(first)
        db.session.commit()
        with pytest.raises(LinkAlreadyUsed):
            submit_draft(second)
        db.session.rollback()
        assert count(Response) == 1


def test_contact_details_are_kept_apart_from_the_answers(app):
    with app.app_context():
        draft = start_draft(small_questionnaire())
        draft.answers = ANSWERS
        response = submit_draft(draft, contact={"name": "Ann", "email": "ann@example.org"})
        db.session.commit()
        contact = db.session.get(ResponseContact, response.id)
        assert (contact.name, contact.email) == ("Ann", "ann@example.org")
        assert draft.response_id == response.id


def test_references_catch_every_single_typo_and_neighbour_swap():
    for _ in range(50):
        reference = new_reference()
        compact = reference.replace("-", "")
        assert normalise_reference(compact.lower()) == reference
        for i in range(len(compact)):
            for wrong in ALPHABET:
                typo = compact[:i] + wrong + compact[i + 1:]
                if typo != compact:
                    assert normalise_reference(typo) is None
        for i in range(len(compact) - 1):
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2:]
            if swapped != compact:
                assert normalise_reference(swapped) is None


def test_references_read_confusable_letters_as_the_digits_they_look_like():
    reference = "0011-AAAA-"
    body = reference.replace("-", "")
    from engage.surveys.references import _check_character

    check = _check_character(body)
    assert normalise_reference(f"OoIL aaaa {check}") == f"0011-AAAA-{check}"
    assert normalise_reference("too short") is None
