"""The public questionnaire as a run of steps, with the answers so far kept in a ResponseDraft.

Entering the flow with a draft made elsewhere (a personal invitation link, for example):

    draft = start_draft(version, borough=borough, invitee_id=invitee.id)
    db.session.commit()
    return begin_with_draft(draft)

`begin_with_draft(draft)` remembers the draft in this browser's session (in place of any other
draft of the same questionnaire) and returns a redirect to its first step: the borough question,
or the first page of questions when the draft already has a borough. A draft that an invitation
gave its borough (`borough_fixed`) never has the borough step at all: its borough stays the
invitation's.

The steps, in order: the borough (a postcode, then a choice where the postcode leaves doubt), one
page per section (engage.surveys.pages), the consent question just before the equality section,
"Would you like a reply?", then "Check your answers", which submits. The session holds only the
draft's token and, once the reply question is answered, a random key for the answer: the
contact details themselves are kept on the server (DraftReply, one row a draft, deleted with it),
apart from the answers and never in the draft, and become the response's ResponseContact when
it is sent. The session cookie is signed, not encrypted: anyone at the browser can read it, so
nothing personal goes in it.

The reply belongs to the browser that gave it. Starting, or taking up a draft (its emailed
resume link, a personal invitation opened again), forgets it: the person is asked again, and a
resume link forwarded or read by someone else never shows, or sends, their name, email or
phone. Another browser still holding the same draft neither sees nor sends details given here.

Preview drafts (staff walking the pages) have tokens starting "preview-": the public steps never
load them and nothing submits them, so a preview can never become a response.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import redirect, session, url_for
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.wrappers import Response as HttpResponse

from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    DraftReply,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseDraft,
)
from engage.surveys.pages import pages, visible_questions
from engage.surveys.questions import is_shown
from engage.surveys.responses import new_key, start_draft

PREVIEW_PREFIX = "preview-"
# A draft left alone this long is deleted (engage.surveys.tasks), and so its resume link dies.
DRAFT_DAYS = 30
_SESSION_KEYS = {False: "surveys", True: "surveys_preview"}


class Step(NamedTuple):
    """One step: the view's endpoint name and, for a page of questions, its section position."""

    name: str
    position: int | None = None


POSTCODE = Step("postcode")
ABOUT_YOU = Step("about_you")
REPLY = Step("reply")
CHECK_ANSWERS = Step("check_answers")


def is_preview(draft: ResponseDraft) -> bool:
    return draft.token.startswith(PREVIEW_PREFIX)


# The session ---------------------------------------------------------------------------------

def _entries(preview: bool) -> dict:
    return dict(session.get(_SESSION_KEYS[preview]) or {})


def _save_entries(preview: bool, entries: dict) -> None:
    session[_SESSION_KEYS[preview]] = entries


def remember(draft: ResponseDraft) -> None:
    """Make `draft` this browser's draft of its questionnaire (without the key of any reply given
    here: begin_with_draft deletes the details)."""
    preview = is_preview(draft)
    entries = _entries(preview)
    entries[str(draft.questionnaire_id)] = {"token": draft.token}
    _save_entries(preview, entries)


def forget(questionnaire_id: int, preview: bool) -> None:
    entries = _entries(preview)
    if entries.pop(str(questionnaire_id), None) is not None:
        _save_entries(preview, entries)


# Built once: every step page runs one of these, and building the statement each time cost
# more than its cached compilation.
_UNSENT_DRAFT = (select(ResponseDraft).options(joinedload(ResponseDraft.borough))
                 .where(ResponseDraft.token == bindparam("token"),
                        ResponseDraft.questionnaire_id == bindparam("questionnaire_id"),
                        ResponseDraft.response_id.is_(None)))
_UNSENT_DRAFT_WITH_QUESTIONNAIRE = _UNSENT_DRAFT.options(
    joinedload(ResponseDraft.questionnaire).joinedload(Questionnaire.consultation))


