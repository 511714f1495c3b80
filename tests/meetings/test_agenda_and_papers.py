"""The agenda (adding, reordering by keyboard without JavaScript, removing) and its papers
(checked by type, size and first bytes, kept outside the web root, served only to those who may
see the meeting)."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engage import storage
from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.meetings.models import AgendaItem, MeetingVisibility, Paper
from tests.factories import create_user
from tests.helpers import csrf_token, move_form, page_text
from tests.meetings.support import (
    PDF,
    PNG,
    PUBLIC,
    STAFF,
    docx_bytes,
    make_member,
    meeting,
    schedule,
    sends_to_sign_in,
    sign_in,
)


def _titles(app, meeting_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AgendaItem.title)
                                       .where(AgendaItem.meeting_id == meeting_id)
                                       .order_by(AgendaItem.position)))


def _item_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(AgendaItem.id).where(AgendaItem.title == title))


def _with_agenda(client, app, *titles: str, **form) -> int:
    meeting_id = schedule(client, **form)
    for item in titles:
        response = client.submit(f"{STAFF}/{meeting_id}/agenda/new",
                                 {"title": item, "presenter": "Inspector Shah", "minutes": "15"})
        assert response.status_code == 302
    return meeting_id


def _upload(client, meeting_id: int, item_id: int, content: bytes, filename: str,
            title: str = ""):
    """Upload through the form. The body is encoded here, in memory: the test client would
    spool a large one to a temporary file it never closes."""
    url = f"{STAFF}/{meeting_id}/agenda/{item_id}/papers/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    boundary, body = encode_multipart({"csrf_token": token, "title": title,
                                       "file": FileStorage(io.BytesIO(content), filename)})
    return client.post(url, body, content_type=f"multipart/form-data; boundary={boundary}")


def test_add_reorder_and_remove_agenda_items(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Welcome", "Stop and search", "Any other business")
    page = f"{STAFF}/{meeting_id}"
    assert _titles(app, meeting_id) == ["Welcome", "Stop and search", "Any other business"]

    html = client.get(page).get_data(as_text=True)
    # Every button names its item for screen reader users; the ends have one button only.
    assert ('Move down<span class="govuk-visually-hidden">: Welcome</span>') in html
    assert 'Move up<span class="govuk-visually-hidden">: Welcome</span>' not in html
    assert 'Move down<span class="govuk-visually-hidden">: Any other business</span>' not in html

    stop = _item_id(app, "Stop and search")
    moved = client.submit(f"{page}/agenda/{stop}/move", {"direction": "up"}, form_page=page)
    assert moved.status_code == 302 and moved.location.endswith(f"#item-{stop}")
    assert _titles(app, meeting_id) == ["Stop and search", "Welcome", "Any other business"]
    # Up from the top changes nothing.
    client.submit(f"{page}/agenda/{stop}/move", {"direction": "up"}, form_page=page)
    assert _titles(app, meeting_id) == ["Stop and search", "Welcome", "Any other business"]
    client.submit(f"{page}/agenda/{stop}/move", {"direction": "down"}, form_page=page)
    client.submit(f"{page}/agenda/{stop}/move", {"direction": "down"}, form_page=page)
    assert _titles(app, meeting_id) == ["Welcome", "Any other business", "Stop and search"]

    client.submit(f"{page}/agenda/{_item_id(app, 'Welcome')}/remove", {}, form_page=page)
    assert _titles(app, meeting_id) == ["Any other business", "Stop and search"]
    assert "Inspector Shah, 15 minutes" in page_text(client.get(page))
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)
                                     .where(AuditEvent.action.like("meeting.agenda%"))).all()
    assert actions.count("meeting.agenda_item_added") == 3
    assert actions.count("meeting.agenda_item_moved") == 3  # the move at the top is no change
    assert actions.count("meeting.agenda_item_removed") == 1


def test_a_move_button_pressed_twice_moves_the_item_once(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Welcome", "Stop and search", "Any other business")
    page = f"{STAFF}/{meeting_id}"
    last = _item_id(app, "Any other business")
    action = f"{page}/agenda/{last}/move"
    sent = {**move_form(client.get(page).get_data(as_text=True), action), "direction": "up"}
    for _ in range(2):  # a double click, or the same page left open in two tabs
        assert client.post(action, sent).status_code == 302
    assert _titles(app, meeting_id) == ["Welcome", "Any other business", "Stop and search"]
    assert ("The order had changed since the page was shown, so nothing more was moved."
            in page_text(client.get(page)))
    # Pressed again from the page as it is now, it moves on.
    sent = {**move_form(client.get(page).get_data(as_text=True), action), "direction": "up"}
    client.post(action, sent)
    assert _titles(app, meeting_id) == ["Any other business", "Welcome", "Stop and search"]


def test_an_agenda_item_needs_a_title_and_a_sensible_time(client, app):
    sign_in(client, app)
    meeting_id = schedule(client)
    response = client.submit(f"{STAFF}/{meeting_id}/agenda/new", {"title": "", "minutes": "0"})
    text = page_text(response)
    assert "There is a problem" in text
    assert "Enter the agenda item" in text
    assert "The time allowed must be a whole number between 1 and 600" in text
    assert _titles(app, meeting_id) == []
    # Read as every number box reads one: "1,0" is a slip, "1,000" minutes too long.
    for minutes in ("1,0", "1,000"):
        refused = client.submit(f"{STAFF}/{meeting_id}/agenda/new",
                                {"title": "Welcome", "minutes": minutes})
        assert "The time allowed must be a whole number between 1 and 600" in \
            page_text(refused), minutes
    assert _titles(app, meeting_id) == []


def _kept_papers(app) -> dict[str, bytes]:
    """The paper files kept in the database's file store, by key."""
    with app.app_context():
        return {key: storage.read(key) for key in storage.keys("papers/")}


