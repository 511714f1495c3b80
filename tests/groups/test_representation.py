"""How well a group reflects its borough: counts beside the census, never a small number."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from engage.boroughs.models import PopulationFigure
from engage.extensions import db
from engage.groups import operations
from engage.groups.models import AgeBand, Disability, EthnicGroup, Group, Represents
from tests.factories import PASSWORD, borough, create_officer, create_user
from tests.helpers import page_text

PAGE = "/staff/boroughs/camden/groups/cpeg/representation"


def _members(app, spec: list[tuple[int, EthnicGroup | None, Represents]]) -> None:
    """Add active CPEG members in Camden: (how many, ethnic group or no answers, represents)."""
    with app.app_context():
        officer = create_officer("camden", email="approver@example.org")
        cpeg = db.session.scalar(select(Group).where(Group.borough_id == borough("camden").id,
                                                     Group.slug == "cpeg"))
        for how_many, ethnic, represents in spec:
            for _ in range(how_many):
                user = create_user()
                membership = operations.request_to_join(cpeg, user, represents, None)
                operations.approve(membership, officer)
                if ethnic is not None:
                    operations.save_equality_answers(user, AgeBand.FROM_35, ethnic,
                                                     Disability.NO)
        db.session.commit()


def _analyst(client, app):
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
    client.sign_in("analyst@example.org", PASSWORD)


def test_members_beside_the_census_with_the_largest_gaps_called_out(client, app):
    _members(app, [(30, EthnicGroup.WHITE, Represents.SELF),
                   (12, EthnicGroup.ASIAN, Represents.SELF),
                   (10, EthnicGroup.BLACK, Represents.BUSINESS),
                   (11, None, Represents.SELF)])
    _analyst(client, app)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = page_text(response)
    # Camden, 2011 Census: 66% White, 16% Asian, 8% Black.
    assert "White 30 58% 66% -9" in text
    assert "Black, Black British, Caribbean or African 10 19% 8% +11" in text
    assert "under-represented" in text or "over-represented" in text
    assert "Not answered or prefer not to say 11" in text
    assert "Businesses and business associations 10" in text
    assert "2011 Census" in text

    # In the CSV the gap is in words: "-9" would be exported as "'-9" (a leading sign is read
    # as a formula), which a spreadsheet shows with the apostrophe.
    rows = list(csv.reader(io.StringIO(client.get(PAGE + ".csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert rows[0][5] == "gap (percentage points)"
    ethnic = {r[1]: r[2:] for r in rows if r[0] == "Ethnic group"}
    assert ethnic["White"] == ["30", "58%", "66%", "under-represented by 9"]
    assert ethnic["Black, Black British, Caribbean or African"][3] == "over-represented by 11"
    assert not any(cell.startswith("'") for row in rows for cell in row)


def test_small_counts_and_their_complements_are_hidden_on_the_page_and_in_the_csv(client, app):
    _members(app, [(30, EthnicGroup.WHITE, Represents.SELF),
                   (3, EthnicGroup.BLACK, Represents.SELF),
                   (12, EthnicGroup.ASIAN, Represents.SELF)])
    _analyst(client, app)
    text = page_text(client.get(PAGE))
    assert "Black, Black British, Caribbean or African fewer than 10" in text
    # With Black hidden, White is hidden too ("not shown": Asian's 12 would not be enough, as
    # 45 - 30 = 15 would put Black at 5 or less), and no shares are given that would let
    # someone multiply back.
    assert "Asian or Asian British 12 not shown" in text
    assert "White not shown not shown" in text

    rows = list(csv.reader(io.StringIO(client.get(PAGE.replace("representation",
                                                             "representation.csv"))
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    ethnic = {r[1]: r[2] for r in rows if r[0] == "Ethnic group"}
    assert ethnic["Black, Black British, Caribbean or African"] == "fewer than 10"
    assert ethnic["White"] == "not shown"
    assert "3" not in ethnic.values() and "30" not in ethnic.values()


def test_population_figures_missing_a_category_give_no_share_of_the_borough(client, app):
    """With only 16 to 24 uploaded, 16 to 24 would be 100% of the borough and every other age
    0%: no share of the borough is shown, and the page says which categories have no figure."""
    _members(app, [(12, EthnicGroup.WHITE, Represents.SELF)])  # all 35 to 44
    with app.app_context():
        db.session.add(PopulationFigure(borough_id=borough("camden").id, dimension="age_band",
                                        category="16-24", count=15321, source="An upload"))
        db.session.commit()
    _analyst(client, app)
    text = page_text(client.get(PAGE))
    age = text.split("Age", 1)[1].split("Disability", 1)[0]
    assert "16 to 24 0 0% no figures" in age and "35 to 44 12 100% no figures" in age
    assert ("The borough's figures (An upload) have no count for 25 to 34, 35 to 44, 45 to 54, "
            "55 to 64, 65 to 74, 75 or over, so no share of the borough is shown.") in age
    rows = list(csv.reader(io.StringIO(client.get(PAGE.replace("representation",
                                                             "representation.csv"))
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[4] for r in rows if r[0] == "Age"] == [""] * 8  # share of the borough


def test_a_small_group_shows_no_counts_at_all(client, app):
    _members(app, [(4, EthnicGroup.WHITE, Represents.SELF)])
    _analyst(client, app)
    text = page_text(client.get(PAGE))
    assert "White fewer than 10" in text
    assert " 4 " not in text


def test_only_staff_of_the_borough_see_it(client, app):
    _members(app, [(12, EthnicGroup.WHITE, Represents.SELF)])
    with app.app_context():
        create_officer("lambeth", email="lambeth@example.org")
        create_user(email="member@example.org")
    client.sign_in("lambeth@example.org", PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE.replace("representation", "representation.csv")).status_code == 403
    client.sign_out()
    client.sign_in("member@example.org", PASSWORD)
    assert client.get(PAGE).status_code == 403


def test_interviewers_and_clerks_do_not_need_it(client, app):
    _members(app, [(12, EthnicGroup.WHITE, Represents.SELF)])
    for role in ("interviewer", "clerk"):
        with app.app_context():
            create_user(email=f"{role}@example.org", roles={role: "camden"})
        client.sign_in(f"{role}@example.org", PASSWORD)
        assert client.get(PAGE).status_code == 403, role
        assert client.get(PAGE.replace("representation", "representation.csv")).status_code == 403
        client.sign_out()
    with app.app_context():
        create_officer("camden", email="camden@example.org")
    client.sign_in("camden@example.org", PASSWORD)
    assert "White 12" in page_text(client.get(PAGE))
