"""Forms for meetings: those staff fill in (the meeting's details, agenda items and papers), the
public's registration for a meeting, and the reply to an invitation."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovTextArea
from wtforms import RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from engage import clock
from engage.clock import to_london
from engage.forms import (
    FlaskForm,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
    email_field,
    name_field,
    strip,
    whole_number,
)
from engage.groups.staff_forms import DayMonthYearField
from engage.meetings import papers
from engage.meetings.models import Meeting, MeetingMode, MeetingVisibility, Reply
from engage.meetings.operations import Details, NonExistentTime, from_london
from engage.once import OnceForm

# Digits 0-9 only (re.ASCII), a space allowed before "am"/"pm" and inside "p. m.", never
# between digits: "1 8:30" is a slip, not 18:30.
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))? ?([ap]\.? ?m\.?)?$", re.ASCII)


def parse_time(text: str | None) -> time | None:
    """`6:30pm`, `6.30pm`, `6pm`, `18:30`, `midday` or `midnight`; None if it is none of these."""
    value = " ".join((text or "").lower().split())
    if value in ("midday", "noon", "12noon", "12 noon"):
        return time(12)
    if value == "midnight":
        return time(0)
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3]
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    elif match[2] is None:
        return None  # "6" on its own could be morning or evening
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _whole_number(field, label: str, largest: int) -> int | None:
    if not field.data:
        return None
    number = whole_number(field.data)
    if number is None or not 1 <= number <= largest:
        raise ValidationError(f"{label} must be a whole number between 1 and {largest:,}")
    return number


class MeetingForm(OnceForm):
    title = StringField("Title", filters=[strip],
                        validators=[DataRequired("Enter the title of the meeting"),
                                    Length(max=200, message="The title must be 200 characters "
                                                            "or fewer")],
                        widget=GovTextInput(),
                        description="For example, Quarterly meeting: spring 2027")
    description = TextAreaField(
        "What the meeting is about", filters=[strip],
        validators=[Length(max=5000, message="The description must be 5,000 characters or "
                                             "fewer")],
        widget=GovTextArea(), description="Optional. Shown on the meeting's page.")
    date = DayMonthYearField("Date", description="For example, 14 3 2027")
    # There is no GOV.UK time component: a text box that takes the ways people write times.
    start_time = StringField(
        "Start time", filters=[strip], widget=GovTextInput(),
        description="London time, for example 6:30pm or 18:30. On the night the clocks go "
                    "back, a time from 1am to 1:59am means the first one (British Summer Time).")
    end_time = StringField("End time", filters=[strip], widget=GovTextInput(),
                           description="For example, 8pm or 20:00")
    mode = RadioField("How will people attend?", choices=MeetingMode.choices(),
                      validators=[InputRequired("Select how people will attend")],
                      widget=GovRadioInput())
    venue = StringField("Name of the venue", filters=[strip],
                        validators=[Length(max=200, message="The name of the venue must be 200 "
                                                            "characters or fewer")],
                        widget=GovTextInput(),
                        description="For meetings in person or hybrid meetings.")
    address = TextAreaField("Address of the venue", filters=[strip],
                            validators=[Length(max=1000, message="The address must be 1,000 "
                                                                 "characters or fewer")],
                            widget=GovTextArea(),
                            description="For meetings in person or hybrid meetings.")
    access_notes = TextAreaField(
        "Access information", filters=[strip],
        validators=[Length(max=2000, message="Access information must be 2,000 characters or "
                                             "fewer")],
        widget=GovTextArea(),
        description="Optional. For example: step-free entrance on High Street, hearing loop, "
                    "nearest station.")
    online_link = StringField(
        "Link to join online", filters=[strip],
        validators=[Length(max=500, message="The link must be 500 characters or fewer")],
        widget=GovTextInput(),
        description="For online or hybrid meetings. It must start with https://. Only members "
                    "of the group and people who register see it.")
    capacity = StringField("Number of places", filters=[strip], widget=GovTextInput(),
                           description="Optional. Leave empty if there is no limit.",
                           render_kw={"inputmode": "numeric"})
    visibility = RadioField("Who can see the meeting?", choices=MeetingVisibility.choices(),
                            validators=[InputRequired("Select who can see the meeting")],
                            widget=GovRadioInput())
    submit = SubmitField("Schedule the meeting", widget=GovSubmitInput())

    _starts_at: datetime | None = None
    _ends_at: datetime | None = None
    # When changing a meeting, its times as they are: a meeting that has happened keeps them
    # while its other details are corrected, but no meeting is moved into the past.
    times_were: tuple[datetime, datetime] | None = None

    @classmethod
    def for_editing(cls, meeting: Meeting) -> MeetingForm:
        start, end = to_london(meeting.starts_at), to_london(meeting.ends_at)
        form = cls(data={
            "title": meeting.title, "description": meeting.description, "date": start.date(),
            "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}",
            "mode": meeting.mode.value, "venue": meeting.venue or "",
            "address": meeting.address or "", "access_notes": meeting.access_notes,
            "online_link": meeting.online_link or "",
            "capacity": str(meeting.capacity) if meeting.capacity else "",
            "visibility": meeting.visibility.value,
        })
        form.submit.label.text = "Save changes"
        form.times_were = (meeting.starts_at, meeting.ends_at)
        return form

    def _mode(self) -> MeetingMode | None:
        try:
            return MeetingMode(self.mode.data)
        except ValueError:
            return None

    def validate_date(self, field):
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the meeting")

    def _when(self, field, day: date) -> datetime:
        at = parse_time(field.data)
        if at is None:
            raise ValidationError(f"Enter the {field.label.text.lower()} in the form 6:30pm "
                                  "or 18:30")
        try:
            return from_london(day, at)
        except NonExistentTime:
            raise ValidationError(
                f"The {field.label.text.lower()} does not exist: the clocks go forward from "
                f"1am to 2am on {day.day} {day:%B %Y}. Enter a time before 1am or from 2am"
            ) from None

    def validate_start_time(self, field):
        if not field.data:
            raise ValidationError("Enter the start time")
        if self.date.data:
            self._starts_at = self._when(field, self.date.data)

    def validate_end_time(self, field):
        if not field.data:
            raise ValidationError("Enter the end time")
        if not self.date.data:
            return
        day = self.date.data
        if parse_time(field.data) == time(0):
            day += timedelta(days=1)  # ending at midnight means the end of the day
        self._ends_at = self._when(field, day)
        if self._starts_at and self._ends_at <= self._starts_at:
            raise ValidationError("The end time must be after the start time")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self._starts_at and self._ends_at):
            return valid
        if (self._starts_at, self._ends_at) != self.times_were \
                and self._starts_at <= clock.utcnow():
            # Members would be invited to, or told of a new time for, what has already begun.
            self.date.errors.append("The meeting must be in the future: check the date and "
                                    "start time")
            return False
        return valid

    def validate_venue(self, field):
        mode = self._mode()
        if mode and mode.has_venue and not field.data:
            raise ValidationError("Enter the name of the venue")

    def validate_address(self, field):
        mode = self._mode()
        if mode and mode.has_venue and not field.data:
            raise ValidationError("Enter the address of the venue")

    def validate_online_link(self, field):
        mode = self._mode()
        if not (mode and mode.has_link):
            return
        if not field.data:
            raise ValidationError("Enter the link to join online")
        parts = urlsplit(field.data)
        if parts.scheme != "https" or not parts.hostname or " " in field.data:
            raise ValidationError("Enter a link that starts with https://, like "
                                  "https://meet.example.org/cpeg")

    def validate_capacity(self, field):
        _whole_number(field, "The number of places", 100_000)

    def details(self) -> Details:
        assert self._starts_at and self._ends_at, "call validate() first"
        return Details(
            title=self.title.data, description=self.description.data,
            starts_at=self._starts_at, ends_at=self._ends_at, mode=MeetingMode(self.mode.data),
            venue=self.venue.data or None, address=self.address.data or None,
            access_notes=self.access_notes.data, online_link=self.online_link.data or None,
            capacity=whole_number(self.capacity.data),  # "1,000" as validated
            visibility=MeetingVisibility(self.visibility.data),
        )


class AgendaItemForm(OnceForm):
    title = StringField("Agenda item", filters=[strip],
                        validators=[DataRequired("Enter the agenda item"),
                                    Length(max=200, message="The agenda item must be 200 "
                                                            "characters or fewer")],
                        widget=GovTextInput(), description="For example, Stop and search: "
                                                           "the latest figures")
    presenter = StringField("Presenter", filters=[strip],
                            validators=[Length(max=200, message="The presenter must be 200 "
                                                                "characters or fewer")],
                            widget=GovTextInput(),
                            description="Optional. For example, Inspector Priya Shah")
    minutes = StringField("Time allowed, in minutes", filters=[strip], widget=GovTextInput(),
                          description="Optional.", render_kw={"inputmode": "numeric"})
    submit = SubmitField("Add to the agenda", widget=GovSubmitInput())

    def validate_minutes(self, field):
        _whole_number(field, "The time allowed", 600)

    @property
    def minutes_value(self) -> int | None:
        return whole_number(self.minutes.data)


class PaperForm(OnceForm):
    title = StringField(
        "Title of the paper", filters=[strip],
        validators=[Length(max=200, message="Enter a title of 200 characters or fewer")],
        widget=GovTextInput(),
        description="What people will see, for example \"Crime figures for January\". Leave it "
                    "empty to show the file's name.")
    file = FileField("Upload a paper", validators=[FileRequired("Select a PDF or Word document")],
                     widget=GovFileInput(), render_kw={"accept": ".pdf,.docx"})
    submit = SubmitField("Upload the paper", widget=GovSubmitInput())

    checked: papers.CheckedFile | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.description = (f"A PDF or Word document (.docx), smaller than "
                                 f"{papers.max_mb()}MB.")

    def validate_file(self, field):
        try:
            self.checked = papers.check(field.data.stream, field.data.filename)
        except papers.PaperRejected as exc:
            raise ValidationError(str(exc)) from None


def access_needs_field() -> TextAreaField:
    """Access needs for one meeting: personal data, shown only to the borough's staff who see
    people, never put in an email, and cleared a set time after the meeting (retention)."""
    return TextAreaField(
        "Access needs (optional)", filters=[strip],
        validators=[Length(max=1000, message="Access needs must be 1,000 characters or fewer")],
        widget=GovTextArea(),
        description="Anything that would help you take part, for example step-free access, a "
                    "hearing loop, or a British Sign Language or other interpreter. Only the "
                    "borough team sees this.")


class RegisterForm(FlaskForm):
    """Registering for a public meeting, without an account."""

    name = name_field()
    email = email_field(hint="We will email you the details, and a link to cancel if you "
                             "cannot come.")
    access_needs = access_needs_field()
    submit = SubmitField("Register to attend", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    """Replying to an invitation, from its link: whether they can come, and any access needs
    (shown again, to change or clear)."""

    # Answers to the question asked, in the person's words; staff pages keep the replies'
    # own labels ("Attending").
    reply = RadioField("Can you come?",
                       choices=[SelectChoice(Reply.ATTENDING.value, "Yes, I can come"),
                                SelectChoice(Reply.NOT_ATTENDING.value, "No, I cannot come"),
                                SelectChoice(Reply.MAYBE.value, "Maybe: I do not know yet")],
                       validators=[InputRequired("Select whether you can come")],
                       widget=GovRadioInput())
    access_needs = access_needs_field()
    submit = SubmitField("Send reply", widget=GovSubmitInput())
