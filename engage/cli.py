"""`flask engage ...`: reference data, demo data, development helpers, and sealing two-step
secrets again after the secret key is rotated."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta
from importlib import resources

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from engage.auth import two_step
from engage.auth.models import StaffRole, StaffRoleName, User
from engage.auth.passwords import hash_password
from engage.boroughs.models import Borough
from engage.boroughs.population import load_census
from engage.clock import LONDON, to_london, utcnow
from engage.extensions import db
from engage.groups.models import GroupRole, Represents
from engage.groups.operations import (
    CPEG_SLUG,
    approve,
    ensure_cpegs,
    group_or_404,
    membership_of,
    request_to_join,
)
from engage.surveys.models import Consultation
from engage.surveys.template import add_template_questionnaires
from engage.templating import london_time

engage_cli = AppGroup("engage", help="engage's own commands.")

DEMO_PASSWORD = "demo-password-2027"  # noqa: S105 - development data only, refused in production
DEMO_PEOPLE = [
    # (name, email, home borough slug, admin?, roles in Kensington and Chelsea)
    ("Ada Admin", "admin@example.org", "westminster", True, []),
    ("Olu Officer", "officer@example.org", "kensington-and-chelsea", False,
     [StaffRoleName.OFFICER]),
    ("Mina Member", "mina@example.org", "kensington-and-chelsea", False, []),
    ("Tom Member", "tom@example.org", "kensington-and-chelsea", False, []),
    ("Priya Member", "priya@example.org", "kensington-and-chelsea", False, []),
]
# Kensington and Chelsea's CPEG: (email, represents, organisation, role or None if still asking)
DEMO_MEMBERSHIPS = [
    ("mina@example.org", Represents.RESIDENTS, "Golborne Residents' Association", GroupRole.CHAIR),
    ("tom@example.org", Represents.BUSINESS, "Portobello Road Traders", GroupRole.MEMBER),
    ("priya@example.org", Represents.SELF, None, None),
]
DEMO_CONSULTATION = ("have-your-say-2027-28", "Have your say 2027/28",
                     "Each year the public helps set their borough's policing priorities. Tell "
                     "the police and your Community Police Engagement Group what matters most "
                     "where you live or work.")
DEMO_CONSULTATION_WEEKS = 6


def load_boroughs() -> tuple[int, int]:
    """Insert or update the 32 London boroughs from the packaged list. Returns (added, updated)."""
    existing = {b.ons_code: b for b in db.session.scalars(select(Borough))}
    added = updated = 0
    source = resources.files("engage.boroughs").joinpath("data/london-boroughs.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            borough = existing.get(row["ons_code"])
            if borough is None:
                db.session.add(Borough(ons_code=row["ons_code"], name=row["name"],
                                       slug=row["slug"]))
                added += 1
            elif (borough.name, borough.slug) != (row["name"], row["slug"]):
                borough.name, borough.slug = row["name"], row["slug"]
                updated += 1
    return added, updated


@engage_cli.command("boroughs")
def boroughs_command():
    """Load the 32 London boroughs, each with its CPEG (safe to run again)."""
    added, updated = load_boroughs()
    groups = ensure_cpegs()
    load_census()
    db.session.commit()
    click.echo(f"Boroughs: {added} added, {updated} updated, "
               f"{db.session.scalar(select(db.func.count(Borough.id)))} in all; "
               f"{groups} new CPEGs.")


@engage_cli.command("demo")
def demo_command():
    """Add demo people for trying engage out (development only; safe to run again)."""
    if current_app.config["ENGAGE_ENV"] == "production":
        raise click.ClickException("demo data is for development; ENGAGE_ENV is production")
    load_boroughs()
    ensure_cpegs()
    boroughs = {b.slug: b for b in db.session.scalars(select(Borough))}
    kensington = boroughs["kensington-and-chelsea"]
    people = {}
    for name, email, home, is_admin, roles in DEMO_PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(name=name, email=email, password_hash=hash_password(DEMO_PASSWORD),
                        home_borough=boroughs[home], is_admin=is_admin,
                        email_confirmed_at=utcnow())
            db.session.add(user)
        for role in roles:
            if not any(g.role == role and g.borough_id == kensington.id
                       for g in user.staff_roles):
                user.staff_roles.append(StaffRole(role=role, borough=kensington))
        people[email] = user
    db.session.flush()
    cpeg = group_or_404(kensington, CPEG_SLUG)
    for email, represents, organisation, role in DEMO_MEMBERSHIPS:
        if membership_of(cpeg, people[email]) is None:
            membership = request_to_join(cpeg, people[email], represents, organisation)
            if role is not None:
                approve(membership, people["officer@example.org"])
                membership.role = role
    consultation_line = ensure_demo_consultation(people["admin@example.org"])
    db.session.commit()
    click.echo(consultation_line)
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    in_cpeg = {email: (f"{role.label} of the CPEG" if role else "asking to join the CPEG")
               for email, _represents, _organisation, role in DEMO_MEMBERSHIPS}
    for name, email, _home, is_admin, roles in DEMO_PEOPLE:
        what = "administrator" if is_admin else (
            ", ".join(f"{r.label}, Kensington and Chelsea" for r in roles) or in_cpeg[email])
        click.echo(f"  {email:<24} {name} ({what})")


def ensure_demo_consultation(created_by: User) -> str:
    """Add the demo consultation, open now for all 32 boroughs with the ready questionnaires,
    unless it is already there (left as it is, even once closed). Returns what it did."""
    slug, title, purpose = DEMO_CONSULTATION
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is not None:
        return f"Consultation: \u201c{title}\u201d already there, left as it was."
    now = utcnow().replace(second=0, microsecond=0)
    # Close at 11:59pm London time, the way a real consultation would, about six weeks on.
    last_day = (to_london(now) + timedelta(weeks=DEMO_CONSULTATION_WEEKS)).date()
    closes_at = (datetime.combine(last_day, time(23, 59), tzinfo=LONDON)
                 .astimezone(UTC).replace(tzinfo=None))
    consultation = Consultation(slug=slug, title=title, purpose=purpose, opens_at=now,
                                closes_at=closes_at, all_boroughs=True, created_by=created_by)
    db.session.add(consultation)
    add_template_questionnaires(consultation, created_by=created_by)
    return (f"Consultation: \u201c{title}\u201d added for all 32 boroughs, open until "
            f"{london_time(closes_at)}, with the ready residents' and businesses' "
            "questionnaires.")


@engage_cli.command("reseal-two-step")
def reseal_two_step_command():
    """Encrypt every two-step secret with the current secret key (after rotating it), so the
    old key can leave ENGAGE_SECRET_KEY_FALLBACKS (safe to run again)."""
    current, resealed, unreadable = two_step.reseal_all()
    db.session.commit()
    click.echo(f"Two-step secrets: {resealed} encrypted again with the current secret key, "
               f"{current} were already.")
    if unreadable:
        ids = ", ".join(str(user_id) for user_id in unreadable)
        raise click.ClickException(
            f"{len(unreadable)} cannot be decrypted with ENGAGE_SECRET_KEY or any of "
            f"ENGAGE_SECRET_KEY_FALLBACKS (user ids {ids}): put the key they were encrypted "
            "with in ENGAGE_SECRET_KEY_FALLBACKS and run this again, or an administrator "
            "resets their two-step verification")


@engage_cli.command("invite-admin")
@click.argument("email")
@click.option("--name", required=True, help="Their name, as the invitation greets them.")
def invite_admin_command(email: str, name: str):
    """Email an invitation to be an administrator: how a new deployment gets its first one
    (later ones are invited from the website, Administration → Staff)."""
    from engage.audit.operations import record
    from engage.auth.operations import invite_staff

    email = email.strip().lower()
    if "@" not in email.strip("@"):
        raise click.ClickException(f"{email!r} is not an email address")
    invitation = invite_staff(email=email, name=name.strip(), make_admin=True, role=None,
                              boroughs=[], invited_by=None)
    record("staff.invited", target=f"invitation:{invitation.id}", email=email,
           grants=["Administrator (all boroughs)"], by="flask engage invite-admin")
    db.session.commit()
    days = current_app.config["ENGAGE_INVITATION_DAYS"]
    click.echo(f"An invitation to be an administrator has been queued for {email}: a worker "
               f"sends it, and its link works for {days} days. Following it, they choose a "
               "password (or sign in, if the address already has an account) and, in "
               "production, set up two-step verification.")


@engage_cli.command("jobs")
def jobs_command():
    """List beat's jobs and when each last finished; exit 1 if any is late or failed (for a
    monitoring check, as /admin/jobs shows administrators)."""
    from engage.clock import to_london
    from engage.jobs import runs

    found = runs.jobs()
    for job in found:
        finished = (f"{to_london(job.run.finished_at):%Y-%m-%d %H:%M}"
                    if job.run and job.run.finished_at else "never")
        extra = (f", {job.run.failure}" if job.state == runs.JobState.FAILED
                 else f", due since {to_london(job.due_since):%Y-%m-%d %H:%M}"
                 if job.due_since else "")
        click.echo(f"{job.state.value:<12} {job.task:<42} last finished {finished}{extra}")
    attention = [job for job in found if job.needs_attention]
    if attention:
        from engage.templating import counted

        raise click.ClickException(
            f"{counted(len(attention), 'scheduled job is', 'scheduled jobs are')} late or "
            "failed: check that celery beat and a worker are running, and read their logs")


@engage_cli.command("phrases")
def phrases_command():
    """Gather the phrases marked for translation into engage/translations/phrases.pot (run
    after marking or changing one; administrators translate what it holds)."""
    from engage.translations import catalogue

    count = catalogue.write()
    click.echo(f"{count} phrases written to "
               f"{catalogue.POT.relative_to(catalogue.PROJECT_ROOT)}.")


@engage_cli.command("mailcatcher")
def mailcatcher_command():
    """Catch outgoing mail on the SMTP port, readable at /dev/mail (development only)."""
    if current_app.config["ENGAGE_ENV"] != "development":
        raise click.ClickException("the mail catcher is for development (ENGAGE_ENV=development)")
    from engage.devmail.catcher import run_catcher

    config = current_app.config
    run_catcher(config["ENGAGE_SMTP_HOST"], config["ENGAGE_SMTP_PORT"],
                config["ENGAGE_DEV_MAIL_DIR"])


def init_app(app: Flask) -> None:
    app.cli.add_command(engage_cli)
