"""After the meeting: the attendance register, minutes and action points, through HTTP with
CSRF on."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.auth.models import User
from engage.clock import london_today
from engage.extensions import db
from engage.groups.models import MembershipStatus
from engage.meetings.minutes import (
    ActionPoint,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Minutes,
    MinutesStatus,
)
from engage.meetings.models import Invitation, MeetingVisibility, Reply
from tests.dates import at, form_date, in_words
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import Browser, csrf_token, form_keys, inserts, page_text
from tests.meetings.support import (
    CPEG_PAGE,
    PUBLIC,
    SPRING_DAY,
    STAFF,
    create_meeting,
    make_member,
    meeting,
    sends_to_sign_in,
    sign_in,
)

SUMMER_DAY = SPRING_DAY + timedelta(weeks=13)  # the next quarter's meeting
DUE_DAY = SPRING_DAY + timedelta(days=31)  # between the two
SPRING = (at(SPRING_DAY, 17, 30), at(SPRING_DAY, 19))
SUMMER = (at(SUMMER_DAY, 17, 30), at(SUMMER_DAY, 19))
# Minutes are published once a meeting has started: a meeting last week.
LAST_WEEK_DAY = london_today() - timedelta(days=7)
LAST_WEEK = (at(LAST_WEEK_DAY, 17, 30), at(LAST_WEEK_DAY, 19))


def _people(app, *names: str) -> list[int]:
    with app.app_context():
        ids = [create_user(name=name).id for name in names]
    for user_id in ids:
        make_member(app, user_id)
    return ids


def _invite(app, meeting_id: int, replies: dict[int, Reply | None]) -> None:
    with app.app_context():
        for user_id, reply in replies.items():
            db.session.add(Invitation(meeting_id=meeting_id, user_id=user_id, reply=reply))
        db.session.commit()


def _attendance(app, meeting_id: int) -> dict[int, AttendanceStatus]:
    with app.app_context():
        return {row.user_id: row.status for row in db.session.scalars(
            select(Attendance).where(Attendance.meeting_id == meeting_id))}


def _checked(html: str, name: str) -> str | None:
    """The value of the checked radio called `name`, if any."""
    for value in ("present", "apologies", "absent"):
        tag_start = html.find(f'name="{name}" type="radio" value="{value}"')
        if tag_start == -1:
            continue
        tag = html[tag_start:html.index(">", tag_start)]
        if "checked" in tag:
            return value
    return None


def _audit_actions(app) -> list[str]:
    with app.app_context():
        # Signing in is audited too, and is not what these tests are about.
        return list(db.session.scalars(select(AuditEvent.action)
                                       .where(AuditEvent.action != "account.signed_in")
                                       .order_by(AuditEvent.id)))


def test_the_register_prefills_apologies_from_replies_and_saves_in_one_go(client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    ana, ben, cat = _people(app, "Ana Able", "Ben Baker", "Cat Cole")
    _invite(app, meeting_id, {ana: Reply.ATTENDING, ben: Reply.NOT_ATTENDING, cat: None})
    url = f"{STAFF}/{meeting_id}/attendance"

    html = client.get(url).get_data(as_text=True)
    assert "Ana Able" in html and "Ben Baker" in html and "Cat Cole" in html
    assert _checked(html, f"attendance-{ben}") == "apologies"
    assert _checked(html, f"attendance-{ana}") is None

    response = client.submit(url, {f"attendance-{ana}": "present",
                                   f"attendance-{ben}": "apologies",
                                   f"attendance-{cat}": "absent"})
    assert response.status_code == 302
    assert _attendance(app, meeting_id) == {ana: AttendanceStatus.PRESENT,
                                            ben: AttendanceStatus.APOLOGIES,
                                            cat: AttendanceStatus.ABSENT}
    assert _audit_actions(app) == ["meeting.attendance_recorded"]
    html = client.get(url).get_data(as_text=True)
    assert _checked(html, f"attendance-{cat}") == "absent"

    # Someone not on the register cannot be slipped in.
    with app.app_context():
        stranger = create_user().id
    client.submit(url, {f"attendance-{stranger}": "present", f"attendance-{cat}": "present"})
    assert _attendance(app, meeting_id) == {ana: AttendanceStatus.PRESENT,
                                            ben: AttendanceStatus.APOLOGIES,
                                            cat: AttendanceStatus.PRESENT}

    # The audit log keeps account numbers, not names; an administrator reads the names, and
    # an account deleted since shows as such.
    with app.app_context():
        db.session.delete(db.session.get(User, ben))
        db.session.commit()
        admin_email = create_admin(email="alex@example.org").email
    admin = Browser(app, address="192.0.2.9")
    admin.sign_in(admin_email, PASSWORD)
    audit = page_text(admin.get("/admin/audit?action=meeting.attendance_recorded"))
    assert (f"changes: Ana Able: not recorded to present; an account since deleted (number "
            f"{ben}): not recorded to apologies; Cat Cole: not recorded to absent") in audit
    assert "changes: Cat Cole: absent to present" in audit


def test_without_invitations_the_register_lists_active_members(client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    (dee,) = _people(app, "Dee Dunn")
    with app.app_context():
        pending = create_user(name="Pat Pending").id
    make_member(app, pending, MembershipStatus.PENDING)
    text = page_text(client.get(f"{STAFF}/{meeting_id}/attendance"))
    assert "Dee Dunn" in text and "Pat Pending" not in text
    client.submit(f"{STAFF}/{meeting_id}/attendance", {f"attendance-{dee}": "present"})
    assert _attendance(app, meeting_id) == {dee: AttendanceStatus.PRESENT}


def test_another_boroughs_officer_is_refused_and_changes_nothing(client, other_client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    (ana,) = _people(app, "Ana Able")
    sign_in(other_client, app, create_officer, "lambeth")
    token = csrf_token(other_client.get("/account").get_data(as_text=True))
    base = f"{STAFF}/{meeting_id}"
    for url in (base + "/attendance", base + "/minutes", base + "/actions"):
        assert other_client.get(url).status_code == 403, url
    for url, data in [
        (base + "/attendance", {f"attendance-{ana}": "present"}),
        (base + "/minutes", {"body": "Taken over", "publish": "Publish"}),
        (base + "/actions", {"description": "Sneaky", "owner": "Me"}),
    ]:
        assert other_client.post(url, {"csrf_token": token, **data}).status_code == 403, url
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 0
        assert db.session.scalar(select(func.count(Minutes.id))) == 0
        assert db.session.scalar(select(func.count(ActionPoint.id))) == 0
    assert _audit_actions(app) == []


def test_an_analyst_can_look_but_not_change(client, other_client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    (ana,) = _people(app, "Ana Able")
    base = f"{STAFF}/{meeting_id}"
    client.submit(base + "/attendance", {f"attendance-{ana}": "present"})
    client.submit(base + "/minutes", {"body": "Draft words.", "submit": "Save draft"})
    client.submit(base + "/actions", {"description": "Write to the council", "owner": "Chair"})
    with app.app_context():
        action_id = db.session.scalar(select(ActionPoint.id))

    sign_in(other_client, app, create_user, roles={"analyst": "camden"})
    attendance = page_text(other_client.get(base + "/attendance"))
    assert "Present 1" in attendance and "Save the register" not in attendance
    assert "Ana Able" not in attendance  # members by name are for officers only
    minutes = other_client.get(base + "/minutes")
    assert "Draft words." in page_text(minutes)
    assert "Publish" not in page_text(minutes)
    actions = page_text(other_client.get(base + "/actions"))
    assert "Write to the council" in actions
    assert "Mark as done" not in actions and "Add the action" not in actions
    # A valid CSRF token from their own page does not make the change allowed.
    for url, data in [
        (base + "/attendance", {f"attendance-{ana}": "absent"}),
        (base + "/minutes", {"body": "Changed", "publish": "Publish"}),
        (base + "/actions", {"description": "Another", "owner": "Me"}),
        (f"{base}/actions/{action_id}/done", {}),
    ]:
        assert other_client.submit(url, data, form_page="/account").status_code == 403, url
    assert _attendance(app, meeting_id) == {ana: AttendanceStatus.PRESENT}
    with app.app_context():
        found = db.session.scalar(select(Minutes))
        assert (found.body, found.status) == ("Draft words.", MinutesStatus.DRAFT)
        assert db.session.scalar(select(func.count(ActionPoint.id))) == 1
        assert db.session.get(ActionPoint, action_id).status == ActionStatus.OPEN


def test_only_those_who_see_people_see_the_register_by_name(client, other_client, app):
    """Interviewers, clerks and analysts see how many came, never who: members by name are for
    engagement officers and administrators (`PEOPLE_ROLES`), as on the group's members page."""
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    ana, ben, cat = _people(app, "Ana Able", "Ben Baker", "Cat Cole")
    _invite(app, meeting_id, {ana: Reply.ATTENDING, ben: Reply.NOT_ATTENDING, cat: None})
    url = f"{STAFF}/{meeting_id}/attendance"
    client.submit(url, {f"attendance-{ana}": "present"})
    assert all(name in page_text(client.get(url)) for name in ("Ana Able", "Ben Baker"))

    for role in ("interviewer", "clerk", "analyst"):
        sign_in(other_client, app, create_user, roles={role: "camden"})
        response = other_client.get(url)
        assert response.status_code == 200, role
        text = page_text(response)
        assert "3 people are on the register" in text, role
        assert "Present 1" in text and "Sent apologies 1" in text and "Not recorded 1" in text
        for name in ("Ana Able", "Ben Baker", "Cat Cole"):
            assert name not in text, (role, name)
        html = response.get_data(as_text=True)
        assert f"attendance-{ana}" not in html, role
        other_client.sign_out()


