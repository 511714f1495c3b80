"""Helpers shared by the surveys tests: a small consultation built directly as rows, staff
sign-in, and responses stored through the core.

Other suites import these, so the names and defaults here stay stable:

    made = make_consultation(app)                      # open now, all boroughs, residents only
    made.questionnaire_id, made.version_id, made.slug  # ids, usable outside an app context
    response_id = make_response(app, made.version_id)  # a valid response (DEFAULT_ANSWERS)

The residents' questionnaire (and the businesses' one, when asked for) holds:

    section 1 "Policing in your area"
      priorities   multiple choice, up to 3, tag priorities; "something-else" asks other,
                   "none-of-these" is exclusive
      confidence   rating (excellent .. very-poor), tag confidence
      victim       yes/no, tag victim-of-crime
    section 2 "Your experience"
      reported     yes/no, shown only if victim is "yes"
      comments     long text, optional
    section 3 "About you" (the equality section)
      age-band     single choice, optional, tag age-band
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Audience,
    Channel,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Section,
)
from engage.surveys.questions import YES_NO_OPTIONS
from engage.surveys.responses import new_key, store_response
from tests.factories import PASSWORD, borough, create_admin

STAFF = "/staff/consultations"

DEFAULT_ANSWERS = {
    "priorities": {"options": ["burglary"]},
    "confidence": {"option": "good"},
    "victim": {"option": "no"},
}

PRIORITIES = (("burglary", "Burglary"), ("robbery", "Robbery"), ("knife-crime", "Knife crime"),
              ("anti-social-behaviour", "Anti-social behaviour"))
RATINGS = (("excellent", "Excellent"), ("good", "Good"), ("fair", "Fair"), ("poor", "Poor"),
           ("very-poor", "Very poor"))
AGE_BANDS = (("under-25", "Under 25"), ("25-to-64", "25 to 64"), ("65-or-over", "65 or over"),
             ("prefer-not-to-say", "Prefer not to say"))

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Made:
    """Ids of what make_consultation built (plain values: safe outside an app context)."""

    consultation_id: int
    slug: str
    questionnaire_ids: dict[str, int] = field(default_factory=dict)  # audience value -> id
    version_ids: dict[str, int] = field(default_factory=dict)  # audience value -> version id

    @property
    def questionnaire_id(self) -> int:
        """The residents' questionnaire, or the only one there is."""
        ids = self.questionnaire_ids
        return ids.get("residents") or next(iter(ids.values()))

    @property
    def version_id(self) -> int:
        return self.version_ids.get("residents") or next(iter(self.version_ids.values()))


def add_section(version: QuestionnaireVersion, title: str, **fields) -> Section:
    section = Section(version=version, position=len(version.sections) + 1, title=title, **fields)
    db.session.add(section)
    return section


def add_question(section: Section, key: str, kind: QuestionKind, text: str,
                 options=(), **fields) -> Question:
    """A question at the end of `section`. `options` are (value, label) pairs, or dicts of
    Option fields; a yes/no question gets Yes and No when none are given."""
    if kind == QuestionKind.YES_NO and not options:
        options = YES_NO_OPTIONS
    question = Question(version=section.version, section=section,
                        position=len(section.questions) + 1, key=key, kind=kind, text=text,
                        **fields)
    for position, option in enumerate(options, start=1):
        values = option if isinstance(option, dict) else {"value": option[0], "label": option[1]}
        question.options.append(Option(position=position, **values))
    db.session.add(question)
    return question