def draft_in_session(questionnaire: Questionnaire | int, preview: bool,
                     with_questionnaire: bool = False) -> ResponseDraft | None:
    """This browser's unsent draft of `questionnaire` (or the questionnaire with this id), if it
    has one. With its borough, which most pages show, in the same query, and with
    `with_questionnaire` its questionnaire and consultation too, which every step page reads."""
    questionnaire_id = questionnaire if isinstance(questionnaire, int) else questionnaire.id
    entries = _entries(preview)
    entry = entries.get(str(questionnaire_id))
    if not entry:
        return None
    if isinstance(entry.get("reply"), dict):
        # Contact details a cookie still carries from before they were kept on the server:
        # taken out of it now, and asked for again.
        entries[str(questionnaire_id)] = {"token": entry["token"]}
        _save_entries(preview, entries)
    query = _UNSENT_DRAFT_WITH_QUESTIONNAIRE if with_questionnaire else _UNSENT_DRAFT
    draft = db.session.scalar(query, {"token": entry["token"],
                                      "questionnaire_id": questionnaire_id})
    if draft is None or is_preview(draft) != preview:
        return None
    return draft


def sent_in_session(questionnaire_id: int) -> str | None:
    """The reference of the response this browser's draft became, when it was sent without this
    browser (its emailed link finished on another device): draft_in_session no longer finds it."""
    entry = _entries(False).get(str(questionnaire_id))
    if not entry:
        return None
    return db.session.scalar(
        select(Response.reference).join(ResponseDraft, ResponseDraft.response_id == Response.id)
        .where(ResponseDraft.token == entry["token"],
               ResponseDraft.questionnaire_id == questionnaire_id))


def reply_in_session(draft: ResponseDraft) -> DraftReply | None:
    """What this browser said on "Would you like a reply?" for `draft`: None until asked (or
    when another browser answered it since), then the row, whose `wants` says yes or no."""
    entry = _entries(is_preview(draft)).get(str(draft.questionnaire_id)) or {}
    key = entry.get("reply") if entry.get("token") == draft.token else None
    if not isinstance(key, str):
        return None
    given = draft.reply
    if given is None or not hmac.compare_digest(given.browser_key, key):
        return None
    return given


def remember_reply(draft: ResponseDraft, wants: bool, name: str = "", email: str | None = None,
                   phone: str | None = None) -> None:
    """Keep the answer to "Would you like a reply?" on the server, the session holding only a
    new random key for it (flushes; the view commits). A "no" keeps no details."""
    values = {"browser_key": secrets.token_urlsafe(32), "wants": wants,
              "name": (name or "") if wants else "", "email": (email or None) if wants else None,
              "phone": (phone or None) if wants else None, "given_at": utcnow()}
    given = draft.reply
    if given is None:
        try:
            with db.session.begin_nested():
                given = DraftReply(draft_id=draft.id, **values)
                db.session.add(given)
        except IntegrityError:
            # Answered at the same moment in another request (sent twice, or two tabs): this
            # answer replaces that one.
            given = db.session.get(DraftReply, draft.id, populate_existing=True)
    for column, value in values.items():
        setattr(given, column, value)
    db.session.flush()
    set_committed_value(draft, "reply", given)
    preview = is_preview(draft)
    entries = _entries(preview)
    entries[str(draft.questionnaire_id)] = {"token": draft.token, "reply": given.browser_key}
    _save_entries(preview, entries)


def forget_reply(draft: ResponseDraft) -> None:
    """Delete the draft's reply details, whichever browser gave them."""
    db.session.execute(delete(DraftReply).where(DraftReply.draft_id == draft.id),
                       execution_options={"synchronize_session": False})
    db.session.expire(draft, ["reply"])


def contact_for_response(draft: ResponseDraft) -> dict | None:
    """The ResponseContact fields, when the person asked for a reply from this browser."""
    given = reply_in_session(draft)
    if given is None or not given.wants:
        return None
    # Consent to be contacted was given with the details, on the reply page, not on sending.
    return {"name": given.name or "", "email": given.email or None, "phone": given.phone or None,
            "consented_at": given.given_at}


# The steps -----------------------------------------------------------------------------------

def borough_fixed(draft: ResponseDraft) -> bool:
    """The borough came with a personal invitation (the invitee list's borough): the person is
    not asked for it and cannot change it."""
    return draft.invitee_id is not None and draft.borough_id is not None


