"""Time in one place: the database stores naive UTC; people see Europe/London."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_london(value: datetime) -> datetime:
    """A stored naive-UTC time as London wall-clock time (BST or GMT as it was then)."""
    return value.replace(tzinfo=UTC).astimezone(LONDON)


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """An England bank holiday (London's): no post, no mail house, and no calls unless the
    calling hours say otherwise."""
    return day in _bank_holidays(day.year)
