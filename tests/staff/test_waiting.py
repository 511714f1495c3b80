"""What waits for staff, on their dashboard and each borough's staff page, with links to where
each is done: for an engagement officer, requests to join, flagged comments, replies asked for
and paper keyings to settle; for a data-entry clerk, paper forms to key a second time. (The
interviewers' people to call now are tested with the call list, in tests/telephone.)"""

from __future__ import annotations

import re

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import Group, GroupKind, Represents
from engage.groups.operations import create_group, request_to_join
from engage.mailouts.keying_models import KeyedEntry
from engage.reports.comments_models import CommentFlag, FlagCategory
from engage.surveys.models import (
    Answer,
    Channel,
    Consultation,
    Question,
    QuestionnaireVersion,
    ResponseContact,
)
from engage.surveys.responses import new_key, store_response
from tests.factories import borough, create_admin, create_officer, create_user
from tests.helpers import count_queries, page_text
from tests.mailouts.test_keying_support import posted_paper
from tests.surveys.support import DEFAULT_ANSWERS, make_consultation, sign_in_staff

NOTHING = "Nothing is waiting for you"


def _group(slug: str) -> Group:
    return db.session.scalar(select(Group).where(Group.borough_id == borough(slug).id))


def _asks_to_join(slug: str, group: Group | None = None) -> None:
    request_to_join(group or _group(slug), create_user(home=slug), Represents.SELF, None)
    db.session.commit()


def _response(version_id: int, slug: str, **kwargs):
    version = db.session.get(QuestionnaireVersion, version_id)
    return store_response(version, kwargs.pop("answers", DEFAULT_ANSWERS),
                          idempotency_key=new_key(), borough=borough(slug),
                          channel=Channel.ONLINE, **kwargs)


def _flag(made, slug: str, followed_up: bool = False) -> None:
    response = _response(made.version_id, slug, answers={
        **DEFAULT_ANSWERS, "comments": {"text": "Someone keeps following me home"}})
    answer = db.session.scalar(select(Answer).join(Question).where(
        Answer.response_id == response.id, Question.key == "comments"))
    db.session.add(CommentFlag(
        answer_id=answer.id, consultation_id=made.consultation_id, borough_id=borough(slug).id,
        category=FlagCategory.SAFEGUARDING, reason="Someone may be at risk",
        matched="following me", followed_up_at=utcnow() if followed_up else None))
    db.session.commit()


def _asks_for_reply(made, slug: str, replied: bool = False) -> None:
    response = _response(made.version_id, slug, contact={
        "name": "A resident", "email": "resident@example.org", "phone": None})
    if replied:
        db.session.get(ResponseContact, response.id).replied_at = utcnow()
    db.session.commit()


def _keyed(app, made, slug: str, twice: bool, first_by: int | None = None) -> None:
    """A posted paper form keyed once (by `first_by`, or by another clerk), or twice with
    different answers."""
    reference = posted_paper(app, made.questionnaire_id, slug)
    with app.app_context():
        db.session.add(KeyedEntry(reference=reference, round=1,
                                  clerk_id=first_by or create_user().id,
                                  answers={"victim": "no"}))
        if twice:
            db.session.add(KeyedEntry(reference=reference, round=2,
                                      clerk_id=create_user().id, answers={"victim": "yes"}))
        db.session.commit()


