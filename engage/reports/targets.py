"""Operations on what staff add to a borough's report: crime figures from CSV, targets,
next year's priorities, and publishing. Each adds and flushes; the view commits once.

The crime figures file has the seed document's table as columns: `crime type`, `change in
offences`, `percentage change`, `target`, `result`. "89 offences or -8.8%, target achieved" is
`Residential burglary,89,-8.8%,,achieved`: the offences may be written without a sign (the
percentage gives the direction, as in the seed) or with one, which must then agree with it; the
target is optional words ("reduce by 4.2%"); the result is achieved or missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer, joinedload

from engage.audit.operations import record
from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.reports.collation import catalogue
from engage.reports.models import ReportSnapshot
from engage.reports.published import Report
from engage.reports.targets_models import (
    CRIME_TYPE_LENGTH,
    TARGET_LENGTH,
    CrimeFigure,
    CrimeFigureUpload,
    PlannedPriority,
    ReportPublication,
    ReportTargets,
)
from engage.surveys.models import Consultation, ReportingTag
from engage.tasks import send_after_commit
from engage.uploads import LineError, open_csv

COLUMNS = ["crime type", "change in offences", "percentage change", "target", "result"]
REQUIRED = ["crime type", "change in offences", "percentage change", "result"]
MAX_LINES = 50
MAX_PLANNED = 10
RESULTS = {"achieved": True, "target achieved": True, "met": True, "target met": True,
           "missed": False, "target missed": False, "not met": False, "target not met": False,
           "not achieved": False, "target not achieved": False}
# Digits bounded (and ASCII only): a longer number is a mistake, and int() refuses 4,300 digits.
OFFENCES = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3}){1,4}|\d{1,12})(?: offences?)?$", re.ASCII)
PERCENT = re.compile(r"^([+-]?)(\d{1,12}(?:\.\d{1,2})?)\s*%?$", re.ASCII)


@dataclass(frozen=True)
class FigureRow:
    line: int
    crime_type: str
    change_in_offences: int
    percentage_change: Decimal
    target: str
    achieved: bool


def check_crime_figures(text: str) -> tuple[list[FigureRow], list[LineError]]:
    """Read and check every line; return the rows, or every problem found."""
    reader, errors = open_csv(text, REQUIRED, COLUMNS)
    if reader is None:
        return [], errors
    rows: list[FigureRow] = []
    seen: dict[str, int] = {}
    lines = 0
    for line, raw in reader:
        value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(value.values()):
            continue
        lines += 1
        if lines > MAX_LINES:
            errors.append(LineError(line, "file", f"The file has more than {MAX_LINES} "
                                                  "crime types"))
            break
        before = len(errors)

        def problem(column: str, message: str, line: int = line) -> None:
            errors.append(LineError(line, column, message))

        crime = value["crime type"]
        if not crime:
            problem("crime type", "Enter the crime type")
        elif len(crime) > CRIME_TYPE_LENGTH:
            problem("crime type", f"The crime type must be {CRIME_TYPE_LENGTH} characters or "
                                  "fewer")
        elif crime.lower() in seen:
            problem("crime type", f"{crime} is also on line {seen[crime.lower()]}")
        else:
            seen[crime.lower()] = line
        offences = OFFENCES.match(value["change in offences"].lower())
        percent = PERCENT.match(value["percentage change"])
        if offences is None:
            problem("change in offences", f"{value['change in offences']!r} must be a whole "
                                          "number of offences, like 89 or -89")
        if percent is None:
            problem("percentage change", f"{value['percentage change']!r} must be a "
                                         "percentage, like -8.8% or +8.1%")
        change = number = None
        if offences and percent:
            count = int(offences.group(2).replace(",", ""))
            number = Decimal(percent.group(2))  # the pattern lets only digits and a point by
            falling = percent.group(1) == "-" and number != 0
            if offences.group(1) and count and number and (offences.group(1) == "-") != falling:
                problem("change in offences", "The offences and the percentage change go in "
                                              "different directions: one rose, one fell")
            elif count > 1_000_000:
                problem("change in offences", "The change is too large to be right")
            elif number >= 10_000:
                problem("percentage change", "The change is too large to be right")
            else:
                change = -count if falling or offences.group(1) == "-" else count
                number = -number if percent.group(1) == "-" else number
        if len(value["target"]) > TARGET_LENGTH:
            problem("target", f"The target must be {TARGET_LENGTH} characters or fewer")
        achieved = RESULTS.get(" ".join(value["result"].lower().split()))
        if achieved is None:
            problem("result", f"{value['result']!r} must be achieved or missed")
        if len(errors) == before:
            rows.append(FigureRow(line, crime, change, number, value["target"], achieved))
    if not rows and not errors:
        errors.append(LineError(2, "file", "The file has no crime figures"))
    return rows, errors


def crime_figures(consultation: Consultation, borough: Borough) -> CrimeFigureUpload | None:
    return db.session.scalar(select(CrimeFigureUpload).where(
        CrimeFigureUpload.consultation_id == consultation.id,
        CrimeFigureUpload.borough_id == borough.id))


def replace_crime_figures(consultation: Consultation, borough: Borough, rows: list[FigureRow],
                          period: str, filename: str, actor: User) -> CrimeFigureUpload:
    """Store checked rows as the borough's figures, in place of any uploaded before."""
    old = crime_figures(consultation, borough)
    if old is not None:
        db.session.delete(old)
        db.session.flush()  # the unique (consultation, borough) must be free before the insert
    upload = CrimeFigureUpload(
        consultation_id=consultation.id, borough_id=borough.id, period=period,
        filename=filename[:255], uploaded_by_id=actor.id,
        figures=[CrimeFigure(line=r.line, crime_type=r.crime_type,
                             change_in_offences=r.change_in_offences,
                             percentage_change=r.percentage_change, target=r.target,
                             achieved=r.achieved) for r in rows])
    db.session.add(upload)
    db.session.flush()
    record("report.crime_figures_uploaded", borough=borough,
           target=f"consultation:{consultation.slug}", lines=len(rows), period=period,
           replaced=old is not None)
    return upload


