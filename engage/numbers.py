"""Whole numbers as people type them, for every form and upload that takes one.

"1200", "1,200", "1 200", "-5" and "+5" are all read. Commas and spaces count only between
groups of three digits, as thousands: "1,2" is a slip (or two numbers), and reading it as 12
would store an answer nobody gave, so it is refused with the rest.
"""

from __future__ import annotations

import re

# Up to 15 digits: every limit engage sets is far below, and int() never sees a long string.
_WHOLE_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[, ]\d{3}){1,4}|\d{1,15})", re.ASCII)


def whole_number(text: str) -> int:
    """The whole number `text` holds (spaces at either end allowed); ValueError if it holds
    anything else."""
    text = text.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text.replace(",", "").replace(" ", ""))
