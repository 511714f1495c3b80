"""Officers import a group's existing members from CSV: all lines checked, all or nothing."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import func, select

from engage import clock
from engage.audit.models import AuditEvent
from engage.auth.models import User
from engage.extensions import db
from engage.groups.models import GroupRole, Membership, MembershipStatus
from tests.dates import at
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import Browser, page_text, stored_anywhere
from tests.mailbox import body, links

IMPORT = "/staff/boroughs/camden/groups/cpeg/import"
GOOD = """name,email,represents,organisation,role,joined
Ada Lovelace,ada@example.org,self,,chair,2023-04-01
Grace Hopper,Grace@Example.org,A residents' or tenants' association,Kentish Town TRA,,01/02/2024
Existing Person,existing@example.org,business,Camden Bakery,member,
"""


def _upload(client, text: str, email_new: bool = True):
    data = {"members": (io.BytesIO(text.encode()), "members.csv")}
    if email_new:
        data["email_new"] = "y"
    return client.submit(IMPORT, data)


def _officer(client, app):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
        create_user(email="existing@example.org", name="Existing Person")
    client.sign_in("officer@example.org", PASSWORD)


def test_import_members_and_invite_the_new_ones(client, app, mailbox, run_tasks):
    _officer(client, app)
    response = _upload(client, GOOD)
    assert response.status_code == 302
    assert "3 members imported (2 new to engage)" in page_text(client.get(response.location))
    with app.app_context():
        ada = db.session.scalar(select(Membership).join(User).where(
            User.email == "ada@example.org"))
        assert ada.status == MembershipStatus.ACTIVE
        assert ada.role == GroupRole.CHAIR and ada.role_starts_on == date(2023, 4, 1)
        grace = db.session.scalar(select(Membership).join(User).where(
            User.email == "grace@example.org"))
        assert grace.organisation == "Kentish Town TRA"
        assert grace.joined_at.date() == date(2024, 2, 1)
        assert [e.kind for e in grace.events] == ["imported"]
    run_tasks()
    # New people get a link to choose a password; the person with an account does not.
    assert mailbox.to("existing@example.org") == []
    [welcome] = mailbox.to("ada@example.org")
    # Neither the CPEG nor Camden has contact details: the service's stand in.
    assert ("ask the borough team to remove you: email "
            f"{app.config['ENGAGE_CONTACT_EMAIL']} or call {app.config['ENGAGE_CONTACT_PHONE']}."
            ) in " ".join(body(welcome).split())
    link = next(x for x in links(welcome) if "/set-password/" in x)
    # They cannot sign in until they choose a password; then they can, once.
    ada_browser = Browser(app, address="192.0.2.44")
    refused = ada_browser.submit("/sign-in", {"email": "ada@example.org",
                                              "password": "!no-password:"})
    assert refused.status_code == 200
    assert ada_browser.submit(link, {"password": PASSWORD}).status_code == 302
    ada_browser.sign_in("ada@example.org", PASSWORD)
    assert "Member" in page_text(ada_browser.get("/account/groups"))
    assert ada_browser.get(link).status_code == 400


def test_importing_the_same_file_twice_adds_nobody_twice(client, app, mailbox, run_tasks):
    _officer(client, app)
    _upload(client, GOOD)
    again = _upload(client, GOOD)
    assert "0 members imported (0 new to engage). 3 were already members" in page_text(
        client.get(again.location))
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 3
        assert db.session.scalar(select(func.count(User.id))) == 4  # officer, existing, 2 new


def test_one_member_imported_is_counted_in_the_singular(client, app):
    _officer(client, app)
    one = "name,email,represents\nAda Lovelace,ada@example.org,self\n"
    first = _upload(client, one)
    assert "1 member imported (1 new to engage). 0 were already members and were left as " \
           "they were." in page_text(client.get(first.location))
    again = _upload(client, one)
    assert "0 members imported (0 new to engage). 1 was already a member and was left as " \
           "they were." in page_text(client.get(again.location))


def test_every_problem_is_reported_by_line_and_nobody_is_imported(client, app):
    _officer(client, app)
    bad = ("name,email,represents,organisation,role,joined\n"
           "Ada Lovelace,ada@example.org,self,,chair,2023-04-01\n"
           ",not-an-email,self,,,\n"
           "Grace Hopper,grace@example.org,business,,,\n"
           "Tom,tom@example.org,alien,,emperor,2099-01-01\n"
           "Ada Again,ADA@example.org,self,,,31/31/2020\n")
    response = _upload(client, bad)
    text = page_text(response)
    assert "nobody was imported" in text
    for expected in [
        "3 name Enter the member's name",
        "3 email 'not-an-email' is not an email address",
        "4 organisation Enter the organisation the member represents",
        "5 represents 'alien' must be one of",
        "5 role 'emperor' must be one of",
        "5 joined The date joined cannot be in the future",
        "6 email ada@example.org is also on line 2",
        "6 joined '31/31/2020' must be a date",
    ]:
        assert expected in text, expected
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0
        assert db.session.scalar(select(func.count(User.id))) == 2


def test_the_date_joined_is_checked_and_filled_in_as_londons_date(client, app, monkeypatch):
    """At 00:20 on 16 June in London (23:20 on the 15th in UTC, the server's own date), a
    member who joined today joined on 16 June: that date is not in the future, and an empty
    one means it. They joined at the start of London's day, not after the import."""
    _officer(client, app)
    now = at(date(2027, 6, 15), 23, 20)
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    header = "name,email,represents,organisation,role,joined\n"
    tomorrow = _upload(client, header + "Ada Lovelace,ada@example.org,self,,,17/06/2027\n")
    assert "2 joined The date joined cannot be in the future" in page_text(tomorrow)
    response = _upload(client, header + "Ada Lovelace,ada@example.org,self,,,16/06/2027\n"
                                        "Grace Hopper,grace@example.org,self,,,\n")
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        joined = db.session.execute(select(User.email, Membership.role_starts_on,
                                           Membership.joined_at)
                                    .join_from(Membership, User, Membership.user)
                                    .order_by(User.email)).all()
    midnight = at(date(2027, 6, 15), 23)  # midnight in London, British Summer Time
    assert [tuple(row) for row in joined] == [
        ("ada@example.org", date(2027, 6, 16), midnight),
        ("grace@example.org", date(2027, 6, 16), midnight)]


def test_a_date_joined_in_other_digits_is_a_line_error_not_read_as_ours(client, app):
    """strptime reads Arabic-Indic and full-width digits as 0-9: a date no spreadsheet meant
    to write was stored as the day the member joined."""
    _officer(client, app)
    response = _upload(client, "name,email,represents,organisation,role,joined\n"
                               "Ada Lovelace,ada@example.org,self,,,\u0662\u0660\u0662\u0663"
                               "-04-01\n"
                               "Grace Hopper,grace@example.org,self,,,01/02/\uff12\uff10\uff12"
                               "\uff14\n")
    assert response.status_code == 200
    text = page_text(response)
    assert "2 joined '\u0662\u0660\u0662\u0663-04-01' must be a date" in text
    assert "3 joined '01/02/\uff12\uff10\uff12\uff14' must be a date" in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_a_file_without_the_columns_is_refused(client, app):
    _officer(client, app)
    text = page_text(_upload(client, "who,where\nAda,London\n"))
    assert "missing: name, email, represents" in text


def test_a_value_beyond_the_named_columns_is_a_line_error_not_dropped(client, app):
    """"Acme, Ltd" unquoted is two values: the organisation was stored as "Acme" and "Ltd"
    dropped without a word. Empty values beyond the columns (spreadsheet padding) are fine."""
    _officer(client, app)
    response = _upload(client, "name,email,represents,organisation\n"
                               "Ada Lovelace,ada@example.org,business,Acme, Ltd\n"
                               "Grace Hopper,grace@example.org,self,,,\n")
    assert response.status_code == 200
    assert ("2 file This line has a value beyond the 4 columns the first line names. A value "
            'with a comma in it must be in quotes, like "Acme, Ltd"') in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0
    quoted = _upload(client, "name,email,represents,organisation,\n"
                             'Ada Lovelace,ada@example.org,business,"Acme, Ltd",\n'
                             "Grace Hopper,grace@example.org,self,,,\n")
    assert quoted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Membership.organisation).join(User).where(
            User.email == "ada@example.org")) == "Acme, Ltd"


