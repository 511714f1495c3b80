"""Retention: a set time after a consultation closes, the names and addresses of people who
asked for paper (rows and print-run files) are deleted, and only counts remain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files, tasks
from engage.mailouts.keying_models import KeyedEntry
from engage.mailouts.models import PaperRequest, PaperRequestCount, PrintRun
from engage.surveys.models import Consultation, Questionnaire
from tests.helpers import page_text
from tests.mailouts.support import BASE, count, make_consultation, record, sign_in
from tests.mailouts.test_keying_support import (
    CAMDEN,
    all_kinds,
    key,
    open_reference,
    posted_paper,
    responses,
    set_consultation,
)


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
        run_id = run.id
        assert files.names(run_id) == [f"print-run-{run_id}-labels.csv",
                                       f"print-run-{run_id}.pdf"]

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
        assert files.names(run_id) == []
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


def _closed_days_ago(app, days: int):
    now = utcnow().replace(microsecond=0)
    made = all_kinds(app, opens_at=now - timedelta(days=days + 60),
                     closes_at=now - timedelta(days=days))
    with app.app_context():
        closes_at = db.session.get(Consultation, made.consultation_id).closes_at
    return made, closes_at, posted_paper(app, made.questionnaire_id)


def test_paper_still_accepted_is_kept_past_the_retention_time(client, app):
    made, closes_at, reference = _closed_days_ago(app, 100)
    # Staff accept paper until 120 days after closing: past the 90 days' retention.
    set_consultation(app, made.consultation_id, paper_grace_until=closes_at + timedelta(days=120))
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 0
    sign_in(client, app, clerk="camden")
    assert "are accepted until" in page_text(client.get(CAMDEN))
    assert key(client, reference, {"q_confidence": "2"}).status_code == 302
    assert len(responses(app, reference)) == 1

    # 14 days after the deadline (time to finish double keying) the details go.
    later, later_closes, late_reference = _closed_days_ago(app, 100)
    set_consultation(app, later.consultation_id,
                     paper_grace_until=later_closes + timedelta(days=87))  # 13 days ago
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 0
    set_consultation(app, later.consultation_id,
                     paper_grace_until=later_closes + timedelta(days=85))  # 15 days ago
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 1
        assert db.session.scalar(select(PaperRequest.reference).where(
            PaperRequest.reference == late_reference)) is None
        assert db.session.scalar(select(PaperRequest.reference).where(
            PaperRequest.reference == reference)) == reference


def test_a_form_keyed_once_holds_the_details_until_it_is_finished(client, other_client, app):
    made, closes_at, reference = _closed_days_ago(app, 95)
    set_consultation(app, made.consultation_id, double_keying=True,
                     paper_grace_until=closes_at + timedelta(days=100))
    sign_in(client, app, clerk="camden")
    assert key(client, reference, {"q_confidence": "2"}).status_code == 302  # in time
    set_consultation(app, made.consultation_id, paper_grace_until=closes_at + timedelta(hours=1))
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 0
        assert count(KeyedEntry) == 1 and count(PaperRequest) == 1

    sign_in(other_client, app, clerk="camden")
    assert open_reference(other_client, reference).status_code == 302
    assert key(other_client, reference, {"q_confidence": "2"}).status_code == 302
    assert len(responses(app, reference)) == 1
    with app.app_context():
        assert tasks.delete_expired_paper_details.apply().get() == 1
        assert count(PaperRequest) == 0
