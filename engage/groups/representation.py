"""How well a group reflects its borough: members by ethnic group, age and disability beside the
borough's population, and residents beside businesses. Counted in the database, suppressed
before anything is shown (engage.suppression)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from engage.boroughs.models import PopulationFigure
from engage.boroughs.population import DIMENSIONS
from engage.extensions import db
from engage.groups.models import (
    EqualityAnswers,
    Group,
    Membership,
    MembershipStatus,
    Represents,
)
from engage.suppression import Cell, suppress

NOT_KNOWN = "not-known"
TITLES = {"ethnic_group": "Ethnic group", "age_band": "Age", "disability": "Disability",
          "represents": "Residents and businesses"}
DISABILITY_LABELS = {"yes": "Disabled or a long-term condition", "no": "Not disabled"}


@dataclass
class Row:
    category: str
    label: str
    members: Cell
    member_share: float | None  # among members who answered
    population_share: float | None
    gap_points: float | None  # member share minus population share, in percentage points


@dataclass
class Table:
    dimension: str
    title: str
    rows: list[Row]
    not_known: Cell
    members: int
    source: str | None
    largest_gaps: list[Row] = field(default_factory=list)
    # The borough's categories with no population figure: its shares would be of part of the
    # population only, so none is shown.
    missing: list[str] = field(default_factory=list)


def representation(group: Group) -> list[Table]:
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    active = (Membership.group_id == group.id) & (Membership.status == MembershipStatus.ACTIVE)
    tables = []
    for dimension, categories in DIMENSIONS.items():
        column = getattr(EqualityAnswers, dimension)
        counted = dict(db.session.execute(
            select(column, func.count(Membership.id))
            .select_from(Membership)
            .outerjoin(EqualityAnswers, EqualityAnswers.user_id == Membership.user_id)
            .where(active)
            .group_by(column)
        ).all())
        counts = {c: counted.get(c, 0) for c in categories}
        counts[NOT_KNOWN] = sum(n for c, n in counted.items() if c not in categories)
        population = _population(group, dimension)
        labels = DISABILITY_LABELS if dimension == "disability" else categories
        missing = [labels.get(c, c) for c in categories
                   if population is not None and c not in population[0]]
        table = _table(dimension, counts, labels, None if missing else population, threshold)
        if missing:
            table.source, table.missing = population[1], missing
        tables.append(table)

    by_kind = dict(db.session.execute(
        select(Membership.represents, func.count(Membership.id)).where(active)
        .group_by(Membership.represents)
    ).all())
    businesses = sum(n for kind, n in by_kind.items() if Represents(kind).is_business)
    tables.append(_table("represents", {"residents": sum(by_kind.values()) - businesses,
                                        "businesses": businesses, NOT_KNOWN: 0},
                         {"residents": "Residents and community organisations",
                          "businesses": "Businesses and business associations"},
                         None, threshold))
    return tables


def _population(group: Group, dimension: str) -> tuple[dict[str, int], str] | None:
    figures = db.session.scalars(select(PopulationFigure).where(
        PopulationFigure.borough_id == group.borough_id,
        PopulationFigure.dimension == dimension)).all()
    if not figures:
        return None
    return {f.category: f.count for f in figures}, figures[0].source


def _table(dimension: str, counts: dict[str, int], labels: dict[str, str],
           population: tuple[dict[str, int], str] | None, threshold: int) -> Table:
    cells = suppress(counts, threshold)
    known_total = sum(n for c, n in counts.items() if c != NOT_KNOWN)
    # Shares among those who answered are published only if every answered cell is: otherwise
    # a share times the shown total would give a hidden count back.
    any_hidden = any(cells[c].suppressed for c in labels)
    people = sum(population[0].values()) if population else 0
    rows = []
    for category, label in labels.items():
        cell = cells[category]
        member_share = (None if cell.suppressed or any_hidden or not known_total
                        else cell.count / known_total)
        population_share = (population[0].get(category, 0) / people) if people else None
        gap = (None if member_share is None or population_share is None
               else 100 * (member_share - population_share))
        rows.append(Row(category, label, cell, member_share, population_share, gap))
    table = Table(dimension, TITLES[dimension], rows, cells[NOT_KNOWN],
                  sum(counts.values()), population[1] if population else None)
    with_gaps = [r for r in rows if r.gap_points is not None and abs(r.gap_points) >= 5]
    table.largest_gaps = sorted(with_gaps, key=lambda r: -abs(r.gap_points))[:2]
    return table
