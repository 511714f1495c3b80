"""Whole numbers as people type them, for every form and upload that takes one.

"1200", "1,200", "1 200", "-5" and "+5" are all read. Commas and spaces count only between
groups of three digits, as thousands: "1,2" is a slip (or two numbers), and reading it as 12
would store an answer nobody gave, so it is refused with the rest.

Python's int() is never given what someone typed: it reads "1_2" as 12 and full-width or
Arabic-Indic digits as ours, so a slip would become a number nobody wrote.
"""

from __future__ import annotations

import re

# Up to 15 digits: every limit engage sets is far below, and int() never sees a long string.
_WHOLE_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[, ]\d{3}){1,4}|\d{1,15})", re.ASCII)
_DIGITS = re.compile(r"\d{1,15}", re.ASCII)


def whole_number(text: str) -> int:
    """The whole number `text` holds (spaces at either end allowed); ValueError if it holds
    anything else."""
    text = text.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text.replace(",", "").replace(" ", ""))


def digits(text: str) -> int:
    """The number in a box that takes digits 0-9 only, like a date's day, month or year
    (spaces at either end allowed); ValueError for anything else, a sign or comma included."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"not digits: {text!r}")
    return int(text)
