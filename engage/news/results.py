"""Emailing someone, once, when their borough's report of a consultation is published.

Anyone may ask, from the questionnaire's confirmation page or the borough's page, without an
account: the address is confirmed first (double opt-in), as for news of meetings. Publishing
the report (engage.reports.targets.publish) queues `engage.news.send_results` after its
commit; it queues each confirmed address's email and deletes its request in the same
transaction, so the outbox sends each exactly once and nothing of the address is kept after.
Beat's nightly `engage.periodic.news_retention` sends any a lost task left, and deletes
requests that will never be answered: unconfirmed ones after ENGAGE_NEWS_RETENTION_DAYS, and
confirmed ones whose consultation closed WAIT_DAYS ago with no report published.

The pages read the same whatever the state of the address: only the email to it differs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, select
from sqlalchemy.exc import IntegrityError

from engage.auth.operations import external_url
from engage.auth.tokens import make_token, read_token
from engage.boroughs.contact import contact_for
from engage.boroughs.models import Borough
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.forms import normalise_email
from engage.news.models import ResultsRequest
from engage.outbox.operations import LATELY, queue_emails, queued_lately
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Consultation
from engage.templating import long_date

CONFIRM = "results-confirm"
CANCEL = "results-cancel"
# A cancel link works as long as the request may be waiting.
CANCEL_DAYS = 500
# A report not published this long after its consultation closed is not coming.
WAIT_DAYS = 365
BATCH = 500


def _find(consultation: Consultation, borough: Borough, email: str) -> ResultsRequest | None:
    return db.session.scalar(select(ResultsRequest).where(
        ResultsRequest.consultation_id == consultation.id,
        ResultsRequest.borough_id == borough.id, ResultsRequest.email == email))


def _published(consultation_id: int, borough_id: int) -> bool:
    return db.session.scalar(select(exists().where(
        ReportPublication.consultation_id == consultation_id,
        ReportPublication.borough_id == borough_id))) or False


def ask(consultation: Consultation, borough: Borough, email: str) -> None:
    """Send a confirmation link to the address, or, if it has already confirmed, an email
    saying so. Never a second row for the same consultation, borough and address. Adds and
    flushes; the caller commits."""
    email = normalise_email(email)
    found = _find(consultation, borough, email)
    earlier = found.last_requested_at if found is not None else None
    if found is None:
        found = ResultsRequest(consultation_id=consultation.id, borough_id=borough.id,
                               email=email)
        try:
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:  # the same address asked twice at the same moment
            found = _find(consultation, borough, email)
    about = {"consultation": consultation.title, "borough": borough.name}
    if found.confirmed_at is not None:
        if not queued_lately(email, "results_already_asked", **about):
            queue_emails([(email, "results_already_asked",
                           {**about, "cancel_url": cancel_url(found.id)})])
        return
    now = utcnow()
    if earlier is not None and now - earlier < LATELY:
        return  # the same form sent twice: its link went a moment ago
    found.last_requested_at = now
    token = make_token(CONFIRM, {"r": found.id, "e": email, "t": now.isoformat()})
    queue_emails([(email, "results_confirm", {
        **about, "confirm_url": external_url("results_emails.confirm", token=token),
        "hours": current_app.config["ENGAGE_TOKEN_MAX_AGE_HOURS"]})])
    db.session.flush()


def confirm(token: str) -> ResultsRequest | None:
    """Apply a confirmation link: None if it is bad, expired or its request is gone. When the
    report is out already, its email goes now (and the request with it)."""
    payload = read_token(CONFIRM, token)
    if payload is None:
        return None
    found = db.session.get(ResultsRequest, payload.get("r"))
    if found is None or found.email != payload.get("e"):
        return None
    found.confirmed_at = found.confirmed_at or utcnow()
    if _published(found.consultation_id, found.borough_id):
        send(found.consultation_id, found.borough_id)
    return found


def cancel_url(request_id: int) -> str:
    return external_url("results_emails.cancel", token=make_token(CANCEL, {"r": request_id}))


def cancel_link_works(token: str) -> bool:
    return read_token(CANCEL, token, max_age_hours=24 * CANCEL_DAYS) is not None


def request_for_cancel(token: str) -> ResultsRequest | None:
    payload = read_token(CANCEL, token, max_age_hours=24 * CANCEL_DAYS)
    return db.session.get(ResultsRequest, payload.get("r")) if payload else None


def cancel(found: ResultsRequest) -> None:
    db.session.delete(found)
    db.session.flush()


def send(consultation_id: int, borough_id: int) -> int:
    """Queue the email to confirmed addresses for this published report, deleting their
    requests in the same transaction. Adds and flushes; the caller commits. Returns how many
    were queued (at most BATCH: call again until it returns 0).

    The requests are deleted first, and only the rows this DELETE removed are emailed: two
    sendings at once (the task and a confirmation, or a task delivered twice) each get other
    rows, or none, never the same ones."""
    batch = (select(ResultsRequest.id)
             .where(ResultsRequest.consultation_id == consultation_id,
                    ResultsRequest.borough_id == borough_id,
                    ResultsRequest.confirmed_at.is_not(None))
             .order_by(ResultsRequest.id).limit(BATCH))
    taken = db.session.execute(
        delete(ResultsRequest).where(ResultsRequest.id.in_(batch))
        .returning(ResultsRequest.email, ResultsRequest.created_at)
        .execution_options(synchronize_session=False)).all()
    if not taken:
        return 0
    consultation = db.session.get(Consultation, consultation_id)
    borough = db.session.get(Borough, borough_id)
    args = {"borough_slug": borough.slug, "consultation_slug": consultation.slug}
    contact = contact_for(borough)
    context = {
        "consultation": consultation.title, "borough": borough.name,
        "report_url": external_url("public_reports.report", **args),
        "summary_url": external_url("report_downloads.local_policing_summary", **args),
        "contact_email": contact.email or "", "contact_phone": contact.phone or ""}
    # The day they asked, as GOV.UK writes a date, in London.
    queue_emails([(email, "results_published",
                   {**context, "asked_on": long_date(to_london(asked).date())})
                  for email, asked in taken])
    return len(taken)


def due_now() -> list[tuple[int, int]]:
    """(consultation id, borough id) of every published report with confirmed requests still
    waiting: what a lost task, or a confirmation racing the publishing, left."""
    return db.session.execute(
        select(ResultsRequest.consultation_id, ResultsRequest.borough_id).distinct()
        .join(ReportPublication, and_(
            ReportPublication.consultation_id == ResultsRequest.consultation_id,
            ReportPublication.borough_id == ResultsRequest.borough_id))
        .where(ResultsRequest.confirmed_at.is_not(None))).all()


def delete_stale(now: datetime | None = None) -> int:
    """Delete requests that will never be answered: unconfirmed ones whose last link was asked
    for before ENGAGE_NEWS_RETENTION_DAYS, and those for a consultation that closed WAIT_DAYS
    ago. Returns how many were deleted; the caller commits."""
    now = now or utcnow()
    before = now - timedelta(days=current_app.config["ENGAGE_NEWS_RETENTION_DAYS"])
    unconfirmed = ResultsRequest.confirmed_at.is_(None) & (
        ResultsRequest.last_requested_at < before)
    given_up = ResultsRequest.consultation_id.in_(
        select(Consultation.id).where(Consultation.closes_at < now - timedelta(days=WAIT_DAYS)))
    return db.session.execute(
        delete(ResultsRequest).where(unconfirmed | given_up)).rowcount
