"""Staff page: how well a group reflects its borough (counts only, suppressed)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from engage.auth.access import REPRESENTATION_ROLES, staff_borough, staff_required
from engage.exports import csv_response
from engage.groups.operations import group_or_404
from engage.groups.representation import representation
from engage.suppression import describe

representation_pages = Blueprint(
    "representation", __name__,
    url_prefix="/staff/boroughs/<borough_slug>/groups/<group_slug>")


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.0f}%"


def _gap(points: float | None) -> str:
    """A gap in the CSV in the page's words ("over-represented by 11"): a signed number
    ("+11", "-9") would start with a sign a spreadsheet reads as a formula, so the export
    would show it with an apostrophe in front (engage.exports)."""
    if points is None:
        return ""
    size = f"{abs(points):.0f}"
    if size == "0":
        return "no gap"
    return f"{'over' if points > 0 else 'under'}-represented by {size}"


@representation_pages.route("/representation")
@staff_required
def page(borough_slug: str, group_slug: str):
    group = group_or_404(staff_borough(borough_slug, *REPRESENTATION_ROLES), group_slug)
    return render_template("groups/representation.html", group=group,
                           tables=representation(group), percent=_percent,
                           threshold=current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"])


@representation_pages.route("/representation.csv")
@staff_required
def csv(borough_slug: str, group_slug: str):
    group = group_or_404(staff_borough(borough_slug, *REPRESENTATION_ROLES), group_slug)
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    rows = []
    for table in representation(group):
        for row in table.rows:
            rows.append([table.title, row.label, describe(row.members, threshold),
                         _percent(row.member_share), _percent(row.population_share),
                         _gap(row.gap_points)])
        if table.dimension != "represents":
            rows.append([table.title, "Not answered or prefer not to say",
                         describe(table.not_known, threshold), "", "", ""])
    return csv_response(
        f"{group.borough.slug}-{group.slug}-representation.csv",
        ["dimension", "category", "members", "share of members who answered",
         "share of the borough", "gap (percentage points)"], rows)
