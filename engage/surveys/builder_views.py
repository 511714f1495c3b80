"""The questionnaire builder: sections, questions, options and show-if conditions, reordered by
"Move up" and "Move down" buttons (keyboard, no JavaScript).

Every change goes through `editing`: it refuses a page made for an older version, then asks
engage.surveys.versions for the editable version (a copy, when the current one has responses)
and finds the same section, question or option in it. Rules refused by engage.surveys.builder
roll the whole request back, so a refused change leaves no half-made copy behind.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from engage.auth.access import staff_required
from engage.auth.forms import ConfirmForm
from engage.extensions import db
from engage.forms import ALREADY_MOVED, moved_since_shown
from engage.once import already_sent, commit_once
from engage.surveys import builder as rules
from engage.surveys import versions
from engage.surveys.builder import BuilderError
from engage.surveys.builder_consultations import may_edit
from engage.surveys.models import Option, Question, Questionnaire, QuestionnaireVersion, Section
from engage.surveys.staff_forms import ConfirmRemoveForm, SectionForm
from engage.surveys.staff_views import (
    audit,
    consultation_or_404,
    editable_consultation,
    questionnaire_or_404,
)
from engage.surveys.template import TemplateRefused, add_equality_section

surveys_builder = Blueprint("surveys_builder", __name__,
                            url_prefix="/staff/consultations/<slug>/<audience>")


def questionnaire_for_url(slug: str, audience: str, editing: bool = True) -> Questionnaire:
    consultation = editable_consultation(slug) if editing else consultation_or_404(slug)
    return questionnaire_or_404(consultation, audience)


def to_builder(questionnaire: Questionnaire, anchor: str | None = None):
    return redirect(url_for("surveys_builder.builder", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, _anchor=anchor))


def to_question(question: Question):
    questionnaire = question.version.questionnaire
    return redirect(url_for("surveys_builder.question", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, question_id=question.id))


def _out_of_date(questionnaire: Questionnaire):
    flash(f"That page was for an earlier version of the questionnaire. This is version "
          f"{questionnaire.current_version.number}: make your change again here.", "error")
    return to_builder(questionnaire)


def thing_or_404(model, thing_id: int, questionnaire: Questionnaire):
    """A section, question or option of this questionnaire (any version)."""
    thing = db.session.get(model, thing_id)
    if thing is None:
        abort(404)
    version = (thing.question.version if isinstance(thing, Option) else thing.version)
    if version.questionnaire_id != questionnaire.id:
        abort(404)
    return thing


def editing(questionnaire: Questionnaire, thing=None):
    """(version to change, the same thing in it, the number of the version copied or None).

    Aborts with a redirect when `thing` is from a version older than the current one."""
    current = questionnaire.current_version
    if thing is not None:
        version = thing.question.version if isinstance(thing, Option) else thing.version
        if version.id != current.id:
            abort(_out_of_date(questionnaire))
    try:
        version = versions.editable_version(questionnaire, current_user)
    except IntegrityError:
        # Someone else made the next version at the same moment: start again from theirs.
        db.session.rollback()
        abort(_out_of_date(questionnaire))
    copied_from = None if version is current else current.number
    if copied_from is not None:
        g.version_lock = versions.lock_of(current)  # for saved()
        audit("questionnaire.version_created", questionnaire.consultation,
              questionnaire_id=questionnaire.id, number=version.number, copied_from=copied_from)
    if isinstance(thing, Section):
        thing = versions.section_in(version, thing)
    elif isinstance(thing, Question):
        thing = versions.question_in(version, thing)
    elif isinstance(thing, Option):
        thing = versions.option_in(version, thing)
    return version, thing, copied_from


def saved_message(message: str, version, copied_from: int | None) -> str:
    """`message`, and when the change made a new version, why and what it means."""
    if copied_from is not None:
        lock = g.get("version_lock") or versions.ANSWERED
        message += (f" Version {copied_from} {lock.why}, so your change makes version "
                    f"{version.number}. {lock.kept}")
    return message


def saved(message: str, version, copied_from: int | None) -> None:
    flash(saved_message(message, version, copied_from), "success")


def refused(error: BuilderError, form=None) -> None:
    """Undo everything in this request (a copy made for the change too), then explain."""
    db.session.rollback()
    if form is not None and error.field and error.field in form:
        form[error.field].errors = list(form[error.field].errors or []) + [error.message]
    else:
        flash(error.message, "error")


def log(action: str, questionnaire: Questionnaire, version, **details) -> None:
    audit(action, questionnaire.consultation, questionnaire_id=questionnaire.id,
          version=version.number, **details)


# The builder page -------------------------------------------------------------------------------

@surveys_builder.route("")
@staff_required
def builder(slug: str, audience: str):
    questionnaire = questionnaire_for_url(slug, audience, editing=False)
    # The whole version in four queries, not one per section and question.
    version = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.id == questionnaire.current_version.id)
        .options(selectinload(QuestionnaireVersion.sections).selectinload(Section.questions)
                 .selectinload(Question.options),
                 selectinload(QuestionnaireVersion.sections).selectinload(Section.questions)
                 .selectinload(Question.show_if_question).selectinload(Question.options)))
    preview = None
    if "surveys_public.preview" in current_app.view_functions:
        preview = url_for("surveys_public.preview", questionnaire_id=questionnaire.id)
    return render_template(
        "surveys/staff/builder.html", questionnaire=questionnaire, version=version,
        consultation=questionnaire.consultation, locked=versions.lock_of(version),
        can_edit=may_edit(current_user, questionnaire.consultation), preview=preview,
        has_equality=any(s.is_equality for s in version.sections))


@surveys_builder.route("/equality-section", methods=["POST"])
@staff_required
def add_equality(slug: str, audience: str):
    questionnaire = questionnaire_for_url(slug, audience)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    version, _nothing, copied_from = editing(questionnaire)
    try:
        section = add_equality_section(version)
    except TemplateRefused as error:
        refused(BuilderError(str(error)))
        return to_builder(questionnaire)
    log("questionnaire.equality_section_added", questionnaire, version, section_id=section.id)
    db.session.commit()
    saved("The equality-monitoring section is added. People answer it only if they agree to.",
          version, copied_from)
    return to_builder(questionnaire, f"section-{section.id}")


# Sections ---------------------------------------------------------------------------------------

@surveys_builder.route("/sections/new", methods=["GET", "POST"])
@staff_required
def add_section(slug: str, audience: str):
    questionnaire = questionnaire_for_url(slug, audience)
    form = SectionForm()
    if form.validate_on_submit():
        # Before `editing`: sent again, it must not copy a version either.
        if (earlier := already_sent(form)) is not None:
            return earlier
        version, _nothing, copied_from = editing(questionnaire)
        section = rules.add_section(version, form.title.data, form.introduction.data)
        log("questionnaire.section_added", questionnaire, version, section_id=section.id,
            title=section.title)
        return commit_once(form, to_builder(questionnaire, f"section-{section.id}").location,
                           saved=saved_message(f"The section \u201c{section.title}\u201d is "
                                               "added.", version, copied_from))
    return render_template("surveys/staff/section_form.html", form=form,
                           questionnaire=questionnaire, section=None,
                           locked=versions.lock_of(questionnaire.current_version))


@surveys_builder.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_section(slug: str, audience: str, section_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    original = thing_or_404(Section, section_id, questionnaire)
    form = SectionForm(obj=original if request.method == "GET" else None)
    if form.validate_on_submit():
        version, section, copied_from = editing(questionnaire, original)
        rules.update_section(section, form.title.data, form.introduction.data)
        log("questionnaire.section_changed", questionnaire, version, section_id=section.id,
            title=section.title)
        db.session.commit()
        saved(f"The section \u201c{section.title}\u201d is saved.", version, copied_from)
        return to_builder(questionnaire, f"section-{section.id}")
    return render_template("surveys/staff/section_form.html", form=form,
                           questionnaire=questionnaire, section=original,
                           locked=versions.lock_of(questionnaire.current_version))


@surveys_builder.route("/sections/<int:section_id>/move", methods=["POST"])
@staff_required
def move_section(slug: str, audience: str, section_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    original = thing_or_404(Section, section_id, questionnaire)
    direction = request.form.get("direction", "")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if moved_since_shown(original.position):
        flash(ALREADY_MOVED, "info")
        return to_builder(questionnaire, f"section-{original.id}")
    version, section, copied_from = editing(questionnaire, original)
    try:
        moved = rules.move_section(section, direction)
    except BuilderError as error:
        refused(error)
        return to_builder(questionnaire, f"section-{original.id}")
    if not moved:
        db.session.rollback()
        return to_builder(questionnaire, f"section-{original.id}")
    log("questionnaire.section_moved", questionnaire, version, section_id=section.id,
        direction=direction)
    db.session.commit()
    saved(f"The section \u201c{section.title}\u201d is moved {direction}.", version, copied_from)
    return to_builder(questionnaire, f"section-{section.id}")


@surveys_builder.route("/sections/<int:section_id>/remove", methods=["GET", "POST"])
@staff_required
def remove_section(slug: str, audience: str, section_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    original = thing_or_404(Section, section_id, questionnaire)
    form = ConfirmRemoveForm()
    if form.validate_on_submit():
        version, section, copied_from = editing(questionnaire, original)
        title = section.title
        try:
            rules.remove_section(section)
        except BuilderError as error:
            refused(error)
            return to_builder(questionnaire, f"section-{original.id}")
        log("questionnaire.section_removed", questionnaire, version, title=title)
        db.session.commit()
        saved(f"The section \u201c{title}\u201d is removed.", version, copied_from)
        return to_builder(questionnaire)
    return render_template("surveys/staff/remove.html", form=form, questionnaire=questionnaire,
                           thing=f"the section \u201c{original.title}\u201d",
                           detail=f"Its {len(original.questions)} question(s) are removed too."
                           if original.questions else "",
                           locked=versions.lock_of(questionnaire.current_version))


# The question, option and condition pages register on this blueprint too.
from engage.surveys import builder_question_views  # noqa: E402, F401
