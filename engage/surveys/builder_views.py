"""The questionnaire builder: sections, questions, options and show-if conditions, reordered by
"Move up" and "Move down" buttons (keyboard, no JavaScript).

Every change goes through `editing`: it asks engage.surveys.versions for the editable version
(a copy, when the current one has responses) and finds the same section, question or option in
it. A page made for an older version is first matched to the current one (`left_open`). Rules
refused by engage.surveys.builder roll the whole request back, so a refused change leaves no
half-made copy behind.
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


# A page left open while a newer version was made ------------------------------------------------
# A page names a section, question or option by its id, which belongs to one version. When a
# response locked that version and a change since (a colleague's, or another tab's) made the
# next, the page's change is not dropped: the same thing is found in the current version (a
# question by its key, an option by its code within that question, a section by its place and
# title), and the change is applied there if nobody changed that thing meanwhile. Otherwise the
# page comes back with what was typed and says what happened, so that nobody's change is undone.

APPLY, DONE, GONE, CHANGED = "apply", "done", "gone", "changed"


def left_open(counterpart, shown: dict, as_shown, typed: dict | None, done=None,
              fits: bool = True) -> tuple[str, object]:
    """What to do with a page sent for an older version.

    `counterpart` is the same thing in the current version (None if it is not there); `shown`
    what the page showed, `as_shown(thing)` the same for a thing now; `typed` what the page
    sent, in the same shape (None for a button: never already done); `done` where the change
    would be if it was already saved (sent twice); `fits` False when something else the
    change relies on moved meanwhile. Returns
    (APPLY, counterpart), (DONE, the thing), (GONE, None) or (CHANGED, the fields that differ
    between `shown` and the counterpart now)."""
    if counterpart is not None and fits and as_shown(counterpart) == shown:
        return APPLY, counterpart
    done = counterpart if done is None else done
    if typed is not None and done is not None and all(as_shown(done).get(field) == value
                                                      for field, value in typed.items()):
        return DONE, done
    if counterpart is None:
        return GONE, None
    now = as_shown(counterpart)
    return CHANGED, [field for field in shown if now.get(field) != shown[field]]


def gone_meanwhile(questionnaire: Questionnaire, not_in_it: str, next_step: str = "") -> None:
    """Say the thing a page was for is not in the version made while it was open."""
    flash(f"While you had this page open, version {questionnaire.current_version.number} of "
          f"the questionnaire was made, and {not_in_it}. Nothing you typed here is saved."
          f"{' ' + next_step if next_step else ''}", "error")


def changed_meanwhile(questionnaire: Questionnaire, what: str, changed: list[str],
                      unnamed: str | None = None) -> None:
    """Say the thing a page was for was changed in the version made while it was open, naming
    the fields (`unnamed`: what changed when no field of its own did)."""
    subject = f"this {what} was" if changed or unnamed is None else unnamed
    flash(f"While you had this page open, version {questionnaire.current_version.number} of "
          f"the questionnaire was made, and {subject} changed in it"
          f"{' (' + ', '.join(changed) + ')' if changed else ''}. Nothing you typed here is "
          f"saved yet. Check your changes below against the {what} as it is now, then save "
          f"the {what} again.", "error")


def pressed_left_open(questionnaire: Questionnaire, what: str, counterpart, shown: dict,
                      as_shown, names: dict[str, str], not_in_it: str, again: str, to_now,
                      typed: dict | None = None, done_message: str = ""):
    """A button (remove, "Always show it") pressed on a page for an older version: (the same
    thing in the current version, to do it to, None) or (None, the redirect to answer with,
    having said why nothing was done). `again` says what to do once checked ("remove it");
    `to_now(thing)` is where to see the thing as it is now."""
    outcome, found = left_open(counterpart, shown, as_shown, typed)
    if outcome == APPLY:
        return found, None
    if outcome == DONE:
        flash(done_message, "success")
        return None, to_now(found)
    number = questionnaire.current_version.number
    if outcome == GONE:
        flash(f"While you had that page open, version {number} of the questionnaire was made, "
              f"and {not_in_it}. Nothing is changed.", "error")
        return None, to_builder(questionnaire)
    changed = ", ".join(names[field] for field in found)
    flash(f"While you had that page open, version {number} of the questionnaire was made, and "
          f"this {what} was changed in it ({changed}). Nothing is changed: check it here, then "
          f"{again} if you still mean to.", "error")
    return None, to_now(counterpart)


def moved_left_open(questionnaire: Questionnaire, counterpart, original, place, to_now):
    """A "Move up/down" button pressed on a page for an older version: (the same thing in the
    current version, to move, None), or (None, the redirect to answer with) when it is not
    there, or not in the place (`place(thing)`) the page showed."""
    if counterpart is None:
        flash(f"While you had that page open, version {questionnaire.current_version.number} "
              "of the questionnaire was made, and what you moved is not in it. Nothing is "
              "moved.", "error")
        return None, to_builder(questionnaire)
    if place(counterpart) != place(original):
        flash(ALREADY_MOVED, "info")
        return None, to_now(counterpart)
    return counterpart, None


def same_section(version: QuestionnaireVersion, section: Section) -> Section | None:
    """The same section in `version`: the one in its place with its title, or else the only
    one with its title (moved meanwhile). Sections have no key, so a retitled one is not
    recognised."""
    there = versions.section_in(version, section)
    if there is not None and there.title == section.title:
        return there
    titled = [s for s in version.sections if s.title == section.title]
    return titled[0] if len(titled) == 1 else None


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

    `thing` must be from the current version: each page matches one from an older version to
    it first (`left_open`); this refuses one that did not."""
    current = questionnaire.current_version
    if thing is not None:
        version = thing.question.version if isinstance(thing, Option) else thing.version
        if version.id != current.id:
            abort(_out_of_date(questionnaire))
    try:
        version = versions.editable_version(questionnaire, current_user)
    except IntegrityError:
        # Someone else made the next version at the same moment: start again from theirs. A
        # 307 has the browser send the same form again (method and body kept), and the page is
        # then one for an older version, matched to theirs as any page left open is.
        db.session.rollback()
        abort(redirect(request.url, code=307))
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


