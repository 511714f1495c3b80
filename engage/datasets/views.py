"""Staff pages for response files: ask for one, watch it being made, download it.

For a borough's engagement officers and analysts (and administrators), as its report is;
London's (every response to the questionnaire, with its borough) for administrators only. Asking
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
from engage.reports.views import READERS, _london_reader
from engage.surveys.models import Consultation
from engage.tasks import send_after_commit

response_files = Blueprint("response_files", __name__, url_prefix="/staff")

BOROUGH_PAGE = "/boroughs/<borough_slug>/reports/<consultation_slug>/responses"
LONDON_PAGE = "/reports/<consultation_slug>/london/responses"
ZIP = "application/zip"


class ResponseFileForm(OnceForm):
    questionnaire = RadioField("Whose responses?", coerce=int,
                               validators=[InputRequired("Select whose responses to download")],
                               widget=GovRadioInput())


def _area(borough_slug: str | None, consultation_slug: str
          ) -> tuple[Borough | None, Consultation]:
    """A borough, for its officers and analysts; or London (None), for administrators only, as
    London's report is."""
    if borough_slug is None:
        _london_reader()
        return None, consultation_or_404(consultation_slug)
    borough = staff_borough(borough_slug, *READERS)
    return borough, consultation_or_404(consultation_slug, borough)


def _page_url(borough: Borough | None, consultation: Consultation) -> str:
    if borough is None:
        return url_for("response_files.london_page", consultation_slug=consultation.slug)
    return url_for("response_files.page", borough_slug=borough.slug,
                   consultation_slug=consultation.slug)


def _file_url(file: ResponseFile, borough: Borough | None, consultation: Consultation) -> str:
    if borough is None:
        return url_for("response_files.london_download", consultation_slug=consultation.slug,
                       file_id=file.id)
    return url_for("response_files.download", borough_slug=borough.slug,
                   consultation_slug=consultation.slug, file_id=file.id)


def _file_name(borough: Borough | None, consultation: Consultation, audience: str) -> str:
    day = to_london(utcnow())
    area = borough.slug if borough else "london"
    return f"{consultation.slug}-{area}-{audience}-responses-{day:%Y-%m-%d}.zip"


def _in_area(borough: Borough | None):
    return (ResponseFile.borough_id.is_(None) if borough is None
            else ResponseFile.borough_id == borough.id)


def _page(borough_slug: str | None, consultation_slug: str):
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
               questionnaire=questionnaire.title, area=borough.name if borough else "London")
        send_after_commit(make_response_file, file.id)
        return commit_once(form, _page_url(borough, consultation),
                           saved=f"A file of the responses to “{questionnaire.title}” is being "
                                 "made. It is listed below.")
    files = db.session.scalars(
        select(ResponseFile)
        .where(_in_area(borough), ResponseFile.consultation_id == consultation.id,
               ResponseFile.status != FileStatus.DELETED)
        .order_by(ResponseFile.requested_at.desc(), ResponseFile.id.desc())
        # Each row names its questionnaire and who asked: loaded with the files, not each.
        .options(joinedload(ResponseFile.questionnaire),
                 joinedload(ResponseFile.requested_by))).all()
    return render_template("datasets/responses.html", borough=borough,
                           area_name=borough.name if borough else "London",
                           consultation=consultation, form=form, files=files,
                           file_urls={f.id: _file_url(f, borough, consultation) for f in files},
                           page_url=_page_url(borough, consultation),
                           statuses=FileStatus, keep_days=keep_days())


def _download(borough_slug: str | None, consultation_slug: str, file_id: int):
    borough, consultation = _area(borough_slug, consultation_slug)
    file = db.session.get(ResponseFile, file_id)
    if (file is None or file.consultation_id != consultation.id
            or file.borough_id != (borough.id if borough else None)):
        abort(404)
    kept = storage.find(file.key) if file.status == FileStatus.READY else None
    if kept is None:
        flash("That file is not ready yet, or it has been deleted.", "error")
        return redirect(_page_url(borough, consultation))
    record("report.response_file_downloaded", borough=borough,
           target=f"response-file:{file.id}", consultation=consultation.slug,
           questionnaire=file.questionnaire.title, responses=file.responses,
           area=borough.name if borough else "London")
    db.session.commit()
    return storage.download(kept, file.file_name, ZIP)


@response_files.route(BOROUGH_PAGE, methods=["GET", "POST"])
@staff_required
def page(borough_slug: str, consultation_slug: str):
    return _page(borough_slug, consultation_slug)


@response_files.route(BOROUGH_PAGE + "/<int:file_id>.zip")
@staff_required
def download(borough_slug: str, consultation_slug: str, file_id: int):
    return _download(borough_slug, consultation_slug, file_id)


@response_files.route(LONDON_PAGE, methods=["GET", "POST"])
@staff_required
def london_page(consultation_slug: str):
    return _page(None, consultation_slug)


@response_files.route(LONDON_PAGE + "/<int:file_id>.zip")
@staff_required
def london_download(consultation_slug: str, file_id: int):
    return _download(None, consultation_slug, file_id)
