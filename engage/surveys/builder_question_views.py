"""The builder's question pages: adding a question (its kind, then its details), changing,
moving and removing it, its options one by one, and its show-if condition.

Routes sit on the builder's blueprint (engage.surveys.builder_views), and every change goes
through its `editing` helper, so a locked version is copied first.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from engage.auth.access import staff_required
from engage.auth.forms import ConfirmForm
from engage.extensions import db
from engage.forms import ALREADY_MOVED, moved_since_shown
from engage.once import already_sent, commit_once
from engage.surveys import builder as rules
from engage.surveys import versions
from engage.surveys.builder import BuilderError
from engage.surveys.builder_consultations import may_edit
from engage.surveys.builder_views import (
    APPLY,
    DONE,
    GONE,
    changed_meanwhile,
    editing,
    gone_meanwhile,
    left_open,
    log,
    moved_left_open,
    pressed_left_open,
    questionnaire_for_url,
    refused,
    same_section,
    saved,
    saved_message,
    surveys_builder,
    thing_or_404,
    to_builder,
    to_question,
)
from engage.surveys.models import Option, Question, QuestionKind, Section
from engage.surveys.staff_forms import (
    ConditionQuestionForm,
    ConditionValuesForm,
    ConfirmRemoveForm,
    KindForm,
    OptionForm,
    QuestionForm,
)

# Adding a question: first its kind, then its details -------------------------------------------

@surveys_builder.route("/sections/<int:section_id>/questions/new", methods=["GET", "POST"])
@staff_required
def choose_kind(slug: str, audience: str, section_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    section = thing_or_404(Section, section_id, questionnaire)
    form = KindForm()
    if form.validate_on_submit():
        return redirect(url_for(".add_question", slug=slug, audience=audience,
                                section_id=section.id, kind=form.kind.data))
    return render_template("surveys/staff/kind_form.html", form=form,
                           questionnaire=questionnaire, section=section)


@surveys_builder.route("/sections/<int:section_id>/questions/new/<kind>",
                       methods=["GET", "POST"])
@staff_required
def add_question(slug: str, audience: str, section_id: int, kind: str):
    questionnaire = questionnaire_for_url(slug, audience)
    original = thing_or_404(Section, section_id, questionnaire)
    try:
        question_kind = QuestionKind(kind)
    except ValueError:
        abort(404)
    form = QuestionForm(kind=question_kind, creating=True)
    if request.method == "GET":
        form.required.data = "yes"
    if form.validate_on_submit():
        # Before `editing`: sent again, it must not copy a version either.
        if (earlier := already_sent(form)) is not None:
            return earlier
        current = questionnaire.current_version
        if original.version_id != current.id:
            # A newer version was made while the page was open. Adding undoes nobody's change,
            # so the question goes into the same section there.
            same = same_section(current, original)
            if same is None:
                gone_meanwhile(questionnaire, "this section is not in it as it was",
                               "Copy what you need, then add the question from the builder.")
                return render_template(
                    "surveys/staff/question_form.html", form=form,
                    questionnaire=questionnaire, section=original, question=None,
                    kind=question_kind, locked=versions.lock_of(current))
            original = same
        version, section, copied_from = editing(questionnaire, original)
        try:
            question = rules.add_question(section, form.details())
        except BuilderError as error:
            refused(error, form)
        else:
            log("questionnaire.question_added", questionnaire, version,
                question_id=question.id, key=question.key, kind=question.kind.value)
            return commit_once(form, to_question(question).location,
                               saved=saved_message("The question is added.", version,
                                                   copied_from))
    return render_template("surveys/staff/question_form.html", form=form,
                           questionnaire=questionnaire, section=original, question=None,
                           kind=question_kind,
                           locked=versions.lock_of(questionnaire.current_version))



# One question ---------------------------------------------------------------------------------

def _question(slug: str, audience: str, question_id: int, editing_: bool = True):
    questionnaire = questionnaire_for_url(slug, audience, editing=editing_)
    return questionnaire, thing_or_404(Question, question_id, questionnaire)


@surveys_builder.route("/questions/<int:question_id>")
@staff_required
def question(slug: str, audience: str, question_id: int):
    questionnaire, question = _question(slug, audience, question_id, editing_=False)
    if question.version_id != questionnaire.current_version.id:
        abort(404)  # an old version's question: the builder shows only the current version
    return render_template("surveys/staff/question.html", questionnaire=questionnaire,
                           question=question, confirm=ConfirmForm(),
                           can_edit=may_edit(current_user, questionnaire.consultation),
                           locked=versions.lock_of(question.version),
                           can_have_condition=bool(rules.condition_sources(question)))


def _question_data(question: Question) -> dict:
    def text(value):
        return "" if value is None else str(value)

    return {"text": question.text, "key": question.key, "kind": question.kind.value,
            "section": str(question.section_id), "help_text": question.help_text,
            "interviewer_note": question.interviewer_note,
            "required": "yes" if question.required else "no",
            "tag": question.tag.value if question.tag else "",
            "max_choices": text(question.max_choices), "rank_count": text(question.rank_count),
            "min_value": text(question.min_value), "max_value": text(question.max_value)}


def _form_options(question: Question) -> dict:
    return {"kind": question.kind, "kinds": rules.allowed_kinds(question.kind),
            "sections": list(question.version.sections)}


# What each field of the edit form is called, for saying which were changed meanwhile.
_FIELD_NAMES = {"text": "the question", "key": "the question key", "kind": "the kind",
                "section": "the section", "help_text": "the help text",
                "interviewer_note": "the note for telephone interviewers",
                "required": "whether people must answer it", "tag": "the reporting tag",
                "max_choices": "the most options people can choose",
                "rank_count": "how many people put in order",
                "min_value": "the smallest number allowed",
                "max_value": "the largest number allowed"}


def _as_page_showed(question: Question) -> dict:
    """The question's fields as its edit page showed them, its section by place (ids differ
    between versions)."""
    data = _question_data(question)
    data["section"] = question.section.position
    return data


def _as_typed(form: QuestionForm) -> dict:
    """What the edit page sent, in the shape of _as_page_showed (an empty key is made from
    the question's words, so it is left out)."""
    typed = {field: form[field].data for field in _FIELD_NAMES
             if field in form and field != "section"}
    moving_to = form.details().section
    if moving_to is not None:
        typed["section"] = moving_to.position
    if not typed.get("key"):
        typed.pop("key", None)
    return typed


_NOT_IN_IT = "this question is not in it: it was removed, or its key was changed"


def _in_version(version, key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.version_id == version.id,
                                                    Question.key == key))


