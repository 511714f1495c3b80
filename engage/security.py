"""Response headers every page carries, and a per-request nonce for the one inline script."""

from __future__ import annotations

import secrets

from flask import Flask, g, request

# The pages search engines may list: what the public looks for ("have your say Camden police",
# a group's next meeting, a borough's report). Every other answer says noindex: staff pages,
# sign-in and account pages, the pages of a questionnaire being answered, the API, and above
# all the addresses that carry a personal token (an invitation, a meeting reply, an
# unsubscribe or a resume link), which must never turn up in search results if one leaks.
INDEXABLE = frozenset({
    "public.home", "public.boroughs", "public.borough", "public.accessibility",
    "public.privacy", "groups.group_page", "meetings.meeting", "public_reports.report",
    "surveys_public.index", "surveys_public.start",
})
NOT_INDEXED = "noindex, nofollow"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce)
    production = app.config["ENGAGE_ENV"] == "production"

    @app.after_request
    def _security_headers(response):
        policy = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'self'; object-src 'none'"
        )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # A query string makes a listed page a search (the borough finder's postcode): unlisted.
        if request.endpoint != "static" and (request.endpoint not in INDEXABLE or request.args):
            headers.setdefault("X-Robots-Tag", NOT_INDEXED)
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        # Pages show personal data to signed-in people: never keep them in shared caches.
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
