"""Response references: short enough to read over the phone or type from paper, with a check
character that catches a mistyped or swapped character before anything is looked up.

Eight random characters from Crockford's base 32 (no I, L, O or U, so nothing looks like 1, 0 or
V) and one check character from the same alphabet (the Luhn mod N algorithm: it catches every
single wrong character and every swap of two neighbours), shown as "K7M3-9QX2-T". 32^8 is about
10^12, so guessing someone else's reference is hopeless.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Characters people confuse when reading aloud or writing by hand.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _check_character(body: str) -> str:
    n = len(ALPHABET)
    total, factor = 0, 2
    for character in reversed(body):
        addend = factor * ALPHABET.index(character)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


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
