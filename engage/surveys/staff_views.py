"""Staff pages for consultations: the list, creating and changing one, and its questionnaires.
The questionnaire builder itself is in builder_views.

Every staff role may look. Administrators change any consultation; a borough engagement officer
only one that covers nothing but boroughs where they are an officer. Every change is written to
the audit log in the same transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.audit.operations import record
from engage.auth.access import boroughs_for, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.mailouts.keying import paper_deadline
from engage.once import already_sent, commit_once
from engage.surveys import builder_consultations as operations
from engage.surveys.builder import BuilderError
from engage.surveys.models import (
    Audience,
    Consultation,
    Question,
    Questionnaire,
    Response,
)
from engage.surveys.staff_forms import ConsultationForm, QuestionnaireForm
from engage.surveys.template import TemplateRefused, add_template_questionnaires

surveys_staff = Blueprint("surveys_staff", __name__, url_prefix="/staff/consultations")


def consultation_or_404(slug: str) -> Consultation:
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.slug == slug)
        .options(selectinload(Consultation.boroughs),
                 selectinload(Consultation.questionnaires).selectinload(Questionnaire.versions)))
    if consultation is None:
        abort(404)
    return consultation


def editable_consultation(slug: str) -> Consultation:
    """The consultation, if the person signed in may change it (403 otherwise)."""
    consultation = consultation_or_404(slug)
    if not operations.may_edit(current_user, consultation):
        abort(403)
    return consultation


def questionnaire_or_404(consultation: Consultation, audience: str) -> Questionnaire:
    try:
        questionnaire = consultation.questionnaire_for(Audience(audience))
    except ValueError:
        questionnaire = None
    if questionnaire is None:
        abort(404)
    return questionnaire


def audit(action: str, consultation: Consultation, **details) -> None:
    """Recorded against the borough when the consultation covers exactly one."""
    only = (consultation.boroughs[0]
            if not consultation.all_boroughs and len(consultation.boroughs) == 1 else None)
    record(action, borough=only, target=f"consultation:{consultation.id}",
           consultation=consultation.slug, **details)


def _form_boroughs() -> list[Borough]:
    """The boroughs a person may choose: every one for administrators, else their own."""
    return boroughs_for(StaffRoleName.OFFICER)


def _apply_error(form, error: BuilderError) -> None:
    name = error.field if error.field and error.field in form else None
    if name is None:
        flash(error.message, "error")
    else:
        form[name].errors = list(form[name].errors or []) + [error.message]


@surveys_staff.route("")
@staff_required
def index():
    consultations = db.session.scalars(
        select(Consultation).options(selectinload(Consultation.boroughs))
        .order_by(Consultation.opens_at.desc(), Consultation.title)).all()
    return render_template("surveys/staff/index.html", consultations=consultations,
                           may_create=operations.may_create(current_user),
                           may_edit=lambda c: operations.may_edit(current_user, c))


@surveys_staff.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    if not operations.may_create(current_user):
        abort(403)
    form = ConsultationForm(boroughs=_form_boroughs(), admin=current_user.is_admin)
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        try:
            consultation = operations.create_consultation(form.details(), current_user)
        except BuilderError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            audit("consultation.created", consultation,
                  **operations.describe_consultation(consultation))
            return commit_once(form, url_for(".consultation", slug=consultation.slug),
                               saved=f"{consultation.title} is created. Add its questionnaires "
                                     "next.")
    return render_template("surveys/staff/consultation_form.html", form=form, consultation=None)


@surveys_staff.route("/<slug>")
@staff_required
def consultation(slug: str):
    consultation = consultation_or_404(slug)
    versions = [q.current_version.id for q in consultation.questionnaires]
    # One query each for the counts, not one per questionnaire.
    responses = dict(db.session.execute(
        select(Response.questionnaire_id, func.count(Response.id))
        .where(Response.consultation_id == consultation.id)
        .group_by(Response.questionnaire_id)).all())
    questions = dict(db.session.execute(
        select(Question.version_id, func.count(Question.id))
        .where(Question.version_id.in_(versions)).group_by(Question.version_id)).all())
    return render_template(
        "surveys/staff/consultation.html", consultation=consultation,
        can_edit=operations.may_edit(current_user, consultation), audiences=list(Audience),
        responses=responses, questions=questions, confirm=ConfirmForm(),
        paper_deadline=paper_deadline(consultation),
        paper_deadline_is_default=consultation.paper_grace_until is None)


@surveys_staff.route("/<slug>/edit", methods=["GET", "POST"])
@staff_required
def edit(slug: str):
    consultation = editable_consultation(slug)
    options = {"boroughs": _form_boroughs(), "admin": current_user.is_admin, "editing": True,
               "ends_were": (consultation.closes_at, consultation.paper_grace_until)}
    form = (ConsultationForm.for_editing(consultation, **options) if request.method == "GET"
            else ConsultationForm(**options))
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        grace_before = consultation.paper_grace_until
        try:
            # Flushed together with the new closing time, never apart: the database refuses a
            # grace date before closing, even for a moment.
            with db.session.no_autoflush:
                consultation.paper_grace_until = form.paper_grace_until
                before, after = operations.update_consultation(consultation, form.details(),
                                                               current_user)
        except BuilderError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            if consultation.paper_grace_until != grace_before:
                before["paper_grace_until"] = grace_before and grace_before.isoformat()
                after["paper_grace_until"] = (consultation.paper_grace_until
                                              and consultation.paper_grace_until.isoformat())
            if "double_keying" in form and form.double_keying.data != consultation.double_keying:
                before["double_keying"] = consultation.double_keying
                consultation.double_keying = after["double_keying"] = form.double_keying.data
            if after:
                audit("consultation.changed", consultation, before=before, after=after)
                db.session.commit()
                flash(f"{consultation.title} is saved.", "success")
            else:
                flash("Nothing was changed.", "info")
            return redirect(url_for(".consultation", slug=consultation.slug))
    return render_template("surveys/staff/consultation_form.html", form=form,
                           consultation=consultation)


@surveys_staff.route("/<slug>/template", methods=["POST"])
@staff_required
def use_template(slug: str):
    consultation = editable_consultation(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        added = add_template_questionnaires(consultation, created_by=current_user)
    except TemplateRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        audit("consultation.template_used", consultation,
              questionnaires=[q.audience.value for q in added])
        db.session.commit()
        flash("The ready template's questionnaires are added. Check every question before the "
              "consultation opens.", "success")
    return redirect(url_for(".consultation", slug=consultation.slug))


@surveys_staff.route("/<slug>/questionnaires/new", methods=["GET", "POST"])
@staff_required
def new_questionnaire(slug: str):
    consultation = editable_consultation(slug)
    missing = [a for a in Audience if consultation.questionnaire_for(a) is None]
    form = QuestionnaireForm(audiences=missing)
    # Sent again, the form would be refused before its key is looked at: the questionnaire the
    # first sending made means its audience is no longer one to choose. So look first. (This
    # only reads, and only for the person whose key it is.)
    if form.is_submitted() and (earlier := already_sent(form)) is not None:
        return earlier
    if not missing:
        flash("This consultation already has a questionnaire for each audience.", "info")
        return redirect(url_for(".consultation", slug=consultation.slug))
    if request.method == "GET" and request.args.get("audience") in {a.value for a in missing}:
        form.audience.data = request.args["audience"]
    if form.validate_on_submit():
        try:
            questionnaire = operations.add_questionnaire(
                consultation, Audience(form.audience.data), form.title.data,
                form.introduction.data, current_user)
        except BuilderError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            audit("questionnaire.created", consultation, questionnaire_id=questionnaire.id,
                  audience=questionnaire.audience.value, title=questionnaire.title)
            return commit_once(
                form, url_for("surveys_builder.builder", slug=consultation.slug,
                              audience=questionnaire.audience.value),
                saved=f"The questionnaire for {questionnaire.audience.label.lower()} is "
                      "created. Add its sections and questions.")
    return render_template("surveys/staff/questionnaire_form.html", form=form,
                           consultation=consultation, questionnaire=None)


@surveys_staff.route("/<slug>/<audience>/details", methods=["GET", "POST"])
@staff_required
def edit_questionnaire(slug: str, audience: str):
    consultation = editable_consultation(slug)
    questionnaire = questionnaire_or_404(consultation, audience)
    form = QuestionnaireForm(obj=questionnaire if request.method == "GET" else None)
    if form.validate_on_submit():
        before, after = operations.update_questionnaire(questionnaire, form.title.data,
                                                        form.introduction.data)
        if after:
            audit("questionnaire.changed", consultation, questionnaire_id=questionnaire.id,
                  before=before, after=after)
            db.session.commit()
            flash("The questionnaire's title and introduction are saved.", "success")
        return redirect(url_for("surveys_builder.builder", slug=consultation.slug,
                                audience=questionnaire.audience.value))
    return render_template("surveys/staff/questionnaire_form.html", form=form,
                           consultation=consultation, questionnaire=questionnaire)

