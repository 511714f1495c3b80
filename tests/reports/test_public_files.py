"""Public report PDFs are drawn once, when published, and kept while what they show is the
same: readers get the kept file, a change to what is shown draws it again, and the per-address
limit holds back only drawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.reports import documents
from engage.reports.public_files import REPORT_PDF, SUMMARY_PDF, PublicFile
from tests.dates import at
from tests.helpers import Browser, page_text
from tests.meetings.support import LATER_DAY, create_meeting
from tests.reports.test_formats import PUBLIC_BASE, pdf_text
from tests.reports.test_public_report import REPORT, prepared, publish

REPORT_URL = PUBLIC_BASE + "/report.pdf"
SUMMARY_URL = PUBLIC_BASE + "/local-policing-summary.pdf"


def kept(app) -> dict[str, tuple[str, bytes]]:
    """Per kind, the hash of the HTML the kept PDF was drawn from, and the PDF."""
    with app.app_context():
        rows = db.session.execute(
            select(PublicFile.kind, PublicFile.html_sha256, PublicFile.content)).all()
        db.session.remove()
    return {kind: (digest, content) for kind, digest, content in rows}


@pytest.fixture
def no_drawing(monkeypatch):
    """Drawing a PDF fails from here on: whatever is served now must have been kept."""
    def refuse(html: str) -> bytes:
        raise AssertionError("a PDF was drawn in the request")

    monkeypatch.setattr(documents, "pdf_bytes", refuse)


def test_publishing_draws_both_pdfs_and_readers_get_the_kept_files(app, client, other_client,
                                                                   run_tasks, request):
    prepared(app, client, run_tasks)
    publish(client)
    assert kept(app) == {}  # nothing drawn in the officer's request
    assert "Its PDF downloads are being made" in page_text(client.get(REPORT + "/publish"))
    # Drawing the PDFs, and emailing those who asked for the results (none here).
    assert [name for name, _ in run_tasks()] == ["engage.reports.draw_public_files",
                                                 "engage.news.send_results"]
    files = kept(app)
    assert set(files) == {REPORT_PDF, SUMMARY_PDF}
    assert "Its PDF downloads were made on" in page_text(client.get(REPORT + "/publish"))

    request.getfixturevalue("no_drawing")
    for url, kind in ((REPORT_URL, REPORT_PDF), (SUMMARY_URL, SUMMARY_PDF)):
        response = other_client.get(url)
        assert response.status_code == 200
        assert response.data == files[kind][1]
    assert "Camden: what you told us" in pdf_text(other_client.get(REPORT_URL))


def test_the_task_is_safe_to_run_twice_and_after_unpublishing(app, client, run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    run_tasks()
    task = app.extensions["celery"].tasks["engage.reports.draw_public_files"]
    with app.app_context():
        publication_id = db.session.scalar(select(PublicFile.publication_id).limit(1))
        assert task.apply(args=[publication_id], throw=True).result == ["kept", "kept"]
    assert len(kept(app)) == 2

    client.submit(REPORT + "/unpublish", form_page=REPORT)
    assert kept(app) == {}  # the files go with their publication
    with app.app_context():
        assert task.apply(args=[publication_id], throw=True).result == []
    assert kept(app) == {}


def test_a_change_to_what_the_summary_shows_draws_it_again(app, client, other_client, run_tasks):
    prepared(app, client, run_tasks)
    publish(client)
    run_tasks()
    before = kept(app)
    assert "Spring open meeting" not in pdf_text(other_client.get(SUMMARY_URL))

    # The summary lists the CPEG's upcoming public meetings: a new one changes what it shows.
    day = LATER_DAY + timedelta(weeks=3)  # years from now
    create_meeting(app, at(day, 17, 30), at(day, 19), title="Spring open meeting")
    assert "Spring open meeting" in pdf_text(other_client.get(SUMMARY_URL))
    after = kept(app)
    assert after[SUMMARY_PDF][0] != before[SUMMARY_PDF][0]
    assert after[REPORT_PDF] == before[REPORT_PDF]  # the report itself shows no meetings


def test_the_address_limit_holds_back_drawing_only(app, client, run_tasks):
    """Each drawing costs the server half a second: one address may cause only so many. A kept
    file costs nothing, so it is never held back."""
    prepared(app, client, run_tasks)
    publish(client)  # its task is not run: the first readers draw the files
    app.config["ENGAGE_REPORT_PDF_LIMIT"] = "1 per minute"
    reader = Browser(app, address="10.0.0.7")
    assert reader.get(REPORT_URL).status_code == 200  # drawn, and kept
    refused = reader.get(SUMMARY_URL)  # the two PDFs share one limit
    assert refused.status_code == 429
    assert set(kept(app)) == {REPORT_PDF}
    assert reader.get(REPORT_URL).status_code == 200  # kept: not held back
    assert reader.get(PUBLIC_BASE + "/report.xlsx").status_code == 200
    assert Browser(app, address="10.0.0.8").get(SUMMARY_URL).status_code == 200
    assert reader.get(SUMMARY_URL).status_code == 200  # kept by the other reader's request
