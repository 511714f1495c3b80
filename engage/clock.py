"""Time in one place: the database stores naive UTC; people see Europe/London."""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_london(value: datetime) -> datetime:
    """A stored naive-UTC time as London wall-clock time (BST or GMT as it was then)."""
    return value.replace(tzinfo=UTC).astimezone(LONDON)


def london_today() -> date:
    """Today's date in London: between midnight and 1am in summer, UTC (and a server's own
    date.today()) still says yesterday."""
    return to_london(utcnow()).date()


def london_midnight(day: date) -> datetime:
    """The start of `day` in London, as naive UTC (11pm the day before, in summer)."""
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """An England bank holiday (London's): no post, no mail house, and no calls unless the
    calling hours say otherwise."""
    return day in _bank_holidays(day.year)
