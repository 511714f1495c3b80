"""Staff pages for paper questionnaires: recording a request during a call, the borough's
requests and print runs, a run's progress and files, posting a run.

Officers, telephone interviewers and data-entry clerks of the borough (and administrators) use
them; analysts see reports, not names and addresses. Every change is audited in the same
transaction.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from engage import storage
from engage.audit.operations import record
from engage.auth.access import boroughs_for, staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.mailouts import files, operations
from engage.mailouts.forms import FROM_POSTCODE, DuplicateDecisionForm, PaperRequestForm
from engage.mailouts.models import (
    PaperFormat,
    PaperRequest,
    PaperRequestCount,
    PrintRun,
    RequestStatus,
    RunStatus,
)
from engage.mailouts.operations import NotAllowed, RequestDetails
from engage.once import already_sent, commit_once
from engage.surveys.models import Questionnaire

mailouts = Blueprint("mailouts", __name__, url_prefix="/staff/boroughs/<borough_slug>/paper")

PAPER_ROLES = (StaffRoleName.OFFICER, StaffRoleName.INTERVIEWER, StaffRoleName.CLERK)


def _borough(slug: str) -> Borough:
    return staff_borough(slug, *PAPER_ROLES)


@mailouts.route("")
@staff_required
def index(borough_slug: str):
    borough = _borough(borough_slug)
    page = db.paginate(
        select(PaperRequest).where(PaperRequest.borough_id == borough.id)
        .order_by(PaperRequest.requested_at.desc(), PaperRequest.id.desc()),
        per_page=50, error_out=False)
    runs = db.session.scalars(
        select(PrintRun).options(joinedload(PrintRun.questionnaire), joinedload(PrintRun.version))
        .where(PrintRun.borough_id == borough.id)
        .order_by(PrintRun.created_at.desc(), PrintRun.id.desc()).limit(20)).all()
    counts = db.session.scalars(
        select(PaperRequestCount).options(joinedload(PaperRequestCount.consultation))
        .where(PaperRequestCount.borough_id == borough.id)
        .order_by(PaperRequestCount.consultation_id, PaperRequestCount.format,
                  PaperRequestCount.status)).all()
    return render_template("mailouts/index.html", borough=borough, page=page, runs=runs,
                           counts=counts, waiting=operations.waiting_count(borough),
                           confirm=ConfirmForm())


def _request_form() -> PaperRequestForm:
    form = PaperRequestForm()
    questionnaires = operations.open_questionnaires()
    form.questionnaire.choices = [
        SelectChoice(str(q.id), f"{q.consultation.title}: {q.audience.label.lower()}")
        for q in questionnaires]
    form.borough.choices = [SelectChoice(FROM_POSTCODE, "Work it out from the postcode")] + [
        SelectChoice(b.slug, b.name) for b in boroughs_for(*PAPER_ROLES)]
    return form


def _cannot_record(found: operations.BoroughFromPostcode, borough: Borough | None) -> str:
    """Why this caller-taker cannot record the request: the address is in no borough of theirs
    (those of the postcode's district, when it is known; else the one chosen)."""
    if found.district is None:
        where, places = f"The address is in {borough.name}", (borough,)
    else:
        where, places = found.where, found.boroughs
    if not places:
        return f"{where}: check the postcode"
    team = f"{places[0].name}'s team" if len(places) == 1 else "that borough's team"
    return (f"{where}, where you cannot record requests: pass the caller to {team}, or check "
            "the postcode if it is wrong")


def _ask_for_borough(form: PaperRequestForm, found: operations.BoroughFromPostcode) -> None:
    """The postcode leaves a choice: ask for it from the boroughs the list can offer."""
    yours = [b for b in found.boroughs if current_user.has_role(b, *PAPER_ROLES)]
    if found.district is not None and not yours:
        # None of the boroughs the address can be in is in the list: nothing there is right.
        form.borough.errors.append(_cannot_record(found, None))
        return
    others = [b for b in found.boroughs if b not in yours]
    reason = found.reason
    if others:
        reason += (f"; if they live in {operations.either(others)}, pass the caller to that "
                   "borough's team")
    form.borough.errors.append(reason)
    suggestion = found.suggested if found.suggested in yours else next(iter(yours), None)
    if suggestion is not None:
        form.borough.data = suggestion.slug  # submitting again confirms it


def _details(form: PaperRequestForm) -> RequestDetails | None:
    """The request the form describes, or None with the errors put on their fields."""
    found = operations.borough_from_postcode(form.postcode.data)
    if form.borough.data == FROM_POSTCODE:
        if found.borough is None:
            _ask_for_borough(form, found)
            return None
        borough = found.borough
    else:
        borough = db.session.scalar(select(Borough).where(Borough.slug == form.borough.data))
        if not found.allows(borough):
            # The request is posted to the address and counted in the borough: they must agree.
            yours = [b for b in found.boroughs if current_user.has_role(b, *PAPER_ROLES)]
            form.borough.errors.append(
                f"{found.where}, not {borough.name}: select {operations.either(yours)}, or "
                "check the postcode if it is wrong" if yours
                else _cannot_record(found, borough))
            return None
    if not current_user.has_role(borough, *PAPER_ROLES):
        form.borough.errors.append(_cannot_record(found, borough))
        return None
    questionnaire = db.session.get(Questionnaire, int(form.questionnaire.data))
    if not questionnaire.consultation.covers(borough):
        form.questionnaire.errors.append(
            f"{questionnaire.consultation.title} does not cover {borough.name}")
        return None
    return RequestDetails(
        questionnaire=questionnaire, borough=borough, name=form.name.data,
        address_line_1=form.address_line_1.data, address_line_2=form.address_line_2.data,
        town=form.town.data, postcode=form.postcode.data,
        format=PaperFormat(form.format.data), language=form.language.data,
        notes=form.notes.data)


@mailouts.route("/requests/new", methods=["GET", "POST"])
@staff_required
def new_request(borough_slug: str):
    borough = _borough(borough_slug)
    form = _request_form()
    details = _details(form) if form.validate_on_submit() else None
    if details is None:
        return render_template("mailouts/request_form.html", borough=borough, form=form,
                               questionnaires_open=bool(form.questionnaire.choices))
    if (sent := already_sent(form)) is not None:
        return sent
    earlier = operations.likely_duplicate(details)
    if earlier is not None:
        decision = DuplicateDecisionForm()
        # Shown first with nothing chosen (not validated, so no error); then until answered.
        if form.duplicate_of.data != str(earlier.id) or not decision.validate():
            form.duplicate_of.data = str(earlier.id)
            return render_template("mailouts/duplicate.html", borough=borough,
                                   request_form=form, form=decision, earlier=earlier)
        if decision.decision.data == "no":
            flash("Nothing was recorded. This is the request they already have.", "info")
            return redirect(_request_url(earlier))
    paper = operations.record_request(details, current_user, duplicate_of=earlier)
    record("paper.requested", borough=details.borough, target=f"paper-request:{paper.id}",
           reference=paper.reference, format=paper.format.value,
           questionnaire_id=details.questionnaire.id,
           confirmed_duplicate_of=earlier.id if earlier else None)
    # Two clicks at the same moment both pass the duplicate check above; the form's key
    # keeps the second from recording the caller twice.
    return commit_once(form, _request_url(paper),
                       saved=f"The request is saved. Their reference is {paper.reference}.")


def _request_url(paper: PaperRequest) -> str:
    return url_for("mailouts.request_page", borough_slug=paper.borough.slug,
                   request_id=paper.id)


@mailouts.route("/requests/<int:request_id>")
@staff_required
def request_page(borough_slug: str, request_id: int):
    borough = _borough(borough_slug)
    paper = operations.request_or_404(borough, request_id)
    return render_template("mailouts/request.html", borough=borough, paper=paper,
                           statuses=RequestStatus, confirm=ConfirmForm())


@mailouts.route("/requests/<int:request_id>/undeliverable", methods=["POST"])
@staff_required
def undeliverable(borough_slug: str, request_id: int):
    borough = _borough(borough_slug)
    paper = operations.request_or_404(borough, request_id)
    if ConfirmForm().validate_on_submit():
        try:
            operations.move(paper, RequestStatus.UNDELIVERABLE)
        except NotAllowed as refused:
            flash(refused.args[0], "error")
        else:
            record("paper.undeliverable", borough=borough, target=f"paper-request:{paper.id}",
                   reference=paper.reference)
            db.session.commit()
            flash("The request is marked as undeliverable.", "success")
    return redirect(_request_url(paper))


@mailouts.route("/runs", methods=["POST"])
@staff_required
def start_runs(borough_slug: str):
    borough = _borough(borough_slug)
    if ConfirmForm().validate_on_submit():
        runs = operations.gather(borough, by=current_user)
        for run in runs:
            record("paper.run.started", borough=borough, target=f"print-run:{run.id}",
                   requests=run.request_count)
        db.session.commit()
        if runs:
            flash("Print run started. It takes a few minutes to prepare." if len(runs) == 1
                  else f"{len(runs)} print runs started, one for each questionnaire.",
                  "success")
            if len(runs) == 1:
                return redirect(_run_url(runs[0]))
        else:
            flash("There are no requests waiting to be printed.", "info")
    return redirect(url_for("mailouts.index", borough_slug=borough.slug))


def _run_url(run: PrintRun) -> str:
    return url_for("mailouts.run_page", borough_slug=run.borough.slug, run_id=run.id)


@mailouts.route("/runs/<int:run_id>")
@staff_required
def run_page(borough_slug: str, run_id: int):
    borough = _borough(borough_slug)
    run = operations.run_or_404(borough, run_id)
    return render_template("mailouts/run.html", borough=borough, run=run, statuses=RunStatus,
                           confirm=ConfirmForm(),
                           refresh=run.status in (RunStatus.WAITING, RunStatus.RENDERING))


def _download(borough_slug: str, run_id: int, which: str):
    borough = _borough(borough_slug)
    run = operations.run_or_404(borough, run_id)
    name = run.pdf_name if which == "pdf" else run.labels_name
    kept = files.kept(run, name) if run.is_finished_rendering else None
    if kept is None:
        flash("That file is not ready, or it was deleted with the personal details.", "error")
        return redirect(_run_url(run))
    record("paper.run.downloaded", borough=borough, target=f"print-run:{run.id}", file=which)
    db.session.commit()
    # Names and addresses: no cache, shared or the browser's, keeps a copy (storage.download).
    return storage.download(kept, name, "application/pdf" if which == "pdf" else "text/csv")


@mailouts.route("/runs/<int:run_id>/print-run.pdf")
@staff_required
def download_pdf(borough_slug: str, run_id: int):
    return _download(borough_slug, run_id, "pdf")


@mailouts.route("/runs/<int:run_id>/labels.csv")
@staff_required
def download_labels(borough_slug: str, run_id: int):
    return _download(borough_slug, run_id, "labels")


@mailouts.route("/runs/<int:run_id>/posted", methods=["POST"])
@staff_required
def posted(borough_slug: str, run_id: int):
    borough = _borough(borough_slug)
    run = operations.run_or_404(borough, run_id)
    if ConfirmForm().validate_on_submit():
        try:
            moved = operations.mark_posted(run, current_user)
        except NotAllowed as refused:
            flash(refused.args[0], "error")
        else:
            record("paper.run.posted", borough=borough, target=f"print-run:{run.id}",
                   requests=moved)
            db.session.commit()
            flash(f"The print run is marked as posted: {moved} "
                  f"{'request is' if moved == 1 else 'requests are'} now posted.", "success")
    return redirect(_run_url(run))


@mailouts.route("/runs/<int:run_id>/try-again", methods=["POST"])
@staff_required
def try_again(borough_slug: str, run_id: int):
    borough = _borough(borough_slug)
    run = operations.run_or_404(borough, run_id)
    if ConfirmForm().validate_on_submit():
        try:
            operations.try_again(run)
        except NotAllowed as refused:
            flash(refused.args[0], "error")
        else:
            record("paper.run.retried", borough=borough, target=f"print-run:{run.id}")
            db.session.commit()
            flash("The print run is being prepared again.", "success")
    return redirect(_run_url(run))
