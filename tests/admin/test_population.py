"""Administrators upload population figures as CSV: checked line by line, all or nothing."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.boroughs.models import PopulationFigure
from engage.boroughs.population import CENSUS_SOURCE
from engage.extensions import db
from tests.factories import PASSWORD, borough, create_admin, create_officer
from tests.helpers import page_text

GOOD = """ons_code,dimension,category,count
E09000007,age_band,16-24,30000
E09000007,age_band,25-34,60000
E09000022,age_band,16-24,"41,500"
"""


def _upload(client, text: str, source: str = "ONS mid-year estimates 2024"):
    return client.submit("/admin/population", {
        "figures": (io.BytesIO(text.encode()), "figures.csv"), "source": source})


def _admin(client, app):
    with app.app_context():
        create_admin(email="admin@example.org")
    client.sign_in("admin@example.org", PASSWORD)


def test_the_census_ethnic_groups_come_with_the_boroughs(app):
    with app.app_context():
        figures = db.session.scalars(select(PopulationFigure).where(
            PopulationFigure.borough_id == borough("camden").id)).all()
    assert {f.category: f.count for f in figures} == {
        "white": 146055, "mixed": 12322, "asian": 35446, "black": 18060, "other": 8455}
    assert all(f.source == CENSUS_SOURCE for f in figures)


def test_upload_figures(client, app):
    _admin(client, app)
    response = _upload(client, GOOD)
    assert response.status_code == 302
    with app.app_context():
        camden = {f.category: f.count for f in db.session.scalars(select(PopulationFigure).where(
            PopulationFigure.borough_id == borough("camden").id,
            PopulationFigure.dimension == "age_band"))}
        assert camden == {"16-24": 30000, "25-34": 60000}
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                                 .limit(1)) == "population.uploaded"
    page = page_text(client.get("/admin/population"))
    assert "Age band ONS mid-year estimates 2024 2" in page


def test_a_second_upload_replaces_that_boroughs_dimension(client, app):
    _admin(client, app)
    assert "3 population figures saved." in page_text(client.get(_upload(client, GOOD).location))
    response = _upload(client, "ons_code,dimension,category,count\nE09000007,age_band,75+,9000\n")
    assert "1 population figure saved." in page_text(client.get(response.location))
    with app.app_context():
        camden = db.session.scalars(select(PopulationFigure.category).where(
            PopulationFigure.borough_id == borough("camden").id,
            PopulationFigure.dimension == "age_band")).all()
        lambeth = db.session.scalar(select(func.count(PopulationFigure.id)).where(
            PopulationFigure.borough_id == borough("lambeth").id,
            PopulationFigure.dimension == "age_band"))
    assert camden == ["75+"]
    assert lambeth == 1  # Lambeth was not in the second file


def test_every_bad_line_is_reported_and_nothing_is_saved(client, app):
    _admin(client, app)
    bad = ("ons_code,dimension,category,count\n"
           "E09000007,age_band,16-24,100\n"
           "E09000001,age_band,16-24,100\n"
           "E09000007,height,tall,100\n"
           "E09000007,age_band,ancient,100\n"
           "E09000007,age_band,25-34,-5\n"
           "E09000007,age_band,16-24,200\n")
    response = _upload(client, bad)
    assert response.status_code == 200
    text = page_text(response)
    assert "The file has 5 problems: nothing was saved" in text
    assert "3 ons_code 'E09000001' is not the ONS code of a London borough" in text
    assert "4 dimension 'height' must be one of" in text
    assert "5 category 'ancient' is not a category of age_band" in text
    assert "6 count '-5' must be a whole number from 0 to 10,000,000" in text
    assert "7 category Camden age_band 16-24 appears twice" in text
    with app.app_context():
        assert db.session.scalar(select(func.count(PopulationFigure.id)).where(
            PopulationFigure.dimension == "age_band")) == 0


def test_counts_too_large_and_files_that_stop_being_csv_are_reported_by_line(client, app):
    _admin(client, app)
    text = page_text(_upload(client, "ons_code,dimension,category,count\n"
                                     "E09000007,age_band,16-24,100000000000000000000\n"
                                     "E09000007,age_band,25-34,10000001\n"
                                     "E09000007,age_band,35-44,10000000\n"))
    assert "2 count '100000000000000000000' must be a whole number from 0 to 10,000,000" in text
    assert "3 count '10000001' must be a whole number" in text
    assert "4 count" not in text
    # Commas between thousands are read; a comma anywhere else is a slip, reported.
    text = page_text(_upload(client, "ons_code,dimension,category,count\n"
                                     'E09000007,age_band,16-24,"12,500"\n'
                                     'E09000007,age_band,25-34,"1,25"\n'))
    assert "3 count '1,25' must be a whole number from 0 to 10,000,000" in text
    assert "2 count" not in text
    endless = ("ons_code,dimension,category,count\nE09000007,age_band,16-24,100\n"
               'E09000007,age_band,"25-34,100\n' + "E09000007,age_band,35-44,100\n" * 5000)
    response = _upload(client, endless)
    assert response.status_code == 200
    text = page_text(response)
    assert "3 file This line could not be read. Check for a quote mark" in text
    assert "field limit" not in text
    with app.app_context():
        assert db.session.scalar(select(func.count(PopulationFigure.id)).where(
            PopulationFigure.dimension == "age_band")) == 0


def test_a_count_with_an_unquoted_thousands_comma_is_a_line_error_not_stored_short(client, app):
    """12,500 without quotes is two values: the count was stored as 12 and "500" dropped."""
    _admin(client, app)
    response = _upload(client, "ons_code,dimension,category,count\n"
                               "E09000007,age_band,16-24,12,500\n")
    assert response.status_code == 200
    assert ("2 file This line has a value beyond the 4 columns the first line names"
            in page_text(response))
    with app.app_context():
        assert db.session.scalar(select(func.count(PopulationFigure.id)).where(
            PopulationFigure.dimension == "age_band")) == 0


def test_a_file_without_the_columns_or_not_csv_is_refused(client, app):
    _admin(client, app)
    assert "missing: dimension, category, count" in page_text(_upload(client, "ons_code\nX\n"))
    refused = client.submit("/admin/population", {
        "figures": (io.BytesIO(b"x"), "figures.xlsx"), "source": "x"})
    assert "The file must be a CSV file" in page_text(refused)


def test_only_administrators_upload(client, app):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    assert client.get("/admin/population").status_code == 403


def test_the_page_names_each_borough_with_some_categories_missing(client, app):
    _admin(client, app)
    assert "have figures for only some categories" not in page_text(client.get("/admin/population"))
    _upload(client, "ons_code,dimension,category,count\nE09000007,age_band,16-24,100\n"
                    "E09000007,age_band,25-34,200\n")
    text = page_text(client.get("/admin/population"))
    assert "Some boroughs have figures for only some categories" in text
    assert "Camden, age band: no figure for 35-44, 45-54, 55-64, 65-74, 75+" in text
    # The Census ethnic groups every borough has are complete: not listed.
    assert "ethnic group" not in text.split("have figures for only some categories", 1)[1]
