"""Officers make lists of people to invite to answer a questionnaire: from a group's active
members, or from an uploaded CSV checked line by line (all or nothing). Everything is scoped to
the officer's borough."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.groups.models import GroupKind, MembershipStatus
from engage.groups.operations import create_group
from engage.surveys.models import Audience, Invitee, InviteeList, InviteeListSource
from tests.factories import borough
from tests.helpers import csrf_token, form_keys, inserts, page_text, stored_anywhere
from tests.surveys.test_invitations_support import (
    STAFF,
    add_members,
    cpeg,
    invitees,
    list_count,
    list_from_group,
    make_consultation,
    officer,
)


def _upload(browser, url: str, csv_text: str | bytes, **fields):
    page = browser.get(url)
    assert page.status_code == 200
    data = csv_text.encode() if isinstance(csv_text, str) else csv_text
    return browser.post(url, {"csrf_token": csrf_token(page.get_data(as_text=True)),
                              "people": (io.BytesIO(data), "people.csv"), **fields},
                        content_type="multipart/form-data")


def test_a_list_from_a_group_has_its_active_members_each_with_a_personal_link(app):
    ids = make_consultation(app)
    add_members(app, ["ada@example.org", "Bob@Example.org"])
    add_members(app, ["pending@example.org"], status=MembershipStatus.PENDING)
    add_members(app, ["lambeth@example.org"], group_slug="lambeth")
    browser = officer(app)
    list_id = list_from_group(browser, ids[Audience.RESIDENTS])
    page = page_text(browser.get(f"{STAFF}/{list_id}"))
    assert "Members of the Community Police Engagement Group" in page
    assert "People on the list 2" in page
    found = invitees(app, list_id)
    assert [i.email for i in found] == ["ada@example.org", "bob@example.org"]
    assert len({i.token for i in found}) == 2 and all(len(i.token) >= 40 for i in found)
    with app.app_context():
        made = db.session.get(InviteeList, list_id)
        assert made.source == InviteeListSource.GROUP
        assert made.borough.slug == "camden"
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.target == f"survey-list:{list_id}")) == "survey_list.created"


def test_a_list_from_a_group_sent_twice_is_made_once(app):
    """A double click or a browser retry: the second sending goes where the first went."""
    ids = make_consultation(app)
    add_members(app, ["ada@example.org", "bob@example.org"])
    browser = officer(app)
    with app.app_context():
        group_id = cpeg().id
    data = {**form_keys(browser.get(STAFF + "/new/group").get_data(as_text=True)),
            "questionnaire": str(ids[Audience.RESIDENTS]), "group": str(group_id)}
    first = browser.post(STAFF + "/new/group", data)
    with inserts(app) as inserted:
        second = browser.post(STAFF + "/new/group", data)
    assert inserted == []  # it found the first one's key before making anything
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert list_count(app) == 1
    with app.app_context():
        assert len(db.session.scalars(select(Invitee.id)).all()) == 2
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action != "account.signed_in")).all() == ["survey_list.created"]
    assert "sent twice, and saved once" in page_text(browser.get(second.location))


def test_a_group_with_no_active_members_makes_no_list(app):
    ids = make_consultation(app)
    with app.app_context():
        group_id = create_group(borough("camden"), GroupKind.WARD_PANEL, "Empty panel").id
        db.session.commit()
    browser = officer(app)
    response = browser.submit(STAFF + "/new/group", {
        "questionnaire": str(ids[Audience.RESIDENTS]), "group": str(group_id)})
    assert response.status_code == 200
    assert "Empty panel has no active members, so there is nobody to invite" in \
        page_text(response)
    assert list_count(app) == 0


def test_the_group_form_needs_a_questionnaire_and_a_group(app):
    make_consultation(app)
    browser = officer(app)
    response = browser.submit(STAFF + "/new/group", {})
    text = page_text(response)
    assert "There is a problem" in text
    assert "Select a questionnaire" in text and "Select a group" in text
    html = response.get_data(as_text=True)
    assert 'href="#questionnaire"' in html and 'href="#group"' in html
    assert list_count(app) == 0


def test_an_upload_with_problems_lists_them_by_line_and_column_and_adds_nobody(app):
    ids = make_consultation(app)
    browser = officer(app)
    csv_text = ("email,name,organisation\n"
                "shop@example.org,Sam,Corner Shop\n"
                "not-an-address,Kim,Bakery\n"
                "cafe@example.org,Jo,\n"
                "\n"
                "SHOP@example.org,Sam again,Corner Shop\n")
    response = _upload(browser, STAFF + "/new/upload", csv_text, name="High street",
                       questionnaire=str(ids[Audience.BUSINESSES]))
    assert response.status_code == 200
    text = page_text(response)
    assert "The file has 3 problems: nobody was added" in text
    assert "3 email 'not-an-address' is not an email address" in text
    assert "4 organisation Enter the name of the business" in text
    assert "6 email shop@example.org is also on line 2" in text
    assert list_count(app) == 0
    with app.app_context():
        assert db.session.scalars(select(Invitee.id)).all() == []


def test_an_upload_needs_the_email_column_and_utf8(app):
    ids = make_consultation(app)
    browser = officer(app)
    fields = {"name": "High street", "questionnaire": str(ids[Audience.BUSINESSES])}
    no_email = _upload(browser, STAFF + "/new/upload", "name,organisation\nSam,Shop\n", **fields)
    assert "1 header The first line must name the columns email, name, organisation; " \
           "missing: email" in page_text(no_email)
    latin1 = _upload(browser, STAFF + "/new/upload",
                     "email,name,organisation\ncafé@example.org,Zoë,Café\n".encode("latin-1"),
                     **fields)
    assert "The file must be saved as UTF-8 text" in page_text(latin1)
    assert list_count(app) == 0


def test_an_upload_with_old_mac_or_mixed_line_endings_is_read_line_by_line(app):
    ids = make_consultation(app)
    browser = officer(app)
    fields = {"name": "High street", "questionnaire": str(ids[Audience.BUSINESSES])}
    # Old Mac files end each line with "\r" alone.
    response = _upload(browser, STAFF + "/new/upload",
                       "email,name,organisation\rcr@shop.example,C,Org\r", **fields)
    assert response.status_code == 302
    list_id = int(response.location.rsplit("/", 1)[1])
    assert [(i.email, i.organisation) for i in invitees(app, list_id)] == [
        ("cr@shop.example", "Org")]
    # Every kind of ending in one file, and a quoted value over two lines: problems are still
    # reported at the line where their record starts, counting each ending as one line.
    mixed = ("email,name,organisation\r\n"
             'shop@example.org,Sam,"Corner\rShop"\r'
             "not-an-address,Kim,Bakery\n"
             "cafe@example.org,Jo,\r")
    text = page_text(_upload(browser, STAFF + "/new/upload", mixed, **fields))
    assert "The file has 2 problems: nobody was added" in text
    assert "4 email 'not-an-address' is not an email address" in text
    assert "5 organisation Enter the name of the business" in text
    assert "universal-newline" not in text


def test_a_value_too_long_to_read_is_reported_in_plain_words(app):
    ids = make_consultation(app)
    browser = officer(app)
    fields = {"name": "High street", "questionnaire": str(ids[Audience.BUSINESSES])}
    # Past the CSV reader's limit on one value (131,072 characters), all on one line: no quote
    # is left open, so the page does not send them looking for one.
    long_line = ("email,name,organisation\nshop@example.org,Sam,Corner Shop\n"
                 "cafe@example.org,Jo," + "Cafe " * 30000 + "\n")
    text = page_text(_upload(browser, STAFF + "/new/upload", long_line, **fields))
    assert "The file has 1 problem: nobody was added" in text
    assert "3 file A value on this line is too long: a value can be at most 131,072 " \
           "characters" in text
    assert "quote mark" not in text and "field limit" not in text
    assert list_count(app) == 0


def test_an_upload_sent_twice_makes_one_list(app):
    ids = make_consultation(app)
    browser = officer(app)
    keys = form_keys(browser.get(STAFF + "/new/upload").get_data(as_text=True))
    csv_bytes = b"email,name,organisation\nshop@example.org,Sam,Corner Shop\n"

    def send():
        return browser.post(STAFF + "/new/upload", {
            **keys, "name": "High street", "questionnaire": str(ids[Audience.BUSINESSES]),
            "people": (io.BytesIO(csv_bytes), "people.csv")}, content_type="multipart/form-data")

    first = send()
    with inserts(app) as inserted:
        second = send()
    assert inserted == []
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert list_count(app) == 1
    with app.app_context():
        assert db.session.scalars(select(Invitee.email)).all() == ["shop@example.org"]
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action != "account.signed_in")).all() == ["survey_list.created"]


def test_adding_a_file_to_a_list_reports_people_already_on_it(app):
    ids = make_consultation(app)
    browser = officer(app)
    first = _upload(browser, STAFF + "/new/upload",
                    "email,name,organisation\nshop@example.org,Sam,Corner Shop\n"
                    "cafe@example.org,Jo,Cafe\n",
                    name="High street", questionnaire=str(ids[Audience.BUSINESSES]))
    assert first.status_code == 302
    list_id = int(first.location.rsplit("/", 1)[1])
    added = _upload(browser, f"{STAFF}/{list_id}/add",
                    "organisation,email\nCorner Shop,Shop@example.org\nGarage,garage@example.org\n")
    assert added.status_code == 302
    text = page_text(browser.get(added.location))
    assert ("1 person added. 1 person already on the list (line 2) was left as before."
            in text)
    assert [i.email for i in invitees(app, list_id)] == [
        "cafe@example.org", "garage@example.org", "shop@example.org"]


def test_a_business_name_with_an_unquoted_comma_is_a_line_error_not_cut_short(app):
    ids = make_consultation(app)
    browser = officer(app)
    refused = _upload(browser, STAFF + "/new/upload",
                      "email,name,organisation\nshop@example.org,Sam,Smith, Jones and Co\n",
                      name="High street", questionnaire=str(ids[Audience.BUSINESSES]))
    assert refused.status_code == 200
    assert "nobody was added" in page_text(refused)
    assert "2 file This line has a value beyond the 3 columns the first line names" in \
        page_text(refused)
    assert list_count(app) == 0


def test_a_group_list_cannot_take_uploads(app):
    ids = make_consultation(app)
    add_members(app, ["ada@example.org"])
    browser = officer(app)
    list_id = list_from_group(browser, ids[Audience.RESIDENTS])
    assert browser.get(f"{STAFF}/{list_id}/add").status_code == 404


def test_only_the_boroughs_officers_see_its_lists(app):
    ids = make_consultation(app)
    add_members(app, ["ada@example.org"])
    camden = officer(app)
    list_id = list_from_group(camden, ids[Audience.RESIDENTS])
    lambeth = officer(app, "lambeth")
    for path in ("", "/new/group", "/new/upload", f"/{list_id}", f"/{list_id}/send",
                 f"/{list_id}/reminder", f"/{list_id}/automatic-reminder"):
        assert lambeth.get(STAFF + path).status_code == 403, path
    own = STAFF.replace("/camden/", "/lambeth/")
    assert lambeth.get(own).status_code == 200
    # Camden's list through Lambeth's pages is not found, and shows nothing of it.
    for path in (f"/{list_id}", f"/{list_id}/send", f"/{list_id}/reminder"):
        response = lambeth.get(own + path)
        assert response.status_code == 404, path
        assert "Members of" not in page_text(response)
    page = lambeth.submit(f"{own}/{list_id}/send", form_page=own + "/new/group")
    assert page.status_code == 404
    analyst = officer(app, role="analyst")
    assert analyst.get(STAFF).status_code == 403
    assert camden.get(STAFF.replace("have-your-say-2027", "nothing")).status_code == 404


def test_a_consultation_for_other_boroughs_is_not_found(app):
    make_consultation(app, only=["lambeth"])
    assert officer(app).get(STAFF).status_code == 404


# A CRM's export of businesses: the columns a list takes, and others it does not use.
CRM_EXPORT = ("Organisation,Email,Phone,Address\n"
              "Corner Shop,shop@example.org,020 7946 0321,12 High Street\n"
              "Camden Bakery,bakery@example.org,020 7946 0654,3 Mill Lane\n")


def _ignore_box(html: str) -> str:
    return re.search(r'<input[^>]* name="ignore_unknown" type="checkbox"[^>]*>', html).group(0)


def test_a_crm_export_is_refused_until_its_other_columns_are_chosen_to_be_left_out(app):
    ids = make_consultation(app)
    browser = officer(app)
    fields = {"name": "High street", "questionnaire": str(ids[Audience.BUSINESSES])}
    assert "Ignore columns engage does not use" not in page_text(
        browser.get(STAFF + "/new/upload"))
    refused = _upload(browser, STAFF + "/new/upload", CRM_EXPORT, **fields)
    assert refused.status_code == 200
    text = page_text(refused)
    assert ('Nobody was added, because the first line names columns engage does not use: '
            '"phone", "address". To upload the file without them, choose the file again and '
            'tick "Ignore columns engage does not use", or remove them from the file') in text
    assert "checked" not in _ignore_box(refused.get_data(as_text=True))
    assert list_count(app) == 0

    response = _upload(browser, STAFF + "/new/upload", CRM_EXPORT, ignore_unknown="y",
                       **fields)
    assert response.status_code == 302
    assert ("High street is ready: 2 people. Columns not read: phone, address."
            in page_text(browser.get(response.location)))
    list_id = int(response.location.rsplit("/", 1)[1])
    assert [(i.email, i.name, i.organisation) for i in invitees(app, list_id)] == [
        ("bakery@example.org", "", "Camden Bakery"), ("shop@example.org", "", "Corner Shop")]
    assert stored_anywhere(app, "7946 0321", "79460321", "7946 0654", "79460654", "High Street",
                           "Mill Lane") == []

    # Adding to the list: the same choice, and the same words after.
    more = "email,organisation,notes\ngarage@example.org,Garage,Owner is Sam\n"
    refused = _upload(browser, f"{STAFF}/{list_id}/add", more)
    assert refused.status_code == 200
    assert ('a column engage does not use: "notes". To upload the file without it, choose the '
            'file again and tick') in page_text(refused)
    added = _upload(browser, f"{STAFF}/{list_id}/add", more, ignore_unknown="y")
    assert added.status_code == 302
    assert "1 person added. Columns not read: notes." in page_text(browser.get(added.location))
    assert stored_anywhere(app, "Owner is Sam") == []
    with app.app_context():
        details = [e.details for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action != "account.signed_in")
            .order_by(AuditEvent.id))]
        assert [d["columns_not_read"] for d in details] == [["phone", "address"], ["notes"]]


def test_the_box_does_not_excuse_a_missing_or_doubled_column(app):
    ids = make_consultation(app)
    browser = officer(app)
    fields = {"name": "High street", "questionnaire": str(ids[Audience.BUSINESSES]),
              "ignore_unknown": "y"}
    misspelt = _upload(browser, STAFF + "/new/upload",
                       "e-mail,organisation,phone\nshop@example.org,Corner Shop,0207\n",
                       **fields)
    assert misspelt.status_code == 200
    assert ('1 header The first line must name the columns email, name, organisation; '
            'missing: email. "e-mail" may be meant as "email": if so, correct its name in the '
            "file") in page_text(misspelt)
    assert "checked" in _ignore_box(misspelt.get_data(as_text=True))
    twice = _upload(browser, STAFF + "/new/upload",
                    "email,organisation,phone,organisation\n"
                    "shop@example.org,Corner Shop,0207,Corner Shop Ltd\n", **fields)
    assert twice.status_code == 200
    assert ('1 header The first line names "organisation" more than once: name each column '
            "once") in page_text(twice)
    beyond = _upload(browser, STAFF + "/new/upload",
                     "email,organisation,phone\nshop@example.org,Smith, Jones and Co,0207\n",
                     **fields)
    assert "2 file This line has a value beyond the 3 columns the first line names" in \
        page_text(beyond)
    assert list_count(app) == 0