def test_pdf_and_word_papers_are_kept_in_the_database_not_the_web_root(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Stop and search")
    item_id = _item_id(app, "Stop and search")
    assert _upload(client, meeting_id, item_id, PDF, "Figures.pdf").status_code == 302
    assert _upload(client, meeting_id, item_id, docx_bytes(),
                   "C:/Users/priya/Report.DOCX").status_code == 302
    with app.app_context():
        papers = db.session.scalars(select(Paper).order_by(Paper.id)).all()
        assert [(p.original_filename, p.content_type, p.size_bytes) for p in papers] == [
            ("Figures.pdf", "application/pdf", len(PDF)),
            ("Report.DOCX", "application/vnd.openxmlformats-officedocument"
                            ".wordprocessingml.document", len(docx_bytes())),
        ]
        stored = [f"papers/{p.stored_name}" for p in papers]
    # By a random name, in the file store every web process shares, never in a folder a web
    # server could serve.
    assert _kept_papers(app) == {stored[0]: PDF, stored[1]: docx_bytes()}
    assert "Figures" not in stored[0]
    static = Path(app.static_folder)
    assert not [path for path in static.rglob("*") if path.name.endswith((".pdf", ".docx"))]

    download = client.get(f"{PUBLIC}/{meeting_id}/papers/{_paper_id(app, 'Figures.pdf')}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Figures.pdf" in download.headers["Content-Disposition"]
    download.close()

    # Removing the paper removes its file too.
    page = f"{STAFF}/{meeting_id}"
    client.submit(f"{page}/papers/{_paper_id(app, 'Figures.pdf')}/remove", {}, form_page=page)
    assert set(_kept_papers(app)) == {stored[1]}
    # And removing the item removes the rest.
    client.submit(f"{page}/agenda/{item_id}/remove", {}, form_page=page)
    assert _kept_papers(app) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count(Paper.id))) == 0


