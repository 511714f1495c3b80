"""No staff address reaches an object through a parent it does not belong to.

A staff URL names a chain of parents: /staff/boroughs/<borough>/groups/<group>/meetings/<id>/
agenda/<id>/..., /staff/consultations/<slug>/<audience>/questions/<id>/... The borough is
checked by engage.auth.access.staff_borough; every child below it must then be loaded through
its parent, or a Camden officer could read or change a Lambeth meeting, paper request or
telephone case by putting its id under a Camden address, and anyone could change one meeting's
agenda, or one questionnaire's options, through another's address.

One world is built for the whole module (building it for each test would take minutes):
Camden and Lambeth, and within Camden a second group, a second meeting and a second
consultation. Each case is one staff route with one id or slug swapped for another parent's.
It is sent, by GET and by POST with a good CSRF token and a form that would otherwise do
something, as a Camden officer holding every Camden role and as an administrator (who may see
every borough, but still reaches a child only through its own parent); it must be refused and
write nothing at all. The same request with the right parent must not be refused, or the
refusal would prove nothing: those controls run last, as they change the world.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage import storage
from engage.clock import utcnow
from engage.datasets.models import FileStatus, ResponseFile
from engage.extensions import db
from engage.groups.models import Group, GroupKind, Membership, MembershipStatus, Represents
from engage.groups.operations import create_group
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest
from engage.meetings.minutes import ActionPoint, ActionStatus
from engage.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingMode,
    MeetingStatus,
    MeetingVisibility,
    Paper,
)
from engage.reports.collation import collate_area, save_snapshot
from engage.reports.comments_models import CommentFlag, FlagCategory
from engage.reports.targets_models import PlannedPriority
from engage.surveys import invitations
from engage.surveys.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    InviteeList,
    InviteeListSource,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    ResponseContact,
)
from engage.surveys.responses import new_key, store_response
from engage.telephone import interview
from engage.telephone.models import Call, CallCase
from tests.conftest import discard_test_app, new_test_app
from tests.factories import PASSWORD, borough, create_admin, create_user
from tests.helpers import Browser, csrf_token, page_text, statements
from tests.mailouts.test_keying_support import posted_paper
from tests.meetings.support import FORM as MEETING_FORM
from tests.meetings.support import PDF
from tests.surveys.support import DEFAULT_ANSWERS, make_consultation

CAMDEN_ROLES = {"officer": "camden", "interviewer": "camden", "clerk": "camden",
                "analyst": "camden"}
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.I)
# Reading any page may note that the signed-in session is still in use (engage.auth.sessions).
SESSION_TOUCH = re.compile(r'\s*UPDATE\s+"?user_sessions"?\s', re.I)


# The world -------------------------------------------------------------------------------------

@dataclass
class World:
    app: object
    ids: dict[str, str]
    browsers: dict[str, Browser]
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(app_settings, backend, _schema, smtp_server):
    """As tests.conftest's `app`, but once for the module; its rows are deleted at the end."""
    app = new_test_app(app_settings, backend)
    try:
        ids = _build(app)
        browsers, tokens = {}, {}
        for who, email in (("officer", ids.pop("officer_email")),
                           ("admin", ids.pop("admin_email"))):
            browsers[who] = Browser(app)
            browsers[who].sign_in(email, PASSWORD)
            tokens[who] = csrf_token(browsers[who].get("/account").get_data(as_text=True))
        yield World(app, ids, browsers, tokens)
    finally:
        discard_test_app(app)


