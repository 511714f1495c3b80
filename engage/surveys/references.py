"""Response references: short enough to read over the phone or type from paper, with a check
character that catches a mistyped or swapped character before anything is looked up.

Eight random characters from Crockford's base 32 (no I, L, O or U, so nothing looks like 1, 0 or
V) and one check character from the same alphabet, shown as "K7M3-9QX2-T". The check is Damm's
algorithm over the field of 32 elements (x * y = 2x + y): it catches every single wrong character
and every swap of two neighbours, which Luhn's mod-N check does not (it misses "0Z" <-> "Z0").
32^8 is about 10^12, so guessing someone else's reference is hopeless.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Characters people confuse when reading aloud or writing by hand.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _times_two(x: int) -> int:
    """2x in GF(32), built on the irreducible polynomial x^5 + x^2 + 1."""
    x <<= 1
    return x ^ 0b100101 if x & 0b100000 else x


def _interim(characters: str) -> int:
    interim = 0
    for character in characters:
        interim = _times_two(interim) ^ ALPHABET.index(character)
    return interim


def _check_character(body: str) -> str:
    # The character that brings the running value back to zero: 2 * interim + c == 0.
    return ALPHABET[_times_two(_interim(body))]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}-{_check_character(body)}"


def normalise_reference(typed: str) -> str | None:
    """'k7m3 9qx2t' -> 'K7M3-9QX2-T', or None when it is not a valid reference (wrong length,
    or the check character does not match: a typing mistake)."""
    compact = re.sub(r"[\s-]", "", (typed or "").upper())
    if len(compact) != 9:
        return None
    body, check = compact[:8].translate(_READ_AS), compact[8]
    if any(c not in ALPHABET for c in body) or _check_character(body) != check:
        return None
    return f"{body[:4]}-{body[4:]}-{check}"
