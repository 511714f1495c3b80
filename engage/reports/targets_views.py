"""Staff pages that add to a borough's report: crime figures (CSV), targets, "You said, we
did", and publishing. For the borough's engagement officers and administrators; analysts read
the results on the report page but do not change them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovTextArea
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from engage.auth.access import staff_borough, staff_required
from engage.auth.forms import ConfirmForm
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.forms import (
    ALREADY_MOVED,
    FlaskForm,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
    RadioField,
    StringField,
    SubmitField,
    moved_since_shown,
    strip,
)
from engage.once import OnceForm, already_sent, commit_once
from engage.reports import public_files, targets
from engage.reports.operations import consultation_or_404, latest_snapshot
from engage.reports.public_views import signed
from engage.reports.published import Report
from engage.reports.targets_models import (
    CrimeFigureUpload,
    PlannedPriority,
    ReportPublication,
)
from engage.surveys.models import Consultation
from engage.templating import counted
from engage.uploads import NOT_UTF8, LineError, problems_message, read_text

report_targets = Blueprint(
    "report_targets", __name__,
    url_prefix="/staff/boroughs/<borough_slug>/reports/<consultation_slug>")
OTHER = "other"
FIRST_FINANCIAL_YEAR = 2000  # 2000/01


def financial_year_now() -> int:
    """The first calendar year of the financial year under way in London (April to March)."""
    today = to_london(utcnow()).date()
    return today.year if today.month >= 4 else today.year - 1


def financial_year(first: int) -> str:
    return f"{first}/{(first + 1) % 100:02d}"


class FinancialYear:
    """A year like 2026/27: four digits, then the last two of the year after (2099/00 too).
    "2026/99" is a slip, and the report would print it as a year that never was.

    From FIRST_FINANCIAL_YEAR to the year under way in London. The figures are how the borough
    did against its targets, so their year has started: next year's is most often this year's
    mistyped. 2000/01 is long before any consultation engage reports on. Outside them
    ("0000/01", or "2062/63" for 2026/27) the year is a slip the public report would print."""

    def __call__(self, form, field):
        match = re.fullmatch(r"(\d{4})/(\d{2})", field.data or "", re.ASCII)
        if match is None:
            raise ValidationError("Enter the year like 2026/27")
        if int(match[2]) != (int(match[1]) + 1) % 100:
            raise ValidationError("Enter the year as 2026/27: the second part is the year "
                                  "after the first")
        latest = financial_year_now()
        if not FIRST_FINANCIAL_YEAR <= int(match[1]) <= latest:
            raise ValidationError(
                f"Enter a year from {financial_year(FIRST_FINANCIAL_YEAR)} to "
                f"{financial_year(latest)} (the year under way now)")


class CrimeFiguresForm(FlaskForm):
    period = StringField(
        "Which year are the figures for?", filters=[strip], widget=GovTextInput(),
        description="For example, 2026/27",
        validators=[DataRequired("Enter the year the figures are for, like 2026/27"),
                    FinancialYear()])
    figures = FileField("CSV file", widget=GovFileInput(), validators=[
        FileRequired("Choose a CSV file of crime figures"),
        FileAllowed(["csv"], "The file must be a CSV file")])
    replace = BooleanField("Replace the figures uploaded before", widget=GovCheckboxInput())
    submit = SubmitField("Upload crime figures", widget=GovSubmitInput())


class Percentage:
    """An optional percentage from 0 to 100 with at most one decimal place."""

    def __init__(self, what: str, example: str):
        self.what, self.example = what, example

    def __call__(self, form, field):
        text = (field.data or "").removesuffix("%").strip()
        if not text:
            field.data = None
            return
        # Digits 0-9 only: Decimal() reads full-width and other digits as ours.
        value = Decimal(text) if re.fullmatch(r"\d{1,3}(\.\d)?", text, re.ASCII) else None
        if value is None or value > 100:
            raise ValidationError(f"Enter the {self.what} as a number from 0 to 100 with at "
                                  f"most one decimal place, like {self.example}")
        field.data = value.quantize(Decimal("0.1"))  # as the database keeps it: 70 is 70.0


class TargetsForm(FlaskForm):
    confidence_target = StringField(
        "Public confidence target (%)", filters=[strip], widget=GovTextInput(),
        description="The share who should say the police do an excellent or good job, like "
                    "51.4. Leave it empty if there is no target.",
        validators=[Percentage("public confidence target", "51.4")])
    gap_target = StringField(
        "Confidence gap target (percentage points)", filters=[strip], widget=GovTextInput(),
        description="The largest gap there should be between the confidence of White "
                    "respondents and of Black and minority ethnic respondents, like 3.8. Leave "
                    "it empty if there is no target.",
        validators=[Percentage("confidence gap target", "3.8")])
    feeling_safe_target = StringField(
        "Feeling safe target (%)", filters=[strip], widget=GovTextInput(),
        description="The share who should say they feel very or fairly safe, like 80. Leave it "
                    "empty if there is no target.",
        validators=[Percentage("feeling safe target", "80")])
    submit = SubmitField("Save targets", widget=GovSubmitInput())


class PlannedForm(OnceForm):
    priority = RadioField("Which priority?", widget=GovRadioInput(), validate_choice=False)
    other = StringField("If something else, what is the priority?", filters=[strip],
                        widget=GovTextInput(),
                        validators=[Length(max=200, message="The priority must be 200 "
                                                            "characters or fewer")])
    target = TextAreaField(
        "What will the police do, and what is the target?", filters=[strip],
        widget=GovTextArea(), description="For example: a 1.2% reduction in burglary",
        validators=[DataRequired("Enter what the police will do about this priority"),
                    Length(max=1000, message="This must be 1,000 characters or fewer")])
    submit = SubmitField("Add priority", widget=GovSubmitInput())

    def validate_priority(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a priority, or something else")

    def validate_other(self, field):
        if self.priority.data == OTHER and not field.data:
            raise ValidationError("Enter the priority")


def _area(borough_slug: str, consultation_slug: str) -> tuple[Borough, Consultation]:
    borough = staff_borough(borough_slug, StaffRoleName.OFFICER)
    return borough, consultation_or_404(consultation_slug, borough)


def _report_url(borough: Borough, consultation: Consultation) -> str:
    return url_for("reports.borough", borough_slug=borough.slug,
                   consultation_slug=consultation.slug)


@report_targets.route("/crime-figures", methods=["GET", "POST"])
@staff_required
def crime_figures(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    upload = targets.crime_figures(consultation, borough)
    # The year of the figures held, to start from: a corrected file is often for the same year.
    form = CrimeFiguresForm(data={"period": upload.period} if upload else None)
    errors: list[LineError] = []
    if form.is_submitted():
        valid = form.validate()
        # Every problem in one go: the file's lines are checked even when the year or the
        # replace box is wrong too, so a second try is not needed to learn about the file.
        rows = None
        if form.figures.data and not form.figures.errors:
            text = read_text(form.figures.data)
            if text is None:
                form.figures.errors.append(NOT_UTF8)
            else:
                rows, errors = targets.check_crime_figures(text)
                if errors:
                    form.figures.errors.append(problems_message(errors,
                                                                "no figures were saved"))
        if upload is not None and not form.replace.data:
            form.replace.errors.append("Tick the box to replace the figures uploaded before, "
                                       "or go back to keep them")
        if valid and rows and not errors and not form.replace.errors:
            targets.replace_crime_figures(consultation, borough, rows, form.period.data,
                                          form.figures.data.filename or "", current_user)
            db.session.commit()
            flash(f"Crime figures for {form.period.data} saved: "
                  f"{counted(len(rows), 'crime type')}.", "success")
            return redirect(_report_url(borough, consultation))
    return render_template("reports/targets/crime_figures.html", borough=borough,
                           consultation=consultation, upload=upload, form=form,
                           errors=errors[:200], error_count=len(errors),
                           columns=targets.COLUMNS, signed=signed)


@report_targets.route("/targets", methods=["GET", "POST"])
@staff_required
def edit_targets(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    existing = targets.targets_of(consultation, borough)
    form = TargetsForm(data=None if existing is None else {
        "confidence_target": _text(existing.confidence_target),
        "gap_target": _text(existing.gap_target),
        "feeling_safe_target": _text(existing.feeling_safe_target)})
    if form.validate_on_submit():
        targets.set_targets(consultation, borough, current_user,
                            confidence=form.confidence_target.data, gap=form.gap_target.data,
                            feeling_safe=form.feeling_safe_target.data)
        db.session.commit()
        flash("Targets saved.", "success")
        return redirect(_report_url(borough, consultation))
    return render_template("reports/targets/targets.html", borough=borough,
                           consultation=consultation, form=form)


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


@report_targets.route("/you-said-we-did", methods=["GET", "POST"])
@staff_required
def you_said_we_did(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    options = targets.priority_options(consultation)
    form = PlannedForm()
    form.priority.choices = [*options, (OTHER, "Something else")]
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        chosen = form.priority.data
        title = form.other.data if chosen == OTHER else dict(options)[chosen]
        try:
            targets.add_planned(consultation, borough, None if chosen == OTHER else chosen,
                                title, form.target.data)
        except targets.TooManyPriorities as refused:
            form.priority.errors.append(str(refused))
        else:
            return commit_once(form, request.path, saved=f"{title} added.")
    return render_template("reports/targets/you_said_we_did.html", borough=borough,
                           consultation=consultation, form=form,
                           planned=targets.planned(consultation, borough),
                           button=ConfirmForm())


def _planned_or_404(consultation: Consultation, borough: Borough,
                    priority_id: int) -> PlannedPriority:
    priority = db.session.get(PlannedPriority, priority_id)
    if (priority is None or priority.borough_id != borough.id
            or priority.consultation_id != consultation.id):
        abort(404)
    return priority


@report_targets.route("/you-said-we-did/<int:priority_id>/<any(up, down):direction>",
                      methods=["POST"])
@staff_required
def move_planned(borough_slug: str, consultation_slug: str, priority_id: int, direction: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    priority = _planned_or_404(consultation, borough, priority_id)
    if moved_since_shown(priority.position):
        flash(ALREADY_MOVED, "info")
    elif ConfirmForm().validate_on_submit():
        targets.move_planned(priority, -1 if direction == "up" else 1)
        db.session.commit()
        flash(f"{priority.title} moved {direction}.", "success")
    return redirect(url_for(".you_said_we_did", borough_slug=borough.slug,
                            consultation_slug=consultation.slug))


@report_targets.route("/you-said-we-did/<int:priority_id>/remove", methods=["POST"])
@staff_required
def remove_planned(borough_slug: str, consultation_slug: str, priority_id: int):
    borough, consultation = _area(borough_slug, consultation_slug)
    priority = _planned_or_404(consultation, borough, priority_id)
    if ConfirmForm().validate_on_submit():
        targets.remove_planned(priority)
        db.session.commit()
        flash(f"{priority.title} removed.", "success")
    return redirect(url_for(".you_said_we_did", borough_slug=borough.slug,
                            consultation_slug=consultation.slug))


@report_targets.route("/publish", methods=["GET", "POST"])
@staff_required
def publish(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    snapshot = latest_snapshot(consultation, borough)
    form = ConfirmForm()
    if snapshot is not None and form.validate_on_submit():
        targets.publish(consultation, borough, snapshot, current_user)
        db.session.commit()
        flash("The report is public.", "success")
        return redirect(_report_url(borough, consultation))
    published = targets.publication(consultation, borough)
    return render_template("reports/targets/publish.html", borough=borough,
                           consultation=consultation, snapshot=snapshot, published=published,
                           pdfs=public_files.kept_files(published) if published else {},
                           content=targets.pinned_content(consultation, borough), form=form)


@report_targets.route("/unpublish", methods=["POST"])
@staff_required
def unpublish(borough_slug: str, consultation_slug: str):
    borough, consultation = _area(borough_slug, consultation_slug)
    if ConfirmForm().validate_on_submit() and targets.unpublish(consultation, borough):
        db.session.commit()
        flash("The report is no longer public.", "success")
    return redirect(_report_url(borough, consultation))


@dataclass(frozen=True)
class Additions:
    """What the staff report page shows of this module's work, for one borough."""

    may_change: bool
    confidence: targets.AgainstTarget
    gap_target: Decimal | None
    feeling_safe: targets.AgainstTarget
    upload: CrimeFigureUpload | None
    planned: int
    publication: ReportPublication | None


@report_targets.app_template_global()
def report_additions(consultation: Consultation, borough: Borough,
                     report: Report | None) -> Additions:
    found = targets.targets_of(consultation, borough)
    return Additions(
        may_change=current_user.has_role(borough, StaffRoleName.OFFICER),
        confidence=targets.confidence_against_target(
            report, found.confidence_target if found else None),
        gap_target=found.gap_target if found else None,
        feeling_safe=targets.feeling_safe_against_target(
            report, found.feeling_safe_target if found else None),
        upload=targets.crime_figures(consultation, borough),
        planned=targets.count_planned(consultation, borough),
        publication=targets.publication(consultation, borough))