def _section_as_shown(section: Section, questions: bool = False) -> dict:
    shown = {"title": section.title, "introduction": section.introduction or ""}
    if questions:
        shown["questions"] = [q.key for q in section.questions]
    return shown


def _section_left_open(questionnaire: Questionnaire, original: Section, form: SectionForm):
    """The section's edit page was for an older version (see left_open): (the section to
    change, None) or (None, the page or redirect to answer with instead)."""
    current = questionnaire.current_version
    counterpart = same_section(current, original)
    typed = {"title": form.title.data, "introduction": form.introduction.data or ""}
    outcome, found = left_open(counterpart, _section_as_shown(original), _section_as_shown,
                               typed, done=counterpart or versions.section_in(current, original))
    if outcome == APPLY:
        return found, None
    if outcome == DONE:  # sent twice: the first saved it
        flash(f"The section \u201c{found.title}\u201d is saved.", "success")
        return None, to_builder(questionnaire, f"section-{found.id}")
    if outcome == GONE:
        gone_meanwhile(questionnaire, "this section is not in it as it was: it was removed or "
                       "renamed", "Copy what you need, then find the section in the builder.")
        return None, _section_form_page(questionnaire, original, form)
    changed_meanwhile(questionnaire, "section",
                      [{"title": "the title", "introduction": "the introduction"}[field]
                       for field in found])
    return None, _section_form_page(questionnaire, counterpart, form)


def _section_form_page(questionnaire: Questionnaire, section: Section, form: SectionForm):
    return render_template(
        "surveys/staff/section_form.html", form=form, questionnaire=questionnaire,
        section=section, locked=versions.lock_of(questionnaire.current_version),
        form_action=url_for(".edit_section", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, section_id=section.id))


@surveys_builder.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_section(slug: str, audience: str, section_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    original = thing_or_404(Section, section_id, questionnaire)
    form = SectionForm(obj=original if request.method == "GET" else None)
    if form.validate_on_submit():
        if original.version_id != questionnaire.current_version.id:
            original, page = _section_left_open(questionnaire, original, form)
            if page is not None:
                return page
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
    if original.version_id != questionnaire.current_version.id:
        original, page = moved_left_open(
            questionnaire, same_section(questionnaire.current_version, original), original,
            lambda section: section.position,
            lambda section: to_builder(questionnaire, f"section-{section.id}"))
        if page is not None:
            return page
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
        if original.version_id != questionnaire.current_version.id:
            # Removing it would remove its questions too: only if they are the ones shown.
            original, page = pressed_left_open(
                questionnaire, "section", same_section(questionnaire.current_version, original),
                _section_as_shown(original, questions=True),
                lambda section: _section_as_shown(section, questions=True),
                {"title": "the title", "introduction": "the introduction",
                 "questions": "its questions"},
                "this section is not in it as it was: it was removed or renamed", "remove it",
                lambda section: to_builder(questionnaire, f"section-{section.id}"))
            if page is not None:
                return page
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
