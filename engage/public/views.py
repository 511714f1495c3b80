"""Pages anyone can read."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from engage.boroughs.models import Borough, all_boroughs
from engage.extensions import db
from engage.groups.operations import groups_of
from engage.surveys.models import open_consultations

public = Blueprint("public", __name__)


@public.route("/")
def home():
    return render_template("public/home.html", boroughs=all_boroughs(),
                           consultations=open_consultations())


@public.route("/boroughs")
def boroughs():
    return render_template("public/boroughs.html", boroughs=all_boroughs())


@public.route("/boroughs/<slug>")
def borough(slug: str):
    borough = db.first_or_404(select(Borough).where(Borough.slug == slug))
    return render_template("public/borough.html", borough=borough, groups=groups_of(borough))


@public.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@public.route("/privacy")
def privacy():
    # The periods the nightly clean-up actually uses, so the notice cannot drift from them.
    days = {name: current_app.config[f"ENGAGE_{name.upper()}_RETENTION_DAYS"]
            for name in ("paper", "telephone", "meeting", "news", "outbox", "reply")}
    return render_template("public/privacy.html", days=days,
                           threshold=current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"])


@public.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
