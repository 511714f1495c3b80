"""Postcode district to borough, from the ONS Postcode Directory data shipped with engage."""

from __future__ import annotations

import pytest

from engage.boroughs.postcodes import district_of, lookup


@pytest.mark.parametrize(("typed", "district"), [
    ("sw9 6aa", "SW9"), ("SW96AA", "SW9"), (" ec1a 1bb ", "EC1A"), ("W1A 0AX", "W1A"),
    ("sw9", "SW9"), ("EC1A", "EC1A"), ("", None), ("hello", None), ("SW9 6A", None),
    ("12345", None), ("QQ1 1AA", None),
])
def test_the_district_of_a_postcode_or_its_first_part(typed, district):
    assert district_of(typed) == district


def test_a_district_in_one_borough_is_certain():
    match = lookup("SW9")
    assert [b.name for b in match.boroughs] == ["Lambeth"]
    assert match.certain


def test_a_district_spanning_boroughs_suggests_the_largest_share_first():
    match = lookup("W10")
    assert match.suggested.name == "Kensington and Chelsea"
    assert [b.name for b in match.boroughs] == [
        "Kensington and Chelsea", "Westminster", "Brent", "Hammersmith and Fulham"]
    assert not match.certain


def test_a_district_mostly_outside_london():
    match = lookup("WD6")
    assert match.mostly_outside_london
    assert [b.name for b in match.boroughs] == ["Barnet"]
    assert not match.certain


def test_the_city_of_london_is_never_a_suggestion():
    match = lookup("EC1A")
    assert match.mostly_city
    assert [b.name for b in match.boroughs] == ["Islington"]
    assert lookup("EC2V").boroughs == []
    assert lookup("EC2V").mostly_city
    # A district mostly in a Met borough with a little of the City is not the City's.
    assert not lookup("E1").mostly_city
    assert lookup("E1").suggested.name == "Tower Hamlets"


def test_unknown_and_non_geographic_districts_match_nothing():
    assert not lookup("ZZ9").known
    assert not lookup("E98").known  # a large user's district, with no postcodes of homes
    assert not lookup("M1").known  # Manchester


def test_a_parent_district_is_all_its_sub_districts_together():
    # The data lists SW1A...SW1Y, never SW1, which Londoners say.
    match = lookup("SW1")
    assert match.known and not match.certain
    assert [b.name for b in match.boroughs] == ["Westminster", "Kensington and Chelsea"]
    assert [b.name for b in lookup("W1").boroughs] == ["Westminster", "Camden"]
    assert lookup("EC4").mostly_city
    assert [b.name for b in lookup("EC4").boroughs] == ["Westminster"]
    # Real districts, and postcodes read as one, are as they were.
    assert [b.name for b in lookup("E1").boroughs] == ["Tower Hamlets", "Hackney"]
    assert [b.name for b in lookup("E17").boroughs] == ["Waltham Forest"]
    assert [b.name for b in lookup("N1").boroughs] == ["Islington", "Hackney", "Camden"]
    assert district_of("E17AA") == "E1" and district_of("E174AA") == "E17"
    assert district_of("SW1A 2AA") == "SW1A" and lookup("SW1A").certain


def test_a_parent_district_counts_its_sub_districts_postcodes_not_their_shares():
    from engage.boroughs.postcodes import matches_from

    matches = matches_from({
        # X1A: 90 postcodes in Camden of 100 (10 outside London); X1B: 300, all in Camden.
        "X1A": [("E09000007", "Camden", 90, 0.9)],
        "X1B": [("E09000007", "Camden", 300, 1.0)],
        "Y1A": [("E09000007", "Camden", 10, 1.0)],
        "Y1B": [("E09000033", "Westminster", 30, 1.0)],
    })
    # A parent in one borough is as certain as any district in one borough.
    assert matches["X1"].certain
    assert [(b.name, b.share) for b in matches["X1"].boroughs] == [("Camden", 0.975)]
    assert [(b.name, b.share) for b in matches["Y1"].boroughs] == [
        ("Westminster", 0.75), ("Camden", 0.25)]
