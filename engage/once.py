"""Forms that make something, made once however often they are sent.

A form a signed-in person sends to create something (a group, a meeting, a question, an invitee
list, an email change...) carries a random key, `sent_key`, put in the page when it is shown.
The view adds the key to the same transaction as what it makes (`commit_once`), and the key is
unique in the database; so the same form sent again (a double click past the button's own
guard, a browser retrying, Back and send) finds the first one's key and goes where the first
went, making nothing:

    form = MeetingForm()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier
        meeting = operations.schedule(group, form.details(), current_user)
        db.session.flush()
        return commit_once(form, url_for("meetings_staff.meeting", ..., meeting_id=meeting.id),
                           saved=f"{meeting.title} is saved as a draft.")

Two copies sent at the same moment both pass `already_sent`; the second's commit then breaks the
key's unique constraint, is rolled back whole and goes where the first went. A key is kept for a
day (pruned with the sign-in sessions), far longer than any retry.

The public forms, sent without signing in, have their own exactly-once rules (a response's
idempotency key, one open telephone case a person, engage.outbox.queued_lately for their
emails); a key here belongs to the person who sent it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import abort, flash, redirect
from flask_login import current_user
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response
from wtforms import HiddenField

from engage.clock import utcnow
from engage.extensions import db
from engage.forms import FlaskForm

KEEP_FOR = timedelta(days=1)
_KEY_LENGTH = 32  # secrets.token_urlsafe(24)
_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class SentForm(db.Model):
    """One form that made something: its key, who sent it and the page it led to."""

    __tablename__ = "sent_forms"

    key: Mapped[str] = mapped_column(String(_KEY_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    location: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def new_sent_key() -> str:
    return secrets.token_urlsafe(24)


class OnceForm(FlaskForm):
    """A FlaskForm whose page carries a new `sent_key` each time it is shown; sent back with
    errors, the page keeps the key it came with."""

    sent_key = HiddenField(default=new_sent_key)


def _key(form: OnceForm) -> str | None:
    """The form's key, if it is one this app made; anything else counts as no key (a hand-made
    request without one is not protected, and never breaks). Only a key that was sent counts:
    with none in the request, the field holds its default, a new key that protects nothing."""
    if not form.sent_key.raw_data:
        return None
    key = form.sent_key.raw_data[0] or ""
    if len(key) != _KEY_LENGTH or not set(key) <= _KEY_CHARACTERS:
        return None
    return key


def already_sent(form: OnceForm) -> Response | None:
    """Where this form went when it was first sent, or None when this is the first time."""
    key = _key(form)
    if key is None:
        return None
    earlier = db.session.get(SentForm, key)
    if earlier is None:
        return None
    if earlier.user_id != current_user.id:
        abort(400, description="This form was sent by someone else. Open the page again.")
    flash("That was already saved: it was sent twice, and saved once.", "info")
    return redirect(earlier.location)


def commit_once(form: OnceForm, location: str, saved: str) -> Response:
    """Commit what the view made, with the form's key, say `saved` and go to `location`. If the
    same form was committed meanwhile, roll back everything this request made (files included:
    engage.storage keeps them in the database) and go where the first went."""
    key = _key(form)
    if key is not None:
        db.session.add(SentForm(key=key, user_id=current_user.id, location=location))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = already_sent(form)
        if earlier is None:
            raise  # another constraint broke: not a second sending
        return earlier
    flash(saved, "success")
    return redirect(location)


def prune(now: datetime | None = None) -> int:
    """Forget keys older than KEEP_FOR; returns how many."""
    result = db.session.execute(
        delete(SentForm).where(SentForm.sent_at < (now or utcnow()) - KEEP_FOR))
    return result.rowcount or 0
