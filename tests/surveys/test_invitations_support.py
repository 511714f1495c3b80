"""Helpers for the invitation tests (no tests here): a consultation, group members and lists as
rows, signing officers in, and the links in the emails."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from engage.auth.models import User
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, Membership, MembershipStatus, Represents
from engage.surveys.models import (
    Audience,
    Consultation,
    Invitee,
    InviteeList,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from tests.factories import _PASSWORD_HASH, PASSWORD, borough, create_user
from tests.helpers import Browser
from tests.mailbox import links

SLUG = "have-your-say-2027"
STAFF = f"/staff/boroughs/camden/consultations/{SLUG}/invitations"


def make_consultation(app, opens_at: datetime | None = None,
                      closes_at: datetime | None = None, only: list[str] | None = None,
                      **overrides) -> dict[Audience, int]:
    """A consultation open now (unless told otherwise) with a residents' and a businesses'
    questionnaire of one optional question each, for every borough or `only` those named.
    Returns the questionnaire ids."""
    with app.app_context():
        if only:
            overrides.update(all_boroughs=False, boroughs=[borough(s) for s in only])
        now = utcnow()
        consultation = Consultation(
            slug=overrides.pop("slug", SLUG), title=overrides.pop("title", "Have your say 2027"),
            purpose="Tell us what the police in your area should concentrate on.",
            opens_at=opens_at or now - timedelta(days=1),
            closes_at=closes_at or now + timedelta(days=60), **overrides)
        ids = {}
        for audience in Audience:
            questionnaire = Questionnaire(consultation=consultation, audience=audience,
                                          title=f"Policing priorities: {audience.label.lower()}")
            version = QuestionnaireVersion(questionnaire=questionnaire, number=1)
            section = Section(version=version, position=1, title="Your views")
            section.questions.append(Question(
                version=version, position=1, key="comments", kind=QuestionKind.SHORT_TEXT,
                text="What should the police in your area concentrate on?", required=False))
            db.session.add(questionnaire)
            db.session.flush()
            ids[audience] = questionnaire.id
        db.session.add(consultation)
        db.session.commit()
        return ids


def cpeg(slug: str = "camden") -> Group:
    return db.session.scalar(select(Group).where(Group.borough_id == borough(slug).id,
                                                 Group.slug == "cpeg"))


def add_members(app, emails: list[str], status=MembershipStatus.ACTIVE,
                group_slug: str = "camden", group_id: int | None = None) -> None:
    """People with accounts who are members of a borough's CPEG, or of the group `group_id`
    (in bulk: fast for hundreds)."""
    with app.app_context():
        group_id = group_id or cpeg(group_slug).id
        now = utcnow()
        db.session.execute(insert(User), [
            {"name": f"Member {e.split('@')[0]}", "email": e, "password_hash": _PASSWORD_HASH,
             "email_confirmed_at": now, "is_admin": False, "created_at": now}
            for e in emails])
        ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
        db.session.execute(insert(Membership), [
            {"group_id": group_id, "user_id": user_id, "status": status,
             "represents": Represents.SELF, "role": "member", "requested_at": now,
             "meeting_emails": True} for user_id in ids])
        db.session.commit()


def officer(app, slug: str = "camden", role: str = "officer") -> Browser:
    """A browser signed in as someone holding `role` in the borough."""
    with app.app_context():
        email = create_user(roles={role: slug}).email
    browser = Browser(app)
    browser.sign_in(email, PASSWORD)
    return browser


def list_from_group(browser: Browser, questionnaire_id: int, name: str = "",
                    group_id: int | None = None, consultation: str = SLUG) -> int:
    """Make a list of a group (Camden's CPEG unless told) through the staff form; its id."""
    with browser.app.app_context():
        group_id = group_id or cpeg().id
    staff = STAFF.replace(SLUG, consultation)
    response = browser.submit(staff + "/new/group", {
        "questionnaire": str(questionnaire_id), "group": str(group_id), "name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.location.rsplit("/", 1)[1])


def invitees(app, list_id: int) -> list[Invitee]:
    with app.app_context():
        found = db.session.scalars(select(Invitee).where(Invitee.list_id == list_id)
                                   .order_by(Invitee.email)).all()
        db.session.expunge_all()
        return list(found)


def list_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(InviteeList.id)).all())


def link(message, part: str) -> str:
    return next(x for x in links(message) if part in x)