def _build(app) -> dict[str, str]:
    """Everything the cases name, in Camden and Lambeth; returns {name: id or slug} as text."""
    ids: dict[str, object] = {}
    both = Audience.RESIDENTS, Audience.BUSINESSES
    consultations = {
        "shared": make_consultation(app, boroughs=["camden", "lambeth"], audiences=both),
        "camden_only": make_consultation(app, boroughs=["camden"], audiences=both),
        "lambeth_only": make_consultation(app, boroughs=["lambeth"], audiences=both),
        # Camden's to build: not open yet, no answers, so a change is made in place.
        "builder": make_consultation(app, boroughs=["camden"], audiences=both,
                                     opens_at=utcnow() + timedelta(days=7)),
        # Covered Camden when a Camden case was recorded; covers only Lambeth now.
        "former": make_consultation(app, boroughs=["lambeth"]),
    }
    papers = {name: posted_paper(app, consultations["shared"].questionnaire_id, slug)
              for name, slug in (("reference", "camden"), ("settle_reference", "camden"),
                                 ("typed_reference", "camden"),
                                 ("reference_elsewhere", "lambeth"),
                                 ("settle_reference_elsewhere", "lambeth"))}
    with app.app_context():
        officer = create_user(roles=CAMDEN_ROLES)
        admin = create_admin()
        ids["officer_email"], ids["admin_email"] = officer.email, admin.email
        camden, lambeth = borough("camden"), borough("lambeth")

        # Groups and their members: Camden's CPEG, a second Camden group, Lambeth's CPEG and a
        # Lambeth group whose slug Camden does not have.
        cpeg = _group("camden", "cpeg")
        youth = create_group(camden, GroupKind.YOUTH_FORUM, "Camden youth forum")
        lambeth_cpeg = _group("lambeth", "cpeg")
        elsewhere = create_group(lambeth, GroupKind.WARD_PANEL, "Brixton ward panel")
        ids.update(group=cpeg.slug, group_id=cpeg.id, group_elsewhere=elsewhere.slug,
                   group_id_elsewhere=lambeth_cpeg.id)
        for suffix, group in (("", cpeg), ("_youth", youth), ("_elsewhere", lambeth_cpeg)):
            for name, status in (("pending", MembershipStatus.PENDING),
                                 ("applicant", MembershipStatus.PENDING),
                                 ("member", MembershipStatus.ACTIVE)):
                membership = Membership(group=group, user=create_user(), status=status,
                                        represents=Represents.SELF,
                                        joined_at=utcnow() if status.value == "active" else None)
                db.session.add(membership)
                db.session.flush()
                ids[name + suffix] = membership.id

        # Meetings, each with an agenda item, a paper on it and an action point: two of
        # Camden's CPEG, one of the second group, one of Lambeth's CPEG.
        for suffix, group in (("", cpeg), ("_sibling", cpeg), ("_youth", youth),
                              ("_elsewhere", lambeth_cpeg)):
            meeting = _meeting(group)
            ids["meeting" + suffix] = meeting.id
            ids["item" + suffix] = meeting.agenda[0].id
            ids["paper" + suffix] = meeting.agenda[0].papers[0].id
            action = ActionPoint(meeting_id=meeting.id, description="Write to the council",
                                 owner="The chair", status=ActionStatus.OPEN)
            db.session.add(action)
            db.session.flush()
            ids["action" + suffix] = action.id

        # Consultations: slugs, ids, and their questionnaires' sections, questions, options.
        for name, made in consultations.items():
            ids[f"slug_{name}"], ids[f"id_{name}"] = made.slug, made.consultation_id
            ids[f"questionnaire_{name}"] = made.questionnaire_id
        ids.update(consultation=ids["slug_shared"], consultation_id=ids["id_shared"],
                   consultation_elsewhere=ids["slug_lambeth_only"],
                   consultation_id_elsewhere=ids["id_lambeth_only"],
                   questionnaire=ids["questionnaire_shared"],
                   questionnaire_elsewhere=ids["questionnaire_lambeth_only"],
                   builder=ids["slug_builder"], builder_shared=ids["slug_shared"],
                   builder_elsewhere=ids["slug_lambeth_only"])
        for suffix, made, audience in (("", consultations["builder"], "residents"),
                                       ("_businesses", consultations["builder"], "businesses"),
                                       ("_elsewhere", consultations["lambeth_only"],
                                        "residents"),
                                       ("_shared", consultations["shared"], "residents")):
            _questionnaire_ids(ids, suffix, made.version_ids[audience])

        # Planned priorities ("You said, we did"), two for each borough and consultation, so
        # the first can move down.
        for suffix, where, made in (("", camden, "shared"), ("_elsewhere", lambeth, "shared"),
                                    ("_other_consultation", camden, "camden_only")):
            for position in (1, 2):
                priority = PlannedPriority(
                    consultation_id=consultations[made].consultation_id, borough_id=where.id,
                    position=position, option_value="burglary", title=f"Burglary {position}",
                    target="Fewer burglaries")
                db.session.add(priority)
                db.session.flush()
                if position == 1:
                    ids["priority" + suffix] = priority.id

        # Flagged comments, and responses to count.
        for suffix, where, made in (("", camden, "shared"), ("_elsewhere", lambeth, "shared"),
                                    ("_other_consultation", camden, "camden_only")):
            ids["flag" + suffix] = _flag(consultations[made], where).id
            ids["reply" + suffix] = _reply_asked_for(consultations[made], where).response_id

        # Response files made for analysts, one of each.
        for suffix, where, made in (("", camden, "shared"), ("_elsewhere", lambeth, "shared"),
                                    ("_other_consultation", camden, "camden_only")):
            ids["file" + suffix] = _response_file(consultations[made], where).id
        # ...and London's, of two consultations.
        for suffix, made in (("", "shared"), ("_other_consultation", "camden_only")):
            ids["london_file" + suffix] = _response_file(consultations[made], None).id

        # Invitation lists, one person on each.
        for suffix, where, made in (("", camden, "shared"), ("_elsewhere", lambeth, "shared"),
                                    ("_other_consultation", camden, "camden_only")):
            ids["list" + suffix] = _invitee_list(consultations[made], where, officer).id

        # Paper: Camden's and Lambeth's requests, in runs marked posted; and one more of each
        # keyed twice differently, waiting for a supervisor.
        for name, reference in papers.items():
            paper = db.session.scalar(select(PaperRequest)
                                      .where(PaperRequest.reference == reference))
            ids[name] = reference
            if name == "reference":
                ids.update(request=paper.id, run=paper.print_run_id)
            elif name == "reference_elsewhere":
                ids.update(request_elsewhere=paper.id, run_elsewhere=paper.print_run_id)
            if name.startswith("settle"):
                for round_, confidence in ((1, "good"), (2, "poor")):
                    db.session.add(KeyedEntry(reference=reference, round=round_,
                                              clerk_id=officer.id if round_ == 1 else admin.id,
                                              answers={"confidence": {"option": confidence}}))

        # Telephone: a case in each borough, on a call with the interview under way; and a
        # Camden case of a consultation that no longer covers Camden.
        for suffix, where, made in (("", camden, "shared"), ("_elsewhere", lambeth, "shared"),
                                    ("_former", camden, "former")):
            ids["case" + suffix] = _call_case(consultations[made], where, officer,
                                              interviewing=suffix != "_former").id
        ids["id_former"] = consultations["former"].consultation_id

        # Reports counted for Camden: the shared consultation's, and (as if it had been) the
        # Lambeth-only one's, so a download through the wrong consultation would have something
        # to give.
        for made in ("shared", "lambeth_only"):
            consultation = db.session.get(Consultation, consultations[made].consultation_id)
            save_snapshot(consultation, camden, collate_area(consultation, camden))

        # Staff roles, for the administrators' pages.
        someone = create_user(roles={"officer": "lambeth"})
        someone_else = create_user(roles={"officer": "hackney"})
        ids.update(staff_user=someone.id, role=someone.staff_roles[0].id,
                   role_other_user=someone_else.staff_roles[0].id)
        db.session.commit()
    return {name: str(value) for name, value in ids.items()}


