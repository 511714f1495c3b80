"""Calling hours (ENGAGE_CALLING_HOURS, London time) and the next time a call may be made.

The setting lists days and a span for each, for example "mon-fri 09:00-20:30" or
"mon-fri 09:00-20:30; sat 10:00-16:00". Nobody is called on an England bank holiday unless
the setting gives bank holidays a span of their own ("bank-holidays 10:00-16:00"), which then
replaces the weekday's. Everything here takes `now` (naive UTC) as an argument, so the rules
can be tested at any moment without waiting for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engage.clock import LONDON, is_bank_holiday, to_london
from engage.telephone.models import PartOfDay

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ENTRY = re.compile(
    r"^(bank-holidays|[a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
BANK_HOLIDAYS = "bank-holidays"
# The spans of the day a person may prefer, intersected with the calling hours.
PART_SPANS = {
    PartOfDay.ANY: (time(0), time(23, 59, 59)),
    PartOfDay.MORNING: (time(0), time(12)),
    PartOfDay.AFTERNOON: (time(12), time(17)),
    PartOfDay.EVENING: (time(17), time(23, 59, 59)),
}


@dataclass(frozen=True)
class CallingHours:
    spans: dict[int, tuple[time, time]]  # weekday (Monday 0) -> (from, until)
    bank_holidays: tuple[time, time] | None = None  # None: no calls on a bank holiday

    def span_on(self, day: date) -> tuple[time, time] | None:
        if is_bank_holiday(day):
            return self.bank_holidays
        return self.spans.get(day.weekday())

    def describe(self) -> str:
        """'Monday to Friday, 9am to 8:30pm; Saturday, 10am to 4pm; not on bank holidays'."""
        groups: list[list[int]] = []
        for day in sorted(self.spans):
            same = groups and self.spans[day] == self.spans[groups[-1][0]]
            if same and groups[-1][-1] == day - 1:
                groups[-1].append(day)
            else:
                groups.append([day])
        parts = []
        for days in groups:
            start, end = self.spans[days[0]]
            names = (DAY_NAMES[days[0]] if len(days) == 1
                     else f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}")
            parts.append(f"{names}, {clock(start)} to {clock(end)}")
        if self.bank_holidays is None:
            parts.append("not on bank holidays")
        else:
            start, end = self.bank_holidays
            parts.append(f"bank holidays, {clock(start)} to {clock(end)}")
        return "; ".join(parts)


def clock(value: time) -> str:
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def parse_hours(setting: str) -> CallingHours:
    """Read the setting; ValueError saying what is wrong with it."""
    spans: dict[int, tuple[time, time]] = {}
    holiday_span: tuple[time, time] | None = None
    for entry in filter(None, (e.strip().lower() for e in re.split(r"[;,]", setting or ""))):
        match = _ENTRY.match(re.sub(r"\s+", " ", entry))
        holiday = bool(match) and match[1] == BANK_HOLIDAYS
        if not match or not (holiday or match[1] in DAYS) or (
                match[2] and (holiday or match[2] not in DAYS)):
            raise ValueError(f"ENGAGE_CALLING_HOURS: {entry!r} is not like 'mon-fri 09:00-20:30'")
        first = 0 if holiday else DAYS.index(match[1])
        last = DAYS.index(match[2]) if match[2] else first
        try:
            start, end = time(int(match[3]), int(match[4])), time(int(match[5]), int(match[6]))
        except ValueError:
            raise ValueError(f"ENGAGE_CALLING_HOURS: {entry!r} has a time that does not exist") \
                from None
        if last < first or end <= start:
            raise ValueError(f"ENGAGE_CALLING_HOURS: {entry!r} ends before it starts")
        if holiday:
            holiday_span = (start, end)
            continue
        for day in range(first, last + 1):
            spans[day] = (start, end)
    if not spans:
        raise ValueError("ENGAGE_CALLING_HOURS must name at least one day, like "
                         "'mon-fri 09:00-20:30'")
    return CallingHours(spans, holiday_span)


def _local(day: date, at: time) -> datetime:
    # Calling hours never fall in the night's clock-change hour, so fold does not matter.
    return datetime.combine(day, at, tzinfo=LONDON)


def next_time(after: datetime, hours: CallingHours,
              part: PartOfDay = PartOfDay.ANY) -> datetime:
    """The first moment at or after `after` (naive UTC) inside calling hours and the preferred
    part of the day, as naive UTC. A part of the day that calling hours never reach (evenings,
    when calls stop at 5pm) is ignored rather than never calling."""
    local = to_london(after)
    part_start, part_end = PART_SPANS[part]
    # Three weeks: long enough to pass Christmas and the New Year with a day or two a week.
    for offset in range(22):
        day = local.date() + timedelta(days=offset)
        span = hours.span_on(day)
        if span is None:
            continue
        start, end = max(span[0], part_start), min(span[1], part_end)
        if start >= end or _local(day, end) <= local:
            continue
        found = max(_local(day, start), local)
        return found.astimezone(UTC).replace(tzinfo=None)
    if part != PartOfDay.ANY:
        return next_time(after, hours)
    raise AssertionError("calling hours name at least one day a week")


def in_hours(now: datetime, hours: CallingHours) -> bool:
    return next_time(now, hours) == now
