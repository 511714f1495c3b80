"""A borough's "Local Policing Summary": the public report in the shape of the 2010 seed
document (priorities for the coming year, confidence against its target, performance against
last year's targets, the CPEG and how to take part), printed as a PDF.

It is made only from what an officer published (the ReportPublication's pinned figures and
additions), plus what the borough's public pages already show: its groups' contact details and
their upcoming public meetings. Nothing staff-only (members, chairs' names, members-only
meetings, equality tables) is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from sqlalchemy import select

from engage.auth.operations import external_url
from engage.boroughs.contact import contact_for
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group
from engage.groups.operations import groups_of
from engage.meetings.models import Meeting, MeetingStatus, MeetingVisibility
from engage.meetings.operations import when
from engage.reports.public_views import published_context
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Audience, Consultation
from engage.templating import london_time

MEETINGS_SHOWN = 3


@dataclass
class GroupInSummary:
    name: str
    kind: str
    is_cpeg: bool
    purpose: str
    url: str
    email: str | None
    phone: str | None
    own_contact: bool  # False: the service's details stand in for the group's and borough's
    meetings: list[tuple[str, str, str]] = field(default_factory=list)  # title, when, url


@dataclass
class TakingPart:
    open_now: bool
    closes: str | None
    questionnaires: list[tuple[str, str]]  # title, url
    have_your_say_url: str
    boroughs_url: str
    phone: str | None
    email: str | None
    own_contact: bool  # False: the service's details stand in for the borough's


def _upcoming_public_meetings(group: Group) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.PUBLISHED,
               Meeting.visibility == MeetingVisibility.PUBLIC, Meeting.ends_at > utcnow())
        .order_by(Meeting.starts_at, Meeting.id).limit(MEETINGS_SHOWN)))


def groups_in_summary(borough: Borough) -> list[GroupInSummary]:
    """The borough's groups, CPEG first, with the contact details their public pages show
    (the service's when neither group nor borough has any: engage.boroughs.contact)."""
    found = []
    for group in groups_of(borough):
        contact = contact_for(group=group)
        url = external_url("groups.group_page", borough_slug=borough.slug, group_slug=group.slug)
        found.append(GroupInSummary(
            name=group.name, kind=group.kind.label, is_cpeg=group.is_cpeg,
            purpose=group.purpose, url=url,
            email=contact.email, phone=contact.phone, own_contact=contact.own,
            meetings=[(m.title, when(m), external_url(
                "meetings.meeting", borough_slug=borough.slug, group_slug=group.slug,
                meeting_id=m.id)) for m in _upcoming_public_meetings(group)]))
    return found


def taking_part(consultation: Consultation, borough: Borough) -> TakingPart:
    now = utcnow()
    open_now = consultation.is_open(now)
    questionnaires = []
    if open_now:
        for audience in Audience:
            item = consultation.questionnaire_for(audience)
            if item is not None and item.versions:
                questionnaires.append((item.title, external_url(
                    "surveys_public.start", questionnaire_id=item.id)))
    contact = contact_for(borough)
    return TakingPart(
        open_now=open_now, closes=london_time(consultation.closes_at) if open_now else None,
        questionnaires=questionnaires,
        have_your_say_url=external_url("surveys_public.index"),
        boroughs_url=external_url("public.borough", slug=borough.slug),
        phone=contact.phone, email=contact.email, own_contact=contact.own)


def summary_html(published: ReportPublication) -> str:
    """The summary's HTML. Its links come from ENGAGE_BASE_URL (external_url), as an email's:
    the PDF is printed, and kept and served to everyone, so never from the Host header of
    whoever asked for it."""
    borough = published.borough
    consultation = published.consultation
    return render_template(
        "reports/pdf/summary.html", borough=borough, consultation=consultation,
        area_name=borough.name, groups=groups_in_summary(borough),
        taking_part=taking_part(consultation, borough),
        report_url=external_url("public_reports.report", borough_slug=borough.slug,
                                consultation_slug=consultation.slug),
        **published_context(published))
