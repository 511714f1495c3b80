"""The rules for consultations themselves: their details, who may change them, and their
questionnaires. These add and flush; the view commits once (and audits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.surveys.builder import BuilderError, slugify, unique
from engage.surveys.models import Audience, Consultation, Questionnaire, QuestionnaireVersion


@dataclass
class ConsultationDetails:
    title: str
    slug: str  # empty: made from the title
    purpose: str
    opens_at: datetime  # naive UTC
    closes_at: datetime
    all_boroughs: bool
    boroughs: list[Borough] = field(default_factory=list)


def officer_borough_ids(user) -> set[int]:
    return {g.borough_id for g in user.staff_roles if g.role == StaffRoleName.OFFICER}


def may_create(user) -> bool:
    return user.is_admin or bool(officer_borough_ids(user))


def may_edit(user, consultation: Consultation) -> bool:
    """Administrators edit any consultation; an officer only one covering nothing but boroughs
    where they are an officer (an all-London consultation is for administrators)."""
    if user.is_admin:
        return True
    if consultation.all_boroughs or not consultation.boroughs:
        return False
    return {b.id for b in consultation.boroughs} <= officer_borough_ids(user)


def _check_coverage(details: ConsultationDetails, user) -> None:
    if user.is_admin:
        return
    if details.all_boroughs:
        raise BuilderError("Only an administrator can cover all 32 boroughs", "coverage")
    if not {b.id for b in details.boroughs} <= officer_borough_ids(user):
        raise BuilderError("Select only boroughs where you are a borough engagement officer",
                           "boroughs")


RESERVED_SLUGS = {"new"}


def _slug_for(details: ConsultationDetails, consultation: Consultation | None) -> str:
    others = select(Consultation.slug)
    if consultation is not None:
        others = others.where(Consultation.id != consultation.id)
    # "new" is the address of the form that makes a consultation.
    taken = set(db.session.scalars(others)) | RESERVED_SLUGS
    if not details.slug:
        if consultation is not None:
            return consultation.slug
        return unique(slugify(details.title, 100), taken, "consultation", 100)
    if details.slug in taken:
        raise BuilderError("Another consultation already uses this web address: choose "
                           "another", "slug")
    return details.slug


def create_consultation(details: ConsultationDetails, user) -> Consultation:
    _check_coverage(details, user)
    consultation = Consultation(
        slug=_slug_for(details, None), title=details.title, purpose=details.purpose,
        opens_at=details.opens_at, closes_at=details.closes_at,
        all_boroughs=details.all_boroughs, created_by_id=user.id)
    consultation.boroughs = [] if details.all_boroughs else list(details.boroughs)
    db.session.add(consultation)
    db.session.flush()
    return consultation


def describe_consultation(consultation: Consultation) -> dict:
    """What the audit log records about a consultation's details."""
    return {"title": consultation.title, "slug": consultation.slug,
            "opens_at": consultation.opens_at.isoformat(),
            "closes_at": consultation.closes_at.isoformat(),
            "boroughs": "all" if consultation.all_boroughs
            else sorted(b.slug for b in consultation.boroughs)}


def update_consultation(consultation: Consultation, details: ConsultationDetails,
                        user) -> tuple[dict, dict]:
    """Change the details; returns (before, after) of what changed, both empty if nothing."""
    _check_coverage(details, user)
    before = describe_consultation(consultation)
    slug = _slug_for(details, consultation)
    purpose_changed = details.purpose != consultation.purpose
    consultation.slug, consultation.title = slug, details.title
    consultation.purpose = details.purpose
    consultation.opens_at, consultation.closes_at = details.opens_at, details.closes_at
    consultation.all_boroughs = details.all_boroughs
    consultation.boroughs = [] if details.all_boroughs else list(details.boroughs)
    db.session.flush()
    after = describe_consultation(consultation)
    changed = {k for k in after if after[k] != before[k]}
    if purpose_changed:
        before["purpose"], after["purpose"] = "(changed)", "(changed)"
        changed.add("purpose")
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


def add_questionnaire(consultation: Consultation, audience: Audience, title: str,
                      introduction: str, user) -> Questionnaire:
    """A questionnaire for one audience, with an empty version 1 to build on."""
    if consultation.questionnaire_for(audience) is not None:
        raise BuilderError(f"This consultation already has a questionnaire for "
                           f"{audience.label.lower()}", "audience")
    questionnaire = Questionnaire(consultation=consultation, audience=audience, title=title,
                                  introduction=introduction)
    db.session.add(QuestionnaireVersion(questionnaire=questionnaire, number=1,
                                        created_by_id=user.id))
    db.session.flush()
    return questionnaire




def update_questionnaire(questionnaire: Questionnaire, title: str,
                         introduction: str) -> tuple[dict, dict]:
    """Change the title and introduction (not versioned: they are not questions anyone
    answers). Returns (before, after) of what changed."""
    before = {"title": questionnaire.title, "introduction": questionnaire.introduction}
    questionnaire.title, questionnaire.introduction = title, introduction
    db.session.flush()
    after = {"title": title, "introduction": introduction}
    changed = [k for k in after if after[k] != before[k]]
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}
