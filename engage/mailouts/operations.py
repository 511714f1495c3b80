"""Paper mailout requests: recording one, spotting a likely duplicate, moving it through its
statuses; and print runs: gathering waiting requests into runs and marking a run posted.

Operations add and flush; the caller commits (a view once, a task after each step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import abort
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.boroughs.postcodes import district_of, lookup
from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts.models import (
    PRINTED_FORMATS,
    PaperFormat,
    PaperRequest,
    PrintRun,
    RequestStatus,
    RunStatus,
)
from engage.surveys.models import Consultation, Questionnaire
from engage.surveys.references import new_reference
from engage.tasks import send_after_commit

# Where each status may go next. "Returned" is set when the paper comes back and is keyed in.
TRANSITIONS = {
    RequestStatus.REQUESTED: {RequestStatus.IN_PRINT_RUN},
    RequestStatus.IN_PRINT_RUN: {RequestStatus.POSTED},
    RequestStatus.POSTED: {RequestStatus.RETURNED, RequestStatus.UNDELIVERABLE},
    RequestStatus.RETURNED: set(),
    RequestStatus.UNDELIVERABLE: {RequestStatus.RETURNED},  # it turned up after all
}
DATE_OF = {
    RequestStatus.IN_PRINT_RUN: "in_print_run_at",
    RequestStatus.POSTED: "posted_at",
    RequestStatus.RETURNED: "returned_at",
    RequestStatus.UNDELIVERABLE: "undeliverable_at",
}
# How long a worker holds a run it renders, and how long a queued run waits before the
# sweeper queues it again.
LEASE = timedelta(minutes=10)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"}


class NotAllowed(ValueError):
    """A change that the request's or run's status does not allow, in words for staff."""


@dataclass(frozen=True)
class RequestDetails:
    questionnaire: Questionnaire
    borough: Borough
    name: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str  # normalised
    format: PaperFormat
    language: str
    notes: str


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()


def match_key(name: str, address_line_1: str, postcode: str) -> str:
    """The same for "Mrs J. Smith, 12 High St." and "mrs j smith, 12 high st": titles,
    punctuation, case and spacing are ignored."""
    name_words = _words(name)
    while len(name_words) > 1 and name_words[0] in _TITLES:
        name_words.pop(0)
    return "|".join((" ".join(name_words), " ".join(_words(address_line_1)),
                     postcode.replace(" ", "").upper()))[:520]


@dataclass(frozen=True)
class BoroughFromPostcode:
    """What the postcode says: a borough when it is certain, else why staff must choose. When
    the district is known, `boroughs` are the only ones the address can be in (largest share
    first; none for a district wholly in the City of London), and `where` says so in words."""

    borough: Borough | None = None
    suggested: Borough | None = None
    reason: str = ""
    district: str | None = None  # set only when the data knows the district
    boroughs: tuple[Borough, ...] = ()
    where: str = ""

    def allows(self, borough: Borough) -> bool:
        """Whether the address can be in this borough (any, when the district is unknown)."""
        return self.district is None or borough in self.boroughs


def either(boroughs) -> str:
    """"Camden", "Camden or Westminster", "Islington, Tower Hamlets or Hackney"."""
    names = [b.name for b in boroughs]
    return " or ".join(filter(None, (", ".join(names[:-1]), names[-1]))) if names else ""


def borough_from_postcode(postcode: str) -> BoroughFromPostcode:
    district = district_of(postcode)
    match = lookup(district) if district else None
    if match is None or not match.known:
        return BoroughFromPostcode(reason=f"We cannot tell the borough from {postcode}: "
                                          "select the borough")
    by_code = {b.ons_code: b for b in db.session.scalars(select(Borough))}
    boroughs = tuple(by_code[s.ons_code] for s in match.boroughs if s.ons_code in by_code)
    suggested = by_code.get(match.suggested.ons_code) if match.suggested else None
    if not boroughs:
        where = f"{district} is in the City of London, which has its own police"
    elif match.mostly_city:
        where = (f"{district} is mostly in the City of London, which has its own police, "
                 f"and otherwise in {either(boroughs)}")
    elif match.mostly_outside_london:
        where = f"{district} is mostly outside London, and otherwise in {either(boroughs)}"
    else:
        where = f"The address is in {either(boroughs)}"
    known = {"district": district, "boroughs": boroughs, "where": where}
    if match.certain and suggested is not None:
        return BoroughFromPostcode(borough=suggested, **known)
    if match.mostly_city:
        reason = (f"Most of {district} is in the City of London, which has its own police: "
                  "check the address and select the borough")
    elif match.mostly_outside_london:
        reason = (f"Most of {district} is outside London: check the caller lives in a London "
                  "borough and select it")
    else:
        names = " and ".join(b.name for b in match.boroughs[:3])
        reason = f"{district} is shared by {names}: select the borough"
    return BoroughFromPostcode(suggested=suggested, reason=reason, **known)


def open_questionnaires() -> list[Questionnaire]:
    """Questionnaires people can still ask for on paper: the consultation has not closed (a
    request before it opens is fine: the paper goes out with the first run after it opens)."""
    query = (select(Questionnaire).join(Questionnaire.consultation)
             .options(contains_eager(Questionnaire.consultation),
                      selectinload(Questionnaire.versions))
             .where(Consultation.closes_at > utcnow())
             .order_by(Consultation.opens_at, Consultation.title, Questionnaire.audience))
    return [q for q in db.session.scalars(query) if q.versions]


def likely_duplicate(details: RequestDetails) -> PaperRequest | None:
    """An earlier request from the same person at the same address for the same questionnaire."""
    return db.session.scalar(
        select(PaperRequest)
        .where(PaperRequest.questionnaire_id == details.questionnaire.id,
               PaperRequest.match_key == match_key(details.name, details.address_line_1,
                                                   details.postcode))
        .order_by(PaperRequest.id.desc()).limit(1))


def record_request(details: RequestDetails, by: User,
                   duplicate_of: PaperRequest | None = None) -> PaperRequest:
    """Add a request (with consent given: the form refuses to save without it) and flush.
    Its reference is new and unique; a clash, once in a trillion, takes another."""
    for _attempt in range(3):
        request = PaperRequest(
            questionnaire_id=details.questionnaire.id, borough_id=details.borough.id,
            reference=new_reference(), name=details.name,
            address_line_1=details.address_line_1, address_line_2=details.address_line_2,
            town=details.town, postcode=details.postcode,
            match_key=match_key(details.name, details.address_line_1, details.postcode),
            format=details.format,
            language=details.language if details.format == PaperFormat.OTHER_LANGUAGE else "",
            notes=details.notes, consented_at=utcnow(), requested_at=utcnow(),
            recorded_by_id=by.id,
            confirmed_duplicate_of_id=duplicate_of.id if duplicate_of else None)
        try:
            with db.session.begin_nested():
                db.session.add(request)
                db.session.flush()
            return request
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free paper reference")


def move(request: PaperRequest, to: RequestStatus) -> None:
    """Move one request on, dating the step; a step its status does not allow is refused."""
    if to not in TRANSITIONS[request.status]:
        raise NotAllowed(f"A request that is {request.status.label.lower()} cannot be marked "
                         f"{to.label.lower()}.")
    request.status = to
    setattr(request, DATE_OF[to], utcnow())


def mark_returned(request: PaperRequest) -> None:
    """The paper came back (called by keying-in when the response is stored)."""
    move(request, RequestStatus.RETURNED)


def request_or_404(borough: Borough, request_id: int) -> PaperRequest:
    found = db.get_or_404(PaperRequest, request_id)
    if found.borough_id != borough.id:
        abort(404)  # another borough's request is not acknowledged to exist
    return found


def run_or_404(borough: Borough, run_id: int) -> PrintRun:
    found = db.get_or_404(PrintRun, run_id)
    if found.borough_id != borough.id:
        abort(404)
    return found


# Print runs ------------------------------------------------------------------------------

def _printable() -> list:
    """Requests a print run takes: waiting, in no run, in a printed format, for a consultation
    that is open (one not open yet waits for it; one closed is never printed)."""
    now = utcnow()
    return [PaperRequest.status == RequestStatus.REQUESTED, PaperRequest.print_run_id.is_(None),
            PaperRequest.format.in_(PRINTED_FORMATS), Consultation.opens_at <= now,
            Consultation.closes_at > now]


def gather(borough: Borough | None = None, by: User | None = None) -> list[PrintRun]:
    """Put every waiting, printable request into a print run: one run per borough and
    questionnaire (at its current version). Only requests in no run yet are taken, in one
    UPDATE each, so a second gathering at the same moment finds nothing and leaves no empty
    run. The render task is queued for each run after the commit."""
    query = (select(PaperRequest.borough_id, PaperRequest.questionnaire_id)
             .join(PaperRequest.questionnaire).join(Questionnaire.consultation)
             .where(*_printable())
             .distinct().order_by(PaperRequest.borough_id, PaperRequest.questionnaire_id))
    if borough is not None:
        query = query.where(PaperRequest.borough_id == borough.id)
    from engage.mailouts.tasks import render_print_run  # tasks imports this module

    runs = []
    for borough_id, questionnaire_id in db.session.execute(query).all():
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        if not questionnaire.versions:
            continue  # nothing to print yet
        run = PrintRun(borough_id=borough_id, questionnaire_id=questionnaire_id,
                       version_id=questionnaire.current_version.id,
                       created_by_id=by.id if by else None, lease_until=utcnow() + LEASE)
        db.session.add(run)
        db.session.flush()
        now = utcnow()
        taken = db.session.execute(
            update(PaperRequest)
            .where(PaperRequest.borough_id == borough_id,
                   PaperRequest.questionnaire_id == questionnaire_id,
                   PaperRequest.status == RequestStatus.REQUESTED,
                   PaperRequest.print_run_id.is_(None),
                   PaperRequest.format.in_(PRINTED_FORMATS))
            .values(print_run_id=run.id, status=RequestStatus.IN_PRINT_RUN,
                    in_print_run_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not taken:
            db.session.execute(delete(PrintRun).where(PrintRun.id == run.id))
            db.session.expunge(run)
            continue
        run.request_count = taken
        runs.append(run)
        send_after_commit(render_print_run, run.id)
    return runs


def waiting_count(borough: Borough) -> int:
    """How many requests the next gathering would print for this borough."""
    return db.session.scalar(
        select(func.count()).select_from(PaperRequest)
        .join(PaperRequest.questionnaire).join(Questionnaire.consultation)
        .where(PaperRequest.borough_id == borough.id, *_printable())) or 0


def mark_posted(run: PrintRun, by: User) -> int:
    """The mail house has the run: it and every request in it are posted. Returns how many
    requests moved."""
    if run.status != RunStatus.READY:
        raise NotAllowed(f"This print run is {run.status.label.lower()}: only a run that is "
                         "ready to print can be marked as posted.")
    now = utcnow()
    run.status = RunStatus.POSTED
    run.posted_at = now
    run.posted_by_id = by.id
    return db.session.execute(
        update(PaperRequest)
        .where(PaperRequest.print_run_id == run.id,
               PaperRequest.status == RequestStatus.IN_PRINT_RUN)
        .values(status=RequestStatus.POSTED, posted_at=now)
        .execution_options(synchronize_session=False)).rowcount


def try_again(run: PrintRun) -> None:
    """Start a failed run's rendering again, from where it stopped."""
    if run.status != RunStatus.FAILED:
        raise NotAllowed("Only a print run that could not be prepared can be tried again.")
    from engage.mailouts.tasks import render_print_run  # tasks imports this module

    run.status = RunStatus.WAITING
    run.attempts = 0
    run.lease_until = None
    send_after_commit(render_print_run, run.id)