def _group(slug: str, group_slug: str) -> Group:
    return db.session.scalar(select(Group).where(Group.borough_id == borough(slug).id,
                                                 Group.slug == group_slug))


def _meeting(group: Group) -> Meeting:
    starts = utcnow().replace(microsecond=0) + timedelta(days=30)
    meeting = Meeting(group=group, title="Quarterly meeting", starts_at=starts,
                      ends_at=starts + timedelta(hours=2), mode=MeetingMode.IN_PERSON,
                      venue="Town Hall", address="High Street",
                      visibility=MeetingVisibility.PUBLIC, status=MeetingStatus.DRAFT)
    item = AgendaItem(position=1, title="Welcome")
    item.papers.append(Paper(original_filename="minutes.pdf", stored_name=secrets.token_hex(16),
                             content_type="application/pdf", size_bytes=len(PDF)))
    meeting.agenda.append(item)
    meeting.agenda.append(AgendaItem(position=2, title="Any other business"))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _questionnaire_ids(ids: dict, suffix: str, version_id: int) -> None:
    """The standard questionnaire's first section, its "comments" question (in the second
    section), the "victim" question a condition may depend on, the "priorities" question and
    its "robbery" option."""
    version = db.session.get(QuestionnaireVersion, version_id)
    questions = {q.key: q for q in version.ordered_questions()}
    comments = questions["comments"]
    ids["section" + suffix] = version.sections[0].id
    ids["question" + suffix] = comments.id
    ids["question_section" + suffix] = comments.section_id
    ids["source" + suffix] = questions["victim"].id
    ids["choice" + suffix] = questions["priorities"].id
    ids["option" + suffix] = next(o.id for o in questions["priorities"].options
                                  if o.value == "robbery")


def _response_file(made, where) -> ResponseFile:
    file = ResponseFile(consultation_id=made.consultation_id,
                        questionnaire_id=made.questionnaire_id, borough=where,
                        status=FileStatus.READY, file_name="responses.zip", responses=0,
                        size_bytes=2)
    db.session.add(file)
    db.session.flush()
    storage.save(file.key, b"PK")
    return file


def _flag(made, where) -> CommentFlag:
    version = db.session.get(QuestionnaireVersion, made.version_id)
    response = store_response(
        version, {**DEFAULT_ANSWERS, "comments": {"text": "Someone keeps following me home"}},
        idempotency_key=new_key(), borough=where, channel=Channel.ONLINE)
    answer = db.session.scalar(select(Answer).join(Question).where(
        Answer.response_id == response.id, Question.key == "comments"))
    flag = CommentFlag(answer_id=answer.id, consultation_id=made.consultation_id,
                       borough_id=where.id, category=FlagCategory.SAFEGUARDING,
                       reason="Someone may be at risk", matched="following me")
    db.session.add(flag)
    db.session.flush()
    return flag


def _reply_asked_for(made, where) -> ResponseContact:
    version = db.session.get(QuestionnaireVersion, made.version_id)
    response = store_response(
        version, DEFAULT_ANSWERS, idempotency_key=new_key(), borough=where,
        channel=Channel.ONLINE,
        contact={"name": f"Resident of {where.name}", "email": "resident@example.org",
                 "phone": None})
    return db.session.get(ResponseContact, response.id)


def _invitee_list(made, where, officer) -> InviteeList:
    questionnaire = db.session.get(Questionnaire, made.questionnaire_id)
    invitee_list = InviteeList(questionnaire_id=questionnaire.id, borough_id=where.id,
                               name="Residents' associations", source=InviteeListSource.UPLOAD,
                               created_by_id=officer.id)
    db.session.add(invitee_list)
    db.session.flush()
    rows, errors, _ = invitations.check_upload(
        f"email\nchair-{invitee_list.id}@example.org\n", questionnaire.audience)
    assert not errors
    invitations.add_rows(invitee_list, rows)
    return invitee_list


def _call_case(made, where, officer, interviewing: bool) -> CallCase:
    now = utcnow().replace(microsecond=0)
    call_case = CallCase(questionnaire_id=made.questionnaire_id, borough_id=where.id,
                         name=f"Private Person of {where.name}", phone="+442079460000",
                         consented_at=now, recorded_by_id=officer.id)
    db.session.add(call_case)
    db.session.flush()
    if interviewing:
        db.session.add(Call(case_id=call_case.id, caller_id=officer.id, started_at=now))
        db.session.flush()
        db.session.refresh(call_case, ["calls"])
        interview.begin(call_case, now)
    return call_case


# The cases -------------------------------------------------------------------------------------