def targets_of(consultation: Consultation, borough: Borough) -> ReportTargets | None:
    return db.session.scalar(select(ReportTargets).where(
        ReportTargets.consultation_id == consultation.id,
        ReportTargets.borough_id == borough.id))


def set_targets(consultation: Consultation, borough: Borough, actor: User, *,
                confidence: Decimal | None, gap: Decimal | None,
                feeling_safe: Decimal | None) -> ReportTargets:
    targets = targets_of(consultation, borough)
    if targets is None:
        targets = ReportTargets(consultation_id=consultation.id, borough_id=borough.id)
        db.session.add(targets)
    targets.confidence_target = confidence
    targets.gap_target = gap
    targets.feeling_safe_target = feeling_safe
    targets.updated_by_id = actor.id
    db.session.flush()
    record("report.targets_set", borough=borough, target=f"consultation:{consultation.slug}",
           confidence=_percent_text(confidence), gap=_percent_text(gap),
           feeling_safe=_percent_text(feeling_safe))
    return targets


def priority_options(consultation: Consultation) -> list[tuple[str, str]]:
    """The consultation's priority options, (value, label), in the newest wording's order."""
    return catalogue(consultation.id).options.get(ReportingTag.PRIORITIES, [])


def planned(consultation: Consultation, borough: Borough) -> list[PlannedPriority]:
    return list(db.session.scalars(select(PlannedPriority).where(
        PlannedPriority.consultation_id == consultation.id,
        PlannedPriority.borough_id == borough.id).order_by(PlannedPriority.position)))


class TooManyPriorities(Exception):
    pass


