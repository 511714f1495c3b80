"""Helpers for the paper mailout tests: a consultation with the ready questionnaires, staff
signed in, requests recorded through the form, and the PDF's pages as text and images."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pypdfium2
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from engage import clock
from engage.clock import to_london, utcnow
from engage.extensions import db
from engage.surveys.models import Consultation
from engage.surveys.template import add_template_questionnaires
from tests.factories import PASSWORD, borough, create_user

BASE = "/staff/boroughs/{}/paper"
_numbers = itertools.count(1)


def on_a_working_day(monkeypatch) -> None:
    """Beat gathers print runs only when London's day (read from engage.clock) is not a bank
    holiday: on one (Christmas Day, say) the clock is moved on to the next day that is not, so
    a test that gathers finds what it expects whatever day it runs. Otherwise it is left as
    it is."""
    real, ahead = clock.utcnow, timedelta(0)
    while clock.is_bank_holiday(to_london(real() + ahead).date()):
        ahead += timedelta(days=1)
    if ahead:
        monkeypatch.setattr(clock, "utcnow", lambda: real() + ahead)


def make_consultation(app, *, opens_in_days: float = -1, closes_in_days: float = 30,
                      boroughs: list[str] | None = None) -> dict[str, int]:
    """A consultation with the ready residents' and businesses' questionnaires, committed.
    Returns {audience value: questionnaire id}."""
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        consultation = Consultation(
            slug=f"paper-have-your-say-{next(_numbers)}",
            title="Have your say 2027", purpose="Tell us what the police should focus on.",
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days), all_boroughs=boroughs is None)
        if boroughs:
            consultation.boroughs = [borough(slug) for slug in boroughs]
        db.session.add(consultation)
        add_template_questionnaires(consultation)
        db.session.commit()
        return {q.audience.value: q.id for q in consultation.questionnaires}


def sign_in(client, app, **roles) -> int:
    """Someone with these roles ({"officer": "camden"}) signed in; returns their id."""
    with app.app_context():
        person = create_user(roles=roles)
        user_id, email = person.id, person.email
    client.sign_in(email, PASSWORD)
    return user_id


def request_data(questionnaire_id: int, **overrides) -> dict:
    data = {"questionnaire": str(questionnaire_id), "name": "Ada Lovelace",
            "address_line_1": "12 Gordon Square", "address_line_2": "",
            "town": "London", "postcode": "wc1h 0ag", "borough": "", "format": "standard",
            "language": "", "consent": "y", "notes": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def record(client, questionnaire_id: int, slug: str = "camden", **overrides):
    return client.submit(BASE.format(slug) + "/requests/new",
                         request_data(questionnaire_id, **overrides))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def qr_codes(data: bytes) -> list[list[str]]:
    """What the QR codes on each page say, read from the page drawn as an image."""
    document = pypdfium2.PdfDocument(data)
    found = []
    for index in range(len(document)):
        image = document[index].render(scale=2).to_pil()
        found.append([code.text for code in zxingcpp.read_barcodes(image)])
    document.close()
    return found
