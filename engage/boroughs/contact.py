"""Whom the public contact: a group's or a borough's own details, or else the service's.

Out of the box no borough has contact details, and "have not been added yet" leads nowhere: the
accessibility statement and the questionnaires send people to their borough's team to ask for
another format, paper or a telephone interview. So wherever a borough (or group) gives nothing
of its own, the service-wide contact (ENGAGE_CONTACT_EMAIL, ENGAGE_CONTACT_PHONE) stands in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None
    own: bool  # the borough's or group's own details, not the service's standing in


def service_contact() -> Contact:
    config = current_app.config
    return Contact(config["ENGAGE_CONTACT_EMAIL"], config["ENGAGE_CONTACT_PHONE"], own=False)


def contact_for(borough=None, group=None) -> Contact:
    """A group's details, each falling back to its borough's; a borough's own; or, when that
    leaves nothing at all, the service's (never mixed with a borough's half-given details,
    which would send people to two teams)."""
    borough = group.borough if group is not None else borough
    email = (group.contact_email if group is not None else None) or (
        borough.contact_email if borough is not None else None)
    phone = (group.contact_phone if group is not None else None) or (
        borough.contact_phone if borough is not None else None)
    if email or phone:
        return Contact(email, phone, own=True)
    return service_contact()