def _waiting(page) -> list[tuple[str, str]]:
    """(words, link) of each item under "Waiting for you"."""
    html = page.get_data(as_text=True)
    section = html.split("Waiting for you", 1)[1].split('<h2 class="govuk-heading-m">', 1)[0]
    return [(re.sub(r"<[^>]+>", "", words).strip(), url) for url, words in
            re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', section, re.S)]


def test_an_officer_sees_what_waits_in_their_borough_and_nothing_of_others(app, client):
    made = make_consultation(app, title="Have your say 2027/28", slug="hys-2027")
    with app.app_context():
        for slug in ("camden", "hackney"):  # Hackney's are for Hackney's officers
            _asks_to_join(slug)
            _flag(made, slug)
            _asks_for_reply(made, slug)
        _asks_to_join("camden")
        ward_panel = create_group(borough("camden"), GroupKind.WARD_PANEL, "Kentish Town panel")
        _asks_to_join("camden", ward_panel)
        _flag(made, "camden")
        _flag(made, "camden", followed_up=True)  # done: not waiting
        _asks_for_reply(made, "camden", replied=True)
    for slug in ("camden", "hackney"):
        _keyed(app, made, slug, twice=True)
    _keyed(app, made, "camden", twice=False)  # waiting for a second clerk, not a supervisor
    sign_in_staff(client, app, create_officer, "camden")

    expected = [
        ("3 requests to join a group", "/staff/boroughs/camden/groups"),
        ("2 flagged comments to follow up in Have your say 2027/28",
         "/staff/boroughs/camden/reports/hys-2027/comments"),
        ("1 person asked for a reply in Have your say 2027/28",
         "/staff/boroughs/camden/consultations/hys-2027/replies"),
        ("1 paper form keyed twice with differences to settle",
         "/staff/boroughs/camden/paper/keying"),
    ]
    borough_page = client.get("/staff/boroughs/camden")
    assert _waiting(borough_page) == expected
    dashboard = client.get("/staff/")
    assert [(words.removesuffix(" (Camden)"), url) for words, url in _waiting(dashboard)] \
        == expected
    assert "Hackney" not in page_text(dashboard)
    # Each link opens the page where it is done.
    for _words, url in expected:
        assert client.get(url).status_code == 200, url


def test_a_clerk_sees_the_forms_they_may_key_a_second_time(app, client):
    """Forms keyed once by another clerk: not one they keyed themselves (they may not key it
    again), not one keyed twice already, not another borough's, and none of the officers'
    items."""
    made = make_consultation(app)
    with app.app_context():
        _asks_to_join("camden")
    clerk_id = sign_in_staff(client, app, create_user, roles={"clerk": "camden"})
    for _ in range(2):
        _keyed(app, made, "camden", twice=False)
    _keyed(app, made, "camden", twice=False, first_by=clerk_id)
    _keyed(app, made, "camden", twice=True)
    _keyed(app, made, "hackney", twice=False)

    expected = [("2 paper forms to key a second time", "/staff/boroughs/camden/paper/keying")]
    assert [(words.removesuffix(" (Camden)"), url)
            for words, url in _waiting(client.get("/staff/"))] == expected
    assert _waiting(client.get("/staff/boroughs/camden")) == expected
    assert client.get(expected[0][1]).status_code == 200  # the clerk may open it


def test_a_clerk_with_nothing_to_key_is_told_so_in_their_words(app, client):
    make_consultation(app)
    sign_in_staff(client, app, create_user, roles={"clerk": "camden"})
    assert f"{NOTHING}: no paper forms to key a second time in your borough." \
        in page_text(client.get("/staff/"))


def test_nothing_waiting_says_so(app, client):
    make_consultation(app)
    sign_in_staff(client, app, create_officer, "camden")
    assert f"{NOTHING}: no requests to join, flagged comments, replies asked for or paper forms " \
           "to settle in your borough." in page_text(client.get("/staff/"))
    assert f"{NOTHING} in Camden" in page_text(client.get("/staff/boroughs/camden"))


def test_only_engagement_officers_are_shown_what_waits(app, client):
    """Analysts read reports and comments but do not act on them: no list for them."""
    made = make_consultation(app)
    with app.app_context():
        _asks_to_join("camden")
        _flag(made, "camden")
    sign_in_staff(client, app, create_user, roles={"analyst": "camden"})
    for url in ("/staff/", "/staff/boroughs/camden"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Waiting for you" not in page_text(page), url


def test_a_consultation_that_no_longer_covers_the_borough_is_not_listed(app, client):
    """Its pages answer 404 there, so a link to them would lead nowhere."""
    made = make_consultation(app, boroughs=["camden", "hackney"])
    with app.app_context():
        _flag(made, "hackney")
        _asks_for_reply(made, "hackney")
        consultation = db.session.get(Consultation, made.consultation_id)
        consultation.boroughs = [borough("camden")]
        db.session.commit()
    sign_in_staff(client, app, create_officer, "hackney")
    assert NOTHING in page_text(client.get("/staff/boroughs/hackney"))


def test_an_administrators_dashboard_costs_the_same_for_one_borough_as_for_many(app, client):
    made = make_consultation(app)
    sign_in_staff(client, app, create_admin)
    with app.app_context():
        _asks_to_join("camden")
        _flag(made, "camden")
        _asks_for_reply(made, "camden")
    _keyed(app, made, "camden", twice=True)
    one = count_queries(client, "/staff/")
    for slug in ("hackney", "lambeth", "southwark", "barnet"):
        with app.app_context():
            _asks_to_join(slug)
            _flag(made, slug)
            _asks_for_reply(made, slug)
        _keyed(app, made, slug, twice=True)
    many = count_queries(client, "/staff/")
    page = client.get("/staff/")
    for name in ("Camden", "Hackney", "Lambeth", "Southwark", "Barnet"):
        assert f"1 request to join a group ({name})" in page_text(page)
        assert f"1 paper form keyed twice with differences to settle ({name})" \
            in page_text(page)
    assert many == one

