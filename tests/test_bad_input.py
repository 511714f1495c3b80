"""Input no form expects, from anyone: a clear error on the page or a 4xx, never a 500 and
never a half-written row (each case was a 500 once)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.forms import whole_number
from tests.factories import PASSWORD, create_user
from tests.helpers import page_text


def test_a_date_with_a_day_too_large_for_any_calendar_is_a_form_error(client, app):
    from tests.surveys.support import STAFF, sign_in_staff
    from tests.surveys.test_consultations import FORM

    sign_in_staff(client, app)
    response = client.submit(f"{STAFF}/new", {**FORM,
                                              "opens_on": ["99999999999999999999", "4", "2027"]})
    assert response.status_code == 200
    assert "must be a real date, like 1 4 2027" in page_text(response)


def test_new_is_not_a_consultation_s_web_address(client, app):
    from tests.surveys.support import STAFF, sign_in_staff
    from tests.surveys.test_consultations import FORM

    sign_in_staff(client, app)
    made = client.submit(f"{STAFF}/new", {**FORM, "title": "New"})
    assert made.status_code == 302 and not made.location.endswith(f"{STAFF}/new")
    refused = client.submit(f"{STAFF}/new", {**FORM, "title": "Another", "slug": "new"})
    assert refused.status_code == 200
    assert "Another consultation already uses this web address" in page_text(refused)


def test_a_number_box_reads_digits_0_to_9_and_thousands_only():
    assert whole_number(" 12 ") == 12
    assert whole_number("1,000") == whole_number("1 000") == 1000
    assert whole_number("-3") == -3  # each field's bounds refuse it
    for typed in ("\u00b2", "\u2460", "\u0661\u0662", "1.5", "1,0", "1_0", "", None, "9" * 16):
        assert whole_number(typed) is None, typed


def test_spaces_for_an_equality_answer_are_no_answer(client, app):
    from engage.groups.models import EqualityAnswers

    with app.app_context():
        email = create_user().email
    client.sign_in(email, PASSWORD)
    saved = client.submit("/account/equality", {"age_band": "  ", "ethnic_group": "asian",
                                                "equality_consent": "y"})
    assert saved.status_code == 302
    with app.app_context():
        answers = db.session.scalar(select(EqualityAnswers))
        assert (answers.age_band, answers.ethnic_group.value) == (None, "asian")


def test_a_file_too_big_says_so_to_someone_signed_in(client, app):
    from tests.groups.test_import import IMPORT, _officer

    _officer(client, app)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.submit(IMPORT, {"members": (io.BytesIO(b"x" * 4096), "members.csv")})
    assert response.status_code == 413
    assert "That file is too big" in page_text(response)
    assert "The file must be smaller than 1KB." in page_text(response)
    assert "Sign out" in page_text(response)


def test_an_expired_staff_form_says_nothing_was_saved_and_how_to_send_it_again(client, app):
    from tests.groups.test_import import _officer

    _officer(client, app)
    response = client.post("/staff/boroughs/camden/groups/new",
                           {"csrf_token": "expired", "name": "Ward panel", "kind": "ward-panel"})
    assert response.status_code == 400
    text = page_text(response)
    assert "nothing you entered in it has been saved" in text
    assert "refresh the page, then fill it in again" in text
    # Not also the plain 400's "Go back and try again": the same form sent again is refused.
    assert "Go back and try again" not in text


def test_a_member_who_joined_in_year_one_is_a_line_error(client, app):
    from engage.groups.models import Membership
    from tests.groups.test_import import _officer, _upload

    _officer(client, app)
    response = _upload(client, "name,email,represents,organisation,role,joined\n"
                               "Ada Lovelace,ada@example.org,self,,chair,0001-01-01\n")
    assert response.status_code == 200
    assert "2 joined '0001-01-01' must be a date like 2024-03-31" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_an_offence_count_thousands_of_digits_long_is_a_line_error(app, client):
    from tests.reports.test_targets import officer, stored, upload

    officer(app, client)
    response = upload(client, "crime type,change in offences,percentage change,result\n"
                              f"Burglary,{'9' * 5000},-8.8%,achieved\n")
    assert response.status_code == 200
    assert "2 change in offences" in page_text(response)
    assert "must be a whole number of offences" in page_text(response)
    assert stored(app) == []


def test_ids_and_page_numbers_too_large_for_the_database(client, app):
    from tests.factories import create_admin

    assert client.get("/have-your-say/99999999999999999999").status_code == 404
    assert client.get("/boroughs/camden/groups/cpeg/meetings/9223372036854775808"
                      ).status_code == 404
    with app.app_context():
        email = create_admin().email
    client.sign_in(email, PASSWORD)
    assert client.get("/admin/outbox?page=99999999999999999999").status_code in (200, 400)


@pytest.mark.parametrize("field", ["age_band", "ethnic_group", "disability"])
def test_an_equality_answer_the_join_form_never_offered_is_a_form_error(client, app, field):
    """An edited request, or a page left open while the answers offered changed: the field
    says to choose from the list, and nothing is saved (the consent check read the value as one
    of the answers, and raised)."""
    from engage.groups.models import Membership

    with app.app_context():
        email = create_user().email
    client.sign_in(email, PASSWORD)
    response = client.submit("/boroughs/camden/groups/cpeg/join",
                             {"represents": "self", "organisation": "", field: "x" * 300,
                              "equality_consent": "y"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Select one of the options shown" in text
    assert "x" * 300 not in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_a_choice_no_page_offered_gets_plain_english_and_never_echoes_the_value(client, app):
    """WTForms' own messages ("'...' is not a valid choice for this field.", with the value
    sent, of any length) are said in plain English (engage.forms.PlainMessages)."""
    from engage.auth.models import StaffInvitation
    from tests.factories import create_admin

    with app.app_context():
        email = create_admin().email
    client.sign_in(email, PASSWORD)
    response = client.submit("/admin/staff/invite", {"email": "new@example.org",
                                                     "name": "New Person", "role": "officer",
                                                     "boroughs": "<b>" + "x" * 300})
    assert response.status_code == 200
    text = page_text(response)
    assert "Select only the options shown" in text
    assert "x" * 300 not in text and "not a valid choice" not in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffInvitation)) == 0


def test_a_length_without_its_own_message_still_gets_plain_words(app):
    """The net beneath every field's own wording: WTForms' "Field cannot be longer than 5
    characters." says neither which field nor what to do."""
    from wtforms import StringField
    from wtforms.validators import Length

    from engage.forms import FlaskForm

    class Form(FlaskForm):
        class Meta:
            csrf = False

        short = StringField("Short", validators=[Length(max=5)])
        exact = StringField("Exact", validators=[Length(min=2, max=2)])

    with app.test_request_context(method="POST", data={"short": "toolong", "exact": "x"}):
        form = Form()
        assert not form.validate()
        assert form.short.errors == ["Enter 5 characters or fewer"]
        assert form.exact.errors == ["Enter exactly 2 characters"]
