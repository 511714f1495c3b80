"""One-click unsubscribe (RFC 8058) for the emails that carry an unsubscribe link.

Gmail and Yahoo ask bulk senders for a List-Unsubscribe header naming an HTTPS address and a
List-Unsubscribe-Post header saying that address takes a one-click POST; otherwise mail goes to
spam. Mail programs show their own "Unsubscribe" button from them. The address is the email's
own unsubscribe link: opened in a browser (or by a link scanner), it shows the page with its
button and changes nothing, as ever; the mail provider's POST, whose body is
List-Unsubscribe=One-Click, unsubscribes at once.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, current_app, request

from engage.extensions import csrf

ONE_CLICK = "List-Unsubscribe=One-Click"


def headers(url: str) -> dict[str, str]:
    """The headers of an email whose unsubscribe link is `url`."""
    found = {"List-Unsubscribe": f"<{url}>"}
    # RFC 8058 3.1: one-click only for an HTTPS address. (A development server on http:// still
    # gets List-Unsubscribe, which mail programs show as a link to the page.)
    if url.startswith("https://"):
        found["List-Unsubscribe-Post"] = ONE_CLICK
    return found


def requested() -> bool:
    """Whether this request is a mail provider's one-click unsubscribe."""
    return request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click"


def allowed(view):
    """Let an unsubscribe view take the one-click POST, which has no CSRF token: the provider
    has no form to read one from, no cookies, and sends no Referer (which Flask-WTF asks of a
    POST over HTTPS).

    Flask-WTF exempts whole views only (csrf.exempt records the view's name; its check runs
    before the view and cannot look at the request), so the view is exempted and the same
    check is made here for every request but the one-click POST. That POST alone needs no
    check: CSRF stops a page elsewhere using someone's signed-in session, but an unsubscribe
    link's authority is the signed token in its address, not a session. Whoever can send this
    POST has the link, and could press the page's button anyway.
    """

    @wraps(view)
    def checked(*args, **kwargs):
        config = current_app.config
        if not requested() and config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]:
            csrf.protect()  # what CSRFProtect's before_request does for every other view
        return view(*args, **kwargs)

    return csrf.exempt(checked)


def done(message: str) -> Response:
    """The answer to a one-click unsubscribe: read by the mail provider, not a person."""
    return Response(message + "\n", mimetype="text/plain")
