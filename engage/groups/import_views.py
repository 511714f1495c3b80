"""Staff page: import a group's existing members from a CSV file (officers only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput
from wtforms import BooleanField, SubmitField

from engage.audit.operations import record
from engage.auth.access import staff_borough, staff_required
from engage.auth.models import StaffRoleName
from engage.extensions import db
from engage.forms import FlaskForm, GovSubmitInput
from engage.groups import imports
from engage.groups.models import GroupRole, Represents
from engage.groups.operations import group_or_404
from engage.templating import counted
from engage.uploads import (
    NOT_UTF8,
    LineError,
    ignore_unknown_field,
    not_read,
    offers_ignore,
    problems_message,
    read_text,
)

member_import = Blueprint("member_import", __name__,
                          url_prefix="/staff/boroughs/<borough_slug>/groups/<group_slug>")


class MemberImportForm(FlaskForm):
    members = FileField(
        "CSV file", widget=GovFileInput(),
        validators=[FileRequired("Choose a CSV file of members"),
                    FileAllowed(["csv"], "The file must be a CSV file")])
    ignore_unknown = ignore_unknown_field()
    email_new = BooleanField("Email people who are new to engage a link to choose a password",
                             default=True, widget=GovCheckboxInput())
    submit = SubmitField("Import members", widget=GovSubmitInput())


@member_import.route("/import", methods=["GET", "POST"])
@staff_required
def upload(borough_slug: str, group_slug: str):
    borough = staff_borough(borough_slug, StaffRoleName.OFFICER)
    group = group_or_404(borough, group_slug)
    form = MemberImportForm()
    errors: list[LineError] = []
    if form.validate_on_submit():
        text = read_text(form.members.data)
        if text is None:
            form.members.errors.append(NOT_UTF8)
        else:
            rows, errors, ignored = imports.check(text, form.ignore_unknown.data)
            if errors:
                form.members.errors.append(problems_message(errors, "nobody was imported"))
            else:
                result = imports.apply(group, rows, current_user, form.email_new.data)
                record("members.imported", borough=borough,
                       target=f"group:{group.id}", added=result.added,
                       already_members=result.already_members, new_accounts=result.new_accounts,
                       columns_not_read=list(ignored))
                db.session.commit()
                already = counted(result.already_members, "was already a member and was",
                                  "were already members and were")
                flash(f"{counted(result.added, 'member')} imported ({result.new_accounts:,} new "
                      f"to engage). {already} left as they were.{not_read(ignored)}", "success")
                return redirect(url_for("groups_staff.members", borough_slug=borough.slug,
                                        group_slug=group.slug))
    return render_template("groups/import.html", group=group, form=form, errors=errors[:200],
                           error_count=len(errors), represents=Represents, roles=GroupRole,
                           columns=imports.COLUMNS,
                           offer_ignore=offers_ignore(form.ignore_unknown, errors))