def test_a_paper_is_shown_by_its_title_and_downloads_under_its_file_name(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Stop and search")
    item_id = _item_id(app, "Stop and search")
    saved = _upload(client, meeting_id, item_id, PDF, "sas_jan_v3_FINAL.pdf",
                    title="  Stop and search figures for January ")
    assert saved.status_code == 302
    assert "Stop and search figures for January is added to Stop and search." in page_text(
        client.get(saved.location))
    assert _upload(client, meeting_id, item_id, docx_bytes(), "Terms of reference.docx"
                   ).status_code == 302
    paper_id = _paper_id(app, "sas_jan_v3_FINAL.pdf")
    link = f"{PUBLIC}/{meeting_id}/papers/{paper_id}"
    for page in (f"{STAFF}/{meeting_id}", f"{PUBLIC}/{meeting_id}"):
        html = client.get(page).get_data(as_text=True)
        assert f'href="{link}" download>Stop and search figures for January</a>' in html
        assert ">Terms of reference.docx</a>" in html  # no title: the file's name
        assert "sas_jan_v3_FINAL" not in html
    download = client.get(link)
    assert "sas_jan_v3_FINAL.pdf" in download.headers["Content-Disposition"]
    download.close()
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "meeting.paper_added").order_by(AuditEvent.id)).first()
        assert event.details["title"] == "Stop and search figures for January"
        assert event.details["filename"] == "sas_jan_v3_FINAL.pdf"


def test_a_paper_title_over_200_characters_is_refused_and_nothing_is_kept(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Stop and search")
    refused = _upload(client, meeting_id, _item_id(app, "Stop and search"), PDF, "a.pdf",
                      title="x" * 201)
    assert refused.status_code == 200
    assert "Enter a title of 200 characters or fewer" in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count(Paper.id))) == 0
    assert _kept_papers(app) == {}


def _paper_id(app, filename: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Paper.id).where(Paper.original_filename == filename))


def test_papers_are_checked_by_type_size_and_first_bytes(client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Stop and search")
    item_id = _item_id(app, "Stop and search")
    app.config["ENGAGE_PAPER_MAX_MB"] = 1
    for content, filename, message in [
        (PNG, "chart.pdf", "The selected file is not a PDF, although its name ends in .pdf"),
        (PDF, "chart.png", "The selected file must be a PDF or a Word document (.docx)"),
        (b"PK\x03\x04 not really a zip", "minutes.docx", "is not a Word document"),
        (b"", "empty.pdf", "The selected file is empty"),
        (b"%PDF-" + b"0" * (1024 * 1024), "huge.pdf", "The selected file must be smaller "
                                                     "than 1MB"),
    ]:
        response = _upload(client, meeting_id, item_id, content, filename)
        assert response.status_code == 200, filename
        text = page_text(response)
        assert "There is a problem" in text and message in text, filename
    no_file = client.submit(f"{STAFF}/{meeting_id}/agenda/{item_id}/papers/new", {})
    assert "Select a PDF or Word document" in page_text(no_file)
    with app.app_context():
        assert db.session.scalar(select(func.count(Paper.id))) == 0
    assert _kept_papers(app) == {}


def test_papers_are_served_only_to_those_who_may_see_the_meeting(client, other_client, app):
    sign_in(client, app)
    meeting_id = _with_agenda(client, app, "Stop and search", visibility="members-only")
    item_id = _item_id(app, "Stop and search")
    _upload(client, meeting_id, item_id, PDF, "Figures.pdf")
    url = f"{PUBLIC}/{meeting_id}/papers/{_paper_id(app, 'Figures.pdf')}"

    # A draft: nobody outside the borough team, member or not.
    person = sign_in(other_client, app, create_user)
    make_member(app, person)
    assert other_client.get(url).status_code == 404
    page = f"{STAFF}/{meeting_id}"
    client.submit(page + "/publish", {}, form_page=page)
    allowed = other_client.get(url)
    assert allowed.status_code == 200 and allowed.data == PDF
    allowed.close()

    # Signed out: asked to sign in and brought back (a member following their invitation).
    other_client.sign_out()
    assert sends_to_sign_in(other_client.get(url), url)
    sign_in(other_client, app, create_user)  # signed in, not a member
    assert other_client.get(url).status_code == 404
    # A paper id from another meeting is not found through this one.
    public_id = schedule(client, visibility="public")
    assert other_client.get(f"{PUBLIC}/{public_id}/papers/"
                            f"{_paper_id(app, 'Figures.pdf')}").status_code == 404
    assert meeting(app, meeting_id).visibility == MeetingVisibility.MEMBERS_ONLY