def test_the_first_save_sent_twice_at_the_same_moment_makes_one_set_of_minutes(
        client, app, monkeypatch):
    """Both copies find no minutes yet; the second's row breaks the one-a-meeting rule, so it
    saves onto the first's, finds the text already there, and logs nothing more."""
    from engage.meetings import minutes as minutes_module

    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING, title="Spring meeting")
    staff_url = f"{STAFF}/{meeting_id}/minutes"
    data = {"csrf_token": csrf_token(client.get(staff_url).get_data(as_text=True)),
            "body": "Apologies were received.", "submit": "Save draft"}
    assert client.post(staff_url, data).status_code == 302
    real, looks = minutes_module.minutes_of, []

    def blind(meeting):
        looks.append(meeting.id)
        return None if len(looks) <= 2 else real(meeting)  # the view's look, then save's

    monkeypatch.setattr(minutes_module, "minutes_of", blind)
    second = client.post(staff_url, data)
    assert second.status_code == 302, page_text(second)[:500]
    assert len(looks) == 3  # missed twice, then found after the savepoint rolled back
    with app.app_context():
        assert db.session.scalars(select(Minutes.body)).all() == ["Apologies were received."]
    assert _audit_actions(app).count("meeting.minutes_drafted") == 1
    assert "Nothing was changed." in page_text(client.get(staff_url))


