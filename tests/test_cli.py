"""`flask engage boroughs` and `flask engage demo`: safe to run again and again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.auth.models import StaffRole, User
from engage.boroughs.models import Borough
from engage.cli import DEMO_PASSWORD
from engage.clock import to_london
from engage.extensions import db
from engage.groups.models import Membership, MembershipStatus
from engage.surveys.models import Consultation, Question
from tests.helpers import Browser


def test_boroughs_load_once_however_often_the_command_runs(runner, app):
    first = runner.invoke(args=["engage", "boroughs"])
    second = runner.invoke(args=["engage", "boroughs"])
    assert first.exit_code == second.exit_code == 0
    assert "32 in all" in second.output
    with app.app_context():
        codes = db.session.scalars(select(Borough.ons_code).order_by(Borough.ons_code)).all()
    assert codes == [f"E090000{n:02d}" for n in range(2, 34)]  # not E09000001, the City


def test_demo_data_is_idempotent_and_signs_in(runner, app, monkeypatch):
    app.config["ENGAGE_ENV"] = "development"
    for _ in range(2):
        result = runner.invoke(args=["engage", "demo"])
        assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and DEMO_PASSWORD in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 5
        assert db.session.scalar(select(func.count(StaffRole.id))) == 1
        statuses = db.session.scalars(select(Membership.status).order_by(Membership.id)).all()
        assert statuses == [MembershipStatus.ACTIVE, MembershipStatus.ACTIVE,
                            MembershipStatus.PENDING]
    officer = Browser(app)
    officer.sign_in("officer@example.org", DEMO_PASSWORD)
    assert officer.get("/staff/boroughs/kensington-and-chelsea").status_code == 200
    assert officer.get("/staff/boroughs/camden").status_code == 403


def test_demo_data_is_refused_in_production(runner, app):
    app.config["ENGAGE_ENV"] = "production"
    result = runner.invoke(args=["engage", "demo"])
    assert result.exit_code != 0
    assert "development" in result.output


def test_demo_adds_the_have_your_say_consultation_once(runner, app):
    app.config["ENGAGE_ENV"] = "development"
    first = runner.invoke(args=["engage", "demo"])
    second = runner.invoke(args=["engage", "demo"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert ("Consultation: \u201cHave your say 2027/28\u201d added for all 32 boroughs, open "
            "until ") in first.output
    assert ("Consultation: \u201cHave your say 2027/28\u201d already there, left as it was."
            in second.output)
    with app.app_context():
        (consultation,) = db.session.scalars(select(Consultation)).all()
        assert consultation.is_open() and consultation.all_boroughs
        assert consultation.created_by.email == "admin@example.org"
        closes_in = consultation.closes_at - consultation.opens_at
        assert timedelta(weeks=6) - timedelta(hours=1) < closes_in < timedelta(weeks=6, days=1)
        assert to_london(consultation.closes_at).strftime("%H:%M") == "23:59"
        assert {q.audience.value: len(q.versions) for q in consultation.questionnaires} == {
            "residents": 1, "businesses": 1}
        assert db.session.scalar(select(func.count(Question.id))) == sum(
            len(q.current_version.ordered_questions()) for q in consultation.questionnaires)
    listed = Browser(app).get("/api/consultations").get_json()["consultations"]
    assert [c["slug"] for c in listed] == ["have-your-say-2027-28"]


def test_a_new_deployment_gets_its_first_administrator_from_the_command_line(
        runner, app, client, mailbox, run_tasks):
    """Nobody can invite from the website before there is an administrator: the command emails
    the invitation, and following it makes one."""
    from engage.audit.models import AuditEvent
    from tests.helpers import page_text
    from tests.mailbox import links

    result = runner.invoke(args=["engage", "invite-admin", " Ada@Police.example.org ",
                                 "--name", "Ada Lovelace"])
    assert result.exit_code == 0, result.output
    assert "queued for ada@police.example.org" in result.output
    run_tasks()
    [message] = mailbox.to("ada@police.example.org")
    body = message.get_body(("plain",)).get_content()
    assert "Hello Ada Lovelace" in body and "Administrator (all boroughs)" in body
    assert "The engage team has invited you" in body
    [link] = [x for x in links(message) if "/invitations/" in x]
    page = client.get(link)
    assert "An administrator has invited" in page_text(page)
    client.submit(link, {"name": "Ada Lovelace", "password": "a long new password 2027",
                         "home_borough": "westminster"})
    assert client.get("/admin/staff").status_code == 200
    with app.app_context():
        ada = db.session.scalar(select(User).where(User.email == "ada@police.example.org"))
        assert ada.is_admin and ada.is_confirmed
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.invited"))
        assert event.actor_label == "system"
        assert event.details["by"] == "flask engage invite-admin"


def test_invite_admin_refuses_what_is_not_an_email_address(runner, app):
    result = runner.invoke(args=["engage", "invite-admin", "ada", "--name", "Ada"])
    assert result.exit_code != 0
    assert "'ada' is not an email address" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
