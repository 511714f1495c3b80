"""Time in one place: the database stores naive UTC; people see Europe/London."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_london(value: datetime) -> datetime:
    """A stored naive-UTC time as London wall-clock time (BST or GMT as it was then)."""
    return value.replace(tzinfo=UTC).astimezone(LONDON)