def test_draft_minutes_are_not_public_and_published_ones_are_on_the_group_page(
        client, other_client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *LAST_WEEK, title="Spring meeting")
    staff_url, public_url = f"{STAFF}/{meeting_id}/minutes", f"{PUBLIC}/{meeting_id}/minutes"

    assert other_client.get(public_url).status_code == 404
    client.submit(staff_url, {"body": "Apologies were received.\n\nPriorities agreed.",
                              "submit": "Save draft"})
    assert other_client.get(public_url).status_code == 404
    assert "No minutes have been published yet." in page_text(other_client.get(CPEG_PAGE))

    refused = client.submit(staff_url, {"body": "", "publish": "Publish"})
    assert "Enter the minutes before you publish them" in page_text(refused)

    client.submit(staff_url, {"body": "Apologies were received.\n\nPriorities agreed.",
                              "publish": "Publish"})
    with app.app_context():
        found = db.session.scalar(select(Minutes))
        assert found.status == MinutesStatus.PUBLISHED and found.published_at is not None
        published_at = found.published_at
    page = other_client.get(public_url)
    assert page.status_code == 200
    assert "Priorities agreed." in page_text(page)
    assert "last corrected" not in page_text(page)
    group_page = other_client.get(CPEG_PAGE).get_data(as_text=True)
    assert f'href="{public_url}"' in group_page
    assert "Minutes of Spring meeting" in page_text(other_client.get(CPEG_PAGE))

    # A correction stays published and keeps the first publication time.
    client.submit(staff_url, {"body": "Apologies were received.\n\nThree priorities agreed.",
                              "submit": "Save corrections"})
    corrected = page_text(other_client.get(public_url))
    assert "Three priorities agreed." in corrected and "last corrected" in corrected
    with app.app_context():
        found = db.session.scalar(select(Minutes))
        assert (found.status, found.published_at) == (MinutesStatus.PUBLISHED, published_at)
    assert _audit_actions(app) == ["meeting.minutes_drafted", "meeting.minutes_published",
                                   "meeting.minutes_corrected"]


def test_minutes_of_a_members_only_meeting_are_not_found_by_the_public(
        client, other_client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *LAST_WEEK, title="Members meeting",
                                visibility=MeetingVisibility.MEMBERS_ONLY)
    client.submit(f"{STAFF}/{meeting_id}/minutes", {"body": "Private.", "publish": "Publish"})
    public_url = f"{PUBLIC}/{meeting_id}/minutes"
    # Not signed in: asked to sign in first, as for the meeting's page; nothing of it shown.
    assert sends_to_sign_in(other_client.get(public_url), public_url)
    assert "Minutes of Members meeting" not in page_text(other_client.get(CPEG_PAGE))

    # Signed in but not a member: still not found. Once a member: there.
    user_id = sign_in(other_client, app, create_user)
    assert other_client.get(public_url).status_code == 404
    make_member(app, user_id)
    assert "Private." in page_text(other_client.get(public_url))
    assert "Minutes of Members meeting" in page_text(other_client.get(CPEG_PAGE))


