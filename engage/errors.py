"""Error pages in plain English, for every blueprint."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError

from engage.extensions import db

errors = Blueprint("errors", __name__)

MESSAGES = {
    400: ("Sorry, there is a problem with that request", "Go back and try again."),
    403: ("You do not have access to this page",
          "If you think you should, ask an administrator to give you the right role."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, that did not work", "Go back and try again."),
    413: ("That file is too big", "Go back and choose a smaller file."),
    429: ("Too many attempts", "Wait 15 minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def _page(status: int, detail: str | None = None):
    title, advice = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", title=title, advice=advice, detail=detail,
                           status=status), status


@errors.app_errorhandler(CSRFError)
def csrf_error(error):
    # Why, in the log: behind a proxy that does not pass the public host name on
    # (X-Forwarded-Host, or Host itself), every form sent over HTTPS is refused as "from another
    # website", and only this line says so. The referrer's origin alone: its path can hold a
    # link's token.
    referrer = urlsplit(request.referrer or "")
    logging.getLogger(__name__).warning(
        "refused a form: %s (host %s, referrer %s)", error.description, request.host,
        f"{referrer.scheme}://{referrer.netloc}" if referrer.netloc else "none")
    # Its own advice, not the 400's "Go back and try again": sent again from the back button,
    # the same expired form is refused again, and refreshing empties it.
    return render_template(
        "errors/error.html", title=MESSAGES[400][0], status=400,
        detail="The form had expired, or was sent from another website, so nothing you "
               "entered in it has been saved.",
        advice="Go back to the form and refresh the page, then fill it in again. If you typed "
               "a lot, copy it before you refresh the page."), 400


@errors.app_errorhandler(413)
def too_big(error):
    """Say how big a file may be: "a smaller file" alone leaves the person guessing."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return _page(413, f"The file must be smaller than {_size(limit)}." if limit else None)


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:g}MB" if limit >= 1024 * 1024 else f"{limit / 1024:g}KB"


UNSTORABLE = ("It had something that cannot be stored: a character that is not text (such as "
              "NUL), or a number or date out of range. Go back, check what you typed and try "
              "again.")


@errors.app_errorhandler(OverflowError)
@errors.app_errorhandler(DataError)
def unstorable(error: DataError | OverflowError):
    """The database refused a value from the request (PostgreSQL stores no NUL character in
    text, and no integer past its range; SQLite's driver overflows on an integer past 64 bits,
    like ?page=99999999999999999999): the person's input, so a 400 saying so, not a 500.
    Nothing was written: the transaction is rolled back before anything else runs."""
    db.session.rollback()
    logging.getLogger(__name__).warning("refused a value the database cannot store: %s",
                                        getattr(error, "orig", error))
    if request.path == "/api" or request.path.startswith("/api/"):
        return jsonify(error="The request has a value that cannot be stored."), 400
    return _page(400, UNSTORABLE)


@errors.app_errorhandler(429)
def too_many(error):
    """Say how long to wait: the limit that was hit knows its window (a minute for the survey
    pages, 15 minutes for signing in)."""
    title, _advice = MESSAGES[429]
    limit = getattr(getattr(error, "limit", None), "limit", None)
    seconds = limit.get_expiry() if limit is not None else 15 * 60
    detail = None
    if request.method == "POST" and request.blueprint in ("surveys_public", "surveys_invited"):
        # The questionnaire's limits count a whole internet connection (a library, an office),
        # so the person reading this may have done nothing wrong: say so, and what was kept.
        title = "Too many answers from your internet connection"
        detail = ("Many answers were sent from your internet connection in a short time. This "
                  "can happen when people share a connection, for example in a library. The "
                  "answers on this page have not been saved; your earlier answers are kept.")
    return render_template("errors/error.html", title=title, advice=f"Wait {_wait(seconds)}, "
                           "then try again.",
                           detail=detail, status=429), 429


def _wait(seconds: int) -> str:
    if seconds <= 60:
        return "a minute"
    if seconds < 3600:
        return f"{-(-seconds // 60)} minutes"
    if seconds <= 3600:
        return "an hour"
    return f"{-(-seconds // 3600)} hours"


def _reason(error) -> str | None:
    """The reason a view gave with abort(status, description=...); Werkzeug's own wording for
    the status (written for developers) is left out."""
    description = getattr(error, "description", None)
    return description if description and description != type(error).description else None


for _status in MESSAGES:
    if _status not in (413, 429):
        errors.app_errorhandler(_status)(lambda error, _s=_status: _page(_s, _reason(error)))