def upload(name: str, content: bytes) -> Callable[[], tuple]:
    """A file for a form: made afresh for each request (a request reads it to the end)."""
    return lambda: (io.BytesIO(content), name)


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str  # {name}: the world's ids
    swap: dict[str, str]  # name in the path or form -> another parent's object, by name
    data: dict = field(default_factory=dict)
    refused: int = 404
    admin_only: bool = False  # others get 403 whatever the ids
    edits_consultation: bool = False  # needs engage.surveys.builder_consultations.may_edit

    @property
    def name(self) -> str:
        named = self.path + repr(self.data)
        swapped = ",".join(f"{key}={value}" for key, value in self.swap.items()
                           if "{" + key + "}" in named)
        return f"{self.endpoint}-{self.method}-{swapped}"

    def request(self, ids: dict[str, str], swap: dict[str, str] | None = None):
        values = {**ids, **{key: ids[other] for key, other in (swap or {}).items()}}
        data = {key: (value() if callable(value) else
                      [v.format_map(values) for v in value] if isinstance(value, list) else
                      value.format_map(values))
                for key, value in self.data.items()} if self.method == "POST" else {}
        return self.path.format_map(values), data


def routes(endpoint: str, methods: str, path: str, swaps: list[dict[str, str]],
           data: dict | None = None, **options) -> list[Case]:
    return [Case(endpoint, method, path, swap, data or {}, **options)
            for swap in swaps for method in methods.split()]


CAMDEN = "/staff/boroughs/camden"
GROUP = CAMDEN + "/groups/{group}"
MEETING = GROUP + "/meetings/{meeting}"
REPORT = CAMDEN + "/reports/{consultation}"
INVITATIONS = CAMDEN + "/consultations/{consultation}/invitations"
LIST = INVITATIONS + "/{list}"
REPLIES = CAMDEN + "/consultations/{consultation}/replies"
CASE = CAMDEN + "/telephone/cases/{case}"
BUILDER = "/staff/consultations/{builder}/residents"
SECTION = BUILDER + "/sections/{section}"
QUESTION = BUILDER + "/questions/{question}"
OPTION = BUILDER + "/options/{option}"

OTHER_GROUP = [{"group": "group_elsewhere"}]
OTHER_CONSULTATION = [{"consultation": "consultation_elsewhere",
                       "questionnaire": "questionnaire_elsewhere"}]
# Same borough, another group; another borough.
OTHER_MEETING = [{"meeting": "meeting_youth"}, {"meeting": "meeting_elsewhere"}]
# Same group, another meeting; another borough.
OTHER_ITEM = [{"item": "item_sibling"}, {"item": "item_elsewhere"}]
OTHER_PAPER = [{"paper": "paper_sibling"}, {"paper": "paper_elsewhere"}]
OTHER_ACTION = [{"action": "action_sibling"}, {"action": "action_elsewhere"}]
OTHER_PENDING = [{"pending": "pending_youth"}, {"pending": "pending_elsewhere"}]
OTHER_APPLICANT = [{"applicant": "applicant_youth"}, {"applicant": "applicant_elsewhere"}]
OTHER_MEMBER = [{"member": "member_youth"}, {"member": "member_elsewhere"}]
# Same borough, another consultation; another borough, same consultation.
OTHER_PRIORITY = [{"priority": "priority_other_consultation"},
                  {"priority": "priority_elsewhere"}]
OTHER_FLAG = [{"flag": "flag_other_consultation"}, {"flag": "flag_elsewhere"}]
OTHER_FILE = [{"file": "file_other_consultation"}, {"file": "file_elsewhere"}]
OTHER_LIST = [{"list": "list_other_consultation"}, {"list": "list_elsewhere"}]
OTHER_REPLY = [{"reply": "reply_other_consultation"}, {"reply": "reply_elsewhere"}]
# Same consultation, the businesses' questionnaire; another consultation.
OTHER_SECTION = [{"section": "section_businesses"}, {"section": "section_elsewhere"}]
OTHER_QUESTION = [{"question": "question_businesses",
                   "question_section": "question_section_businesses"},
                  {"question": "question_elsewhere",
                   "question_section": "question_section_elsewhere"}]
OTHER_SOURCE = [{"source": "source_businesses"}, {"source": "source_elsewhere"}]
OTHER_CHOICE = [{"choice": "choice_businesses"}, {"choice": "choice_elsewhere"}]
OTHER_OPTION = [{"option": "option_businesses"}, {"option": "option_elsewhere"}]

MEMBERS_CSV = b"name,email,represents\nAda Lovelace,ada-import@example.org,self\n"
INVITEES_CSV = b"email\nnew-person@example.org\n"
CRIME_CSV = (b"crime type,change in offences,percentage change,target,result\n"
             b"Burglary,-12,-3.5,,achieved\n")
QUESTION_FORM = {"text": "Anything else?", "key": "comments", "kind": "long-text",
                 "section": "{question_section}", "required": "no", "tag": ""}