def _newer_version_form(questionnaire, original: Question, form: QuestionForm):
    """The edit page was shown for a version that is no longer the current one (see
    builder_views.left_open). Returns (the same question in the current version, to apply the
    edit to) or (None or the question, the page to show instead, with what was typed kept)."""
    current = questionnaire.current_version
    # The key names the question across versions (unique within each), not its id.
    counterpart = _in_version(current, original.key)
    typed = _as_typed(form)
    moving_to = form.details().section
    moving = moving_to is not None and moving_to is not original.section
    target = versions.section_in(current, moving_to) if moving else None
    if target is not None and target.title != moving_to.title:
        target = None  # the sections were changed too: the place chosen may be another now
    outcome, found = left_open(
        counterpart, _as_page_showed(original), _as_page_showed, typed,
        done=counterpart or (_in_version(current, typed["key"]) if "key" in typed else None),
        fits=not moving or target is not None)
    if outcome == APPLY:
        return found, None
    if outcome == DONE:  # sent twice (a double click, Back and send): the first saved it
        flash("The question is saved.", "success")
        return found, redirect(url_for(".question", slug=questionnaire.consultation.slug,
                                       audience=questionnaire.audience.value,
                                       question_id=found.id))
    # Changed or gone meanwhile: applying the page would undo someone's change, so it is shown
    # again with what was typed, for the question as it is now when there is one.
    if outcome == GONE:
        gone_meanwhile(questionnaire, _NOT_IN_IT, "Copy what you need, then find the "
                       "question in the builder or add it again.")
        return None, _question_form_page(questionnaire, original, form)
    changed_meanwhile(questionnaire, "question", [_FIELD_NAMES[field] for field in found],
                      unnamed="its sections were")
    again = QuestionForm(**_form_options(counterpart))  # what was sent, for the current one
    again.section.data = str(target.id if target is not None else counterpart.section_id)
    return None, _question_form_page(questionnaire, counterpart, again)


def _question_form_page(questionnaire, question: Question, form: QuestionForm):
    return render_template(
        "surveys/staff/question_form.html", form=form, questionnaire=questionnaire,
        section=question.section, question=question, kind=question.kind,
        locked=versions.lock_of(questionnaire.current_version),
        form_action=url_for(".edit_question", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, question_id=question.id))