def test_a_column_the_import_does_not_read_is_refused_not_passed_over(client, app):
    """"date joined" for "joined" left every member joining today; a column named twice kept
    only the last one's values."""
    _officer(client, app)
    misnamed = _upload(client, "name,email,represents,date joined\n"
                               "Ada Lovelace,ada@example.org,self,2023-04-01\n")
    assert misnamed.status_code == 200
    # Named, with the column it may be meant as, before any choice to leave it out.
    assert ('1 header The first line names a column engage does not use: "date joined". '
            '"date joined" may be meant as "joined": if so, correct its name in the file. To '
            "upload the file without it, choose the file again and tick \"Ignore columns engage "
            'does not use", or remove it from the file') in page_text(misnamed)
    twice = _upload(client, "name,email,represents,email\n"
                            "Ada Lovelace,ada@example.org,self,ada@work.example\n")
    assert twice.status_code == 200
    assert ('1 header The first line names "email" more than once: name each column once'
            in page_text(twice))
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_only_officers_of_the_borough_import(client, app):
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
        create_officer("lambeth", email="lambeth@example.org")
    for email in ("analyst@example.org", "lambeth@example.org"):
        client.sign_in(email, PASSWORD)
        assert client.get(IMPORT).status_code == 403
        client.sign_out()


