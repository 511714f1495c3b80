"""Whole numbers as people type them, for every form and upload that takes one.

"1200", "1,200", "1 200", "-5" and "+5" are all read. Commas and spaces count only between
groups of three digits, as thousands: "1,2" is a slip (or two numbers), and reading it as 12
would store an answer nobody gave, so it is refused with the rest.

Python's int() is never given what someone typed: it reads "1_2" as 12 and full-width or
Arabic-Indic digits as ours, so a slip would become a number nobody wrote. (A questionnaire's
page in another language reads its language's marks and digits on purpose, first:
engage.translations.formats.read_number.)
"""

from __future__ import annotations

import re
from functools import cache

# Up to 15 digits: every limit engage sets is far below, and int() never sees a long string.
_DIGITS = re.compile(r"\d{1,15}", re.ASCII)
ENGLISH_GROUPS = ", "


@cache
def _whole_number(groups: str) -> re.Pattern:
    between = "[" + re.escape(groups) + "]"  # one character, between each group of three
    return re.compile(rf"[+-]?(?:\d{{1,3}}(?:{between}\d{{3}}){{1,4}}|\d{{1,15}})", re.ASCII)


def whole_number(text: str, groups: str = ENGLISH_GROUPS) -> int:
    """The whole number `text` holds (spaces at either end allowed); ValueError if it holds
    anything else. `groups` are the characters that may stand between groups of three digits
    (a questionnaire in another language reads them as that language writes them:
    engage.translations.formats.number_groups)."""
    text = text.strip()
    if not _whole_number(groups).fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text.translate(str.maketrans("", "", groups)))


def digits(text: str) -> int:
    """The number in a box that takes digits 0-9 only, like a date's day, month or year
    (spaces at either end allowed); ValueError for anything else, a sign or comma included."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"not digits: {text!r}")
    return int(text)