GROUP_CASES = [
    *routes("groups_staff.edit", "GET POST", GROUP + "/edit", OTHER_GROUP,
            {"name": "Renamed", "purpose": "", "terms_of_reference": "",
             "contact_email": "", "contact_phone": ""}),
    *routes("groups_staff.requests", "GET", GROUP + "/requests", OTHER_GROUP),
    *routes("groups_staff.members", "GET", GROUP + "/members", OTHER_GROUP),
    *routes("groups_staff.members_csv", "GET", GROUP + "/members.csv", OTHER_GROUP),
    *routes("representation.page", "GET", GROUP + "/representation", OTHER_GROUP),
    *routes("representation.csv", "GET", GROUP + "/representation.csv", OTHER_GROUP),
    *routes("member_import.upload", "GET POST", GROUP + "/import", OTHER_GROUP,
            {"members": upload("members.csv", MEMBERS_CSV), "email_new": ""}),
    *routes("meetings_staff.index", "GET", GROUP + "/meetings", OTHER_GROUP),
    *routes("meetings_staff.new", "GET POST", GROUP + "/meetings/new", OTHER_GROUP,
            MEETING_FORM),
    *routes("groups_staff.member", "GET POST", GROUP + "/members/{member}", OTHER_MEMBER,
            {"role": "chair", "role_starts_on": ["1", "4", "2027"],
             "role_ends_on": ["", "", ""]}),
    *routes("groups_staff.approve", "POST", GROUP + "/requests/{pending}/approve",
            OTHER_PENDING),
    *routes("groups_staff.decline", "GET POST", GROUP + "/requests/{applicant}/decline",
            OTHER_APPLICANT, {"reason": "The group is full."}),
]

MEETING_CASES = [
    *routes("meetings_staff.meeting", "GET", MEETING, OTHER_MEETING),
    *routes("meetings_staff.edit", "GET POST", MEETING + "/edit", OTHER_MEETING,
            {**MEETING_FORM, "title": "Moved meeting"}),
    *routes("meetings_staff.add_item", "GET POST", MEETING + "/agenda/new", OTHER_MEETING,
            {"title": "Knife crime", "presenter": "", "minutes": ""}),
    *routes("meeting_minutes.attendance", "GET POST", MEETING + "/attendance", OTHER_MEETING),
    *routes("meeting_minutes.minutes", "GET POST", MEETING + "/minutes", OTHER_MEETING,
            {"body": "We met.", "publish": "Publish"}),
    *routes("meeting_minutes.actions", "GET POST", MEETING + "/actions", OTHER_MEETING,
            {"description": "Ask for patrols", "owner": "PC Smith", "due_on": ["", "", ""]}),
    *routes("meeting_minutes.action_done", "POST", MEETING + "/actions/{action}/done",
            OTHER_ACTION),
    *routes("meetings_staff.add_paper", "GET POST", MEETING + "/agenda/{item}/papers/new",
            OTHER_ITEM, {"file": upload("figures.pdf", PDF)}),
    *routes("meetings_staff.move_item", "POST", MEETING + "/agenda/{item}/move", OTHER_ITEM,
            {"direction": "down"}),
    *routes("meetings_staff.publish", "POST", MEETING + "/publish", OTHER_MEETING),
    *routes("meetings_staff.remove_paper", "POST", MEETING + "/papers/{paper}/remove",
            OTHER_PAPER),
    *routes("meetings_staff.remove_item", "POST", MEETING + "/agenda/{item}/remove",
            OTHER_ITEM),
    *routes("meetings_staff.cancel", "GET POST", MEETING + "/cancel", OTHER_MEETING),
]

REPORT_CASES = [
    *routes("reports.borough", "GET", REPORT, OTHER_CONSULTATION),
    *routes("reports.borough_csv", "GET", REPORT + "/figures.csv", OTHER_CONSULTATION),
    *routes("report_downloads.borough_xlsx", "GET", REPORT + "/figures.xlsx",
            OTHER_CONSULTATION),
    *routes("report_downloads.borough_pdf", "GET", REPORT + "/report.pdf", OTHER_CONSULTATION),
    *routes("reports.collate_borough", "POST", REPORT + "/collate", OTHER_CONSULTATION),
    *routes("report_targets.crime_figures", "GET POST", REPORT + "/crime-figures",
            OTHER_CONSULTATION,
            {"period": "2026/27", "figures": upload("crime.csv", CRIME_CSV), "replace": "y"}),
    *routes("report_targets.edit_targets", "GET POST", REPORT + "/targets", OTHER_CONSULTATION,
            {"confidence_target": "51.4", "gap_target": "", "feeling_safe_target": ""}),
    *routes("report_targets.you_said_we_did", "GET POST", REPORT + "/you-said-we-did",
            OTHER_CONSULTATION, {"priority": "robbery", "other": "", "target": "Fewer"}),
    *routes("report_targets.move_planned", "POST", REPORT + "/you-said-we-did/{priority}/down",
            OTHER_PRIORITY),
    *routes("report_targets.remove_planned", "POST",
            REPORT + "/you-said-we-did/{priority}/remove", OTHER_PRIORITY),
    *routes("report_targets.publish", "GET POST", REPORT + "/publish", OTHER_CONSULTATION),
    *routes("report_targets.unpublish", "POST", REPORT + "/unpublish", OTHER_CONSULTATION),
    *routes("report_comments.index", "GET", REPORT + "/comments", OTHER_CONSULTATION),
    *routes("report_comments.question", "GET", REPORT + "/comments/comments",
            OTHER_CONSULTATION),
    *routes("report_comments.flag", "GET POST", REPORT + "/comments/flags/{flag}", OTHER_FLAG,
            {"note": "Passed to the safeguarding team."}),
    *routes("response_files.page", "GET POST", REPORT + "/responses", OTHER_CONSULTATION,
            {"questionnaire": "{questionnaire}"}),
    *routes("response_files.download", "GET", REPORT + "/responses/{file}.zip", OTHER_FILE),
    # London's files: a borough's file of the same consultation, London's of another.
    *routes("response_files.london_download", "GET",
            "/staff/reports/{consultation}/london/responses/{london_file}.zip",
            [{"london_file": "file"}, {"london_file": "london_file_other_consultation"}],
            admin_only=True),
    *routes("report_comments.london_flag", "GET POST",
            "/staff/reports/{consultation}/london/comments/flags/{flag_elsewhere}",
            [{"flag_elsewhere": "flag_other_consultation"}], {"note": "Passed on."},
            admin_only=True),
]