def test_members_imported_are_invited_to_the_meetings_already_published(client, app):
    """As someone approved is: the group's meetings still to come are in their meetings, to
    reply to, and its later mailings reach them."""
    from datetime import timedelta

    from engage.clock import utcnow
    from tests.meetings.support import create_meeting

    start = utcnow().replace(microsecond=0) + timedelta(days=14)
    create_meeting(app, start, start + timedelta(hours=2), title="Summer meeting")
    _officer(client, app)
    _upload(client, GOOD)
    existing = Browser(app)
    existing.sign_in("existing@example.org", PASSWORD)
    assert "Summer meeting" in page_text(existing.get("/account/meetings"))


# A CRM export: the columns the import takes, and others it does not use.
EXPORT = ("Name,Email,Represents,Phone,Notes\n"
          "Ada Lovelace,ada@example.org,self,020 7946 0123,Met at the summer fair\n"
          "Grace Hopper,grace@example.org,self,07700 900456,Prefers evening meetings\n")
IGNORE = "Ignore columns engage does not use"


def _ignore_box(html: str) -> str:
    """The box's input element, to see whether it is ticked."""
    return re.search(r'<input[^>]* name="ignore_unknown" type="checkbox"[^>]*>', html).group(0)


def test_other_columns_are_refused_and_named_until_the_officer_ticks_the_box(client, app):
    _officer(client, app)
    # The box is offered only once a file has such columns: it is never ticked for anyone.
    assert IGNORE not in page_text(client.get(IMPORT))
    refused = _upload(client, EXPORT)
    assert refused.status_code == 200
    text = page_text(refused)
    assert ('Nobody was imported, because the first line names columns engage does not use: '
            '"phone", "notes". To upload the file without them, choose the file again and '
            'tick "Ignore columns engage does not use", or remove them from the file') in text
    assert ('1 header The first line names columns engage does not use: "phone", "notes"'
            in text)
    html = refused.get_data(as_text=True)
    assert 'href="#members"' in html  # the summary leads to the file, to choose it again
    assert IGNORE in text and "is not read and its values are not saved anywhere" in text
    assert "checked" not in _ignore_box(html)  # offered, not ticked
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0

    data = {"members": (io.BytesIO(EXPORT.encode()), "members.csv"), "ignore_unknown": "y"}
    response = client.submit(IMPORT, data)
    assert response.status_code == 302
    assert ("2 members imported (2 new to engage). 0 were already members and were left as "
            "they were. Columns not read: phone, notes.") in page_text(
        client.get(response.location))
    with app.app_context():
        assert db.session.scalars(select(User.email).join(Membership).order_by(
            User.email)).all() == ["ada@example.org", "grace@example.org"]
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "members.imported"))
        assert event.details["columns_not_read"] == ["phone", "notes"]
    # The values of the columns not read are kept nowhere.
    # The phone numbers as typed or as digits alone (a bare "7946" turned up in a random
    # token's hex once: a flaky failure, not a leak).
    assert stored_anywhere(app, "7946 0123", "79460123", "900456", "summer fair",
                           "evening meetings") == []


