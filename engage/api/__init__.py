"""The read-only JSON API: open consultations and their questionnaires, described by an
OpenAPI 3.1 document at /api/openapi.json (engage.api.openapi)."""
