"""Staff pages for translations: a questionnaire's own words (whoever may change the
questionnaire), and the service's phrases (administrators)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from engage.auth.access import admin_required, staff_required
from engage.auth.forms import ConfirmForm
from engage.extensions import db
from engage.forms import (
    FlaskForm,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    RadioField,
    SelectField,
    SubmitField,
)
from engage.surveys.builder_consultations import may_edit
from engage.surveys.staff_views import (
    consultation_or_404,
    editable_consultation,
    questionnaire_or_404,
)
from engage.templating import counted
from engage.translations import files, operations
from engage.translations.content import translation_of
from engage.translations.languages import Language, all_languages, language
from engage.translations.models import PhraseTranslation
from engage.uploads import LineError, problems_message

translations = Blueprint("translations", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"xlsx": ("An Excel workbook (.xlsx)", XLSX), "po": ("A PO file (.po), for "
                                                               "translators' own tools",
                                                               "text/x-gettext-translation")}


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Choose a language")] + [
        SelectChoice(found.code, found.name) for found in all_languages()]


class WordsFileForm(FlaskForm):
    """Getting the words to translate: a GET that changes nothing."""

    class Meta:
        csrf = False

    # Ids of its own: the page holds both forms, and a label must find its own box.
    language = SelectField("Language", widget=GovSelect(), validate_choice=False,
                           id="words-language")
    format = RadioField("Kind of file", default="xlsx", widget=GovRadioInput(),
                        choices=[SelectChoice(key, words)
                                 for key, (words, _type) in FORMATS.items()],
                        validate_choice=False)
    submit = SubmitField("Download the words to translate", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()

    def validate_language(self, field):
        if language(field.data or "") is None:
            field.errors.append("Choose the language to translate into")

    def validate_format(self, field):
        if field.data not in FORMATS:
            field.errors.append("Choose the kind of file")


class UploadForm(FlaskForm):
    language = SelectField("Language", widget=GovSelect(), validate_choice=False,
                           id="upload-language")
    translation = FileField("The file, filled in", widget=GovFileInput(), validators=[
        FileRequired("Choose the file the translator filled in"),
        FileAllowed(["xlsx", "po"], "The file must be the workbook (.xlsx) or the PO file "
                                    "(.po) engage made, filled in")])
    submit = SubmitField("Upload the translation", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()

    def validate_language(self, field):
        if language(field.data or "") is None:
            field.errors.append("Choose the language the file is in")


def _file_response(found: Language, title: str, rows: list[files.Row], kind: str,
                   stem: str, formatted: bool) -> Response:
    if kind == "po":
        data = files.po_file(found, title, rows, formatted=formatted)
    else:
        data = files.workbook(found, title, rows, formatted=formatted)
    return Response(data, mimetype=FORMATS[kind][1], headers={
        "Content-Disposition": f'attachment; filename="{stem}-{found.code}.{kind}"'})


def _read_upload(form: UploadForm, known: set[str], formatted: bool
                 ) -> tuple[files.Read | None, list[LineError]]:
    """The upload checked: the form's own fields, then every row of its file."""
    if not form.validate_on_submit():
        return None, []
    upload = form.translation.data
    read = files.read_file(upload.filename or "", upload.read(), language(form.language.data),
                           known, formatted=formatted)
    if read.problems:
        form.translation.errors.append(problems_message(read.problems,
                                                        "no translation was saved"))
        return None, read.problems
    return read, []


def _saved_message(found: Language, read: files.Read, progress: operations.Progress | None,
                   ) -> str:
    message = f"{found.name} saved: {counted(len(read.translations), 'translation')} in the file."
    if progress is not None:
        left = progress.total - progress.done
        message += (" Every text is translated." if left == 0 else
                    f" {counted(left, 'text')} still to translate.")
    if read.not_known:
        rows = ", ".join(str(line) for line in read.not_known[:10])
        more = ", ..." if len(read.not_known) > 10 else ""
        message += (f" {counted(len(read.not_known), 'row')} ({rows}{more}) had words engage "
                    "no longer has: kept, and shown to nobody.")
    return message


# A questionnaire's own words --------------------------------------------------------------------

def _questionnaire(slug: str, audience: str, editing: bool):
    consultation = editable_consultation(slug) if editing else consultation_or_404(slug)
    return questionnaire_or_404(consultation, audience)


def _languages_page(questionnaire, *, form: UploadForm | None = None,
                   words_form: WordsFileForm | None = None, errors: list[LineError] = ()):
    return render_template(
        "translations/questionnaire.html", questionnaire=questionnaire,
        consultation=questionnaire.consultation,
        progress=operations.content_progress(questionnaire),
        offered=operations.public_languages(questionnaire), phrases=operations.phrase_progress(),
        answered=operations.responses_by_language(questionnaire),
        can_edit=may_edit(current_user, questionnaire.consultation),
        words_form=words_form or WordsFileForm(formdata=None),
        form=form or UploadForm(formdata=None), errors=list(errors)[:200],
        error_count=len(errors), texts=len(operations.content_texts(questionnaire)))


