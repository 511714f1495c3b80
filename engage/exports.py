"""CSV exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """Text a spreadsheet shows rather than runs: a leading = + - @ (or tab, CR) gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield "\ufeff" + buffer.getvalue()  # a BOM, so Excel reads UTF-8 names correctly
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            yield buffer.getvalue()

    # Every export is staff-only, and most name people: no cache, shared or the browser's, keeps
    # a copy (engage.security sets this for pages, not files).
    return Response(generate(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
