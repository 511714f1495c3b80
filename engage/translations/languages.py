"""The languages a questionnaire can be translated into: those most spoken in London after
English (2021 Census, main language), and Welsh. Names and writing direction come from Babel's
copy of the Unicode CLDR, not from a list kept here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

ENGLISH = "en"

# BCP 47 tags, as a page's lang attribute takes them; Babel's own identifiers differ only in
# the script's separator (zh_Hans).
CODES = (
    "ar", "bg", "bn", "ckb", "cy", "el", "es", "fa", "fr", "gu", "hi", "hu", "it", "lt", "ne",
    "pa", "pl", "ps", "pt", "ro", "ru", "so", "sq", "ta", "ti", "tr", "uk", "ur", "vi",
    "zh-Hans", "zh-Hant",
)

# Where the CLDR's English name is not the one used in the UK.
ENGLISH_NAMES = {"bn": "Bengali"}


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, for lang and hreflang attributes
    name: str  # in English, for staff: "Polish"
    own_name: str  # in the language itself, for the people who read it: "Polski"
    right_to_left: bool

    @property
    def direction(self) -> str:
        return "rtl" if self.right_to_left else "ltr"


def language(code: str) -> Language | None:
    """The language for a BCP 47 tag offered here, or None for any other (or for English)."""
    # Looked at before the cache: a code is whatever a link, a form or an address carried, and
    # a cache of every one asked for would grow for as long as the process runs.
    return _described(code) if code in CODES else None


@cache
def _described(code: str) -> Language:
    locale = Locale.parse(code.replace("-", "_"))
    own = locale.get_display_name()
    return Language(code=code, name=ENGLISH_NAMES.get(code) or locale.get_display_name("en"),
                    # A name in a list or a link starts with a capital where the script has them.
                    own_name=own[:1].upper() + own[1:],
                    right_to_left=locale.character_order == "right-to-left")


def all_languages() -> list[Language]:
    """Every language offered, by its English name (how staff look for one)."""
    return sorted((language(code) for code in CODES), key=lambda found: found.name)
