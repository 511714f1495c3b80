"""Keying rules: paper is keyed until the grace date after closing, only once it was posted,
by the borough's clerks and officers; and the QR code printed on the paper opens the form."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.mailouts import files
from engage.mailouts.models import PaperRequest, PrintRun
from engage.surveys.models import Channel, Response
from tests.helpers import page_text
from tests.mailouts.support import (
    BASE,
    make_consultation,
    pdf_pages,
    qr_codes,
    record,
    sign_in,
)
from tests.mailouts.test_keying_support import (
    CAMDEN,
    KEYING,
    all_kinds,
    key,
    open_reference,
    posted_paper,
    responses,
    set_consultation,
)


def _closed(app, days_ago: int):
    now = utcnow().replace(microsecond=0)
    made = all_kinds(app, opens_at=now - timedelta(days=60),
                     closes_at=now - timedelta(days=days_ago))
    return made, posted_paper(app, made.questionnaire_id)


def test_paper_for_a_closed_consultation_is_keyed_until_the_default_grace_date(client, app):
    made, reference = _closed(app, days_ago=10)
    sign_in(client, app, clerk="camden")
    assert app.config["ENGAGE_PAPER_GRACE_DAYS"] == 28
    assert key(client, reference, {"q_confidence": "2"}).status_code == 302
    assert responses(app, reference)[0][1] == Channel.PAPER

    late_made, late = _closed(app, days_ago=29)
    refused = open_reference(client, late)
    assert "was accepted until" in page_text(refused)
    assert "came back too late to be counted" in page_text(refused)
    assert client.get(f"{CAMDEN}/{late}").status_code == 410


def test_a_grace_date_set_on_the_consultation_wins(client, app):
    made, reference = _closed(app, days_ago=3)
    with app.app_context():
        from engage.surveys.models import Consultation

        closes_at = db.session.get(Consultation, made.consultation_id).closes_at
    set_consultation(app, made.consultation_id, paper_grace_until=closes_at + timedelta(days=1))
    sign_in(client, app, clerk="camden")
    page = client.get(f"{CAMDEN}/{reference}")
    assert page.status_code == 410
    assert "was accepted until" in page_text(page)
    # A POST straight to the form is refused the same way, and stores nothing.
    refused = client.submit(f"{CAMDEN}/{reference}", {"q_confidence": "1"}, form_page=CAMDEN)
    assert refused.status_code == 410 and responses(app, reference) == []
    set_consultation(app, made.consultation_id, paper_grace_until=closes_at + timedelta(days=60))
    assert key(client, reference, {"q_confidence": "1"}).status_code == 302


def test_paper_not_yet_posted_cannot_be_keyed(client, app):
    ids = make_consultation(app)
    sign_in(client, app, clerk="camden")
    assert record(client, ids["residents"]).status_code == 302
    with app.app_context():
        reference = db.session.scalar(select(PaperRequest.reference))
    refused = open_reference(client, reference)
    assert f"Reference {reference} has not been marked as posted" in page_text(refused)


@pytest.mark.parametrize("roles, status", [
    ({"clerk": "westminster"}, 403),
    ({"analyst": "camden"}, 403),
    ({"interviewer": "camden"}, 403),
    ({"clerk": "camden"}, 200),
    ({"officer": "camden"}, 200),
])
def test_only_the_boroughs_clerks_and_officers_key_paper(client, app, roles, status):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, **roles)
    assert client.get(CAMDEN).status_code == status
    assert client.get(f"{CAMDEN}/{reference}").status_code == status
    if status == 403:
        posted = client.post(f"{CAMDEN}/{reference}", {"q_confidence": "1"})
        assert posted.status_code in (400, 403)
        assert responses(app, reference) == []


def test_administrators_key_any_borough_and_the_public_is_sent_to_sign_in(client, app):
    made = all_kinds(app)
    reference = posted_paper(app, made.questionnaire_id, slug="westminster")
    anonymous = client.get(f"{KEYING.format('westminster')}/{reference}")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    from tests.surveys.support import sign_in_staff

    sign_in_staff(client, app)
    assert key(client, reference, {"q_confidence": "1"}, slug="westminster").status_code == 302


def test_the_paper_menu_links_to_keying_for_clerks_only(client, other_client, app):
    sign_in(client, app, clerk="camden")
    assert "Key in returned paper" in page_text(client.get(BASE.format("camden")))
    sign_in(other_client, app, interviewer="camden")
    assert "Key in returned paper" not in page_text(other_client.get(BASE.format("camden")))


def test_the_qr_code_printed_on_the_paper_opens_the_form(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    paper_page = BASE.format("camden")
    started = client.submit(paper_page + "/runs", form_page=paper_page)
    run_tasks()
    posted = client.submit(started.headers["Location"] + "/posted",
                           form_page=started.headers["Location"])
    assert posted.status_code == 302
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        data = files.read(run, run.pdf_name)
        reference = db.session.scalar(select(PaperRequest.reference))
    scanned = qr_codes(data)[-1][0]  # what a desk scanner types from the last page
    opened = open_reference(client, scanned)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"{CAMDEN}/{reference}")
    # The ready residents' questionnaire: question 1 ranks 12 priorities, so box numbers
    # need spaces between them.
    form = page_text(client.get(opened.headers["Location"]))
    assert "1. What should the police in your area focus on?" in form
    assert "Put a space between numbers. 1 Burglary 2 Robbery (mugging)" in form
    unspaced = key(client, reference, {"q_priorities": "10112"})
    assert "Type box numbers from 1 to 12, as printed beside the boxes. Put a space between " \
        "numbers" in page_text(unspaced)
    assert key(client, reference, {"q_priorities": "10 1 12"}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.channel == Channel.PAPER and response.reference == reference
        assert sorted((a.rank, a.option.value) for a in response.answers) == [
            (1, "drugs"), (2, "burglary"), (3, "hate-crime")]


def _printed_number(text: str, label: str) -> int:
    """The number printed just before an option's words on the paper."""
    found = re.findall(r"(\d+) ?" + re.escape(label) + r"(?![\w(])", text)
    assert len(found) == 1, (label, found)
    return int(found[0])


