"""Keying in returned paper questionnaires: open a form by its reference (typed, or scanned
from the QR code), key the whole paper on one page, and, under double keying, settle two
keyings that differ.

Data-entry clerks and officers of the borough (and administrators) key; only officers and
administrators settle differences. Every stored form and keying is audited in the same
transaction.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import keying
from engage.mailouts.keying import KeyingRefused, Outcome
from engage.mailouts.keying_forms import (
    ReferenceForm,
    codes_for,
    keying_form,
    read_keying,
    read_resolution,
    resolve_form,
)
from engage.surveys.pages import field_name
from engage.surveys.responses import ResponseRefused

mailouts_keying = Blueprint("mailouts_keying", __name__,
                            url_prefix="/staff/boroughs/<borough_slug>/paper/keying")

KEYING_ROLES = (StaffRoleName.CLERK, StaffRoleName.OFFICER)
SUPERVISOR_ROLES = (StaffRoleName.OFFICER,)

MESSAGES = {
    Outcome.STORED: "Reference {} is saved.",
    Outcome.FIRST: "Reference {} is keyed once. Another clerk must key it too before it counts.",
    Outcome.VERIFIED: "Reference {} is saved: both keyings match.",
    Outcome.MISMATCH: "Reference {} is keyed twice, but the two keyings differ. A supervisor "
                      "will settle them before it counts.",
}


def _index_page(borough: Borough, form: ReferenceForm, status: int = 200):
    may_settle = current_user.has_role(borough, *SUPERVISOR_ROLES)
    return render_template(
        "mailouts/keying/index.html", borough=borough, form=form, may_settle=may_settle,
        to_settle=keying.waiting_for_supervisor(borough),
        second=keying.waiting_for_second(borough),
        accepting=keying.accepting_paper(borough, utcnow())), status


def _refused(borough: Borough, reference: str, refused: KeyingRefused):
    """The reference page again, with why this form cannot be keyed on its field."""
    form = ReferenceForm(formdata=None, data={"reference": reference})
    form.reference.errors = [refused.message]
    return _index_page(borough, form, refused.status)


@mailouts_keying.route("", methods=["GET", "POST"])
@staff_required
def index(borough_slug: str):
    borough = staff_borough(borough_slug, *KEYING_ROLES)
    form = ReferenceForm()
    if form.validate_on_submit():
        try:
            paper = keying.paper_for(borough, form.reference.data)
            keying.check_can_key(paper, current_user)
        except KeyingRefused as refused:
            form.reference.errors = [refused.message]
        else:
            return redirect(url_for(".key", borough_slug=borough.slug,
                                    reference=paper.reference))
    return _index_page(borough, form)


def _errors_on_fields(form, version, errors: dict[str, str]) -> None:
    for question in version.ordered_questions():
        if question.key in errors and field_name(question) in form:
            form[field_name(question)].errors = [errors[question.key]]


@mailouts_keying.route("/<reference>", methods=["GET", "POST"])
@staff_required
def key(borough_slug: str, reference: str):
    borough = staff_borough(borough_slug, *KEYING_ROLES)
    try:
        paper = keying.paper_for(borough, reference)
        keying.check_can_key(paper, current_user)
    except KeyingRefused as refused:
        return _refused(borough, reference, refused)
    version = keying.version_of(paper)
    form, layout, params = keying_form(version)
    keyed = read_keying(form, version) if form.validate_on_submit() else None
    if keyed is not None:
        answers, consent = keyed
        try:
            outcome, response = keying.key_in(paper, answers, consent, current_user)
        except ResponseRefused as refused:
            db.session.rollback()
            _errors_on_fields(form, version, refused.errors)
        except KeyingRefused as refused:
            db.session.rollback()
            return _refused(borough, reference, refused)
        else:
            record("paper.keyed", borough=borough, target=f"paper-request:{paper.id}",
                   reference=paper.reference, outcome=outcome.value,
                   response_id=response.id if response else None)
            db.session.commit()
            flash(MESSAGES[outcome].format(paper.reference), "success")
            return redirect(url_for(".index", borough_slug=borough.slug))
    deadline = keying.paper_deadline(paper.questionnaire.consultation)
    return render_template("mailouts/keying/key.html", borough=borough, paper=paper,
                           version=version, form=form, layout=layout, params=params,
                           consent_field="equality_consent",
                           double=paper.questionnaire.consultation.double_keying,
                           accepted_until=deadline, past_deadline=deadline <= utcnow())


@mailouts_keying.route("/<reference>/settle", methods=["GET", "POST"])
@staff_required
def settle(borough_slug: str, reference: str):
    borough = staff_borough(borough_slug, *SUPERVISOR_ROLES)
    try:
        paper, (first, second) = keying.paper_to_settle(borough, reference)
    except KeyingRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for(".index", borough_slug=borough.slug))
    version = keying.version_of(paper)
    found = keying.differences(version, first, second)
    form, rows, params = resolve_form(found)
    settled = (read_resolution(form, found, first.answers, second.answers,
                               (first.equality_consent, second.equality_consent))
               if form.validate_on_submit() else None)
    if settled is not None:
        answers, consent = settled
        try:
            response = keying.resolve(paper, answers, consent, current_user)
        except ResponseRefused as refused:
            db.session.rollback()
            flash(f"{refused.message} Key the right answer for each question shown.", "error")
            _errors_on_fields(form, version, refused.errors)
        except KeyingRefused as refused:  # another supervisor settled it a moment ago
            db.session.rollback()
            flash(refused.message, "error")
            return redirect(url_for(".index", borough_slug=borough.slug))
        else:
            record("paper.keying.settled", borough=borough, target=f"paper-request:{paper.id}",
                   reference=paper.reference, response_id=response.id,
                   first_clerk_id=first.clerk_id, second_clerk_id=second.clerk_id,
                   differences=[d.key for d in found])
            db.session.commit()
            flash(f"Reference {paper.reference} is saved as you settled it.", "success")
            return redirect(url_for(".index", borough_slug=borough.slug))
    return render_template("mailouts/keying/settle.html", borough=borough, paper=paper,
                           form=form, params=params, rows=rows, found=found, first=first,
                           second=second, codes_for=codes_for)