@surveys_builder.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_question(slug: str, audience: str, question_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    options = _form_options(original)
    form = (QuestionForm(data=_question_data(original), **options) if request.method == "GET"
            else QuestionForm(**options))
    if form.validate_on_submit():
        details = form.details()
        if original.version_id != questionnaire.current_version.id:
            original, page = _newer_version_form(questionnaire, original, form)
            if page is not None:
                return page
        version, question, copied_from = editing(questionnaire, original)
        if details.section is not None:
            details.section = versions.section_in(version, details.section)
        try:
            rules.update_question(question, details)
        except BuilderError as error:
            refused(error, form)
        else:
            log("questionnaire.question_changed", questionnaire, version,
                question_id=question.id, key=question.key, kind=question.kind.value)
            db.session.commit()
            saved("The question is saved.", version, copied_from)
            return to_question(question)
    return render_template("surveys/staff/question_form.html", form=form,
                           questionnaire=questionnaire, section=original.section,
                           question=original, kind=original.kind,
                           locked=versions.lock_of(questionnaire.current_version))


@surveys_builder.route("/questions/<int:question_id>/move", methods=["POST"])
@staff_required
def move_question(slug: str, audience: str, question_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    direction = request.form.get("direction", "")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if moved_since_shown(original.position):
        flash(ALREADY_MOVED, "info")
        return to_builder(questionnaire, f"question-{original.id}")
    if original.version_id != questionnaire.current_version.id:
        original, page = moved_left_open(
            questionnaire, _in_version(questionnaire.current_version, original.key), original,
            lambda question: (question.section.position, question.position),
            lambda question: to_builder(questionnaire, f"question-{question.id}"))
        if page is not None:
            return page
    version, question, copied_from = editing(questionnaire, original)
    if not rules.move_question(question, direction):
        db.session.rollback()
        return to_builder(questionnaire, f"question-{original.id}")
    log("questionnaire.question_moved", questionnaire, version, question_id=question.id,
        direction=direction)
    db.session.commit()
    saved(f"The question \u201c{question.text}\u201d is moved {direction}.", version,
          copied_from)
    return to_builder(questionnaire, f"question-{question.id}")


@surveys_builder.route("/questions/<int:question_id>/remove", methods=["GET", "POST"])
@staff_required
def remove_question(slug: str, audience: str, question_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    form = ConfirmRemoveForm()
    if form.validate_on_submit():
        if original.version_id != questionnaire.current_version.id:
            original, page = pressed_left_open(
                questionnaire, "question",
                _in_version(questionnaire.current_version, original.key),
                _as_page_showed(original), _as_page_showed, _FIELD_NAMES, _NOT_IN_IT,
                "remove it", to_question)
            if page is not None:
                return page
        version, question, copied_from = editing(questionnaire, original)
        key, text = question.key, question.text
        try:
            rules.remove_question(question)
        except BuilderError as error:
            refused(error)
            return to_question(original)
        log("questionnaire.question_removed", questionnaire, version, key=key)
        db.session.commit()
        saved(f"The question \u201c{text}\u201d is removed.", version, copied_from)
        return to_builder(questionnaire)
    return render_template("surveys/staff/remove.html", form=form, questionnaire=questionnaire,
                           thing=f"the question \u201c{original.text}\u201d", detail="",
                           back=url_for(".question", slug=slug, audience=audience,
                                        question_id=original.id),
                           locked=versions.lock_of(questionnaire.current_version))


# The show-if condition: first the earlier question, then which of its answers -----------------

@surveys_builder.route("/questions/<int:question_id>/condition", methods=["GET", "POST"])
@staff_required
def condition(slug: str, audience: str, question_id: int):
    questionnaire, question = _question(slug, audience, question_id)
    sources = rules.condition_sources(question)
    form = ConditionQuestionForm()
    form.source.choices = [SelectChoice(str(q.id), q.text) for q in sources]
    if request.method == "GET" and question.show_if_question_id:
        form.source.data = str(question.show_if_question_id)
    if form.validate_on_submit():
        source = next(q for q in sources if str(q.id) == form.source.data)
        if question.version_id != questionnaire.current_version.id:
            # Nothing is saved here yet: the next page is for the same two questions in the
            # version made while this one was open, found by their keys.
            current = questionnaire.current_version
            now, source_now = (_in_version(current, question.key),
                               _in_version(current, source.key))
            if now is None:
                gone_meanwhile(questionnaire, _NOT_IN_IT, "Find the question in the builder.")
                return to_builder(questionnaire)
            if source_now is None or source_now not in rules.condition_sources(now):
                gone_meanwhile(questionnaire, "the question you chose is not in it as an "
                               "earlier question with options", "Choose again.")
                return redirect(url_for(".condition", slug=slug, audience=audience,
                                        question_id=now.id))
            question, source = now, source_now
        return redirect(url_for(".condition_values", slug=slug, audience=audience,
                                question_id=question.id, source_id=source.id))
    return render_template("surveys/staff/condition_question.html", form=form,
                           questionnaire=questionnaire, question=question, sources=sources)


def _condition_of(question: Question) -> tuple[str | None, list[str]]:
    """A question's condition, in words that hold across versions: the key of the question it
    depends on and the codes of the answers that show it."""
    return (question.show_if_question.key if question.show_if_question else None,
            sorted(question.show_if_values or []))


def _condition_as_shown(question: Question, source_key: str) -> dict:
    """A question's condition and the answers of the question it is to depend on (`source_key`)
    in the question's version: what the page for choosing those answers showed."""
    source = _in_version(question.version, source_key)
    return {"condition": _condition_of(question),
            "answers": [(o.value, o.label) for o in source.options] if source else None}


def _condition_left_open(questionnaire, original: Question, source: Question,
                         form: ConditionValuesForm):
    """The page choosing the answers that show a question was for an older version (see
    left_open): (the question and the question it depends on to change, None) or (None,
    None, the page or redirect to answer with instead)."""
    current = questionnaire.current_version
    counterpart, source_now = _in_version(current, original.key), _in_version(current,
                                                                               source.key)
    if counterpart is not None and (source_now is None
                                    or source_now not in rules.condition_sources(counterpart)):
        gone_meanwhile(questionnaire, "the question it was to depend on is not in it as an "
                       "earlier question with options", "Choose again.")
        return None, None, redirect(url_for(
            ".condition", slug=questionnaire.consultation.slug,
            audience=questionnaire.audience.value, question_id=counterpart.id))
    outcome, found = left_open(
        counterpart, _condition_as_shown(original, source.key),
        lambda question: _condition_as_shown(question, source.key),
        {"condition": (source.key, sorted(form.values.data))})
    if outcome == APPLY:
        return found, source_now, None
    if outcome == DONE:  # sent twice: the first saved it
        flash("The condition is saved.", "success")
        return None, None, to_question(found)
    if outcome == GONE:
        gone_meanwhile(questionnaire, _NOT_IN_IT, "Find the question in the builder.")
        return None, None, _condition_values_page(questionnaire, original, source, form)
    changed_meanwhile(questionnaire, "condition", [
        {"condition": "the question's condition",
         "answers": "the answers of the question it depends on"}[field] for field in found])
    again = ConditionValuesForm()  # what was sent, with the answers there are now
    again.values.choices = [SelectChoice(o.value, o.label) for o in source_now.options]
    return None, None, _condition_values_page(questionnaire, counterpart, source_now, again)


def _condition_values_page(questionnaire, question: Question, source: Question,
                           form: ConditionValuesForm):
    return render_template(
        "surveys/staff/condition_values.html", form=form, questionnaire=questionnaire,
        question=question, source=source,
        form_action=url_for(".condition_values", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, question_id=question.id,
                            source_id=source.id))


@surveys_builder.route("/questions/<int:question_id>/condition/<int:source_id>",
                       methods=["GET", "POST"])
@staff_required
def condition_values(slug: str, audience: str, question_id: int, source_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    source = thing_or_404(Question, source_id, questionnaire)
    if source not in rules.condition_sources(original):
        abort(404)
    form = ConditionValuesForm()
    form.values.choices = [SelectChoice(o.value, o.label) for o in source.options]
    if request.method == "GET" and original.show_if_question_id == source.id:
        form.values.data = list(original.show_if_values)
    if form.validate_on_submit():
        if original.version_id != questionnaire.current_version.id:
            original, source, page = _condition_left_open(questionnaire, original, source, form)
            if page is not None:
                return page
        version, question, copied_from = editing(questionnaire, original)
        try:
            rules.set_condition(question, versions.question_in(version, source),
                                form.values.data)
        except BuilderError as error:
            refused(error, form)
        else:
            log("questionnaire.condition_set", questionnaire, version, question_id=question.id,
                depends_on=source.key, values=question.show_if_values)
            db.session.commit()
            saved("The condition is saved.", version, copied_from)
            return to_question(question)
    return render_template("surveys/staff/condition_values.html", form=form,
                           questionnaire=questionnaire, question=original, source=source)


@surveys_builder.route("/questions/<int:question_id>/condition/remove", methods=["POST"])
@staff_required
def clear_condition(slug: str, audience: str, question_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if original.version_id != questionnaire.current_version.id:
        def as_shown(question):
            return {"condition": _condition_of(question)}

        original, page = pressed_left_open(
            questionnaire, "question", _in_version(questionnaire.current_version, original.key),
            as_shown(original), as_shown, {"condition": "its condition"}, _NOT_IN_IT,
            "choose \u201cAlways show it\u201d again", to_question,
            typed={"condition": (None, [])},
            done_message="The condition is removed: the question is always shown.")
        if page is not None:
            return page
    version, question, copied_from = editing(questionnaire, original)
    rules.clear_condition(question)
    log("questionnaire.condition_removed", questionnaire, version, question_id=question.id)
    db.session.commit()
    saved("The condition is removed: the question is always shown.", version, copied_from)
    return to_question(question)


# Options ----------------------------------------------------------------------------------------

def _option_form(question: Question, creating: bool, **kwargs) -> OptionForm:
    return OptionForm(creating=creating,
                      multiple=question.kind == QuestionKind.MULTIPLE_CHOICE,
                      ranking=question.kind == QuestionKind.RANKING, **kwargs)


@surveys_builder.route("/questions/<int:question_id>/options/new", methods=["GET", "POST"])
@staff_required
def add_option(slug: str, audience: str, question_id: int):
    questionnaire, original = _question(slug, audience, question_id)
    form = _option_form(original, creating=True)
    if form.validate_on_submit():
        # Before `editing`: sent again, it must not copy a version either.
        if (earlier := already_sent(form)) is not None:
            return earlier
        current = questionnaire.current_version
        if original.version_id != current.id:
            # A newer version was made while the page was open: the option goes to the same
            # question there, found by its key.
            same = _in_version(current, original.key)
            if same is None:
                gone_meanwhile(questionnaire, _NOT_IN_IT)
                return render_template("surveys/staff/option_form.html", form=form,
                                       questionnaire=questionnaire, question=original,
                                       option=None, locked=versions.lock_of(current))
            original = same
        version, question, copied_from = editing(questionnaire, original)
        try:
            option = rules.add_option(question, form.label.data,
                                      asks_other="asks_other" in form and form.asks_other.data,
                                      exclusive="exclusive" in form and form.exclusive.data)
        except BuilderError as error:
            refused(error, form)
        else:
            log("questionnaire.option_added", questionnaire, version, question_id=question.id,
                value=option.value)
            return commit_once(form, to_question(question).location,
                               saved=saved_message(f"The option \u201c{option.label}\u201d is "
                                                   "added.", version, copied_from))
    return render_template("surveys/staff/option_form.html", form=form,
                           questionnaire=questionnaire, question=original, option=None,
                           locked=versions.lock_of(questionnaire.current_version))


def _option(slug: str, audience: str, option_id: int):
    questionnaire = questionnaire_for_url(slug, audience)
    return questionnaire, thing_or_404(Option, option_id, questionnaire)


# What each field of the option's page is called, for saying which were changed meanwhile.
_OPTION_NAMES = {"label": "the option's words", "value": "the code",
                 "asks_other": "whether it asks people to say more",
                 "exclusive": "whether it can be chosen with other options",
                 "kind": "the kind of question"}


def _option_as_shown(option: Option) -> dict:
    return {"label": option.label, "value": option.value, "asks_other": option.asks_other,
            "exclusive": option.exclusive, "kind": option.question.kind.value}


def _option_in(question: Question | None, value: str) -> Option | None:
    """An option of `question` by its code (unique within a question, kept across versions)."""
    if question is None:
        return None
    return next((o for o in question.options if o.value == value), None)


def _option_left_open(questionnaire, original: Option, form: OptionForm):
    """The option's edit page was for an older version (see left_open): (the option to
    change, None) or (None, the page or redirect to answer with instead)."""
    question = _in_version(questionnaire.current_version, original.question.key)
    counterpart = _option_in(question, original.value)
    # Only what the page had boxes for (an empty code keeps the option's code).
    typed = {"label": form.label.data, "value": form.value.data or original.value,
             **{field: form[field].data for field in ("asks_other", "exclusive")
                if field in form}}
    outcome, found = left_open(counterpart, _option_as_shown(original), _option_as_shown,
                               typed, done=counterpart or _option_in(question, typed["value"]))
    if outcome == APPLY:
        return found, None
    if outcome == DONE:  # sent twice: the first saved it
        flash(f"The option \u201c{found.label}\u201d is saved.", "success")
        return None, to_question(found.question)
    if outcome == GONE:
        gone_meanwhile(questionnaire, _NOT_IN_IT if question is None else
                       "this option is not in it: it was removed, or its code was changed",
                       "Copy what you need, then find the option in the builder.")
        return None, _option_form_page(questionnaire, original, form)
    changed_meanwhile(questionnaire, "option", [_OPTION_NAMES[field] for field in found])
    # The question's kind decides the boxes: the page is made again for it as it is now.
    again = _option_form(counterpart.question, creating=False)
    return None, _option_form_page(questionnaire, counterpart, again)


def _option_form_page(questionnaire, option: Option, form: OptionForm):
    return render_template(
        "surveys/staff/option_form.html", form=form, questionnaire=questionnaire,
        question=option.question, option=option,
        locked=versions.lock_of(questionnaire.current_version),
        form_action=url_for(".edit_option", slug=questionnaire.consultation.slug,
                            audience=questionnaire.audience.value, option_id=option.id))


@surveys_builder.route("/options/<int:option_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_option(slug: str, audience: str, option_id: int):
    questionnaire, original = _option(slug, audience, option_id)
    form = _option_form(original.question, creating=False,
                        obj=original if request.method == "GET" else None)
    if form.validate_on_submit():
        if original.question.version_id != questionnaire.current_version.id:
            original, page = _option_left_open(questionnaire, original, form)
            if page is not None:
                return page
        version, option, copied_from = editing(questionnaire, original)
        try:
            rules.update_option(option, form.label.data, form.value.data,
                                "asks_other" in form and form.asks_other.data,
                                "exclusive" in form and form.exclusive.data)
        except BuilderError as error:
            refused(error, form)
        else:
            log("questionnaire.option_changed", questionnaire, version, option_id=option.id,
                value=option.value)
            db.session.commit()
            saved(f"The option \u201c{option.label}\u201d is saved.", version, copied_from)
            return to_question(option.question)
    return render_template("surveys/staff/option_form.html", form=form,
                           questionnaire=questionnaire, question=original.question,
                           option=original,
                           locked=versions.lock_of(questionnaire.current_version))


@surveys_builder.route("/options/<int:option_id>/move", methods=["POST"])
@staff_required
def move_option(slug: str, audience: str, option_id: int):
    questionnaire, original = _option(slug, audience, option_id)
    direction = request.form.get("direction", "")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if moved_since_shown(original.position):
        flash(ALREADY_MOVED, "info")
        return to_question(original.question)
    if original.question.version_id != questionnaire.current_version.id:
        original, page = moved_left_open(
            questionnaire, _option_in(_in_version(questionnaire.current_version,
                                                  original.question.key), original.value),
            original, lambda option: option.position,
            lambda option: to_question(option.question))
        if page is not None:
            return page
    version, option, copied_from = editing(questionnaire, original)
    if not rules.move_option(option, direction):
        db.session.rollback()
        return to_question(original.question)
    log("questionnaire.option_moved", questionnaire, version, option_id=option.id,
        direction=direction)
    db.session.commit()
    saved(f"The option \u201c{option.label}\u201d is moved {direction}.", version, copied_from)
    return redirect(url_for(".question", slug=slug, audience=audience,
                            question_id=option.question_id, _anchor=f"option-{option.id}"))


@surveys_builder.route("/options/<int:option_id>/remove", methods=["POST"])
@staff_required
def remove_option(slug: str, audience: str, option_id: int):
    questionnaire, original = _option(slug, audience, option_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if original.question.version_id != questionnaire.current_version.id:
        original, page = pressed_left_open(
            questionnaire, "option", _option_in(_in_version(questionnaire.current_version,
                                                            original.question.key),
                                                original.value),
            _option_as_shown(original), _option_as_shown, _OPTION_NAMES,
            "this option is not in it: it was removed, or its code was changed", "remove it",
            lambda option: to_question(option.question))
        if page is not None:
            return page
    version, option, copied_from = editing(questionnaire, original)
    question, label = option.question, option.label
    try:
        rules.remove_option(option)
    except BuilderError as error:
        refused(error)
        return to_question(original.question)
    log("questionnaire.option_removed", questionnaire, version, question_id=question.id,
        label=label)
    db.session.commit()
    saved(f"The option \u201c{label}\u201d is removed.", version, copied_from)
    return to_question(question)