PAPER_CASES = [
    *routes("mailouts.request_page", "GET", CAMDEN + "/paper/requests/{request}",
            [{"request": "request_elsewhere"}]),
    *routes("mailouts.undeliverable", "POST", CAMDEN + "/paper/requests/{request}/undeliverable",
            [{"request": "request_elsewhere"}]),
    *routes("mailouts.run_page", "GET", CAMDEN + "/paper/runs/{run}",
            [{"run": "run_elsewhere"}]),
    *routes("mailouts.download_pdf", "GET", CAMDEN + "/paper/runs/{run}/print-run.pdf",
            [{"run": "run_elsewhere"}]),
    *routes("mailouts.download_labels", "GET", CAMDEN + "/paper/runs/{run}/labels.csv",
            [{"run": "run_elsewhere"}]),
    *routes("mailouts.posted", "POST", CAMDEN + "/paper/runs/{run}/posted",
            [{"run": "run_elsewhere"}]),
    *routes("mailouts.try_again", "POST", CAMDEN + "/paper/runs/{run}/try-again",
            [{"run": "run_elsewhere"}]),
    *routes("mailouts_keying.key", "GET POST", CAMDEN + "/paper/keying/{reference}",
            [{"reference": "reference_elsewhere"}], {"q_confidence": "2"}),
    # Settling refuses by sending the supervisor back to the keying page, with the reason.
    *routes("mailouts_keying.settle", "GET POST", CAMDEN + "/paper/keying/{settle_reference}/"
            "settle", [{"settle_reference": "settle_reference_elsewhere"}],
            {"confidence": "first"}, refused=302),
]

INVITATION_CASES = [
    *routes("surveys_invitations.index", "GET", INVITATIONS, OTHER_CONSULTATION),
    *routes("surveys_invitations.new_from_group", "GET POST", INVITATIONS + "/new/group",
            OTHER_CONSULTATION, {"questionnaire": "{questionnaire}", "group": "{group_id}",
                                 "name": ""}),
    *routes("surveys_invitations.new_from_upload", "GET POST", INVITATIONS + "/new/upload",
            OTHER_CONSULTATION, {"questionnaire": "{questionnaire}", "name": "Shops",
                                 "people": upload("people.csv", INVITEES_CSV)}),
    *routes("surveys_invitations.list_page", "GET", LIST, OTHER_LIST),
    *routes("surveys_invitations.add_people", "GET POST", LIST + "/add", OTHER_LIST,
            {"people": upload("people.csv", INVITEES_CSV)}),
    *routes("surveys_invitations.automatic_reminder", "GET POST", LIST + "/automatic-reminder",
            OTHER_LIST, {"days": "7"}),
    *routes("surveys_invitations.send", "GET POST", LIST + "/send", OTHER_LIST),
    *routes("surveys_invitations.reminder", "GET POST", LIST + "/reminder", OTHER_LIST,
            {"days": "0", "confirmed": "yes"}),
]

REPLY_CASES = [
    *routes("surveys_replies.index", "GET", REPLIES, OTHER_CONSULTATION),
    *routes("surveys_replies.reply", "GET POST", REPLIES + "/{reply}", OTHER_REPLY,
            {"note": "Phoned them"}),
]

TELEPHONE_CASES = [
    *routes("telephone.call_list", "GET", CAMDEN + "/telephone/consultations/{consultation_id}",
            [{"consultation_id": "consultation_id_elsewhere"}]),
    *routes("telephone.case_page", "GET", CASE, [{"case": "case_elsewhere"}]),
    *routes("telephone.start_call", "POST", CASE + "/calls", [{"case": "case_elsewhere"}]),
    *routes("telephone.begin", "POST", CASE + "/interview", [{"case": "case_elsewhere"}]),
    *routes("telephone.question", "GET POST", CASE + "/interview/questions/confidence",
            [{"case": "case_elsewhere"}], {"q_confidence": "good"}),
    *routes("telephone.about_you", "GET POST", CASE + "/interview/about-them",
            [{"case": "case_elsewhere"}], {"consent": "no"}),
    *routes("telephone.finish", "GET POST", CASE + "/interview/check",
            [{"case": "case_elsewhere"}]),
    *routes("telephone.outcome", "GET POST", CASE + "/outcome", [{"case": "case_elsewhere"}],
            {"outcome": "refused", "note": ""}),
]

