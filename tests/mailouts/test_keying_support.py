"""Helpers for the keying tests: a questionnaire with every kind of question, paper that has
been posted (a print run marked posted, without rendering it), and keying through the pages."""

from __future__ import annotations

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts.models import (
    PaperFormat,
    PaperRequest,
    PrintRun,
    RequestStatus,
    RunStatus,
)
from engage.surveys.models import (
    Consultation,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Response,
)
from engage.surveys.references import new_reference
from tests.factories import borough
from tests.surveys.support import (
    AGE_BANDS,
    PRIORITIES,
    RATINGS,
    Made,
    add_question,
    add_section,
    make_consultation,
)

KEYING = "/staff/boroughs/{}/paper/keying"
CAMDEN = KEYING.format("camden")

# Paper question numbers of all_kinds(): 1 priorities (ranking), 2 worries (multiple choice),
# 3 confidence (rating), 4 victim (yes/no), 5 area (single choice), 6 times (number, only if
# 4 is yes), 7 street (short text), 8 comments (long text, optional), 9 postcode, 10 when
# (date); optional section: 11 age-band.
WORRIES = [*PRIORITIES, {"value": "something-else", "label": "Something else",
                         "asks_other": True},
           {"value": "none-of-these", "label": "None of these", "exclusive": True}]


def all_kinds(app, **kwargs) -> Made:
    """A consultation whose residents' questionnaire asks every kind of question, committed."""
    made = make_consultation(app, questions=False, **kwargs)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.version_id)
        area = add_section(version, "Your area")
        add_question(area, "priorities", QuestionKind.RANKING, "Put your top 3 in order",
                     options=PRIORITIES, rank_count=3, tag=ReportingTag.PRIORITIES)
        add_question(area, "worries", QuestionKind.MULTIPLE_CHOICE, "What worries you?",
                     options=WORRIES, max_choices=3)
        add_question(area, "confidence", QuestionKind.RATING, "How good a job do they do?",
                     options=RATINGS, tag=ReportingTag.CONFIDENCE)
        victim = add_question(area, "victim", QuestionKind.YES_NO, "Were you a victim?")
        add_question(area, "area", QuestionKind.SINGLE_CHOICE, "Where do you live?",
                     options=(("north", "North"), ("south", "South")))
        more = add_section(version, "More about it")
        db.session.flush()  # the condition needs victim's id
        add_question(more, "times", QuestionKind.NUMBER, "How many times?", min_value=1,
                     max_value=99, show_if_question=victim, show_if_values=["yes"])
        add_question(more, "street", QuestionKind.SHORT_TEXT, "Which street?")
        add_question(more, "comments", QuestionKind.LONG_TEXT, "Anything else?",
                     required=False)
        add_question(more, "postcode", QuestionKind.POSTCODE, "Your postcode?")
        add_question(more, "when", QuestionKind.DATE, "When did it happen?")
        about = add_section(version, "About you", is_equality=True)
        add_question(about, "age-band", QuestionKind.SINGLE_CHOICE, "What is your age?",
                     options=AGE_BANDS, required=False, tag=ReportingTag.AGE_BAND)
        db.session.commit()
    return made


def posted_paper(app, questionnaire_id: int, slug: str = "camden") -> str:
    """A paper request in a print run marked posted; returns its reference."""
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        where = borough(slug)
        now = utcnow()
        run = PrintRun(borough_id=where.id, questionnaire_id=questionnaire.id,
                       version_id=questionnaire.current_version.id, status=RunStatus.POSTED,
                       request_count=1, rendered_count=1, posted_at=now)
        db.session.add(run)
        db.session.flush()
        reference = new_reference()
        db.session.add(PaperRequest(
            questionnaire_id=questionnaire.id, borough_id=where.id, reference=reference,
            name="Ada Lovelace", address_line_1="12 Gordon Square", town="London",
            postcode="WC1H 0AG", match_key=reference, format=PaperFormat.STANDARD,
            consented_at=now, status=RequestStatus.POSTED, print_run_id=run.id,
            in_print_run_at=now, posted_at=now))
        db.session.commit()
        return reference


def set_consultation(app, consultation_id: int, **values) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        for name, value in values.items():
            setattr(consultation, name, value)
        db.session.commit()


def key(client, reference: str, data: dict, slug: str = "camden"):
    """Key a form through its page (GET for the CSRF token, then POST)."""
    return client.submit(f"{KEYING.format(slug)}/{reference}", data)


def open_reference(client, typed: str, slug: str = "camden"):
    return client.submit(KEYING.format(slug), {"reference": typed})


def responses(app, reference: str) -> list[tuple]:
    with app.app_context():
        found = db.session.scalars(select(Response).where(Response.reference == reference))
        return [(r.id, r.channel, r.entered_by_id) for r in found]
