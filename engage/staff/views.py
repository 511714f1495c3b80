"""Pages for staff, scoped to the boroughs they hold roles in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from engage import clock
from engage.audit.operations import record
from engage.auth.access import boroughs_for, staff_borough, staff_required
from engage.auth.models import StaffRole, StaffRoleName, User
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.jobs import runs
from engage.outbox.operations import failed_to_send
from engage.reports.views import reads_reports
from engage.staff.forms import BoroughContactForm
from engage.staff.waiting import acts_in, nothing_waiting, waiting_for
from engage.surveys import replies
from engage.surveys.models import Consultation
from engage.translations import operations as translations

staff = Blueprint("staff", __name__, url_prefix="/staff")


@staff.route("/")
@staff_required
def dashboard():
    boroughs = boroughs_for()
    # What waits for the person, in every borough where a role of theirs has a list.
    acting_in = acts_in(current_user, boroughs)
    return render_template("staff/dashboard.html", boroughs=boroughs, acting_in=acting_in,
                           waiting=waiting_for(current_user, acting_in, clock.utcnow()),
                           nothing_waiting=nothing_waiting(current_user, acting_in),
                           roles=sorted(current_user.staff_roles,
                                        key=lambda g: (g.borough.name, g.role.value)),
                           reads_reports=reads_reports(),
                           jobs_needing_attention=(runs.needing_attention()
                                                   if current_user.is_admin else 0),
                           failed_emails=failed_to_send() if current_user.is_admin else 0,
                           phrases_behind=(translations.phrases_behind()
                                           if current_user.is_admin else []))


@staff.route("/boroughs/<slug>")
@staff_required
def borough(slug: str):
    borough = staff_borough(slug)
    team = db.session.execute(
        select(User, StaffRole.role)
        .join(StaffRole, StaffRole.user_id == User.id)
        .where(StaffRole.borough_id == borough.id)
        .order_by(User.name, StaffRole.role)
    ).all()
    residents = db.session.scalar(
        select(func.count(User.id)).where(User.home_borough_id == borough.id)
    )
    # The latest consultations that cover this borough, so staff reach their invitations,
    # paper requests and reports from one place.
    consultations = db.session.scalars(
        select(Consultation).where(or_(
            Consultation.all_boroughs.is_(True),
            Consultation.boroughs.any(Borough.id == borough.id)))
        .order_by(Consultation.opens_at.desc()).limit(5)).all()
    officer = current_user.has_role(borough, StaffRoleName.OFFICER)
    acting = bool(acts_in(current_user, [borough]))
    return render_template("staff/borough.html", borough=borough, team=team, residents=residents,
                           consultations=consultations, can_edit=officer,
                           waiting=waiting_for(current_user, [borough], clock.utcnow())
                           .get(borough.id, []) if acting else None,
                           nothing_waiting=nothing_waiting(current_user, [borough]),
                           replies_waiting=replies.waiting_by_consultation(
                               [c.id for c in consultations], borough) if officer else {})


@staff.route("/boroughs/<slug>/contact", methods=["GET", "POST"])
@staff_required
def borough_contact(slug: str):
    borough = staff_borough(slug, StaffRoleName.OFFICER)
    form = BoroughContactForm(obj=borough)
    if form.validate_on_submit():
        before = {"contact_email": borough.contact_email, "contact_phone": borough.contact_phone}
        borough.contact_email = form.contact_email.data or None
        borough.contact_phone = form.contact_phone.data or None
        after = {"contact_email": borough.contact_email, "contact_phone": borough.contact_phone}
        record("borough.contact_changed", borough=borough, target=f"borough:{borough.slug}",
               before=before, after=after)
        db.session.commit()
        flash(f"{borough.name}'s contact details are saved.", "success")
        return redirect(url_for("staff.borough", slug=borough.slug))
    return render_template("staff/borough_contact.html", borough=borough, form=form)
