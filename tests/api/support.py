"""Consultations for the API tests, built with the ready template (ids, not rows, come back)."""

from __future__ import annotations

from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Consultation,
    Option,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Section,
)
from engage.surveys.template import add_template_questionnaires
from tests.factories import borough


def make_consultation(app, slug: str = "have-your-say-2027-28", *, opens_in_days: float = -1,
                      closes_in_days: float = 30, boroughs: tuple[str, ...] = (),
                      template: bool = True) -> int:
    """A consultation (all boroughs unless some are named), with the template's questionnaires."""
    now = utcnow()
    with app.app_context():
        consultation = Consultation(
            slug=slug, title=f"Consultation {slug}", purpose="Set the policing priorities.",
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days),
            all_boroughs=not boroughs, boroughs=[borough(s) for s in boroughs])
        db.session.add(consultation)
        if template:
            add_template_questionnaires(consultation)
        db.session.commit()
        return consultation.id


def add_version(app, consultation_id: int, audience: str = "residents") -> int:
    """A second, shorter version of a questionnaire (as the builder makes after a response)."""
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        questionnaire = next(q for q in consultation.questionnaires if q.audience == audience)
        version = QuestionnaireVersion(questionnaire=questionnaire,
                                       number=questionnaire.current_version.number + 1)
        section = Section(version=version, position=1, title="Your say")
        question = Question(version=version, section=section, position=1, key="confidence",
                            kind=QuestionKind.YES_NO, text="Do the police do a good job here?")
        question.options = [Option(position=1, value="yes", label="Yes"),
                            Option(position=2, value="no", label="No")]
        db.session.add(version)
        db.session.commit()
        return version.number