@translations.route("/staff/consultations/<slug>/<audience>/languages", methods=["GET", "POST"])
@staff_required
def questionnaire_languages(slug: str, audience: str):
    questionnaire = _questionnaire(slug, audience, editing=request.method == "POST")
    form = UploadForm()
    errors: list[LineError] = []
    if request.method == "POST":
        known = {text.english for text in operations.content_texts(questionnaire)}
        read, errors = _read_upload(form, known, formatted=False)
        if read is not None:
            found = language(form.language.data)
            operations.save_content(questionnaire, found, read,
                                    form.translation.data.filename or "", current_user)
            db.session.commit()
            progress = next((p for p in operations.content_progress(questionnaire)
                             if p.language == found), None)
            flash(_saved_message(found, read, progress), "success")
            return redirect(url_for(".questionnaire_languages", slug=slug, audience=audience))
        return _languages_page(questionnaire, form=form, errors=errors), 400
    return _languages_page(questionnaire, form=form)


@translations.route("/staff/consultations/<slug>/<audience>/languages/words")
@staff_required
def questionnaire_words(slug: str, audience: str):
    """The questionnaire's words for a translator, with what is already known filled in."""
    questionnaire = _questionnaire(slug, audience, editing=False)
    words_form = WordsFileForm(request.args)
    if not words_form.validate():
        return _languages_page(questionnaire, words_form=words_form), 400
    found = language(words_form.language.data)
    stem = f"{questionnaire.consultation.slug}-{questionnaire.audience.value}"
    return _file_response(found, questionnaire.title,
                          operations.content_rows(questionnaire, found),
                          words_form.format.data, stem, formatted=False)


@translations.route("/staff/consultations/<slug>/<audience>/languages/<code>/delete",
                    methods=["GET", "POST"])
@staff_required
def delete_questionnaire_language(slug: str, audience: str, code: str):
    questionnaire = _questionnaire(slug, audience, editing=True)
    found = language(code)
    row = translation_of(questionnaire.id, code) if found is not None else None
    if row is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.delete_content(questionnaire, row)
        db.session.commit()
        flash(f"The {found.name} translation of {questionnaire.title} is deleted.", "success")
        return redirect(url_for(".questionnaire_languages", slug=slug, audience=audience))
    return render_template("translations/delete.html", form=form, found=found,
                           what=f"the {found.name} translation of {questionnaire.title}",
                           consequence="People part-way through it in " + found.name +
                           " carry on in English.",
                           back=url_for(".questionnaire_languages", slug=slug,
                                        audience=audience))


# The service's phrases --------------------------------------------------------------------------

def _phrases_page(*, form: UploadForm | None = None, words_form: WordsFileForm | None = None,
                  errors: list[LineError] = ()):
    return render_template(
        "translations/phrases.html", progress=operations.phrase_progress(),
        texts=len(operations.phrase_texts()),
        words_form=words_form or WordsFileForm(formdata=None),
        form=form or UploadForm(formdata=None), errors=list(errors)[:200],
        error_count=len(errors))


@translations.route("/admin/languages", methods=["GET", "POST"])
@admin_required
def phrases():
    form = UploadForm()
    if request.method == "POST":
        known = {text.english for text in operations.phrase_texts()}
        read, errors = _read_upload(form, known, formatted=True)
        if read is not None:
            found = language(form.language.data)
            operations.save_phrases(found, read, form.translation.data.filename or "",
                                    current_user)
            db.session.commit()
            progress = next((p for p in operations.phrase_progress() if p.language == found),
                            None)
            flash(_saved_message(found, read, progress), "success")
            return redirect(url_for(".phrases"))
        return _phrases_page(form=form, errors=errors), 400
    return _phrases_page(form=form)


@translations.route("/admin/languages/words")
@admin_required
def phrase_words():
    words_form = WordsFileForm(request.args)
    if not words_form.validate():
        return _phrases_page(words_form=words_form), 400
    found = language(words_form.language.data)
    return _file_response(found, "engage", operations.phrase_rows(found),
                          words_form.format.data, "engage-phrases", formatted=True)


@translations.route("/admin/languages/<code>/delete", methods=["GET", "POST"])
@admin_required
def delete_phrases(code: str):
    found = language(code)
    row = db.session.get(PhraseTranslation, code) if found is not None else None
    if row is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.delete_phrases(row)
        db.session.commit()
        flash(f"The {found.name} translation of the service's phrases is deleted.", "success")
        return redirect(url_for(".phrases"))
    return render_template("translations/delete.html", form=form, found=found,
                           what=f"the {found.name} translation of the service's phrases",
                           consequence="Questionnaires translated into " + found.name +
                           " then show the service's own words (buttons, messages) in English.",
                           back=url_for(".phrases"))
