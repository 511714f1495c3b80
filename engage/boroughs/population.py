"""Population figures: the 2011 Census ethnic groups shipped with engage, and CSV uploads."""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import delete, select

from engage.boroughs.models import Borough, PopulationFigure
from engage.extensions import db
from engage.groups.models import PREFER_NOT, AgeBand, Disability, EthnicGroup
from engage.numbers import whole_number
from engage.uploads import LineError, open_csv

CENSUS_SOURCE = ("2011 Census: usual residents by broad ethnic group (Office for National "
                 "Statistics, Open Government Licence v3.0)")
CENSUS_COLUMNS = {"white": "white", "mixed": "mixed", "asian": "asian", "black": "black",
                  "other": "other"}

# What a figure can describe: the same categories people answer in equality monitoring.
DIMENSIONS: dict[str, dict[str, str]] = {
    "ethnic_group": {m.value: m.label for m in EthnicGroup if m.value != PREFER_NOT},
    "age_band": {m.value: m.label for m in AgeBand if m.value != PREFER_NOT},
    "disability": {m.value: m.label for m in Disability if m.value != PREFER_NOT},
}
UPLOAD_COLUMNS = ["ons_code", "dimension", "category", "count"]
MAX_UPLOAD_LINES = 10_000
# More people than live in London: a count above it is a mistake (and would not fit the column).
MAX_COUNT = 10_000_000


def load_census() -> int:
    """Insert or update the 2011 Census ethnic groups for every borough. Returns rows written."""
    boroughs = {b.ons_code: b for b in db.session.scalars(select(Borough))}
    existing = {(f.borough_id, f.category): f for f in db.session.scalars(
        select(PopulationFigure).where(PopulationFigure.dimension == "ethnic_group",
                                       PopulationFigure.source == CENSUS_SOURCE))}
    written = 0
    source = resources.files("engage.boroughs").joinpath("data/census-2011-ethnic-group.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            borough = boroughs.get(row["ons_code"])
            if borough is None:
                continue
            for column, category in CENSUS_COLUMNS.items():
                count = int(row[column])
                figure = existing.get((borough.id, category))
                if figure is None:
                    db.session.add(PopulationFigure(
                        borough_id=borough.id, dimension="ethnic_group", category=category,
                        count=count, source=CENSUS_SOURCE))
                    written += 1
                elif figure.count != count:
                    figure.count = count
                    written += 1
    db.session.flush()
    return written


def missing_categories() -> list[tuple[str, str, list[str]]]:
    """(borough name, dimension, the categories it has no figure for) wherever a borough has
    figures for a dimension but not for all its categories: such a margin is left out of
    London's report (engage.reports.collation.population), and weights a borough partly."""
    held: dict[tuple[str, str], set[str]] = {}
    for name, dimension, category in db.session.execute(
            select(Borough.name, PopulationFigure.dimension, PopulationFigure.category)
            .join(Borough, Borough.id == PopulationFigure.borough_id)):
        held.setdefault((name, dimension), set()).add(category)
    return [(name, dimension, [c for c in DIMENSIONS[dimension] if c not in categories])
            for (name, dimension), categories in sorted(held.items())
            if dimension in DIMENSIONS and not set(DIMENSIONS[dimension]) <= categories]


def import_figures(text: str, source: str) -> tuple[int, list[LineError]]:
    """Check every line of an uploaded CSV; write nothing unless all of it is right.

    Each (borough, dimension) in the file replaces that borough's figures for that dimension.
    Returns (figures written, errors): errors is empty on success.
    """
    reader, errors = open_csv(text, UPLOAD_COLUMNS, UPLOAD_COLUMNS)
    if reader is None:
        return 0, errors
    boroughs = {b.ons_code: b for b in db.session.scalars(select(Borough))}
    figures: dict[tuple[int, str, str], int] = {}
    for line, row in reader:  # the line each row starts on
        if line > MAX_UPLOAD_LINES + 1:
            errors.append(LineError(line, "file", f"More than {MAX_UPLOAD_LINES:,} lines"))
            break
        values = {k: (row.get(k) or "").strip() for k in UPLOAD_COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        borough = boroughs.get(values["ons_code"].upper())
        if borough is None:
            errors.append(LineError(line, "ons_code", f"{values['ons_code']!r} is not the "
                                      "ONS code of a London borough (E09000002 to E09000033)"))
        dimension = values["dimension"].lower()
        categories = DIMENSIONS.get(dimension)
        if categories is None:
            errors.append(LineError(line, "dimension", f"{values['dimension']!r} must be one "
                                      f"of {', '.join(DIMENSIONS)}"))
        category = values["category"].lower()
        if categories is not None and category not in categories:
            errors.append(LineError(line, "category", f"{values['category']!r} is not a "
                                      f"category of {dimension}: use {', '.join(categories)}"))
        try:
            count = whole_number(values["count"])
            if not 0 <= count <= MAX_COUNT:
                raise ValueError
        except ValueError:
            errors.append(LineError(line, "count", f"{values['count']!r} must be a whole "
                                      f"number from 0 to {MAX_COUNT:,}"))
            continue
        if borough is None or categories is None or category not in categories:
            continue
        key = (borough.id, dimension, category)
        if key in figures:
            errors.append(LineError(line, "category", f"{borough.name} {dimension} "
                                      f"{category} appears twice"))
        figures[key] = count
    if not figures and not errors:
        errors.append(LineError(2, "file", "The file has no figures"))
    if errors:
        return 0, errors
    for borough_id, dimension in {(b, d) for b, d, _ in figures}:
        db.session.execute(delete(PopulationFigure).where(
            PopulationFigure.borough_id == borough_id, PopulationFigure.dimension == dimension))
    db.session.add_all(PopulationFigure(borough_id=b, dimension=d, category=c, count=n,
                                        source=source) for (b, d, c), n in figures.items())
    db.session.flush()
    return len(figures), []
