"""Administrators' pages that list things cost the same queries for one of them as for many
(the staff list has its own test in test_staff_admin)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth.models import StaffRole, StaffRoleName, User
from engage.boroughs.models import Borough
from engage.extensions import db
from tests.factories import PASSWORD, create_admin, create_officer
from tests.helpers import count_queries


def _boroughs(how_many: int, skip: int = 0) -> list[Borough]:
    return db.session.scalars(select(Borough).order_by(Borough.name)
                              .offset(skip).limit(how_many)).all()


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.csv"])
def test_the_audit_log_costs_the_same_queries_however_many_boroughs_it_names(client, app,
                                                                              url):
    with app.app_context():
        create_admin(email="lead@example.org")
    client.sign_in("lead@example.org", PASSWORD)

    def events(skip: int, how_many: int) -> None:
        with app.app_context():
            db.session.add_all(AuditEvent(actor_label="system", action="group.created",
                                          borough_id=borough.id, target="group:1")
                               for borough in _boroughs(how_many, skip))
            db.session.commit()

    events(0, 1)
    few = count_queries(client, url)
    events(1, 8)
    assert count_queries(client, url) == few


def test_a_staff_members_page_costs_the_same_queries_however_many_roles_they_hold(client,
                                                                                  app):
    with app.app_context():
        create_admin(email="lead@example.org")
        person_id = create_officer("camden").id
    client.sign_in("lead@example.org", PASSWORD)
    url = f"/admin/staff/{person_id}"

    few = count_queries(client, url)
    with app.app_context():
        person = db.session.get(User, person_id)
        person.staff_roles.extend(StaffRole(role=StaffRoleName.ANALYST, borough=borough)
                                  for borough in _boroughs(8, skip=1))
        db.session.commit()
    assert count_queries(client, url) == few