def add_planned(consultation: Consultation, borough: Borough, option_value: str | None,
                title: str, target: str) -> PlannedPriority:
    existing = planned(consultation, borough)
    if len(existing) >= MAX_PLANNED:
        raise TooManyPriorities(f"There can be at most {MAX_PLANNED} priorities")
    last = max((p.position for p in existing), default=0)
    priority = PlannedPriority(consultation_id=consultation.id, borough_id=borough.id,
                               position=last + 1, option_value=option_value, title=title,
                               target=target)
    db.session.add(priority)
    db.session.flush()
    record("report.priority_planned", borough=borough,
           target=f"consultation:{consultation.slug}", title=title)
    return priority


def move_planned(priority: PlannedPriority, step: int) -> None:
    """Swap a priority with its neighbour above (step -1) or below (+1); at an end, nothing."""
    consultation = db.session.get(Consultation, priority.consultation_id)
    borough = db.session.get(Borough, priority.borough_id)
    rows = planned(consultation, borough)
    index = rows.index(priority)
    if not 0 <= index + step < len(rows):
        return
    other = rows[index + step]
    mine, theirs = priority.position, other.position
    # Park one row on a free (negative) place so the unique position holds at every flush.
    priority.position = -mine
    db.session.flush()
    other.position = mine
    db.session.flush()
    priority.position = theirs
    db.session.flush()
    record("report.priority_moved", borough=borough,
           target=f"consultation:{consultation.slug}", title=priority.title,
           position=priority.position)


def remove_planned(priority: PlannedPriority) -> None:
    borough = db.session.get(Borough, priority.borough_id)
    consultation = db.session.get(Consultation, priority.consultation_id)
    db.session.delete(priority)
    db.session.flush()
    record("report.priority_removed", borough=borough,
           target=f"consultation:{consultation.slug}", title=priority.title)


def publication(consultation: Consultation, borough: Borough) -> ReportPublication | None:
    return db.session.scalar(select(ReportPublication).where(
        ReportPublication.consultation_id == consultation.id,
        ReportPublication.borough_id == borough.id))


def is_public(published: ReportPublication) -> bool:
    """Whether anyone may see a publication: only while its consultation still covers its
    borough (staff may change which boroughs it covers after publishing). Drafts never get
    here: a report has a publication row only once published (unpublishing deletes it)."""
    return published.consultation.covers(published.borough)


def public_publications(*where) -> list[ReportPublication]:
    """Every publication anyone may see (narrowed by `where`), newest first: what the borough
    pages and the API list (without the figures, which a list does not need)."""
    publications = db.session.scalars(
        select(ReportPublication).where(*where)
        .options(defer(ReportPublication.figures), defer(ReportPublication.content),
                 joinedload(ReportPublication.consultation)
                 .selectinload(Consultation.boroughs),
                 joinedload(ReportPublication.borough))
        .order_by(ReportPublication.published_at.desc(), ReportPublication.id.desc()))
    return [p for p in publications if is_public(p)]


def _percent_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def pinned_content(consultation: Consultation, borough: Borough) -> dict:
    """Everything staff added, as plain JSON, for the publication to keep as it is now."""
    targets = targets_of(consultation, borough)
    upload = crime_figures(consultation, borough)
    return {
        "confidence_target": _percent_text(targets and targets.confidence_target),
        "gap_target": _percent_text(targets and targets.gap_target),
        "feeling_safe_target": _percent_text(targets and targets.feeling_safe_target),
        "crime_figures": None if upload is None else {
            "period": upload.period,
            "rows": [{"crime_type": f.crime_type, "change_in_offences": f.change_in_offences,
                      "percentage_change": str(f.percentage_change), "target": f.target,
                      "achieved": f.achieved} for f in upload.figures]},
        "planned": [{"title": p.title, "target": p.target}
                    for p in planned(consultation, borough)],
    }


