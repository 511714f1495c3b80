"""Staff pages for response files: ask for one, watch it being made, download it.

For a borough's engagement officers and analysts (and administrators), as its report is. Asking
is a form sent once however often it is sent (engage.once); the file is made by a worker, sent
only after the row is committed. Each download is in the audit log, as downloads of member
lists and print runs are: the file holds every comment written in the borough.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import RadioField
from wtforms.validators import InputRequired

from engage import storage
from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.boroughs.models import Borough
from engage.clock import to_london, utcnow
from engage.datasets.models import FileStatus, ResponseFile
from engage.datasets.tasks import keep_days, make_response_file
from engage.extensions import db
from engage.forms import GovRadioInput
from engage.once import OnceForm, already_sent, commit_once
from engage.reports.operations import consultation_or_404
from engage.reports.views import READERS
from engage.surveys.models import Consultation
from engage.tasks import send_after_commit

response_files = Blueprint("response_files", __name__, url_prefix="/staff")

PAGE = "/boroughs/<borough_slug>/reports/<consultation_slug>/responses"
ZIP = "application/zip"


class ResponseFileForm(OnceForm):
    questionnaire = RadioField("Whose responses?", coerce=int,
                               validators=[InputRequired("Select whose responses to download")],
                               widget=GovRadioInput())


def _area(borough_slug: str, consultation_slug: str) -> tuple[Borough, Consultation]:
    borough = staff_borough(borough_slug, *READERS)
    return borough, consultation_or_404(consultation_slug, borough)


def _page_url(borough: Borough, consultation: Consultation) -> str:
    return url_for("response_files.page", borough_slug=borough.slug,
                   consultation_slug=consultation.slug)


def _file_name(borough: Borough, consultation: Consultation, audience: str) -> str:
    day = to_london(utcnow())
    return f"{consultation.slug}-{borough.slug}-{audience}-responses-{day:%Y-%m-%d}.zip"


@response_files.route(PAGE, methods=["GET", "POST"])
@staff_required
def page(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    questionnaires = {q.id: q for q in consultation.questionnaires}
    form = ResponseFileForm()
    form.questionnaire.choices = [(q.id, q.title) for q in questionnaires.values()]
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        questionnaire = questionnaires[form.questionnaire.data]
        file = ResponseFile(consultation=consultation, questionnaire=questionnaire,
                            borough=borough, requested_by_id=current_user.id,
                            file_name=_file_name(borough, consultation,
                                                 questionnaire.audience.value))
        db.session.add(file)
        db.session.flush()
        record("report.response_file_requested", borough=borough,
               target=f"response-file:{file.id}", consultation=consultation.slug,
               questionnaire=questionnaire.title)
        send_after_commit(make_response_file, file.id)
        return commit_once(form, _page_url(borough, consultation),
                           saved=f"A file of the responses to “{questionnaire.title}” is being "
                                 "made. It is listed below.")
    files = db.session.scalars(
        select(ResponseFile)
        .where(ResponseFile.borough_id == borough.id,
               ResponseFile.consultation_id == consultation.id,
               ResponseFile.status != FileStatus.DELETED)
        .order_by(ResponseFile.requested_at.desc(), ResponseFile.id.desc())
        # Each row names its questionnaire and who asked: loaded with the files, not each.
        .options(joinedload(ResponseFile.questionnaire),
                 joinedload(ResponseFile.requested_by))).all()
    return render_template("datasets/responses.html", borough=borough,
                           consultation=consultation, form=form, files=files,
                           statuses=FileStatus, keep_days=keep_days(),
                           waiting=any(f.status == FileStatus.WAITING for f in files))


@response_files.route(PAGE + "/<int:file_id>.zip")
@staff_required
def download(borough_slug: str, consultation_slug: str, file_id: int):
    borough, consultation = _area(borough_slug, consultation_slug)
    file = db.session.get(ResponseFile, file_id)
    if file is None or file.borough_id != borough.id or file.consultation_id != consultation.id:
        abort(404)
    kept = storage.find(file.key) if file.status == FileStatus.READY else None
    if kept is None:
        flash("That file is not ready yet, or it has been deleted.", "error")
        return redirect(_page_url(borough, consultation))
    record("report.response_file_downloaded", borough=borough,
           target=f"response-file:{file.id}", consultation=consultation.slug,
           questionnaire=file.questionnaire.title, responses=file.responses)
    db.session.commit()
    return storage.download(kept, file.file_name, ZIP)
