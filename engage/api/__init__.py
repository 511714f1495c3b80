"""The read-only JSON API: open consultations, their questionnaires and boroughs' published
reports, described by an OpenAPI 3.1 document at /api/openapi.json (engage.api.openapi)."""

from __future__ import annotations

from flask import request


def is_api_request() -> bool:
    """Whether this request is for the API (whose answers are public and cacheable, so never
    carry a session cookie)."""
    return request.path == "/api" or request.path.startswith("/api/")
