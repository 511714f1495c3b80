"""A person reading a questionnaire in another language, over HTTP: every page they can reach
on the way is in it (or says why not, in words they can read), and what the pages write for
them (numbers) is written as their language writes it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import Consultation, ResponseDraft
from tests.helpers import Browser, page_text
from tests.surveys.answering_support import (
    begin,
    check_answers,
    complete,
    make_every_kind,
    page,
    start_url,
)
from tests.surveys.support import sign_in_staff
from tests.translations.support import translate_questionnaire


def _reading_polish(app, client, person):
    """A questionnaire translated into Polish, and `person` answering it in Polish."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    translate_questionnaire(client, made.slug, "pl")
    person.get(start_url(made.questionnaire_id) + "?language=pl")
    return made


def _close(app, consultation_id: int) -> None:
    with app.app_context():
        db.session.get(Consultation, consultation_id).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_a_consultation_that_closes_halfway_says_so_in_the_language_read(app, client,
                                                                        other_client):
    made = _reading_polish(app, client, other_client)
    begin(other_client, made.questionnaire_id)
    _close(app, made.consultation_id)
    for url in (page(made.questionnaire_id, 1), start_url(made.questionnaire_id)):
        closed = other_client.get(url)
        assert closed.status_code == 410
        assert '<html lang="pl"' in closed.get_data(as_text=True), url
        # The consultation's title is its translation, like every page before it.
        assert "PL Have your say" in page_text(closed)
        assert "Polski" in page_text(closed)  # and the way back to English, beside it
        assert "English" in page_text(closed)


def test_answers_sent_from_another_device_are_said_to_be_in_the_language_read(app, client,
                                                                             other_client):
    made = _reading_polish(app, client, other_client)
    qid = made.questionnaire_id
    begin(other_client, qid)
    with app.app_context():
        token = db.session.scalar(select(ResponseDraft.token).where(
            ResponseDraft.questionnaire_id == qid))
    # The emailed link, in Polish, finished on a phone.
    phone = Browser(app)
    phone.get(f"/have-your-say/resume/{token}?language=pl")
    complete(phone, qid)
    assert check_answers(phone, qid).status_code == 302
    # The first device, carrying on, and the link opened again, are told so in Polish.
    for browser, url in ((other_client, page(qid, 2)),
                         (Browser(app), f"/have-your-say/resume/{token}?language=pl")):
        sent = browser.get(url)
        assert sent.status_code == 409, url
        assert '<html lang="pl"' in sent.get_data(as_text=True), url
