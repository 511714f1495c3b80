"""Change since the previous consultation: each priority's share now beside its share last time.

At collation the worker copies the priorities figures of the area's previous consultation (the
latest one that opened before this one and has a report for the same area) into the snapshot,
so the page compares two stored documents and publishing pins both. The comparison is made only
where the question is the same: both a ranking question with the same number of places, or both
a choice question letting people choose as many; options line up by their value code, as they
do across versions.

Both sides go through the same suppression as the priorities table (published._priorities), so
a change is shown only where both shares are. The 95% interval of a change is Newcombe's hybrid
score interval (Newcombe 1998, method 10), built from the two Wilson intervals: it stays sensible
for small groups and shares near 0 or 1, unlike the textbook difference ± 1.96 standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engage.boroughs.models import Borough
from engage.extensions import db
from engage.reports.models import LONDON, ReportSnapshot
from engage.reports.statistics import wilson_interval
from engage.surveys.models import Consultation, ReportingTag


def difference_interval(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float] | None:
    """Newcombe's 95% interval for k1/n1 − k2/n2; None when either side has nobody."""
    first, second = wilson_interval(k1, n1), wilson_interval(k2, n2)
    if first is None or second is None:
        return None
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = first, second
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def previous_figures(consultation: Consultation, borough: Borough | None) -> dict | None:
    """The priorities figures of the area's previous consultation, for the snapshot."""
    area = borough.ons_code if borough else LONDON
    # Only the priorities come back: the database takes them out of the document, rather than
    # every area reading and parsing the whole of last time's figures (about 160 KB).
    priorities = ReportSnapshot.figures["questions"][ReportingTag.PRIORITIES.value]
    row = db.session.execute(
        select(Consultation.slug, Consultation.title, ReportSnapshot.made_at,
               priorities.label("priorities"))
        .join(ReportSnapshot, ReportSnapshot.consultation_id == Consultation.id)
        .where(ReportSnapshot.area == area, Consultation.id != consultation.id,
               Consultation.opens_at < consultation.opens_at)
        .order_by(Consultation.opens_at.desc()).limit(1)).first()
    if row is None or row.priorities is None:
        return None
    return {"slug": row.slug, "title": row.title, "made_at": row.made_at.isoformat(),
            "priorities": row.priorities}


@dataclass(frozen=True)
class ChangeRow:
    key: str
    label: str
    now: float | None  # shares; None where withheld or not asked
    before: float | None
    change: float | None  # now − before, as a fraction
    interval: tuple[float, float] | None
    note: str = ""

    @property
    def beyond_chance(self) -> bool:
        """The interval leaves out no change at all."""
        return self.interval is not None and (self.interval[0] > 0 or self.interval[1] < 0)


@dataclass(frozen=True)
class PriorityChange:
    title: str  # the previous consultation's
    counted_at: datetime
    comparable: bool
    reason: str  # why not, when not comparable
    rows: list[ChangeRow]


def priority_change(current: dict | None, previous: dict | None,
                    threshold: int) -> PriorityChange | None:
    """The published change for each priority, or None when there is nothing to compare with."""
    # Imported here: published and collation import this module.
    from engage.reports.collation import option_base
    from engage.reports.published import _priorities

    if current is None or previous is None:
        return None
    before_question = previous["priorities"]
    title = previous["title"]
    counted_at = datetime.fromisoformat(previous["made_at"])
    def asked(question: dict) -> tuple:
        # "choices" is missing from snapshots counted before it was kept: assume the same.
        return (question["ranking"], question["places"],
                question.get("choices", current.get("choices")))

    if asked(current) != asked(before_question):
        return PriorityChange(title, counted_at, False,
                              "The priorities question was asked differently last time, so "
                              "the shares cannot be compared.", [])
    now_table = _priorities(current, threshold)
    before_table = _priorities(before_question, threshold)
    before_rows = {row.key: row for row in before_table.table.rows}
    before_options = {o["value"]: o for o in before_question["options"]}
    rows = []
    for row in now_table.table.rows:
        before = before_rows.get(row.key)
        if before is None:
            rows.append(ChangeRow(row.key, row.label, row.share, None, None, None,
                                  "not asked last time"))
        elif row.share is None or before.share is None:
            rows.append(ChangeRow(row.key, row.label, row.share, before.share, None, None,
                                  "not shown: too few respondents"))
        else:
            now = next(o for o in current["options"] if o["value"] == row.key)
            before_option = before_options[row.key]
            interval = difference_interval(now["chosen"], option_base(current, now),
                                           before_option["chosen"],
                                           option_base(before_question, before_option))
            rows.append(ChangeRow(row.key, row.label, row.share, before.share,
                                  row.share - before.share, interval))
    return PriorityChange(title, counted_at, True, "", rows)