def test_an_action_sent_twice_is_added_once(client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING)
    url = f"{STAFF}/{meeting_id}/actions"
    data = {**form_keys(client.get(url).get_data(as_text=True)),
            "description": "Book the hall", "owner": "Secretary"}
    first = client.post(url, data)
    with inserts(app) as inserted:
        second = client.post(url, data)
    assert inserted == []
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    with app.app_context():
        assert db.session.scalars(select(ActionPoint.description)).all() == ["Book the hall"]
    assert _audit_actions(app) == ["meeting.action_added"]
    assert "sent twice, and saved once" in page_text(client.get(second.location))


def test_open_actions_carry_forward_until_done(client, other_client, app):
    sign_in(client, app)
    spring = create_meeting(app, *SPRING, title="Spring meeting")
    summer = create_meeting(app, *SUMMER, title="Summer meeting")
    client.submit(f"{STAFF}/{spring}/actions", {
        "description": "Ask for more patrols on the high street", "owner": "PC Smith",
        "due_on": form_date(DUE_DAY)})
    client.submit(f"{STAFF}/{spring}/actions", {
        "description": "Book the hall", "owner": "Secretary"})
    with app.app_context():
        patrols, hall = db.session.scalars(select(ActionPoint.id).order_by(ActionPoint.id))

    later = page_text(client.get(f"{STAFF}/{summer}/actions"))
    assert (f"Ask for more patrols on the high street (PC Smith, due by {in_words(DUE_DAY)})"
            in later)
    assert "Book the hall" in later
    # Not carried backwards onto the meeting where they were raised.
    assert "Still open from earlier meetings" not in page_text(
        client.get(f"{STAFF}/{spring}/actions"))
    assert _carried(app, summer) == ["Ask for more patrols on the high street", "Book the hall"]
    # On the later meeting's own page (its agenda), for staff and the public alike.
    assert "Actions from earlier meetings" in page_text(client.get(f"{STAFF}/{summer}"))
    assert "Book the hall" in page_text(client.get(f"{PUBLIC}/{summer}"))

    actions_page = client.get(f"{STAFF}/{spring}/actions").get_data(as_text=True)
    assert "Mark as done<span class=\"govuk-visually-hidden\">: Book the hall (Secretary)" \
        in actions_page
    response = client.submit(f"{STAFF}/{spring}/actions/{hall}/done", {},
                             form_page=f"{STAFF}/{spring}/actions")
    assert response.status_code == 302
    later = page_text(client.get(f"{STAFF}/{summer}/actions"))
    assert "Book the hall" not in later and "Ask for more patrols" in later
    assert _carried(app, summer) == ["Ask for more patrols on the high street"]
    with app.app_context():
        done = db.session.get(ActionPoint, hall)
        assert done.status == ActionStatus.DONE and done.done_at is not None
    # An action is marked done from its own meeting only.
    assert client.submit(f"{STAFF}/{summer}/actions/{patrols}/done", {},
                         form_page=f"{STAFF}/{summer}/actions").status_code == 404
    assert _audit_actions(app) == ["meeting.action_added", "meeting.action_added",
                                   "meeting.action_done"]


def _carried(app, meeting_id: int) -> list[str]:
    """What the partial the meeting pages include shows, as someone not signed in sees it."""
    found = meeting(app, meeting_id)
    with app.test_request_context():
        html = render_template("meetings/minutes/_carried_actions.html",
                               meeting=db.session.merge(found))
    if "Actions from earlier meetings" not in html:
        return []
    with app.app_context():
        descriptions = db.session.scalars(select(ActionPoint.description)
                                          .order_by(ActionPoint.id))
        return [d for d in descriptions if d in html]


def test_minutes_are_drafted_ahead_but_published_only_once_the_meeting_has_started(client, app):
    sign_in(client, app)
    meeting_id = create_meeting(app, *SPRING, title="Spring meeting")  # next year
    staff_url = f"{STAFF}/{meeting_id}/minutes"
    assert ("You can write the minutes ahead as a draft. You can publish them once the meeting "
            "has started.") in page_text(client.get(staff_url))
    refused = client.submit(staff_url, {"body": "Apologies: none.", "publish": "Publish"})
    assert refused.status_code == 200
    assert ("You can publish the minutes once the meeting has started. Save them as a draft "
            "until then") in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Minutes)) == 0
    drafted = client.submit(staff_url, {"body": "Apologies: none.", "submit": "Save draft"},
                            follow_redirects=True)
    assert "The draft minutes are saved." in page_text(drafted)
    with app.app_context():
        assert db.session.scalar(select(Minutes.status)) == MinutesStatus.DRAFT
    assert _audit_actions(app) == ["meeting.minutes_drafted"]
