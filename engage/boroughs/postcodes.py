"""From a postcode to the London borough it is in, as far as its district (outward code) tells.

The data (data/london-postcode-districts.csv, from the ONS Postcode Directory) lists each London
postcode district with every borough it touches and the share of the district's postcodes in
each, counted over all of its postcodes, in London or not. So a district can:

- lie in one borough: the answer is plain;
- span boroughs (145 of 306 do): the largest share is a suggestion the person confirms;
- lie mostly outside London (WD6, KT19, EN6...): London's shares add up to under a half;
- be mostly the City of London (E09000001), which has its own police force, not the Met;
- be unknown: not a London district at all, or a non-geographic one (PO boxes and large
  organisations, listed with no postcodes), where nobody lives.

Central London's districts are split into sub-districts (SW1A...SW1Y, W1A...W1W, EC1A...), and
the data lists only those; but Londoners say SW1, W1 or EC2. Such a parent district stands for
all its sub-districts together: their postcodes added up, borough by borough.

Only the district is looked at: the rest of a postcode is never needed, so never kept.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

CITY_OF_LONDON = "E09000001"
# Under this share of its postcodes in London, a district is "mostly outside London".
MOSTLY_LONDON = 0.5

# The outward code of a UK postcode (the same shapes as engage.surveys.questions.POSTCODE).
_OUTWARD = r"[A-PR-UWYZ](?:[0-9][0-9A-HJKMNPR-Y]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
_DISTRICT = re.compile(rf"^{_OUTWARD}$")
_POSTCODE = re.compile(rf"^({_OUTWARD}) ?[0-9][ABD-HJLNP-UW-Z]{{2}}$")


@dataclass(frozen=True)
class Share:
    ons_code: str
    name: str
    share: float


@dataclass(frozen=True)
class DistrictMatch:
    """What a district says about the borough. `boroughs` are the Met's boroughs it touches,
    largest share first (the City of London is not among them: see `city_share`)."""

    district: str
    boroughs: list[Share] = field(default_factory=list)
    city_share: float = 0.0

    @property
    def known(self) -> bool:
        return bool(self.boroughs) or self.city_share > 0

    @property
    def london_share(self) -> float:
        return sum(b.share for b in self.boroughs) + self.city_share

    @property
    def mostly_outside_london(self) -> bool:
        return self.known and self.london_share < MOSTLY_LONDON

    @property
    def mostly_city(self) -> bool:
        """Most of the district's London postcodes are in the City of London."""
        return self.city_share > 0 and all(self.city_share >= b.share for b in self.boroughs)

    @property
    def suggested(self) -> Share | None:
        return self.boroughs[0] if self.boroughs else None

    @property
    def certain(self) -> bool:
        """One borough and nothing to ask: in London, not shared, not the City's."""
        return (len(self.boroughs) == 1 and self.city_share == 0
                and not self.mostly_outside_london)


# A sub-district: its parent district followed by one letter (SW1A, W1T, EC4Y; not E17 or N1).
_SUB_DISTRICT = re.compile(r"^([A-Z]{1,2}[0-9])[A-Z]$")

# A row of the data: (ons_code, borough, postcodes, share).
Row = tuple[str, str, int, float]


@cache
def _districts() -> dict[str, DistrictMatch]:
    """Every district in the data, and every parent of sub-districts not in it (SW1, W1, EC2),
    read once per process."""
    rows: dict[str, list[Row]] = {}
    source = resources.files("engage.boroughs").joinpath("data/london-postcode-districts.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["share"] or int(row["postcodes"]) == 0:
                continue  # non-geographic: nobody lives there, so nothing to suggest
            rows.setdefault(row["district"], []).append(
                (row["ons_code"], row["borough"], int(row["postcodes"]), float(row["share"])))
    return matches_from(rows)


def matches_from(rows: dict[str, list[Row]]) -> dict[str, DistrictMatch]:
    """Each district's match from its rows, with a parent made for sub-districts that have none."""
    rows = dict(rows)
    parents: dict[str, dict[str, list[Row]]] = {}
    for district, entries in rows.items():
        sub = _SUB_DISTRICT.match(district)
        if sub and sub.group(1) not in rows:  # E1W stays apart from E1, a district of its own
            parents.setdefault(sub.group(1), {})[district] = entries
    rows.update({parent: union(subs) for parent, subs in parents.items()})
    matches = {}
    for district, entries in rows.items():
        city = sum(share for code, _name, _count, share in entries if code == CITY_OF_LONDON)
        boroughs = sorted((Share(code, name, share) for code, name, _count, share in entries
                           if code != CITY_OF_LONDON), key=lambda b: (-b.share, b.name))
        matches[district] = DistrictMatch(district, boroughs, city)
    return matches


def union(subs: dict[str, list[Row]]) -> list[Row]:
    """One district's rows made from its sub-districts': each borough's postcodes added up, as
    a share of all the sub-districts' postcodes (outside London too, which the rows leave out
    but each row's share implies)."""
    total = sum(max(count / share for _code, _name, count, share in entries if share)
                for entries in subs.values())
    counts: dict[tuple[str, str], int] = {}
    for entries in subs.values():
        for code, name, count, _share in entries:
            counts[code, name] = counts.get((code, name), 0) + count
    return [(code, name, count, round(count / total, 4))
            for (code, name), count in sorted(counts.items())]


def district_of(typed: str | None) -> str | None:
    """The district of a full postcode or of its first part alone ('sw3 4ab', 'SW3' -> 'SW3');
    None when it is shaped like neither."""
    compact = re.sub(r"\s+", "", typed or "").upper()
    if _DISTRICT.match(compact):
        return compact
    found = _POSTCODE.match(compact)
    return found.group(1) if found else None


def lookup(district: str) -> DistrictMatch:
    """What the data says about a district; an unknown one matches no borough."""
    district = district.strip().upper()
    return _districts().get(district) or DistrictMatch(district)
