"""Staff pages for a borough's groups: requests to join, members, roles and the groups themselves,
through HTTP with CSRF on."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from engage.audit.models import AuditEvent
from engage.auth.models import User
from engage.extensions import db
from engage.groups import operations
from engage.groups.models import (
    AgeBand,
    Disability,
    EthnicGroup,
    Group,
    GroupKind,
    GroupRole,
    Membership,
    MembershipStatus,
    Represents,
)
from tests.dates import at
from tests.factories import PASSWORD, borough, create_admin, create_officer, create_user
from tests.helpers import autocomplete_of, page_text, title
from tests.mailbox import body, text

GROUPS = "/staff/boroughs/camden/groups"
CPEG = GROUPS + "/cpeg"


# Helpers ---------------------------------------------------------------------------------------

def _sign_in(client, app, factory=create_officer, *args, **overrides) -> int:
    with app.app_context():
        person = factory(*args, **overrides)
        user_id, email = person.id, person.email
    client.sign_in(email, PASSWORD)
    return user_id


def _group(slug: str = "cpeg", borough_slug: str = "camden") -> Group:
    return db.session.scalar(select(Group).where(Group.borough_id == borough(borough_slug).id,
                                                 Group.slug == slug))


def _ask(app, group_slug="cpeg", borough_slug="camden", represents=Represents.SELF,
         organisation=None, **person) -> int:
    """Someone asks to join; returns the membership id."""
    with app.app_context():
        user = create_user(**person)
        membership = operations.request_to_join(_group(group_slug, borough_slug), user,
                                                represents, organisation)
        db.session.commit()
        return membership.id


def _member(app, group_slug="cpeg", role=GroupRole.MEMBER, **person) -> int:
    """Someone who asked and was approved (by an administrator, outside the pages)."""
    membership_id = _ask(app, group_slug, **person)
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        operations.approve(membership, create_admin(home=None))
        if role != GroupRole.MEMBER:
            operations.change_role(membership, role, None, None, membership.user)
        db.session.commit()
    return membership_id


def _membership(app, membership_id) -> tuple:
    with app.app_context():
        m = db.session.get(Membership, membership_id)
        return m.status, m.role, m.role_starts_on, m.role_ends_on, m.decline_reason


def _audit(app, action=None) -> list[tuple]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.action, e.actor_id, e.borough.slug if e.borough else None, e.target,
                 e.details) for e in db.session.scalars(query)]


def _flush_mail(run_tasks, mailbox):
    """Send what is queued and forget it, so a test sees only the emails its own step sends."""
    run_tasks()
    mailbox.clear()


def _requests_url(membership_id, action="approve", group="cpeg"):
    return f"{GROUPS}/{group}/requests/{membership_id}/{action}"


# Approving and declining -----------------------------------------------------------------------

def test_an_officer_approves_a_request_and_a_double_click_emails_once(client, app, mailbox,
                                                                       run_tasks):
    officer_id = _sign_in(client, app, name="Olive Officer")
    membership_id = _ask(app, name="Ada Applicant", email="ada@example.org",
                         represents=Represents.RESIDENTS, organisation="Kentish Town TRA")
    _flush_mail(run_tasks, mailbox)

    page = client.get(CPEG + "/requests")
    assert page.status_code == 200
    text = page_text(page)
    assert "Requests to join the Community Police Engagement Group" in text
    assert "Ada Applicant" in text and "ada@example.org" in text
    assert "A residents' or tenants' association" in text and "Kentish Town TRA" in text
    html = page.get_data(as_text=True)
    assert f'action="{_requests_url(membership_id)}"' in html
    assert 'Approve<span class="govuk-visually-hidden"> Ada Applicant\'s request' in html

    response = client.submit(_requests_url(membership_id), form_page=CPEG + "/requests")
    assert response.status_code == 302
    assert response.location == CPEG + "/requests"
    assert "Ada Applicant is now a member" in page_text(client.get(response.location))
    status, role, starts, *_ = _membership(app, membership_id)
    assert (status, role) == (MembershipStatus.ACTIVE, GroupRole.MEMBER)
    assert starts is not None

    # The same button pressed again (a double click, or a second tab) changes nothing.
    again = client.submit(_requests_url(membership_id), form_page=CPEG + "/members")
    assert again.status_code == 302
    assert "Ada Applicant's request has already been approved: nothing has changed." in \
        page_text(client.get(again.location))

    run_tasks()
    [message] = mailbox.to("ada@example.org")
    assert message["Subject"] == "Your request to join the Community Police Engagement Group " \
                                 "is approved"
    assert "http://localhost/boroughs/camden/groups/cpeg" in body(message)
    [(_, actor, slug, target, details)] = _audit(app, "membership.approved")
    assert (actor, slug, target) == (officer_id, "camden", f"membership:{membership_id}")
    assert details["group"] == "cpeg"

    members = page_text(client.get(CPEG + "/members"))
    assert "Ada Applicant" in members


def test_declining_needs_a_reason_and_sends_it(client, app, mailbox, run_tasks):
    officer_id = _sign_in(client, app)
    membership_id = _ask(app, name="Ben Applicant", email="ben@example.org")
    _flush_mail(run_tasks, mailbox)
    url = _requests_url(membership_id, "decline")

    form = client.get(url)
    assert form.status_code == 200
    assert "Decline Ben Applicant's request to join" in page_text(form)

    empty = client.submit(url, {"reason": "   "})
    assert empty.status_code == 200
    assert title(empty).startswith("Error: ")
    assert "Enter a reason; it is sent to the person" in page_text(empty)
    assert 'href="#reason"' in empty.get_data(as_text=True)
    assert _membership(app, membership_id)[0] == MembershipStatus.PENDING
    run_tasks()
    assert mailbox.to("ben@example.org") == []

    reason = "The group is full until April <2027> & we keep a waiting list."
    response = client.submit(url, {"reason": reason})
    assert response.status_code == 302
    assert response.location == CPEG + "/requests"
    status, *_, stored = _membership(app, membership_id)
    assert (status, stored) == (MembershipStatus.DECLINED, reason)

    # A second go at it (the decline page kept open in another tab) is turned away.
    assert client.get(url).status_code == 302

    run_tasks()
    [message] = mailbox.to("ben@example.org")
    # (strip: a subject this long is folded onto a second header line)
    assert message["Subject"].strip() == ("Your request to join the Community Police Engagement "
                                          "Group was not accepted")
    assert reason in body(message)
    # Neither the CPEG nor Camden has contact details: the service's stand in.
    assert ("If you have a question about this, you can email "
            f"{app.config['ENGAGE_CONTACT_EMAIL']} or call "
            f"{app.config['ENGAGE_CONTACT_PHONE']}.") in body(message)
    # The reason, the contact and the sign-off are paragraphs of their own, not run together.
    assert f"{reason}\n\nIf you have a question" in text(message)
    assert text(message).endswith(".\n\nengage\n")
    [(_, actor, _, target, details)] = _audit(app, "membership.declined")
    assert (actor, target, details["reason"]) == (officer_id, f"membership:{membership_id}",
                                                   reason)


def test_a_request_of_another_group_is_not_found_here(client, app):
    _sign_in(client, app)
    with app.app_context():
        lambeth_request = _ask(app, borough_slug="lambeth")
    response = client.submit(_requests_url(lambeth_request), form_page=CPEG + "/requests")
    assert response.status_code == 404
    assert client.get(_requests_url(lambeth_request, "decline")).status_code == 404
    assert client.get(f"{CPEG}/members/{lambeth_request}").status_code == 404
    assert _membership(app, lambeth_request)[0] == MembershipStatus.PENDING


def test_approving_needs_the_csrf_token(client, app):
    _sign_in(client, app)
    membership_id = _ask(app)
    assert client.post(_requests_url(membership_id)).status_code == 400
    assert _membership(app, membership_id)[0] == MembershipStatus.PENDING


# Who may do what -------------------------------------------------------------------------------

def _camden_pages(membership_id: int) -> list[str]:
    return [GROUPS, GROUPS + "/new", CPEG + "/edit", CPEG + "/requests", CPEG + "/members",
            CPEG + "/members.csv", f"{CPEG}/members/{membership_id}",
            _requests_url(membership_id, "decline")]


def test_an_officer_for_lambeth_is_refused_every_camden_page(client, app, mailbox, run_tasks):
    pending = _ask(app, name="Pending Person")
    member = _member(app, name="Member Person")
    _sign_in(client, app, create_officer, "lambeth", home="lambeth")
    _flush_mail(run_tasks, mailbox)
    for url in _camden_pages(member):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Member Person" not in response.get_data(as_text=True)

    # POSTs with a valid token (from Lambeth's own pages) are refused too.
    lambeth = "/staff/boroughs/lambeth/groups"
    posts = [
        (_requests_url(pending), {}),
        (_requests_url(pending, "decline"), {"reason": "No"}),
        (GROUPS + "/new", {"name": "Hijack", "kind": "youth-forum"}),
        (CPEG + "/edit", {"name": "Hijacked"}),
        (f"{CPEG}/members/{member}", {"role": "chair"}),
    ]
    for url, data in posts:
        assert client.submit(url, data, form_page=lambeth + "/new").status_code == 403, url

    assert _membership(app, pending)[0] == MembershipStatus.PENDING
    assert _membership(app, member)[1] == GroupRole.MEMBER
    with app.app_context():
        assert _group().name == "Community Police Engagement Group"
        assert db.session.scalar(select(func.count(Group.id))
                                 .where(Group.borough_id == borough("camden").id)) == 1
    assert [a for a in _audit(app) if a[0].startswith(("group.", "membership."))] == []
    run_tasks()
    assert mailbox.messages == []


@pytest.mark.parametrize("role", ["analyst", "clerk", "interviewer"])
def test_other_roles_see_the_groups_but_not_the_people_in_them(client, app, role):
    pending = _ask(app, name="Pending Person")
    member = _member(app, name="Member Person")
    _sign_in(client, app, create_user, roles={role: "camden"})

    index = client.get(GROUPS)
    assert index.status_code == 200
    text = page_text(index)
    assert "Add a group" not in text
    assert "Only engagement officers and administrators see who has asked to join" in text
    html = index.get_data(as_text=True)
    assert CPEG + "/requests" not in html and CPEG + "/members" not in html
    assert f'href="{CPEG}/meetings"' in html  # the group's name leads to its meetings
    nav = client.get(CPEG + "/meetings").get_data(as_text=True)
    assert "Requests to join" not in nav and CPEG + "/members" not in nav
    assert ("How well it reflects the borough" in nav) == (role == "analyst")

    for url in (CPEG + "/requests", CPEG + "/members", CPEG + "/members.csv",
                f"{CPEG}/members/{member}", f"{CPEG}/members/{pending}",
                GROUPS + "/new", CPEG + "/edit", _requests_url(pending, "decline")):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Pending Person" not in response.get_data(as_text=True)
        assert "Member Person" not in response.get_data(as_text=True)
    posts = [
        (_requests_url(pending), {}),
        (_requests_url(pending, "decline"), {"reason": "No"}),
        (GROUPS + "/new", {"name": "Analyst group", "kind": "youth-forum"}),
        (CPEG + "/edit", {"name": "Renamed"}),
        (f"{CPEG}/members/{member}", {"role": "chair"}),
    ]
    for url, data in posts:
        assert client.submit(url, data, form_page=CPEG + "/meetings").status_code == 403, url
    assert _membership(app, pending)[0] == MembershipStatus.PENDING
    assert _membership(app, member)[1] == GroupRole.MEMBER
    assert [a for a in _audit(app) if a[0].startswith(("group.", "membership."))] == []


def test_the_borough_page_links_to_its_groups(client, app):
    _sign_in(client, app, create_user, roles={"clerk": "camden"})
    html = client.get("/staff/boroughs/camden").get_data(as_text=True)
    assert f'href="{GROUPS}"' in html


# Members ---------------------------------------------------------------------------------------

def _names(response) -> list[str]:
    html = response.get_data(as_text=True)
    table = html[html.index("<tbody"):html.index("</tbody>")] if "<tbody" in html else ""
    return [n for n in ("Alice Able", "Bola Baker", "Cara Cole", "Dan Dunn") if n in table]


def test_members_search_filter_and_sort(client, app):
    _member(app, name="Alice Able", email="alice@example.org", role=GroupRole.CHAIR)
    _member(app, name="Bola Baker", email="bola@shop.example", group_slug="cpeg")
    with app.app_context():
        # Dan represents a business; Cara left; a pending request is not a member yet.
        user = create_user(name="Dan Dunn", email="dan@example.org")
        m = operations.request_to_join(_group(), user, Represents.BUSINESS, "Dunn's Deli")
        operations.approve(m, user)
        db.session.commit()
    cara = _member(app, name="Cara Cole", email="cara@example.org")
    with app.app_context():
        operations.leave(db.session.get(Membership, cara), None)
        db.session.commit()
    _ask(app, name="Eve Waiting")
    _sign_in(client, app)

    everyone = client.get(CPEG + "/members")
    assert _names(everyone) == ["Alice Able", "Bola Baker", "Dan Dunn"]
    assert "3 members" in page_text(everyone)
    assert "Eve Waiting" not in page_text(everyone)

    assert _names(client.get(CPEG + "/members?q=BOLA")) == ["Bola Baker"]
    assert _names(client.get(CPEG + "/members?q=shop.example")) == ["Bola Baker"]
    assert _names(client.get(CPEG + "/members?q=%25")) == []  # a LIKE wildcard is just text
    assert _names(client.get(CPEG + "/members?role=chair")) == ["Alice Able"]
    assert _names(client.get(CPEG + "/members?represents=business")) == ["Dan Dunn"]
    assert _names(client.get(CPEG + "/members?represents=business&role=chair")) == []
    assert "No members match the filters" in page_text(
        client.get(CPEG + "/members?represents=business&role=chair"))
    assert "Dunn's Deli" in page_text(client.get(CPEG + "/members"))

    # Sorted by name, A to Z unless asked otherwise; an unknown value is ignored.
    page = client.get(CPEG + "/members?sort=-name")
    html = page.get_data(as_text=True)
    assert [html.index(n) for n in ("Dan Dunn", "Bola Baker", "Alice Able")] == sorted(
        html.index(n) for n in ("Dan Dunn", "Bola Baker", "Alice Able"))
    assert 'aria-sort="descending"' in html
    assert client.get(CPEG + "/members?role=emperor&sort=zzz").status_code == 200
    assert _names(client.get(CPEG + "/members?role=emperor")) == _names(everyone)


def test_members_are_paginated(client, app):
    with app.app_context():
        admin = create_admin(home=None)
        for n in range(55):
            user = create_user(name=f"Member {n:02d}")
            operations.approve(operations.request_to_join(_group(), user, Represents.SELF, None),
                               admin)
        db.session.commit()
    _sign_in(client, app)
    response = client.get(CPEG + "/members?q=member")
    assert f'href="{CPEG}/members?q=member&amp;page=2"' in response.get_data(as_text=True)
    first = page_text(response)
    assert "55 members" in first and "Page 1 of 2" in first
    assert "Member 00" in first and "Member 54" not in first
    second = page_text(client.get(CPEG + "/members?page=2"))
    assert "Member 54" in second and "Member 00" not in second


def test_the_csv_export_is_safe_and_holds_no_equality_answers(client, app):
    formula = _member(app, name="=HYPERLINK(\"http://evil.example\")", email="eve@example.org")
    _member(app, name="Plain Person", email="plain@example.org", role=GroupRole.SECRETARY)
    with app.app_context():
        for membership in db.session.scalars(select(Membership)):
            operations.save_equality_answers(membership.user, AgeBand.UNDER_25,
                                             EthnicGroup.ASIAN, Disability.YES)
        db.session.commit()
    _sign_in(client, app)

    response = client.get(CPEG + "/members.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"  # names: never cached
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["name", "email", "represents", "organisation", "role", "role starts",
                       "role ends", "joined (London date)"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["eve@example.org"][0] == "'=HYPERLINK(\"http://evil.example\")"
    assert by_email["plain@example.org"][4] == "Secretary"
    assert len(by_email["plain@example.org"][7]) == 10  # a date, 2027-04-01
    for answer in ("Asian", "asian", "16 to 24", "16-24", "Black", "disab"):
        assert answer not in text
    # Filters apply to the export too.
    filtered = client.get(CPEG + "/members.csv?role=secretary").get_data(as_text=True)
    assert "plain@example.org" in filtered and "eve@example.org" not in filtered
    # Each copy of names and addresses taken is in the audit log: who, of which group, how many.
    with app.app_context():
        downloads = [(event.target, event.details, event.borough.slug) for event in
                     db.session.scalars(select(AuditEvent).where(
                         AuditEvent.action == "group.members_downloaded")
                         .order_by(AuditEvent.id))]
        group_id = db.session.scalar(select(Membership.group_id).limit(1))
    assert downloads == [
        (f"group:{group_id}", {"people": 2, "filters": {}}, "camden"),
        (f"group:{group_id}", {"people": 1, "filters": {"role": "secretary"}}, "camden")]
    # And no staff page shows them either.
    for url in (CPEG + "/members", f"{CPEG}/members/{formula}"):
        page = page_text(client.get(url))
        assert "Asian" not in page and "16 to 24" not in page


# The groups themselves -------------------------------------------------------------------------

def test_renaming_the_cpeg_shows_on_the_public_page(client, other_client, app):
    officer_id = _sign_in(client, app)
    form = client.get(CPEG + "/edit")
    assert form.status_code == 200
    assert 'value="Community Police Engagement Group"' in form.get_data(as_text=True)
    assert 'name="kind"' not in form.get_data(as_text=True)  # the kind is fixed

    response = client.submit(CPEG + "/edit", {
        "name": "Camden Community Safety Board", "purpose": "We hold the police to account.",
        "terms_of_reference": "", "contact_email": "Board@Camden.example.org",
        "contact_phone": "",
    })
    assert response.status_code == 302
    assert response.location == GROUPS
    assert "Camden Community Safety Board" in page_text(client.get(GROUPS))

    public = page_text(other_client.get("/boroughs/camden/groups/cpeg"))
    assert "Camden Community Safety Board" in public
    assert "We hold the police to account." in public
    with app.app_context():
        group = _group()
        assert (group.slug, group.kind) == ("cpeg", GroupKind.CPEG)
        assert group.contact_email == "board@camden.example.org"
        purpose = group.purpose
    [(_, actor, slug, _, details)] = _audit(app, "group.changed")
    assert (actor, slug) == (officer_id, "camden")
    assert details["before"] == {"name": "Community Police Engagement Group",
                                 "purpose": operations.CPEG_PURPOSE, "contact_email": None}
    assert details["after"] == {"name": "Camden Community Safety Board", "purpose": purpose,
                                "contact_email": "board@camden.example.org"}


def test_an_officer_adds_groups_with_unique_slugs(client, app):
    officer_id = _sign_in(client, app)
    form = client.get(GROUPS + "/new")
    html = form.get_data(as_text=True)
    assert 'value="youth-forum"' in html
    assert 'value="cpeg"' not in html  # one CPEG per borough, made for it

    data = {"name": "Kentish Town ward panel", "kind": "ward-panel", "purpose": "Ward priorities",
            "terms_of_reference": "", "contact_email": "", "contact_phone": "020 7974 4444"}
    assert client.submit(GROUPS + "/new", data).status_code == 302
    assert client.submit(GROUPS + "/new", data).status_code == 302
    # Someone tampering with the radios cannot make a second CPEG.
    cpeg = client.submit(GROUPS + "/new", {**data, "kind": "cpeg"})
    assert cpeg.status_code == 200 and title(cpeg).startswith("Error: ")
    missing = client.submit(GROUPS + "/new", {**data, "name": " ", "kind": ""})
    assert "Enter the name of the group" in page_text(missing)
    assert "Select the kind of group" in page_text(missing)
    bad_phone = client.submit(GROUPS + "/new", {**data, "contact_phone": "ring me"})
    assert "Enter a telephone number, like 020 7946 0000" in page_text(bad_phone)
    too_long = page_text(client.submit(GROUPS + "/new", {
        **data, "name": "n" * 201, "contact_email": "a" * 250 + "@example.org",
        "contact_phone": "0" * 41}))
    assert "The name of the group must be 200 characters or fewer" in too_long
    assert "Contact email must be 254 characters or fewer" in too_long
    assert "Contact telephone must be 40 characters or fewer" in too_long
    assert "Field cannot be longer" not in too_long
    # The group's public details, not the officer's own: the browser offers none of theirs.
    assert autocomplete_of(html, "contact_email") == ["off"]
    assert autocomplete_of(html, "contact_phone") == ["off"]

    with app.app_context():
        slugs = sorted(db.session.scalars(select(Group.slug).where(
            Group.borough_id == borough("camden").id)))
        assert slugs == ["cpeg", "kentish-town-ward-panel", "kentish-town-ward-panel-2"]
        assert _group("kentish-town-ward-panel").contact_phone == "020 7974 4444"
        assert _group("kentish-town-ward-panel").contact_email is None
    events = _audit(app, "group.created")
    assert [e[4]["slug"] for e in events] == ["kentish-town-ward-panel",
                                              "kentish-town-ward-panel-2"]
    assert {(e[1], e[2]) for e in events} == {(officer_id, "camden")}

    index = client.get(GROUPS).get_data(as_text=True)
    assert index.count(">Kentish Town ward panel</a>") == 2
    assert client.get("/boroughs/camden/groups/kentish-town-ward-panel-2").status_code == 200


# Roles and history -----------------------------------------------------------------------------

def test_a_role_change_with_the_end_before_the_start_is_refused(client, app):
    _sign_in(client, app)
    member = _member(app, name="Ada Member")
    url = f"{CPEG}/members/{member}"
    response = client.submit(url, {"role": "chair",
                                   "role_starts_on": ["1", "4", "2027"],
                                   "role_ends_on": ["31", "3", "2027"]})
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    assert "The end of the term must be the same as or after its start" in summary
    assert 'href="#role_ends_on-day"' in summary  # the first box, which takes focus
    assert 'value="31"' in html  # what was typed stays in the boxes
    _, role, _, ends, _ = _membership(app, member)
    assert (role, ends) == (GroupRole.MEMBER, None)

    not_a_date = client.submit(url, {"role": "chair", "role_starts_on": ["31", "2", "2027"],
                                     "role_ends_on": ["", "", ""]})
    assert "Start of the term must be a real date" in page_text(not_a_date)
    half = client.submit(url, {"role": "chair", "role_starts_on": ["1", "", "2027"],
                               "role_ends_on": ["", "", ""]})
    assert "Start of the term must include a month" in page_text(half)
    assert _membership(app, member)[1] == GroupRole.MEMBER
    assert _audit(app, "membership.role_changed") == []


@pytest.mark.parametrize("day", ["1_2", "\uff11", "\u0661", "+1"])
def test_a_date_box_holding_more_than_digits_is_refused_not_read_as_a_number(client, app, day):
    """int() read "1_2" as 12, "+1" as 1 and full-width or Arabic-Indic digits as ours: a term
    was saved to start on a day nobody typed."""
    _sign_in(client, app)
    member = _member(app, name="Ada Member")
    url = f"{CPEG}/members/{member}"
    before = _membership(app, member)
    refused = client.submit(url, {"role": "chair", "role_starts_on": [day, "4", "2027"],
                                  "role_ends_on": ["", "", ""]})
    assert refused.status_code == 200
    assert "Start of the term must be a real date, like 1 4 2027" in page_text(refused)
    assert _membership(app, member) == before
    # Spaces at either end of a box are only spaces.
    saved = client.submit(url, {"role": "chair", "role_starts_on": [" 12 ", "4", "2027"],
                                "role_ends_on": ["", "", ""]})
    assert saved.status_code == 302
    assert _membership(app, member)[1:3] == (GroupRole.CHAIR, date(2027, 4, 12))


def test_role_changes_and_history_name_who_did_what(client, app):
    with app.app_context():
        create_officer("camden", name="Olive Officer", email="olive@example.org")
    client.sign_in("olive@example.org", PASSWORD)
    membership_id = _ask(app, name="Ada Member", represents=Represents.VOLUNTARY,
                         organisation="Camden Giving")
    approve = client.submit(_requests_url(membership_id), form_page=CPEG + "/requests")
    assert approve.status_code == 302

    url = f"{CPEG}/members/{membership_id}"
    page = client.get(url)
    assert "Change role or term" in page_text(page)
    chair = {"role": "chair", "role_starts_on": ["1", "4", "2027"],
             "role_ends_on": ["31", "3", "2029"]}
    response = client.submit(url, chair)
    assert response.status_code == 302
    assert response.location == url
    assert "Ada Member's role is saved." in page_text(client.get(url))
    # Sent again (a double click, a retry): nothing changes, so nothing is logged twice.
    again = client.submit(url, chair)
    assert again.status_code == 302 and again.location == url
    assert _membership(app, membership_id)[1:4] == (GroupRole.CHAIR, date(2027, 4, 1),
                                                    date(2029, 3, 31))
    [(_, _, _, target, details)] = _audit(app, "membership.role_changed")
    assert target == f"membership:{membership_id}"
    assert details["before"]["role"] == "member"
    assert details["after"] == {"role": "chair", "starts_on": "2027-04-01",
                                "ends_on": "2029-03-31"}

    text = page_text(client.get(url))
    assert "Nothing was changed." in text
    assert "1 April 2027 to 31 March 2029" in text
    assert text.count("Role changed") == 1
    history = text[text.index("History"):]
    assert "Asked to join A charity or voluntary organisation: Camden Giving Ada Member" in history
    assert "Request approved" in history and "Olive Officer" in history
    # The term in its history reads as the page's dates do, not as ISO dates.
    assert "Role changed Member → Chair (1 April 2027 to 31 March 2029) Olive Officer" in history
    assert "2027-04-01" not in text
    assert history.index("Asked to join") < history.index("Request approved") < history.index(
        "Role changed")
    members = page_text(client.get(CPEG + "/members"))
    assert "Chair" in members and "1 April 2027 to 31 March 2029" in members


def test_a_term_with_one_end_reads_in_words_in_the_history(client, app):
    """A term with only a start or only an end is written the way the page writes dates."""
    _sign_in(client, app)
    membership_id = _ask(app)
    client.submit(_requests_url(membership_id), form_page=CPEG + "/requests")
    url = f"{CPEG}/members/{membership_id}"
    client.submit(url, {"role": "secretary", "role_starts_on": ["", "", ""],
                        "role_ends_on": ["31", "3", "2028"]})
    client.submit(url, {"role": "chair", "role_starts_on": ["1", "4", "2028"],
                        "role_ends_on": ["", "", ""]})
    text = page_text(client.get(url))
    history = text[text.index("History"):]
    assert "Role changed Member → Secretary (until 31 March 2028)" in history
    assert "Role changed Secretary → Chair (from 1 April 2028)" in history
    assert not re.search(r"\d{4}-\d{2}-\d{2}", history)


def test_a_term_begun_by_approving_and_ended_by_leaving_is_dated_in_london(client, other_client,
                                                                          app, monkeypatch):
    """Approved at 00:20 on 16 June in London (23:20 on the 15th in UTC), the member's term is
    from 16 June; leaving at 00:30 on 1 August London time, it ends on 1 August, not the day
    before."""
    _sign_in(client, app)
    membership_id = _ask(app, name="Ada Member", email="ada@example.org")
    approved_at = at(date(2027, 6, 15), 23, 20)
    monkeypatch.setattr(operations, "utcnow", lambda: approved_at)
    client.submit(_requests_url(membership_id), form_page=CPEG + "/requests")
    url = f"{CPEG}/members/{membership_id}"
    assert "Term From 16 June 2027" in page_text(client.get(url))

    left_at = at(date(2027, 7, 31), 23, 30)
    monkeypatch.setattr(operations, "utcnow", lambda: left_at)
    other_client.sign_in("ada@example.org", PASSWORD)
    assert other_client.submit("/boroughs/camden/groups/cpeg/leave", {}).status_code == 302
    assert _membership(app, membership_id)[2:4] == (date(2027, 6, 16), date(2027, 8, 1))
    assert "Term 16 June 2027 to 1 August 2027" in page_text(client.get(url))


# Queries ---------------------------------------------------------------------------------------

class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def _queries_for(client, app, url) -> int:
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("url", [GROUPS, CPEG + "/members", CPEG + "/requests"])
def test_pages_take_a_bounded_number_of_queries(client, app, url):
    """One group with one member and one request, then three groups and thirty-odd people:
    the page takes the same number of queries (no query per group or per person)."""
    with app.app_context():
        admin_id = create_admin(home=None).id
        operations.approve(operations.request_to_join(_group(), create_user(), Represents.SELF,
                                                      None), db.session.get(User, admin_id))
        operations.request_to_join(_group(), create_user(), Represents.SELF, None)
        db.session.commit()
    _sign_in(client, app)
    client.get(url)  # warm up: anything loaded once per process is not the page's doing
    few = _queries_for(client, app, url)

    with app.app_context():
        admin = db.session.get(User, admin_id)
        camden = borough("camden")
        for name in ("Ward panel", "Youth forum"):
            db.session.add(Group(borough=camden, kind=GroupKind.OTHER, name=name,
                                 slug=operations.slugify(name)))
        db.session.flush()
        for n in range(30):
            slug = ("cpeg", "ward-panel", "youth-forum")[n % 3]
            membership = operations.request_to_join(_group(slug), create_user(),
                                                    Represents.SELF, None)
            if n % 2:
                operations.approve(membership, admin)
        db.session.commit()
    many = _queries_for(client, app, url)
    assert many == few
    text = page_text(client.get(url))
    if url == GROUPS:
        assert "Ward panel" in text and "Youth forum" in text
    else:
        assert text.count("@example.org") >= 6  # the page did list the CPEG's people
