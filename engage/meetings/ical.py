"""A meeting as an iCalendar (RFC 5545) file, for people to add to their own calendars.

The UID stays the same for the life of the meeting and SEQUENCE is the meeting's `sequence`, so a
calendar that imports the file again replaces the meeting instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, date
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from engage.boroughs.contact import contact_for
from engage.clock import to_london, utcnow
from engage.meetings.models import Meeting

PRODID = "-//engage//Meetings//EN"
# What the calendar of someone on the waiting list says, so it never shows them a place they do
# not have: the title starts with this and the description with WAITING_NOTE.
WAITING_PREFIX = "Waiting list: "
WAITING_NOTE = ("You are on the waiting list for this meeting. We will email you if a place "
                "comes free.")


def uid(meeting: Meeting) -> str:
    domain = urlsplit(current_app.config["ENGAGE_BASE_URL"]).hostname or "engage.invalid"
    return f"meeting-{meeting.id}@{domain}"


def location(meeting: Meeting) -> str:
    if meeting.mode.has_venue:
        place = ", ".join(part for part in [meeting.venue or "",
                                            *(meeting.address or "").splitlines()]
                          if part.strip())
        return f"{place} (and online)" if meeting.mode.has_link else place
    return "Online"


def _organizer(meeting: Meeting) -> vCalAddress:
    group = meeting.group
    # Whom the group's page says to contact (the service's when neither group nor borough has
    # details): a no-reply address would lead nowhere. Nobody is asked to RSVP to it.
    email = (contact_for(group=group).email
             or parseaddr(current_app.config["ENGAGE_MAIL_FROM"])[1])
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = vText(f"{group.name}, {group.borough.name}")
    return organizer


def _description(meeting: Meeting, show_link: bool) -> str:
    parts = [meeting.description] if meeting.description else []
    if meeting.access_notes:
        parts.append(f"Access: {meeting.access_notes}")
    if meeting.agenda:
        parts.append("Agenda:\n" + "\n".join(
            f"{n}. {item.title}" + (f" ({item.presenter})" if item.presenter else "")
            for n, item in enumerate(meeting.agenda, start=1)))
    if show_link and meeting.online_link:
        parts.append(f"Join online: {meeting.online_link}")
    return "\n\n".join(parts)


def calendar_for(meeting: Meeting, page_url: str, show_link: bool) -> bytes:
    """The meeting as a METHOD:PUBLISH calendar file, for downloading."""
    return build_calendar(meeting, page_url, show_link).to_ical()


def with_attendee(calendar: Calendar, attendee: str, waiting: bool = False) -> bytes:
    """The same calendar addressed to one attendee: a mailing builds the calendar once and
    only this changes from person to person (the ATTENDEE is replaced every time, so nothing of
    one person's is left for the next). Replies come through the link in the email, so the
    attendee is asked for no RSVP. Someone `waiting` is TENTATIVE; pass them a calendar built
    with waiting=True too."""
    event = calendar.walk("VEVENT")[0]
    event.pop("ATTENDEE", None)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["rsvp"] = vText("FALSE")
    if waiting:
        guest.params["partstat"] = vText("TENTATIVE")
    event.add("attendee", guest)
    return calendar.to_ical()


def build_calendar(meeting: Meeting, page_url: str, show_link: bool, method: str = "PUBLISH",
                   sequence: int | None = None, waiting: bool = False) -> Calendar:
    """The meeting as a calendar. `show_link` puts the online link in the description, for
    people allowed to see it. For an emailed invitation, `method` is REQUEST (or CANCEL) and
    `sequence` the SEQUENCE the mailing was made for (RFC 5546); see with_attendee. `waiting`
    is for someone on the waiting list: the title and the description's first line say so.
    The meeting itself is still CONFIRMED; the place is what they do not have yet."""
    summary = f"{meeting.title} ({meeting.group.name})"
    description = _description(meeting, show_link)
    if waiting:
        summary = WAITING_PREFIX + summary
        description = "\n\n".join(part for part in (WAITING_NOTE, description) if part)
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence if sequence is None else sequence)
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("created", meeting.created_at.replace(tzinfo=UTC))
    event.add("last-modified", meeting.updated_at.replace(tzinfo=UTC))
    event.add("dtstart", to_london(meeting.starts_at))
    event.add("dtend", to_london(meeting.ends_at))
    event.add("summary", summary)
    event.add("location", location(meeting))
    event.add("description", description)
    event.add("url", page_url)
    event.add("organizer", _organizer(meeting))
    event.add("status", "CANCELLED" if meeting.is_cancelled or method == "CANCEL"
              else "CONFIRMED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    # VTIMEZONE for Europe/London, covering a year either side of the meeting.
    start = to_london(meeting.starts_at).date()
    calendar.add_missing_timezones(first_date=date(start.year - 1, 1, 1),
                                   last_date=date(start.year + 2, 1, 1))
    return calendar