# Looking at a questionnaire is for every staff role; changing it takes may_edit.
BUILDER_CASES = [
    *routes("surveys_builder.question", "GET", QUESTION, OTHER_QUESTION),
    *routes("surveys_builder.edit_section", "GET POST", SECTION + "/edit", OTHER_SECTION,
            {"title": "Renamed", "introduction": ""}, edits_consultation=True),
    *routes("surveys_builder.move_section", "POST", SECTION + "/move", OTHER_SECTION,
            {"direction": "down"}, edits_consultation=True),
    *routes("surveys_builder.choose_kind", "GET POST", SECTION + "/questions/new",
            OTHER_SECTION, {"kind": "short-text"}, edits_consultation=True),
    *routes("surveys_builder.add_question", "GET POST", SECTION + "/questions/new/short-text",
            OTHER_SECTION, {"text": "Which street?", "key": "", "required": "no"},
            edits_consultation=True),
    *routes("surveys_builder.edit_question", "GET POST", QUESTION + "/edit", OTHER_QUESTION,
            QUESTION_FORM, edits_consultation=True),
    *routes("surveys_builder.move_question", "POST", QUESTION + "/move", OTHER_QUESTION,
            {"direction": "up"}, edits_consultation=True),
    *routes("surveys_builder.condition", "GET POST", QUESTION + "/condition", OTHER_QUESTION,
            {"source": "{source}"}, edits_consultation=True),
    *routes("surveys_builder.condition_values", "GET POST", QUESTION + "/condition/{source}",
            [*OTHER_QUESTION, *OTHER_SOURCE], {"values": ["yes"]}, edits_consultation=True),
    *routes("surveys_builder.clear_condition", "POST", QUESTION + "/condition/remove",
            OTHER_QUESTION, edits_consultation=True),
    *routes("surveys_builder.add_option", "GET POST", BUILDER + "/questions/{choice}/options/"
            "new", OTHER_CHOICE, {"label": "Speeding"}, edits_consultation=True),
    *routes("surveys_builder.edit_option", "GET POST", OPTION + "/edit", OTHER_OPTION,
            {"label": "Robbery and theft", "value": "robbery"}, edits_consultation=True),
    *routes("surveys_builder.move_option", "POST", OPTION + "/move", OTHER_OPTION,
            {"direction": "up"}, edits_consultation=True),
    *routes("surveys_builder.remove_option", "POST", OPTION + "/remove", OTHER_OPTION,
            edits_consultation=True),
    *routes("surveys_builder.remove_question", "GET POST", QUESTION + "/remove",
            OTHER_QUESTION, edits_consultation=True),
    *routes("surveys_builder.remove_section", "GET POST", SECTION + "/remove", OTHER_SECTION,
            edits_consultation=True),
]

ADMIN_CASES = routes("admin.remove_role", "POST", "/admin/staff/{staff_user}/roles/{role}/remove",
                     [{"role": "role_other_user"}], admin_only=True)

# Ids in a form rather than the address: the form is shown again with an error.
FORM_CASES = [
    *routes("mailouts.new_request", "POST", CAMDEN + "/paper/requests/new",
            [{"questionnaire": "questionnaire_elsewhere"}],
            {"questionnaire": "{questionnaire}", "name": "Ada Lovelace",
             "address_line_1": "12 Gordon Square", "address_line_2": "", "town": "London",
             "postcode": "wc1h 0ag", "borough": "camden", "format": "standard",
             "language": "", "consent": "y", "notes": ""}, refused=200),
    *routes("telephone.new_request", "POST", CAMDEN + "/telephone/requests/new",
            [{"questionnaire": "questionnaire_elsewhere"}],
            {"questionnaire": "{questionnaire}", "name": "Ada Lovelace",
             "phone": "020 7946 0001", "part_of_day": "any", "best_times": "", "consent": "y",
             "notes": ""}, refused=200),
    *routes("surveys_invitations.new_from_group", "POST", INVITATIONS + "/new/group",
            [{"questionnaire": "questionnaire_elsewhere"}, {"group_id": "group_id_elsewhere"}],
            {"questionnaire": "{questionnaire}", "group": "{group_id}", "name": ""},
            refused=200),
    *routes("mailouts_keying.index", "POST", CAMDEN + "/paper/keying",
            [{"typed_reference": "reference_elsewhere"}], {"reference": "{typed_reference}"},
            refused=200),
    *routes("surveys_builder.edit_question", "POST", QUESTION + "/edit",
            [{"question_section": "section_businesses"}], QUESTION_FORM, refused=200),
    *routes("surveys_builder.condition", "POST", QUESTION + "/condition",
            [{"source": "source_businesses"}], {"source": "{source}"}, refused=200),
]

CASES = [*GROUP_CASES, *MEETING_CASES, *REPORT_CASES, *PAPER_CASES, *INVITATION_CASES,
         *REPLY_CASES, *TELEPHONE_CASES, *BUILDER_CASES, *ADMIN_CASES, *FORM_CASES]
# One control a route and method: the right parent's request (in this order: removals last).
CONTROLS = list({(case.endpoint, case.method): case for case in CASES}.values())


def send(world: World, who: str, case: Case, swap: dict[str, str] | None = None):
    """The case's request, by `who`, with `swap` applied; and every write it made to the
    database, bar noting that the session is in use."""
    path, data = case.request(world.ids, swap)
    browser = world.browsers[who]
    tasks = world.app.extensions.setdefault("engage_recorded_tasks", [])
    queued = len(tasks)
    with statements(world.app) as seen:
        if case.method == "GET":
            response = browser.get(path)
        else:
            response = browser.post(path, {"csrf_token": world.tokens[who], **data})
    writes = [sql for sql, _ in seen if WRITES.match(sql) and not SESSION_TOUCH.match(sql)]
    return response, writes, tasks[queued:]