def build_standard_questions(version: QuestionnaireVersion) -> None:
    """The small questionnaire described at the top of this module."""
    area = add_section(version, "Policing in your area",
                       introduction="Tell us what matters most to you.")
    add_question(area, "priorities", QuestionKind.MULTIPLE_CHOICE,
                 "Which of these should the police in your area focus on?", max_choices=3,
                 tag=ReportingTag.PRIORITIES,
                 options=[*PRIORITIES,
                          {"value": "something-else", "label": "Something else",
                           "asks_other": True},
                          {"value": "none-of-these", "label": "None of these",
                           "exclusive": True}])
    add_question(area, "confidence", QuestionKind.RATING,
                 "How good a job are the police doing in this area?", options=RATINGS,
                 tag=ReportingTag.CONFIDENCE)
    victim = add_question(area, "victim", QuestionKind.YES_NO,
                          "In the last 12 months, have you been a victim of crime?",
                          tag=ReportingTag.VICTIM_OF_CRIME)
    experience = add_section(version, "Your experience")
    db.session.flush()  # the condition below needs victim's id
    add_question(experience, "reported", QuestionKind.YES_NO,
                 "Did you report it to the police?", show_if_question=victim,
                 show_if_values=["yes"])
    add_question(experience, "comments", QuestionKind.LONG_TEXT,
                 "Is there anything else you want to tell us?", required=False)
    about = add_section(version, "About you", is_equality=True,
                        introduction="These questions are optional.")
    add_question(about, "age-band", QuestionKind.SINGLE_CHOICE, "What is your age?",
                 options=AGE_BANDS, required=False, tag=ReportingTag.AGE_BAND)


def make_consultation(app, *, title: str | None = None, slug: str | None = None,
                      opens_at: datetime | None = None, closes_at: datetime | None = None,
                      boroughs: list[str] | None = None,
                      audiences: tuple[Audience, ...] = (Audience.RESIDENTS,),
                      questions: bool = True, created_by_id: int | None = None) -> Made:
    """A consultation, committed. Open from yesterday for 30 days unless told otherwise; every
    borough unless `boroughs` (slugs) is given; each audience's questionnaire gets version 1
    with the standard questions (or no sections at all with questions=False)."""
    n = next(_numbers)
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        consultation = Consultation(
            title=title or f"Have your say {n}", slug=slug or f"have-your-say-{n}",
            purpose="Tell us what the police in your area should focus on.",
            opens_at=opens_at or now - timedelta(days=1),
            closes_at=closes_at or now + timedelta(days=30),
            all_boroughs=boroughs is None, created_by_id=created_by_id)
        consultation.boroughs = [borough(b) for b in boroughs or []]
        db.session.add(consultation)
        for audience in audiences:
            questionnaire = Questionnaire(
                consultation=consultation, audience=audience,
                title=f"Have your say: {audience.label.lower()}",
                introduction="It takes about 5 minutes.")
            version = QuestionnaireVersion(questionnaire=questionnaire, number=1,
                                           created_by_id=created_by_id)
            db.session.add(version)
            if questions:
                build_standard_questions(version)
        db.session.commit()
        return Made(consultation_id=consultation.id, slug=consultation.slug,
                    questionnaire_ids={q.audience.value: q.id
                                       for q in consultation.questionnaires},
                    version_ids={q.audience.value: q.current_version.id
                                 for q in consultation.questionnaires})


def make_response(app, version_id: int, answers: dict | None = None, *,
                  borough_slug: str | None = "camden", channel: Channel = Channel.ONLINE,
                  **kwargs) -> int:
    """A response stored through engage.surveys.responses (DEFAULT_ANSWERS unless given);
    returns its id."""
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, version_id)
        response = store_response(
            version, DEFAULT_ANSWERS if answers is None else answers,
            idempotency_key=kwargs.pop("idempotency_key", new_key()),
            borough=borough(borough_slug) if borough_slug else None, channel=channel, **kwargs)
        db.session.commit()
        return response.id


def sign_in_staff(client, app, factory=create_admin, *args, **overrides) -> int:
    """Create someone with `factory` (an administrator by default) and sign them in."""
    with app.app_context():
        person = factory(*args, **overrides)
        user_id, email = person.id, person.email
    client.sign_in(email, PASSWORD)
    return user_id
