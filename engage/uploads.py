"""Reading CSV files people upload: the checks every import shares.

Each import checks every line before writing anything and reports problems by line and column
(LineError); nothing is written unless the whole file is right.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


def read_text(upload: FileStorage) -> str | None:
    """The file as text, or None when it is not UTF-8 (Excel's "CSV UTF-8" is; a BOM is fine)."""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


NOT_UTF8 = "The file must be saved as UTF-8 text (in Excel: CSV UTF-8)"


def open_csv(text: str, required: list[str],
             columns: list[str]) -> tuple[csv.DictReader | None, list[LineError]]:
    """A reader with lower-cased column names, or the error that the header is missing some."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        return None, [LineError(1, "header", "The first line must name the columns "
                                f"{', '.join(columns)}; missing: {', '.join(missing)}")]
    reader.fieldnames = header
    return reader, []


def problems_message(errors: list[LineError], what: str) -> str:
    count = len(errors)
    return (f"The file has {count} problem{'' if count == 1 else 's'}: {what}. Correct the lines "
            "listed below and upload it again")
