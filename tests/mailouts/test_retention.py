"""Retention: a set time after a consultation closes, the names and addresses of people who
asked for paper (rows and print-run files) are deleted, and only counts remain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files, tasks
from engage.mailouts.models import PaperRequest, PaperRequestCount, PrintRun
from engage.surveys.models import Consultation, Questionnaire
from tests.helpers import page_text
from tests.mailouts.support import BASE, count, make_consultation, record, sign_in


def _close(app, questionnaire_id: int, days_ago: float) -> None:
    with app.app_context():
        consultation = db.session.get(Questionnaire, questionnaire_id).consultation
        consultation.closes_at = utcnow() - timedelta(days=days_ago)
        consultation.opens_at = consultation.closes_at - timedelta(days=60)
        db.session.commit()


def test_details_are_deleted_after_the_retention_time_and_counts_kept(client, app, run_tasks):
    old = make_consultation(app)
    recent = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, old["residents"])
    record(client, old["residents"], name="Grace Hopper", format="large-print")
    client.submit(BASE.format("camden") + "/runs", form_page=BASE.format("camden"))
    run_tasks()
    record(client, old["residents"], name="Late Caller")  # never printed
    record(client, old["residents"], name="Polish Speaker", format="other-language",
           language="Polish")
    record(client, recent["residents"], name="Still Needed")
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        folder, run_id = files.run_folder(run.id), run.id
        assert files.path_of(run, run.pdf_name) is not None

    _close(app, old["residents"], days_ago=91)
    _close(app, recent["residents"], days_ago=89)
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 4
        assert [p.name for p in db.session.scalars(select(PaperRequest))] == ["Still Needed"]
        kept = {(c.borough.slug, c.format.value, c.status.value): c.count
                for c in db.session.scalars(select(PaperRequestCount))}
        assert kept == {("camden", "standard", "in-print-run"): 1,
                        ("camden", "large-print", "in-print-run"): 1,
                        ("camden", "standard", "requested"): 1,
                        ("camden", "other-language", "requested"): 1}
        run = db.session.get(PrintRun, run_id)
        assert run.purged_at is not None and run.pdf_name is None
        assert not folder.exists()
        # Run again: nothing left to do, and nothing counted twice.
        assert tasks.delete_expired_paper_details.apply().get() == 0
        assert sum(c.count for c in db.session.scalars(select(PaperRequestCount))) == 4
        assert count(Consultation) == 2

    page = client.get(BASE.format("camden"))
    assert "These counts are what remains" in page_text(page)
    assert "Grace Hopper" not in page_text(page) and "Still Needed" in page_text(page)
    run_page = client.get(f"{BASE.format('camden')}/runs/{run_id}")
    assert "were deleted" in page_text(run_page)
    assert client.get(f"{BASE.format('camden')}/runs/{run_id}/print-run.pdf").status_code == 302