def test_the_box_leaves_out_only_columns_the_import_does_not_use(client, app):
    """A required column misspelt is still missing, a column named twice is still two, and a
    value past the named columns still a line error, with the box ticked."""
    _officer(client, app)

    def ticked(text: str):
        return client.submit(IMPORT, {"members": (io.BytesIO(text.encode()), "members.csv"),
                                      "ignore_unknown": "y"})

    misspelt = ticked("name,e-mail,represents,phone\nAda Lovelace,ada@example.org,self,0207\n")
    assert misspelt.status_code == 200
    assert ("1 header The first line must name the columns name, email, represents, "
            'organisation, role, joined; missing: email. "e-mail" may be meant as "email": if '
            "so, correct its name in the file") in page_text(misspelt)
    twice = ticked("name,email,represents,phone,email\n"
                   "Ada Lovelace,ada@example.org,self,0207,ada@work.example\n")
    assert twice.status_code == 200
    assert ('1 header The first line names "email" more than once: name each column once'
            in page_text(twice))
    # An optional column misspelt ("date joined") would be left out, and every member would
    # join today: the box does not leave out a column that looks like one engage uses.
    optional = ticked("name,email,represents,date joined,phone\n"
                      "Ada Lovelace,ada@example.org,self,2023-04-01,0207\n")
    assert optional.status_code == 200
    assert ('1 header "date joined" may be meant as "joined": if so, correct its name in the '
            "file. Ticking the box leaves out only columns engage does not use"
            in page_text(optional))
    beyond = ticked("name,email,represents,phone\n"
                    "Ada Lovelace,ada@example.org,self,0207,Acme, Ltd\n")
    assert beyond.status_code == 200
    assert "2 file This line has a value beyond the 4 columns the first line names" in \
        page_text(beyond)
    # A file with other problems keeps the box, ticked as it was sent.
    assert "checked" in _ignore_box(beyond.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0
    # Ticked for a file with no other columns: nothing is said to be left out.
    done = ticked("name,email,represents\nAda Lovelace,ada@example.org,self\n")
    assert done.status_code == 302
    assert "not read" not in page_text(client.get(done.location))


def test_signing_in_as_an_imported_member_takes_as_long_as_an_unknown_address(client, app,
                                                                              monkeypatch):
    """An imported member has no password until they choose one. Their stored marker is not a
    hash, and checking a password against it failed at once, where an unknown address (or a
    wrong password) takes argon2's time: one sign-in attempt told a stranger that an address
    belongs to someone a borough team put in a group. Every failure now costs one argon2
    verification, and the page reads the same."""
    from argon2.exceptions import VerificationError

    from engage.auth import passwords

    _officer(client, app)
    _upload(client, GOOD, email_new=False)
    client.sign_out()
    hasher = passwords._hasher
    verified: list[str] = []

    def counting_verify(stored, password):
        try:
            return hasher.verify(stored, password)
        except VerificationError:
            verified.append(stored)  # argon2 ran, and the password did not match
            raise

    monkeypatch.setattr(passwords, "_hasher", type("Spy", (), {
        "verify": staticmethod(counting_verify),
        "check_needs_rehash": staticmethod(hasher.check_needs_rehash)})())
    pages = []
    for email in ("ada@example.org", "nobody@example.org"):
        pages.append(page_text(client.submit("/sign-in", {"email": email,
                                                           "password": "a guess at it"}))
                     .replace(email, "X"))
        assert len(verified) == 1, email
        verified.clear()
    assert pages[0] == pages[1]
