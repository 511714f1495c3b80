"""Dates, lists and numbers on a page shown in another language, written as that language writes
them.

A month's name, the order of day, month and year, a 24-hour clock, the word for "or" between
names, the mark between thousands: none of these can be a phrase for translators, since they
are made from values. Babel's copy of the CLDR knows how each language writes them. With no
language active (every page but a translated questionnaire's, and every email), the English is
GOV.UK's, as it always was.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from engage.numbers import ENGLISH_GROUPS, whole_number
from engage.translations.phrases import current_language


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


@cache
def _date_and_time_pattern(code: str) -> str:
    # The language's long date and its short time, joined as it joins them: "7 grudnia 2026
    # 17:30", "2026年12月7日 17:30".
    locale = _locale(code)
    return (str(locale.datetime_formats["long"])
            .replace("{1}", locale.date_formats["long"].pattern)
            .replace("{0}", locale.time_formats["short"].pattern))


def long_date(day: date) -> str:
    """`1 April 2027` in English, the way GOV.UK writes a date; the page's language's own long
    date where it has one."""
    found = current_language()
    if found is None:
        return f"{day.day} {day:%B %Y}"
    return format_date(day, "long", locale=_locale(found.code))


def date_and_time(local: datetime) -> str | None:
    """A date and time already in London time, as the page's language writes them; None when
    the page is in English (the caller writes GOV.UK's: engage.templating.london_time)."""
    found = current_language()
    if found is None:
        return None
    return format_datetime(local, _date_and_time_pattern(found.code), locale=_locale(found.code))


def either(names: list[str]) -> str:
    """`Camden or Islington`: names of which one is meant."""
    found = current_language()
    if found is None:
        return " or ".join(names)
    return format_list(names, style="or", locale=_locale(found.code))


def all_of(names: list[str]) -> str:
    """`Camden, Islington, Hackney`: names that are all meant."""
    found = current_language()
    if found is None:
        return ", ".join(names)
    return format_list(names, locale=_locale(found.code))


def number(n: int) -> str:
    """`1,000` in English, as GOV.UK writes it; as the page's language groups its digits where
    it has one: "1 000" in Polish (a space that never breaks), "1.000" in Spanish, where
    "1,000" would read as one. Always the digits 0 to 9, which the boxes read."""
    found = current_language()
    if found is None:
        return f"{n:,}"
    return format_decimal(n, locale=_locale(found.code))


def number_groups() -> str:
    """The characters a whole number typed on this page may have between groups of three
    digits (engage.numbers): English's comma and space; in another language its own group
    mark and any space (its mark may be one that does not break), and a comma only where the
    language does not write it for a decimal point ("2,500" is two and a half in Spanish)."""
    found = current_language()
    if found is None:
        return ENGLISH_GROUPS
    locale = _locale(found.code)
    marks = {get_group_symbol(locale), " ", "\u00a0", "\u202f"}
    if get_decimal_symbol(locale) != ",":
        marks.add(",")
    return "".join(sorted(marks))


def own_digits(text: str) -> str:
    """`text` with its digits written 0 to 9 on a page in another language, where they are all
    of one other script: a Persian keyboard types ۱۲ for 12, a Bengali one ১২. As it is
    otherwise, for the reader to refuse: a mix of scripts in one number is a slip, and an
    English page reads 0 to 9 only (engage.numbers)."""
    if current_language() is None:
        return text
    zeros = {ord(c) - unicodedata.decimal(c) for c in text if c.isdecimal()}
    if len(zeros) != 1 or ord("0") in zeros:
        return text
    zero = zeros.pop()
    return "".join(chr(ord("0") + ord(c) - zero) if c.isdecimal() else c for c in text)


def read_number(text: str) -> int:
    """The whole number typed in a box on this page (engage.numbers.whole_number, with the
    page's language's marks between groups of three, and its own digits: own_digits), or
    written as the page writes one: in Bengali, Hindi and other languages of India,
    "12,34,567" groups in twos after the first three. ValueError for anything else."""
    text = own_digits(text)
    try:
        return whole_number(text, number_groups())
    except ValueError:
        if current_language() is None:
            raise
    n = whole_number(re.sub(r"[^0-9+-]", "", text))
    if re.sub(r"\s", " ", number(n)) != re.sub(r"\s", " ", text.strip()):
        raise ValueError(f"not a whole number: {text!r}")
    return n