def test_each_box_is_printed_with_the_number_the_clerk_keys(client, app, run_tasks):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    paper_page = BASE.format("camden")
    started = client.submit(paper_page + "/runs", form_page=paper_page)
    run_tasks()
    client.submit(started.headers["Location"] + "/posted", form_page=started.headers["Location"])
    with app.app_context():
        run = db.session.scalar(select(PrintRun))
        data = files.read(run, run.pdf_name)
        reference = db.session.scalar(select(PaperRequest.reference))
        version = run.version
        priorities, second = version.ordered_questions()[:2]
        labels = {o.value: o.label for o in priorities.options}
        first_text, second_text = priorities.text, second.text
    whole = re.sub(r"\s+", " ", " ".join(pdf_pages(data)))
    # Question 1 as printed, up to question 2.
    text = whole[whole.index(f"1. {first_text}"):whole.index(f"2. {second_text}")]
    # Every box of the first question carries its number, 1 to 12 down the paper.
    numbers = [_printed_number(text, label) for label in labels.values()]
    assert numbers == list(range(1, len(labels) + 1))
    assert "The numbers beside the boxes help our office type in your answers" in whole
    assert "11 Something else please say:" in whole  # the words apart, the number beside
    # Keying the numbers read off the paper stores the options printed beside them.
    chosen = ["drugs", "burglary", "hate-crime"]
    typed = " ".join(str(_printed_number(text, labels[value])) for value in chosen)
    assert key(client, reference, {"q_priorities": typed}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert [a.option.value for a in sorted(response.answers, key=lambda a: a.rank)] == chosen


def test_the_grace_days_are_counted_in_london_days_across_the_october_clock_change(client, app):
    """Closing at 23:59 in British Summer Time, paper is accepted until 23:59 London time 28
    days later, in Greenwich Mean Time: not 22:59, as 28 x 24 hours would give."""
    now = utcnow().replace(microsecond=0)
    year = now.year + 1  # 20 October is always BST, 17 November always GMT
    closes_at = datetime(year, 10, 20, 22, 59)  # 23:59 BST
    made = all_kinds(app, opens_at=now - timedelta(days=1), closes_at=closes_at)
    reference = posted_paper(app, made.questionnaire_id)
    sign_in(client, app, clerk="camden")
    title = f"Paper returns for Have your say {made.slug.rsplit('-', 1)[1]}"
    until = f"are accepted until 17 November {year} at 11:59pm"
    assert f"{title} {until}" in page_text(client.get(CAMDEN))
    assert until in page_text(client.get(f"{CAMDEN}/{reference}"))
