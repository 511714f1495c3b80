"""Dates and lists on a page shown in another language, written as that language writes them.

A month's name, the order of day, month and year, a 24-hour clock, the word for "or" between
names: none of these can be a phrase for translators, since they are made from values. Babel's
copy of the CLDR knows how each language writes them. With no language active (every page but
a translated questionnaire's, and every email), the English is GOV.UK's, as it always was.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list

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