@pytest.mark.parametrize("who", ["officer", "admin"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_wrong_parent_is_refused_and_nothing_changes(world, case, who):
    response, writes, tasks = send(world, who, case, case.swap)
    expected = 403 if case.admin_only and who != "admin" else case.refused
    assert response.status_code == expected, page_text(response)[:500]
    if expected == 302:
        assert response.location.endswith("/paper/keying")
    assert writes == []
    assert tasks == []


# Changing a consultation is for administrators, and for an officer only when it covers nothing
# but boroughs where they are an officer: not the shared one, nor Lambeth's.
OTHER_BOROUGHS_CONSULTATIONS = [
    {"builder": f"builder{suffix}", **{name: f"{name}{suffix}" for name in (
        "section", "question", "question_section", "source", "choice", "option")}}
    for suffix in ("_shared", "_elsewhere")]
EDITING_CASES = [
    *routes("surveys_staff.edit", "GET POST", "/staff/consultations/{builder}/edit",
            OTHER_BOROUGHS_CONSULTATIONS, {"title": "Renamed"}),
    *routes("surveys_staff.use_template", "POST", "/staff/consultations/{builder}/template",
            OTHER_BOROUGHS_CONSULTATIONS),
    *routes("surveys_staff.new_questionnaire", "GET POST",
            "/staff/consultations/{builder}/questionnaires/new", OTHER_BOROUGHS_CONSULTATIONS,
            {"audience": "businesses", "title": "Shops", "introduction": ""}),
    *routes("surveys_staff.edit_questionnaire", "GET POST", BUILDER + "/details",
            OTHER_BOROUGHS_CONSULTATIONS, {"title": "Renamed", "introduction": ""}),
    *routes("surveys_builder.add_equality", "POST", BUILDER + "/equality-section",
            OTHER_BOROUGHS_CONSULTATIONS),
    *routes("surveys_builder.add_section", "GET POST", BUILDER + "/sections/new",
            OTHER_BOROUGHS_CONSULTATIONS, {"title": "More", "introduction": ""}),
    *(Case(case.endpoint, case.method, case.path, swap, case.data)
      for case in {(c.endpoint, c.method): c for c in BUILDER_CASES
                   if c.edits_consultation}.values()
      for swap in OTHER_BOROUGHS_CONSULTATIONS),
]


@pytest.mark.parametrize("case", EDITING_CASES, ids=lambda case: case.name)
def test_an_officer_cannot_change_a_consultation_beyond_their_boroughs(world, case):
    response, writes, tasks = send(world, "officer", case, case.swap)
    assert response.status_code == 403, page_text(response)[:500]
    assert writes == [] and tasks == []


def test_a_call_list_stays_open_for_cases_recorded_before_the_borough_was_dropped(world):
    """A consultation no longer covering Camden is still listed on Camden's telephone page while
    Camden has cases of it, and its call list still opens."""
    page = world.browsers["officer"].get(f"{CAMDEN}/telephone/consultations/"
                                         f"{world.ids['id_former']}")
    assert page.status_code == 200
    assert "Private Person" in page_text(page)


# The controls: with the right parent, the same requests are not refused. They change the world,
# so they run after every refusal above.
@pytest.mark.parametrize("case", CONTROLS, ids=lambda case: f"{case.endpoint}-{case.method}")
def test_the_right_parent_is_reached(world, case):
    who = "admin" if case.admin_only else "officer"
    response, _writes, _tasks = send(world, who, case)
    assert response.status_code not in (403, 404), page_text(response)[:500]
    assert response.status_code < 500
    if case.refused == 200:  # a refused form is shown again; an accepted one goes on
        assert response.status_code == 302, page_text(response)[:500]


# Staff routes whose only object is the first below the borough (or below /staff or /admin), so
# there is no parent to swap: who may open them is tested with their features.
NO_PARENT_TO_SWAP = {
    "surveys_staff.consultation", "surveys_builder.builder",  # a consultation (and an audience)
    "reports.london", "reports.london_csv", "reports.collate_london",  # London's report
    "report_comments.london_index", "report_downloads.london_xlsx",
    "report_downloads.london_pdf", "response_files.london_page",
    # London's comments of one question: `ref` is looked up among that consultation's own.
    "report_comments.london_question",
    "admin.staff_member", "admin.toggle_admin", "admin.revoke_invitation",  # administrators'
    "admin.retry_message", "admin.reset_two_step", "admin.sign_out_everywhere",
    # A questionnaire's translations: a consultation and an audience, then a language's code,
    # which names no object of its own (the translation is looked up by the questionnaire's
    # id and the code together); the service's phrases are administrators', by code alone.
    "translations.questionnaire_languages", "translations.questionnaire_words",
    "translations.delete_questionnaire_language", "translations.delete_phrases",
}


def test_every_staff_route_below_a_parent_is_checked(world):
    """A new staff route that takes an id or a slug below its borough gets a case above (or a
    reason in NO_PARENT_TO_SWAP): the refusals cannot quietly fall behind the routes. (The
    module's own app: a test here on the `app` fixture would empty the tables under the
    module's world, whichever order the test processes run them in.)"""
    app = world.app
    covered = {case.endpoint for case in [*CASES, *EDITING_CASES]}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/staff", "/admin")):
            continue
        below = set(rule.arguments) - {"borough_slug"}
        if rule.rule.startswith("/staff/boroughs/<slug>"):
            below.discard("slug")  # the borough's own pages
        if below and rule.endpoint not in covered | NO_PARENT_TO_SWAP:
            missing.append(rule.rule)
    assert missing == []
    assert set(app.view_functions) >= NO_PARENT_TO_SWAP  # no stale names
