"""Staff forms that make something make it once: the same form sent twice (a double click, a
browser retry, Back and send again) leads where the first went and makes nothing more."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engage import storage
from engage.auth.tasks import prune_sessions
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group
from engage.meetings import staff_views
from engage.meetings.models import AgendaItem, Meeting, Paper
from engage.once import SentForm
from tests.factories import create_officer
from tests.helpers import Browser, csrf_token, form_keys, page_text
from tests.meetings.support import FORM, PDF, STAFF, schedule, sign_in

GROUPS = "/staff/boroughs/camden/groups"


def _form(client, url: str) -> dict:
    """The CSRF token and the sent key of the form at `url`, as the browser would send them."""
    return form_keys(client.get(url).get_data(as_text=True))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_meeting_sent_twice_is_scheduled_once(client, app):
    sign_in(client, app)
    hidden = _form(client, STAFF + "/new")
    first = client.post(STAFF + "/new", {**hidden, **FORM})
    second = client.post(STAFF + "/new", {**hidden, **FORM})
    assert first.status_code == second.status_code == 302
    assert second.location == first.location  # the meeting the first one made
    assert _count(app, Meeting) == 1
    assert "That was already saved: it was sent twice, and saved once." in page_text(
        client.get(second.location))
    # The form shown again is a new form: it makes a second meeting, as asked.
    schedule(client)
    assert _count(app, Meeting) == 2


def test_two_copies_sent_at_once_make_one_meeting(client, app, monkeypatch):
    """The second copy arrives before the first has committed: both pass the look-up, and the
    key's unique constraint rolls the second back whole."""
    sign_in(client, app)
    hidden = _form(client, STAFF + "/new")
    first = client.post(STAFF + "/new", {**hidden, **FORM})
    monkeypatch.setattr(staff_views, "already_sent", lambda form: None)
    second = client.post(STAFF + "/new", {**hidden, **FORM, "title": "Copy"})
    assert second.status_code == 302 and second.location == first.location
    with app.app_context():
        assert db.session.scalars(select(Meeting.title)).all() == ["Spring meeting"]
    page = page_text(client.get(second.location))
    assert "That was already saved" in page
    assert "Copy is saved as a draft" not in page


def test_an_agenda_item_and_a_paper_sent_twice_are_added_once(client, app, monkeypatch):
    sign_in(client, app)
    meeting_id = schedule(client)
    new_item = f"{STAFF}/{meeting_id}/agenda/new"
    hidden = _form(client, new_item)
    for _ in range(2):
        assert client.post(new_item, {**hidden, "title": "Welcome"}).status_code == 302
    assert _count(app, AgendaItem) == 1
    with app.app_context():
        item_id = db.session.scalar(select(AgendaItem.id))

    url = f"{STAFF}/{meeting_id}/agenda/{item_id}/papers/new"
    hidden = _form(client, url)

    def upload():
        boundary, body = encode_multipart(
            {**hidden, "file": FileStorage(io.BytesIO(PDF), "minutes.pdf")})
        return client.post(url, body, content_type=f"multipart/form-data; boundary={boundary}")

    first = upload()
    assert first.status_code == 302
    # Sent again at the same moment: its file is kept, then goes with its rollback.
    monkeypatch.setattr(staff_views, "already_sent", lambda form: None)
    second = upload()
    assert second.location == first.location
    assert _count(app, Paper) == 1
    with app.app_context():
        assert len(storage.keys("papers/")) == 1  # the first one's file only


def test_a_group_sent_twice_is_added_once(client, app):
    sign_in(client, app)
    hidden = _form(client, GROUPS + "/new")
    data = {**hidden, "name": "Kentish Town ward panel", "kind": "ward-panel"}
    first = client.post(GROUPS + "/new", data)
    assert first.status_code == 302, page_text(first)[:500]
    second = client.post(GROUPS + "/new", data)
    assert second.location == first.location
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Group)
                                 .where(Group.name == "Kentish Town ward panel")) == 1


def test_a_form_with_errors_keeps_its_key_and_a_form_without_one_still_works(client, app):
    sign_in(client, app)
    hidden = _form(client, STAFF + "/new")
    refused = client.post(STAFF + "/new", {**hidden, **FORM, "title": ""})
    assert refused.status_code == 200
    assert f'value="{hidden["sent_key"]}"' in refused.get_data(as_text=True)
    # A hand-made request with no key, or a key this app never makes, is not refused.
    for key in (None, "x" * 5, "<script>"):
        data = {"csrf_token": hidden["csrf_token"], **FORM}
        if key is not None:
            data["sent_key"] = key
        assert client.post(STAFF + "/new", data).status_code == 302
    assert _count(app, Meeting) == 3
    assert _count(app, SentForm) == 0  # no key kept for forms sent without a real one


def test_another_persons_key_is_refused(client, app):
    sign_in(client, app)
    hidden = _form(client, STAFF + "/new")
    client.post(STAFF + "/new", {**hidden, **FORM})
    other = Browser(app)
    sign_in(other, app, create_officer, "camden", email="second@example.org")
    token = csrf_token(other.get(STAFF + "/new").get_data(as_text=True))
    response = other.post(STAFF + "/new", {**FORM, "csrf_token": token,
                                            "sent_key": hidden["sent_key"]})
    assert response.status_code == 400
    assert "sent by someone else" in page_text(response)
    assert _count(app, Meeting) == 1


def test_keys_are_forgotten_after_a_day(client, app):
    sign_in(client, app)
    hidden = _form(client, STAFF + "/new")
    client.post(STAFF + "/new", {**hidden, **FORM})
    with app.app_context():
        prune_sessions()
        assert db.session.scalar(select(func.count()).select_from(SentForm)) == 1
        db.session.get(SentForm, hidden["sent_key"]).sent_at = utcnow() - timedelta(hours=25)
        db.session.commit()
        prune_sessions()
        assert db.session.scalar(select(func.count()).select_from(SentForm)) == 0