def steps(draft: ResponseDraft) -> list[Step]:
    """Every step this person will meet, given their answers so far."""
    answers = draft.answers or {}
    shown = {s.id for s in pages(draft.version, answers, bool(draft.equality_consent))}
    result = [] if borough_fixed(draft) else [POSTCODE]
    asked = False
    for section in draft.version.sections:
        if section.is_equality and not asked and visible_questions(section, answers):
            result.append(ABOUT_YOU)
            asked = True
        if section.id in shown:
            result.append(Step("section", section.position))
    return result + [REPLY, CHECK_ANSWERS]


def first_incomplete(draft: ResponseDraft) -> Step:
    """The first step still to do; "Check your answers" once everything is."""
    if draft.borough_id is None:
        return POSTCODE
    answers = draft.answers or {}
    sections = {s.position: s for s in draft.version.sections}
    for step in steps(draft):
        if step.name == "section" and any(
                q.key not in answers for q in visible_questions(sections[step.position], answers)):
            return step
        if step == ABOUT_YOU and draft.equality_consent is None:
            return step
        if step == REPLY and reply_in_session(draft) is None:
            return step
    return CHECK_ANSWERS


def step_after(draft: ResponseDraft, step: Step) -> Step:
    order = steps(draft)
    return order[order.index(step) + 1] if step in order[:-1] else first_incomplete(draft)


def step_before(draft: ResponseDraft, step: Step) -> Step | None:
    order = steps(draft)
    return order[order.index(step) - 1] if step in order[1:] else None


def step_url(questionnaire_id: int, step: Step, preview: bool = False, **values) -> str:
    if step.position is not None:
        values["position"] = step.position
    return url_for(f"surveys_public.{step.name}", questionnaire_id=questionnaire_id,
                   preview=preview, **values)


def begin_with_draft(draft: ResponseDraft) -> HttpResponse:
    """Remember `draft` in this browser and send the person to its first step to do. Any reply
    details given for it, here or in another browser, are deleted (commits): the person is
    asked again (see the module's docstring)."""
    remember(draft)
    forget_reply(draft)
    db.session.commit()
    return redirect(step_url(draft.questionnaire_id, first_incomplete(draft),
                             preview=is_preview(draft)))


# Changing a draft (these flush; the view commits) --------------------------------------------

def start_preview(version: QuestionnaireVersion) -> ResponseDraft:
    draft = start_draft(version)
    draft.token = PREVIEW_PREFIX + new_key()
    draft.submission_key = PREVIEW_PREFIX + new_key()
    db.session.flush()
    return draft


def applicable_answers(version: QuestionnaireVersion, answers: Mapping[str, dict | None],
                       equality_consent: bool | None) -> dict[str, dict | None]:
    """The answers still asked for: those to questions a changed answer now hides, and equality
    answers without consent, are dropped, so nothing the person took back is stored."""
    kept: dict[str, dict | None] = {}
    for section in version.sections:
        if section.is_equality and not equality_consent:
            continue
        for question in section.questions:
            if question.key in answers and is_shown(question, kept):
                kept[question.key] = answers[question.key]
    return kept


def save_answers(draft: ResponseDraft, page_answers: Mapping[str, dict | None]) -> None:
    """Keep one page's checked answers. A question left blank is kept as None: asked, and not
    answered, so the page counts as done."""
    merged = {**(draft.answers or {}), **page_answers}
    draft.answers = applicable_answers(draft.version, merged, draft.equality_consent)
    draft.updated_at = utcnow()
    db.session.flush()


def set_equality_consent(draft: ResponseDraft, consent: bool) -> None:
    draft.equality_consent = consent
    draft.answers = applicable_answers(draft.version, draft.answers or {}, consent)
    draft.updated_at = utcnow()
    db.session.flush()


def set_borough(draft: ResponseDraft, borough: Borough) -> None:
    """Set the borough from the postcode or the person's choice; an invitation's stays."""
    if borough_fixed(draft):
        return
    draft.borough_id = borough.id
    draft.updated_at = utcnow()
    db.session.flush()


def expires_at(draft: ResponseDraft) -> datetime:
    """When a draft left as it is now stops working: 30 days unused, or the closing time."""
    closes = draft.questionnaire.consultation.closes_at
    return min(draft.updated_at + timedelta(days=DRAFT_DAYS), closes)