def publish(consultation: Consultation, borough: Borough, snapshot: ReportSnapshot,
            actor: User) -> ReportPublication:
    """Make the report public as it is now (or again, replacing what was public)."""
    values = {"published_at": utcnow(), "published_by_id": actor.id,
              "counted_at": snapshot.made_at, "figures": snapshot.figures,
              "content": pinned_content(consultation, borough)}
    published = publication(consultation, borough)
    if published is None:
        published = ReportPublication(consultation_id=consultation.id, borough_id=borough.id)
        db.session.add(published)
    for name, value in values.items():
        setattr(published, name, value)
    db.session.flush()
    record("report.published", borough=borough, target=f"consultation:{consultation.slug}",
           counted_at=snapshot.made_at.isoformat())
    # Imported here: the task draws from the public views, which read this module.
    from engage.reports.public_files import draw_public_files

    send_after_commit(draw_public_files, published.id)
    # Everyone who asked to be told (engage.news.results); a report published again finds
    # no one left to tell.
    from engage.news.tasks import send_results

    send_after_commit(send_results, consultation.id, borough.id)
    return published


def unpublish(consultation: Consultation, borough: Borough) -> bool:
    """Take the public report down; False when it was not public."""
    gone = db.session.execute(delete(ReportPublication).where(
        ReportPublication.consultation_id == consultation.id,
        ReportPublication.borough_id == borough.id)).rowcount
    if gone:
        record("report.unpublished", borough=borough,
               target=f"consultation:{consultation.slug}")
    return bool(gone)


@dataclass(frozen=True)
class AgainstTarget:
    """Confidence or feeling safe beside its target: `share` is None when it is withheld or
    not asked."""

    share: float | None
    target: Decimal | None
    tag: ReportingTag = ReportingTag.CONFIDENCE
    interval: tuple[float, float] | None = None  # the share's 95% Wilson interval

    @property
    def against_interval(self) -> str | None:
        """Where the target lies against the share's interval: "inside", "below" (the whole
        interval is above it) or "above"; None without both. Met or not, a target inside the
        interval could be on either side of the share by chance alone."""
        if self.interval is None or self.target is None:
            return None
        low, high = (Decimal(str(round(100 * v, 1))) for v in self.interval)
        return "below" if self.target < low else "above" if self.target > high else "inside"

    @property
    def title(self) -> str:
        return TARGET_TITLES[self.tag]

    @property
    def said(self) -> str:
        """What the people in the share said, to follow "N% of people who gave a view"."""
        return TARGET_WORDS[self.tag]

    @property
    def met(self) -> bool | None:
        if self.share is None or self.target is None:
            return None
        return round(Decimal(100 * self.share), 1) >= self.target


TARGET_TITLES = {ReportingTag.CONFIDENCE: "Public confidence",
                 ReportingTag.FEELING_SAFE: "Feeling safe"}
TARGET_WORDS = {ReportingTag.CONFIDENCE: "said the police do an excellent or good job",
                ReportingTag.FEELING_SAFE: "said they feel very or fairly safe"}


def against_target(report: Report | None, tag: ReportingTag,
                   target: Decimal | str | None) -> AgainstTarget:
    """The measure's headline share (confidence: excellent or good; feeling safe: very or
    fairly safe) beside the target staff set for it."""
    measure = next((m for m in report.measures if m.tag == tag), None) if report else None
    headline = measure.headline if measure else None
    return AgainstTarget(headline.share if headline else None,
                         None if target is None else Decimal(target), tag,
                         headline.interval if headline else None)


def confidence_against_target(report: Report | None, target: Decimal | str | None
                              ) -> AgainstTarget:
    return against_target(report, ReportingTag.CONFIDENCE, target)


def feeling_safe_against_target(report: Report | None, target: Decimal | str | None
                                ) -> AgainstTarget:
    return against_target(report, ReportingTag.FEELING_SAFE, target)


def count_planned(consultation: Consultation, borough: Borough) -> int:
    return db.session.scalar(select(func.count()).select_from(PlannedPriority).where(
        PlannedPriority.consultation_id == consultation.id,
        PlannedPriority.borough_id == borough.id))
