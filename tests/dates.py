"""Dates for tests that compare with the real clock: worked out from today, never typed in, so
a date a test needs to be still to come (or gone) stays so whatever day the suite runs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

# A year ahead: all of it is still to come, its spring at least three months away.
NEXT_YEAR = date.today().year + 1


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month: London's clocks go forward on March's, back on October's."""
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def clocks_go_forward(year: int) -> date:
    return last_sunday(year, 3)


def clocks_go_back(year: int) -> date:
    return last_sunday(year, 10)


def at(day: date, hour: int, minute: int = 0, zone: tzinfo | None = None) -> datetime:
    """A time on `day`: naive (UTC, as stored, unless the test says otherwise) or in `zone`."""
    return datetime.combine(day, time(hour, minute, tzinfo=zone))


def form_date(day: date) -> list[str]:
    """A date as typed into the day, month and year boxes of a date field."""
    return [str(day.day), str(day.month), str(day.year)]


def in_words(day: date) -> str:
    """"30 March 2027", as the pages write a date."""
    return f"{day.day} {day:%B %Y}"


def with_weekday(day: date) -> str:
    """"Tuesday 30 March 2027"."""
    return f"{day:%A} {in_words(day)}"
