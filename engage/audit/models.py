from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.audit.actions import action_in_words
from engage.boroughs.models import Borough
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.templating import london_time, long_date

# How details hold times and dates (record(..., starts_at=meeting.starts_at.isoformat())):
# naive UTC times, and days.
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Its details name people by account number (engage.meetings.minutes_views.attendance).
ATTENDANCE_RECORDED = "meeting.attendance_recorded"


class AuditEvent(db.Model):
    """Who did what to what, when, and for which borough. Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_borough_id_at", "borough_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the record still says who acted after their account is deleted.
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(80), index=True)
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("boroughs.id", ondelete="SET NULL"))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    borough: Mapped[Borough | None] = relationship()

    @property
    def action_in_words(self) -> str:
        return action_in_words(self.action)

    def details_in_words(self, people: dict[int, str] | None = None
                         ) -> list[tuple[str, str]]:
        """The details as an administrator reads them: "contact email", "none", "yes",
        "30 March 2027 at 6:30pm" (London time) for a time kept as ISO text. `people` names the
        accounts an attendance register's changes are kept under (by id, so that the log holds
        no member's name): "Ada Lovelace: not recorded to present"."""
        details = dict(self.details or {})
        if self.action == ATTENDANCE_RECORDED and isinstance(details.get("changes"), dict):
            details["changes"] = _attendance_in_words(details["changes"], people or {})
        return [(_words(key), _in_words(value)) for key, value in details.items()]

    def people_ids(self) -> set[int]:
        """The accounts whose names details_in_words needs."""
        changes = (self.details or {}).get("changes")
        if self.action != ATTENDANCE_RECORDED or not isinstance(changes, dict):
            return set()
        return {int(key) for key in changes if str(key).isdigit()}

    def details_as_json(self) -> str:
        """The details for a spreadsheet: JSON, which any tool reads back, with each time in
        London time and its offset (2027-06-15T18:30:00+01:00), as the file's "when" column
        is: a bare stored time is UTC, which nobody reading the file would guess."""
        return json.dumps(_with_offsets(self.details or {}), ensure_ascii=False,
                          sort_keys=True)



def _attendance_in_words(changes: dict, people: dict[int, str]) -> str:
    """{"3": [None, "present"]} as "Ada Lovelace: not recorded to present"."""
    def status(value) -> str:
        return "not recorded" if value is None else str(value).replace("-", " ")

    parts = []
    for key, change in changes.items():
        who = people.get(int(key)) if str(key).isdigit() else None
        who = who or f"an account since deleted (number {key})"
        if isinstance(change, list | tuple) and len(change) == 2:
            parts.append(f"{who}: {status(change[0])} to {status(change[1])}")
        else:
            parts.append(f"{who}: {_in_words(change)}")
    return "; ".join(parts) or "none"


def _with_offsets(value):
    if isinstance(value, dict):
        return {k: _with_offsets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_offsets(v) for v in value]
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        try:
            return to_london(datetime.fromisoformat(value)).isoformat(timespec="seconds")
        except ValueError:
            return value
    return value


def _words(key: str) -> str:
    return str(key).replace("_", " ")


def _in_words(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{_words(k)}: {_in_words(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(_in_words(v) for v in value) or "none"
    if isinstance(value, str) and (_ISO_TIME.fullmatch(value) or _ISO_DAY.fullmatch(value)):
        try:
            moment = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:  # looks like a date but is not one: shown as it was given
            return value
        return london_time(moment) if isinstance(moment, datetime) else long_date(moment)
    return str(value)
