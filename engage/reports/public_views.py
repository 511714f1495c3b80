"""The public borough report: what an officer published, for anyone, without signing in.

It reads only the publication row (figures and staff additions pinned when it was published),
so a later count or edit changes nothing here until the officer publishes again. Suppression is
applied as the page is built, with the threshold in force, exactly as on the staff page.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from engage.boroughs.models import Borough
from engage.extensions import db
from engage.reports import targets
from engage.reports.charts import Bar, bar_chart
from engage.reports.operations import consultation_or_404
from engage.reports.published import Report, Table, build
from engage.reports.targets_models import ReportPublication
from engage.reports.views import _charts, _percent
from engage.surveys.models import Channel

public_reports = Blueprint("public_reports", __name__)


@public_reports.route("/boroughs/<borough_slug>/have-your-say/<consultation_slug>/report")
def report(borough_slug: str, consultation_slug: str):
    borough = db.first_or_404(select(Borough).where(Borough.slug == borough_slug))
    consultation = consultation_or_404(consultation_slug, borough)
    published = targets.publication(consultation, borough)
    if published is None:
        abort(404)
    return render_template("reports/public/report.html", borough=borough,
                           consultation=consultation, **published_context(published))


def published_context(published: ReportPublication) -> dict:
    """What the public page, its PDF and the summary show, from the publication alone: the
    suppressed report (with the threshold in force now), charts, and the pinned additions."""
    borough = published.borough
    threshold = current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"]
    report = build(published.figures, threshold, borough.name)
    return {
        "report": report, **additions_context(report, published.content),
        "published": published, "counted_at": published.counted_at, "percent": _percent,
        "ways_answered": ways_answered(report.by_channel),
    }


def additions_context(report: Report, content: dict) -> dict:
    """What a borough's report shows beside its figures (confidence and feeling safe against
    their targets, the gap target, crime figures, next year's priorities) from additions in the
    shape a publication pins them (engage.reports.targets.pinned_content): the public documents
    from the publication's, the staff PDF from the borough's as they stand. Shares beside a
    target come from `report`, so they are withheld wherever its suppression withholds them."""
    confidence = targets.confidence_against_target(report, content["confidence_target"])
    # Publications from before feeling safe had a target have no such key.
    feeling_safe = targets.feeling_safe_against_target(report,
                                                       content.get("feeling_safe_target"))
    charts = _charts(report)
    for name, measure in (("confidence", confidence), ("feeling_safe", feeling_safe)):
        if measure.share is not None and measure.target is not None:
            charts[name] = _target_chart(measure)
    return {
        "additions": True, "charts": charts, "confidence": confidence,
        "feeling_safe": feeling_safe,
        "gap_target": None if content["gap_target"] is None else Decimal(content["gap_target"]),
        "crime_figures": content["crime_figures"], "planned": content["planned"],
        "signed": signed,
    }


# How the report's opening sentence names each way of answering ("from 19 responses online").
CHANNEL_WORDS = {Channel.ONLINE.value: "online", Channel.PAPER.value: "on paper",
                 Channel.TELEPHONE.value: "by telephone"}


def ways_answered(by_channel: Table) -> str | None:
    """The ways people answered, as the channel table already tells them ("online and by
    telephone"), or None when naming them would tell more than it does.

    Naming a channel says only that it has a response. The table says as much wherever some
    count is shown: zeros are then shown as 0, so every hidden cell is known to be at least 1
    (engage.suppression). But when every cell is hidden (too few responses in all, or no way
    to protect a small count), zeros are hidden too, and naming the channels with responses
    would give them away: "19 responses online" would say the 19 are all online."""
    if all(row.cell.suppressed for row in by_channel.rows):
        return None
    named = [CHANNEL_WORDS.get(row.key, row.label.lower()) for row in by_channel.rows
             if row.cell.suppressed or row.cell.count]
    return " and ".join(filter(None, (", ".join(named[:-1]), named[-1]))) if named else None


def _target_chart(measure: targets.AgainstTarget):
    return bar_chart(
        f"chart-{measure.tag.value}", f"{measure.title} against its target",
        f"The first bar is the share who {measure.said}; the second is the target.",
        [Bar(measure.title, measure.share, _percent(measure.share)),
         Bar("Target", float(measure.target) / 100, f"{measure.target}%")])


def signed(value: int | Decimal | str) -> str:
    """A change as the seed writes it, with its sign: +41, -89, +8.1, -18.9 (and nil as 0).

    Offences are whole numbers; a percentage is shown to one decimal place, or two when its
    second is not nought."""
    if isinstance(value, int):
        return f"{value:+d}" if value else "0"
    number = Decimal(str(value))
    if number == 0:
        return "0"
    text = f"{number:+.2f}"
    return text[:-1] if text.endswith("0") else text
