"""Staff pages for inviting people to answer a questionnaire by email: lists from a group or an
uploaded CSV, the invitation, reminders, and response rates.

Only the borough's officers (and administrators) see these pages. A list belongs to one borough:
another borough's officer gets 403 from staff_borough before anything is read, and a list id
from another borough or consultation is simply not found. Every change is audited in the same
transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.forms import whole_number
from engage.groups.operations import groups_of
from engage.once import already_sent, commit_once
from engage.surveys import invitation_tasks as mailings
from engage.surveys import invitations
from engage.surveys.invitation_forms import (
    AddPeopleForm,
    AutoReminderForm,
    GroupListForm,
    ReminderForm,
    UploadListForm,
)
from engage.surveys.invitation_models import SurveyMailingKind
from engage.surveys.models import Consultation, InviteeList, InviteeListSource, Questionnaire
from engage.templating import counted
from engage.uploads import (
    NOT_UTF8,
    LineError,
    not_read,
    offers_ignore,
    problems_message,
    read_text,
)

surveys_invitations = Blueprint(
    "surveys_invitations", __name__,
    url_prefix="/staff/boroughs/<borough_slug>/consultations/<consultation_slug>/invitations")

MAX_ERRORS_SHOWN = 200


def _load(borough_slug: str, consultation_slug: str) -> tuple[Borough, Consultation]:
    borough = staff_borough(borough_slug, StaffRoleName.OFFICER)
    consultation = db.first_or_404(select(Consultation)
                                   .where(Consultation.slug == consultation_slug))
    if not consultation.covers(borough):
        abort(404)
    return borough, consultation


def _load_list(borough_slug: str, consultation_slug: str,
               list_id: int) -> tuple[Borough, Consultation, InviteeList]:
    borough, consultation = _load(borough_slug, consultation_slug)
    invitee_list = invitations.list_or_none(consultation, borough, list_id)
    if invitee_list is None:
        abort(404)
    return borough, consultation, invitee_list


def _to_list(invitee_list: InviteeList, consultation: Consultation):
    return redirect(url_for("surveys_invitations.list_page",
                            borough_slug=invitee_list.borough.slug,
                            consultation_slug=consultation.slug, list_id=invitee_list.id))


def _audit(action: str, invitee_list: InviteeList, **details) -> None:
    record(action, borough=invitee_list.borough, target=f"survey-list:{invitee_list.id}",
           **details)


@surveys_invitations.route("")
@staff_required
def index(borough_slug: str, consultation_slug: str):
    borough, consultation = _load(borough_slug, consultation_slug)
    lists = invitations.lists_of(consultation, borough)
    return render_template("surveys/invitations/index.html", borough=borough,
                           consultation=consultation, lists=lists,
                           rates=invitations.rates([x.id for x in lists]))


@surveys_invitations.route("/new/group", methods=["GET", "POST"])
@staff_required
def new_from_group(borough_slug: str, consultation_slug: str):
    borough, consultation = _load(borough_slug, consultation_slug)
    form = GroupListForm()
    form.offer_questionnaires(consultation)
    form.offer_groups(groups_of(borough))
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        group = form.chosen_group()
        name = form.name.data or f"Members of {group.name_in_text}"
        try:
            invitee_list, added = invitations.list_from_group(
                form.chosen_questionnaire(consultation), borough, group, name, current_user)
        except invitations.NobodyToInvite as nobody:
            form.group.errors.append(nobody.message)
        else:
            _audit("survey_list.created", invitee_list, source="group", group=group.slug,
                   people=added.added)
            return commit_once(form, _to_list(invitee_list, consultation).location,
                               saved=f"{name} is ready: {_people(added.added)}"
                                     f"{_opted_out_note(added.opted_out)}.")
    return render_template("surveys/invitations/new_group.html", borough=borough,
                           consultation=consultation, form=form)


def _people(n: int) -> str:
    return counted(n, "person", "people")


def _opted_out_note(opted_out: int) -> str:
    if not opted_out:
        return ""
    return (f". {_people(opted_out)} asked for no consultation emails and will not be sent "
            "any")


def _already_note(lines: list[int]) -> str:
    if not lines:
        return ""
    shown = ", ".join(str(n) for n in lines[:20]) + (" and more" if len(lines) > 20 else "")
    return (f". {_people(len(lines))} already on the list (line{'s' if len(lines) > 1 else ''} "
            f"{shown}) {'was' if len(lines) == 1 else 'were'} left as before")


def _check_file(form: UploadListForm | AddPeopleForm, questionnaire: Questionnaire
                ) -> tuple[list, list[LineError], tuple[str, ...]]:
    """The checked rows of the form's file and the columns left out of it, or no rows and the
    problems (also on the file's field)."""
    field = form.people
    text = read_text(field.data)
    if text is None:
        field.errors.append(NOT_UTF8)
        return [], [], ()
    rows, errors, ignored = invitations.check_upload(text, questionnaire.audience,
                                                     form.ignore_unknown.data)
    if errors:
        field.errors.append(problems_message(errors, "nobody was added"))
        return [], errors, ()
    return rows, [], ignored


@surveys_invitations.route("/new/upload", methods=["GET", "POST"])
@staff_required
def new_from_upload(borough_slug: str, consultation_slug: str):
    borough, consultation = _load(borough_slug, consultation_slug)
    form = UploadListForm()
    form.offer_questionnaires(consultation)
    errors: list[LineError] = []
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        questionnaire = form.chosen_questionnaire(consultation)
        rows, errors, ignored = _check_file(form, questionnaire)
        if rows:
            invitee_list = invitations.new_upload_list(questionnaire, borough, form.name.data,
                                                       current_user)
            added = invitations.add_rows(invitee_list, rows)
            _audit("survey_list.created", invitee_list, source="upload", people=added.added,
                   columns_not_read=list(ignored))
            return commit_once(form, _to_list(invitee_list, consultation).location,
                               saved=f"{invitee_list.name} is ready: {_people(added.added)}"
                                     f"{_opted_out_note(added.opted_out)}.{not_read(ignored)}")
    return render_template("surveys/invitations/upload.html", borough=borough,
                           consultation=consultation, form=form, invitee_list=None,
                           errors=errors[:MAX_ERRORS_SHOWN], error_count=len(errors),
                           columns=invitations.COLUMNS,
                           offer_ignore=offers_ignore(form.ignore_unknown, errors))


@surveys_invitations.route("/<int:list_id>/add", methods=["GET", "POST"])
@staff_required
def add_people(borough_slug: str, consultation_slug: str, list_id: int):
    borough, consultation, invitee_list = _load_list(borough_slug, consultation_slug, list_id)
    if invitee_list.source != InviteeListSource.UPLOAD:
        abort(404)
    form = AddPeopleForm()
    errors: list[LineError] = []
    if form.validate_on_submit():
        rows, errors, ignored = _check_file(form, invitee_list.questionnaire)
        if rows:
            added = invitations.add_rows(invitee_list, rows)
            _audit("survey_list.people_added", invitee_list, people=added.added,
                   already_on_list=len(added.already_on_list), columns_not_read=list(ignored))
            db.session.commit()
            flash(f"{_people(added.added)} added{_already_note(added.already_on_list)}"
                  f"{_opted_out_note(added.opted_out)}.{not_read(ignored)}", "success")
            return _to_list(invitee_list, consultation)
    return render_template("surveys/invitations/upload.html", borough=borough,
                           consultation=consultation, form=form, invitee_list=invitee_list,
                           errors=errors[:MAX_ERRORS_SHOWN], error_count=len(errors),
                           columns=invitations.COLUMNS,
                           offer_ignore=offers_ignore(form.ignore_unknown, errors))


@surveys_invitations.route("/<int:list_id>")
@staff_required
def list_page(borough_slug: str, consultation_slug: str, list_id: int):
    borough, consultation, invitee_list = _load_list(borough_slug, consultation_slug, list_id)
    return render_template(
        "surveys/invitations/list.html", borough=borough, consultation=consultation,
        invitee_list=invitee_list, rates=invitations.rates([invitee_list.id])[invitee_list.id],
        mailings=invitations.mailings_of(invitee_list),
        auto_reminder=invitations.auto_reminder(invitee_list),
        waiting=mailings.count_owed(invitee_list, SurveyMailingKind.INVITATION))


@surveys_invitations.route("/<int:list_id>/send", methods=["GET", "POST"])
@staff_required
def send(borough_slug: str, consultation_slug: str, list_id: int):
    borough, consultation, invitee_list = _load_list(borough_slug, consultation_slug, list_id)
    form = ConfirmForm()
    form.submit.label.text = "Send the invitation"
    if form.validate_on_submit():
        try:
            mailing = mailings.start(invitee_list, SurveyMailingKind.INVITATION, current_user)
        except mailings.MailingRefused as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return _to_list(invitee_list, consultation)
        _audit("survey_list.invitation_sent", invitee_list, mailing=mailing.number)
        db.session.commit()
        flash("The invitation is being sent. The numbers below show its progress.", "success")
        return _to_list(invitee_list, consultation)
    return render_template(
        "surveys/invitations/send.html", borough=borough, consultation=consultation,
        invitee_list=invitee_list, form=form,
        rates=invitations.rates([invitee_list.id])[invitee_list.id],
        owed=mailings.count_owed(invitee_list, SurveyMailingKind.INVITATION))


@surveys_invitations.route("/<int:list_id>/reminder", methods=["GET", "POST"])
@staff_required
def reminder(borough_slug: str, consultation_slug: str, list_id: int):
    borough, consultation, invitee_list = _load_list(borough_slug, consultation_slug, list_id)
    form = ReminderForm(data={"days": str(current_app.config["ENGAGE_SURVEY_REMINDER_DAYS"])})
    if form.validate_on_submit():
        days = whole_number(form.days.data)
        cutoff = mailings.reminder_cutoff(days)
        if form.confirmed.data == "yes":
            try:
                mailing = mailings.start(invitee_list, SurveyMailingKind.REMINDER, current_user,
                                         invited_before=cutoff)
            except mailings.MailingRefused as refused:
                db.session.rollback()
                flash(refused.message, "error")
                return _to_list(invitee_list, consultation)
            _audit("survey_list.reminder_sent", invitee_list, mailing=mailing.number,
                   days=days)
            db.session.commit()
            flash("The reminder is being sent. The numbers below show its progress.",
                  "success")
            return _to_list(invitee_list, consultation)
        form.confirmed.data = "yes"
        form.submit.label.text = "Send the reminder"
        return render_template(
            "surveys/invitations/reminder_check.html", borough=borough,
            consultation=consultation, invitee_list=invitee_list, form=form, days=days,
            owed=mailings.count_owed(invitee_list, SurveyMailingKind.REMINDER, cutoff))
    return render_template("surveys/invitations/reminder.html", borough=borough,
                           consultation=consultation, invitee_list=invitee_list, form=form)


@surveys_invitations.route("/<int:list_id>/automatic-reminder", methods=["GET", "POST"])
@staff_required
def automatic_reminder(borough_slug: str, consultation_slug: str, list_id: int):
    borough, consultation, invitee_list = _load_list(borough_slug, consultation_slug, list_id)
    current = invitations.auto_reminder(invitee_list)
    form = AutoReminderForm(data={"days": str(current.after_days) if current else ""})
    if form.validate_on_submit():
        days = whole_number(form.days.data)
        invitations.set_auto_reminder(invitee_list, days)
        _audit("survey_list.automatic_reminder_set", invitee_list, days=days)
        db.session.commit()
        flash("People who have not answered will be reminded automatically "
              f"{counted(days, 'day')} after their invitation." if days
              else "There will be no automatic reminder.",
              "success")
        return _to_list(invitee_list, consultation)
    return render_template("surveys/invitations/automatic_reminder.html", borough=borough,
                           consultation=consultation, invitee_list=invitee_list, form=form)
