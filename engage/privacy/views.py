"""/account/your-data: what we hold about you, and a copy of it to download."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from engage.clock import utcnow
from engage.privacy.export import personal_data

privacy = Blueprint("privacy", __name__)


@privacy.route("/account/your-data")
@login_required
def your_data():
    return render_template("privacy/your_data.html")


@privacy.route("/account/your-data/download")
@login_required
def download():
    body = json.dumps(personal_data(current_user), indent=2, ensure_ascii=False)
    filename = f"engage-your-data-{utcnow():%Y-%m-%d}.json"
    # Personal data, special category included: no cache, shared or the browser's, keeps it.
    return Response(body + "\n", mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
