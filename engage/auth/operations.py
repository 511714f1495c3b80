"""The rules for accounts. Views and tasks call these; they add and flush, the caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, select

from engage.auth.models import StaffInvitation, StaffRole, StaffRoleName, User
from engage.auth.passwords import hash_password, needs_rehash, verify_password
from engage.auth.sessions import end_other_sessions
from engage.auth.tokens import fingerprint, hash_token, make_token, random_token, read_token
from engage.boroughs.contact import contact_for
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.outbox.operations import queue_email, queued_lately

CONFIRM = "confirm-email"
RESET = "reset-password"
SET_PASSWORD = "set-password"  # noqa: S105 - a token purpose, not a password


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from ENGAGE_BASE_URL. Works inside a request or
    outside one (a task, a command), where url_for cannot build without SERVER_NAME."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["ENGAGE_BASE_URL"] + path


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def borough_by_slug(slug: str | None) -> Borough | None:
    if not slug:
        return None
    return db.session.scalar(select(Borough).where(Borough.slug == slug))


def register(name: str, email: str, password: str, home_borough_slug: str | None,
             next_url: str | None = None) -> User | None:
    """Create an account and send the confirmation link (which brings them on to `next_url`, a
    path on this site, in whichever browser they open it).

    If the address already has an account, nothing is created and that address is told so instead
    (the page the registrant sees is the same either way, so it reveals nothing).
    """
    existing = find_user(email)
    if existing is not None:
        # Hashed and thrown away: argon2 is slow on purpose, and an answer that came back
        # sooner for a taken address would say which addresses have accounts.
        hash_password(password)
        # Unless this is the same form sent twice: the first made the account and sent its
        # confirmation, and "you already have an account" would only puzzle them.
        if not queued_lately(existing.email, "account_exists", "confirm_email"):
            queue_email(existing.email, "account_exists", name=existing.name,
                        sign_in_url=external_url("auth.sign_in"),
                        reset_url=external_url("auth.forgotten_password"))
        return None
    user = User(name=name, email=email, password_hash=hash_password(password),
                home_borough=borough_by_slug(home_borough_slug))
    db.session.add(user)
    db.session.flush()
    send_confirmation(user, next_url=next_url)
    return user


# A registration whose address is never confirmed holds a name and an address anyone may have
# typed: the nightly prune deletes it after this long (engage.auth.tasks).
UNCONFIRMED_DAYS = 30


def forget_unconfirmed_registrations(now: datetime | None = None) -> int:
    """Delete accounts registered on the site more than UNCONFIRMED_DAYS ago whose address was
    never confirmed, and that hold nothing else. A member imported by an officer has no
    confirmed address until they set a password, but has a membership, and stays; so does
    anyone given a staff role. Returns how many were deleted; the caller commits."""
    # Imported here: the groups package builds on this module.
    from engage.groups.models import Membership

    cutoff = (now or utcnow()) - timedelta(days=UNCONFIRMED_DAYS)
    stale = select(User.id).where(
        User.email_confirmed_at.is_(None), User.created_at < cutoff, User.is_admin.is_(False),
        ~select(Membership.id).where(Membership.user_id == User.id).exists(),
        ~select(StaffRole.id).where(StaffRole.user_id == User.id).exists())
    return db.session.execute(delete(User).where(User.id.in_(stale))
                              .execution_options(synchronize_session=False)).rowcount


def send_confirmation(user: User, email: str | None = None, next_url: str | None = None) -> None:
    """Email a confirmation link to `email` (a new address being changed to) or the account's.
    `next_url` (a path on this site, checked again when the link is used) rides in the link."""
    address = email or user.email
    token = make_token(CONFIRM, {"uid": user.id, "email": address, **_bound_to(user)})
    link = ({"token": token, "next": next_url} if next_url else {"token": token})
    queue_email(address, "confirm_email", name=user.name,
                confirm_url=external_url("auth.confirm_email", **link),
                is_change=address != user.email,
                hours=current_app.config["ENGAGE_TOKEN_MAX_AGE_HOURS"])


def confirm_email(token: str) -> User | None:
    """Apply a confirmation link. Returns the user, or None if the link is bad, old or used."""
    payload = read_token(CONFIRM, token)
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    address = payload.get("email")
    if user is None or not address:
        return None
    if address != user.email:
        # An email change: only while the account has the address and password it had when
        # the link was made (a later change, or a reset by the owner, ends every earlier link),
        # and while nobody else has taken the address meanwhile.
        if not _still_bound(user, payload, legacy=False) or find_user(address) is not None:
            return None
        old = user.email
        user.email = address
        # As after a password change: every other device signs in again, with the new address.
        end_other_sessions(user)
        contact = contact_for(user.home_borough)
        queue_email(old, "email_changed", name=user.name, new_email=address,
                    contact_email=contact.email, contact_phone=contact.phone,
                    contact_own=contact.own)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def send_password_reset(email: str) -> None:
    user = find_user(email)
    if user is None or queued_lately(user.email, "reset_password"):
        return  # the page says the same thing either way
    token = make_token(RESET, {"uid": user.id, **_bound_to(user)})
    queue_email(user.email, "reset_password", name=user.name,
                reset_url=external_url("auth.reset_password", token=token), hours=1)


def user_for_reset(token: str) -> User | None:
    return _user_for_password_token(RESET, token, hours=1)


def set_password_link(user: User) -> str:
    """A link for someone whose account staff created (an imported member) to choose a password.
    It lasts as long as a staff invitation, and works once."""
    token = make_token(SET_PASSWORD, {"uid": user.id, **_bound_to(user)})
    return external_url("auth.set_password", token=token)


def user_for_set_password(token: str) -> User | None:
    return _user_for_password_token(SET_PASSWORD, token,
                                    hours=24 * current_app.config["ENGAGE_INVITATION_DAYS"])


def _user_for_password_token(purpose: str, token: str, hours: int) -> User | None:
    payload = read_token(purpose, token, max_age_hours=hours)
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not _still_bound(user, payload, legacy=True):
        return None  # used already, or the password or address has changed since
    return user


def _bound_to(user: User) -> dict:
    """What an emailed link about the account carries of it: fingerprints of its password
    and address, so the link stops working once either changes."""
    return {"pw": fingerprint(user.password_hash), "em": fingerprint(user.email)}


def _still_bound(user: User, payload: dict, *, legacy: bool) -> bool:
    """Does the account still have the password and address the link was made for? `legacy`
    accepts a link made before links carried the address ("em"): they last a week at most."""
    if payload.get("pw") != fingerprint(user.password_hash):
        return False
    if "em" not in payload and legacy:
        return True
    return payload.get("em") == fingerprint(user.email)


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    # Following a reset link proves the address too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    queue_email(user.email, "password_changed", name=user.name,
                reset_url=external_url("auth.forgotten_password"))


def delete_account(user: User) -> None:
    # Imported here: the meetings and surveys packages build on this module.
    from engage.meetings.replies import give_up_places
    from engage.surveys.models import Invitee, InviteeList, InviteeListSource

    # Their invitations go with the account: the places they held go to people waiting.
    give_up_places(user.id)
    # Lists made from a group copy its members' names and addresses: leaving every group with
    # the account takes them off those too, so no invitation or reminder follows, and an
    # answer sent through their link is tied to nobody (responses.invitee_id: SET NULL).
    group_lists = select(InviteeList.id).where(InviteeList.source == InviteeListSource.GROUP)
    db.session.execute(delete(Invitee).where(Invitee.email == user.email.lower(),
                                             Invitee.list_id.in_(group_lists)),
                       execution_options={"synchronize_session": False})
    queue_email(user.email, "account_deleted", name=user.name)
    db.session.delete(user)


# Staff invitations -------------------------------------------------------------------------

def invite_staff(*, email: str, name: str, make_admin: bool, role: StaffRoleName | None,
                 boroughs: list[Borough], invited_by: User | None) -> StaffInvitation:
    """Invite someone as staff. `invited_by` is None only for `flask engage invite-admin`, the
    deployment's first administrator (nobody yet to invite them from the website)."""
    token, token_hash = random_token()
    days = current_app.config["ENGAGE_INVITATION_DAYS"]
    invitation = StaffInvitation(
        email=email, name=name, token_hash=token_hash, make_admin=make_admin,
        grants=[[role.value, b.id] for b in boroughs] if role else [],
        invited_by=invited_by, expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(email, "staff_invitation", name=name,
                inviter=invited_by.name if invited_by else "The engage team",
                roles=describe_grants(invitation), days=days,
                accept_url=external_url("auth.accept_invitation", token=token))
    return invitation


def _waiting_from(user: User):
    return (StaffInvitation.invited_by_id == user.id, StaffInvitation.accepted_at.is_(None),
            StaffInvitation.revoked_at.is_(None), StaffInvitation.expires_at > utcnow())


def waiting_invitations_from(user: User) -> int:
    """How many invitations revoke_invitations_from would cancel now."""
    return db.session.scalar(select(func.count()).select_from(StaffInvitation)
                             .where(*_waiting_from(user)))


def revoke_invitations_from(user: User) -> list[StaffInvitation]:
    """Cancel the invitations `user` sent that are still waiting: an invitation carries its
    sender's authority, so it goes when they stop being an administrator or delete their
    account (an administrator sent away could otherwise still let people in). Adds; the
    caller records and commits."""
    waiting = list(db.session.scalars(
        select(StaffInvitation).where(*_waiting_from(user)).order_by(StaffInvitation.id)))
    for invitation in waiting:
        invitation.revoked_at = utcnow()
    return waiting


def describe_grants(invitation: StaffInvitation) -> list[str]:
    if invitation.make_admin:
        return ["Administrator (all boroughs)"]
    names = dict(db.session.execute(select(Borough.id, Borough.name)).all())
    return [f"{StaffRoleName(role).label}, {names.get(borough_id, 'unknown borough')}"
            for role, borough_id in invitation.grants]


def open_invitation(token: str) -> StaffInvitation | None:
    invitation = db.session.scalar(
        select(StaffInvitation).where(StaffInvitation.token_hash == hash_token(token))
    )
    if (invitation is None or invitation.accepted_at or invitation.revoked_at
            or invitation.expires_at < utcnow()):
        return None
    return invitation


def accept_invitation(invitation: StaffInvitation, user: User) -> None:
    """Grant what the invitation says to `user` (whose address it was sent to)."""
    if invitation.make_admin:
        user.is_admin = True
    held = {(g.role, g.borough_id) for g in user.staff_roles}
    for role, borough_id in invitation.grants:
        key = (StaffRoleName(role), borough_id)
        if key not in held:
            user.staff_roles.append(StaffRole(role=key[0], borough_id=borough_id,
                                              granted_by_id=invitation.invited_by_id))
            held.add(key)
    invitation.accepted_at = utcnow()
    user.email_confirmed_at = user.email_confirmed_at or utcnow()


def create_invited_account(invitation: StaffInvitation, name: str, password: str,
                           home_borough_slug: str | None) -> User:
    """A new account for an invited address: following the emailed link confirmed it."""
    user = User(name=name, email=invitation.email, password_hash=hash_password(password),
                home_borough=borough_by_slug(home_borough_slug))
    db.session.add(user)
    db.session.flush()
    accept_invitation(invitation, user)
    return user
