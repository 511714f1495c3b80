"""Find your borough by postcode: the public borough list's search box.

The same look-up as the questionnaire's postcode step (engage.boroughs.postcodes: only the
district, the first part of the postcode, is looked at), turned into what the page says: one
borough (the page goes straight to it), a few to choose from, or a message saying why there is
no borough to show. The postcode itself is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from wtforms.validators import DataRequired, ValidationError

from engage.boroughs.models import Borough, all_boroughs
from engage.boroughs.postcodes import DistrictMatch, district_of, lookup
from engage.forms import FlaskForm, GovTextInput, StringField, strip
from engage.surveys.questions import normalise_postcode

BAD_SHAPE = "Enter a real postcode, like SW1A 2AA"


@dataclass(frozen=True)
class Found:
    """The boroughs a postcode's district touches, largest share first, and why there may be
    more than one: "spans" (it crosses borough boundaries), "city" (it is mostly in the City of
    London) or "outside" (it is mostly outside London). `certain` means one borough, no doubt."""

    district: str
    boroughs: list[Borough]
    reason: str
    city: bool  # some of the district is in the City of London
    certain: bool


def _as_typed(typed: str, district: str) -> str:
    """The postcode as people write it ('sw34ab' -> 'SW3 4AB'), or the district alone."""
    return normalise_postcode(typed) or district


def find(typed: str) -> Found:
    """The boroughs for a postcode or its first part; ValidationError, with the words to show,
    when there are none to show."""
    district = district_of(typed)
    if district is None:
        raise ValidationError(BAD_SHAPE)
    match: DistrictMatch = lookup(district)
    by_code = {b.ons_code: b for b in all_boroughs()}
    boroughs = [by_code[s.ons_code] for s in match.boroughs if s.ons_code in by_code]
    shown = _as_typed(typed, district)
    if not boroughs:
        if match.city_share > 0:
            raise ValidationError(
                f"{shown} is in the City of London, which has its own police force. "
                "Enter a postcode in one of the boroughs below")
        raise ValidationError(
            f"We could not find a London borough for {shown}. Check the postcode, or choose "
            "your borough from the list below")
    reason = ("city" if match.mostly_city else "outside" if match.mostly_outside_london
              else "spans")
    return Found(district, boroughs, reason, city=match.city_share > 0,
                 certain=match.certain and len(boroughs) == 1)


class FindBoroughForm(FlaskForm):
    """A search sent with GET: it changes nothing, so it needs no CSRF token, and its address
    can be bookmarked or shared."""

    class Meta(FlaskForm.Meta):
        csrf = False

    postcode = StringField(
        "Postcode", filters=[strip],
        validators=[DataRequired("Enter a postcode")],
        widget=GovTextInput(), description="For example, SW1A 2AA",
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"})

    found: Found | None = None

    def validate_postcode(self, field):
        self.found = find(field.data)
