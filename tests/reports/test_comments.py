"""Flagged comments: the rules, the flags collation makes (once), and the staff pages where
officers read comments and mark flags followed up."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from engage.audit.models import AuditEvent
from engage.clock import utcnow
from engage.extensions import db
from engage.reports import comments_views
from engage.reports.comments_models import CommentFlag, FlagCategory, mark_followed_up
from engage.reports.flags import RULES, flag_for
from engage.surveys.models import Answer, Response
from tests.factories import PASSWORD, create_admin, create_officer, create_user
from tests.helpers import page_text
from tests.reports.test_free_text import (
    BROKE_IN,
    FLY_TIPPING,
    REPORT,
    SCARED,
    STABBED,
    commented,
    counted,
)

COMMENTS = REPORT + "/comments"
LONDON_COMMENTS = "/staff/reports/have-your-say-2027/london/comments"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.reason)
def test_every_rule_flags_its_own_example(rule):
    assert rule.pattern.search(rule.example), rule.example
    assert flag_for(rule.example) is not None


@pytest.mark.parametrize(("comment", "category"), [
    ("My brother was stabbed outside the chicken shop", FlagCategory.CRIME),
    ("They broke into my car again", FlagCategory.CRIME),
    ("Kids SELLING DRUGS by the bins every evening", FlagCategory.SAFEGUARDING),
    ("Men are selling drugs by the bins every evening", FlagCategory.CRIME),
    ("A neighbour assaulted me and nothing happened", FlagCategory.CRIME),
    ("My phone was stolen on the bus", FlagCategory.CRIME),
    ("It happened at 14 Acacia Road", FlagCategory.CRIME),
    ("There was a fight on Saturday night", FlagCategory.CRIME),
    ("I\u2019m scared to go home", FlagCategory.SAFEGUARDING),
    ("My ex threatened me again", FlagCategory.SAFEGUARDING),
    ("Young people are being recruited by gangs", FlagCategory.SAFEGUARDING),
    ("My 15 year old is being groomed", FlagCategory.SAFEGUARDING),
    ("I have been self-harming", FlagCategory.SAFEGUARDING),
    ("My disabled neighbour is being exploited by dealers", FlagCategory.SAFEGUARDING),
    ("Domestic violence is a problem on this estate", FlagCategory.SAFEGUARDING),
])
def test_crime_reports_and_safeguarding_concerns_are_flagged(comment, category):
    found = flag_for(comment)
    assert found is not None, comment
    assert found.category == category
    assert found.matched.lower() in comment.lower().replace("\u2019", "'")


@pytest.mark.parametrize("comment", [
    "More visible patrols would make the area feel safer",
    "Street lighting in the park is poor",
    "My therapist says I worry too much",  # not "rapist": words are matched whole
    "The drugstore closes too early",
    "Knife crime should be the top priority",
    "",
    None,
])
def test_ordinary_comments_are_not_flagged(comment):
    assert flag_for(comment) is None


def _flags(app) -> list[CommentFlag]:
    with app.app_context():
        return list(db.session.scalars(select(CommentFlag).order_by(CommentFlag.id)))


def test_collation_flags_each_comment_once_and_keeps_follow_ups(app, client, run_tasks):
    counted(app, client, run_tasks)
    flags = _flags(app)
    with app.app_context():
        texts = {f.id: db.session.get(Answer, f.answer_id).text for f in flags}
    assert sorted(texts.values()) == sorted([BROKE_IN, SCARED])  # Camden's only
    by_text = {texts[f.id]: f for f in flags}
    assert by_text[SCARED].category == FlagCategory.SAFEGUARDING
    assert by_text[BROKE_IN].category == FlagCategory.CRIME
    assert by_text[BROKE_IN].matched == "broke into"
    assert by_text[BROKE_IN].reason == "Describes a break-in, theft or damage"

    follow_up(client, by_text[SCARED].id, "Passed to the safeguarding hub")
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    again = _flags(app)
    assert [f.id for f in again] == [f.id for f in flags]  # nothing added
    kept = next(f for f in again if f.id == by_text[SCARED].id)
    assert kept.followed_up_at is not None and kept.note == "Passed to the safeguarding hub"


def follow_up(client, flag_id: int, note: str = "", page: str = COMMENTS + "/comments"):
    return client.submit(f"{COMMENTS}/flags/{flag_id}", {"note": note}, form_page=page)


def test_officers_read_comments_newest_first_and_filter_the_flagged(app, client, run_tasks,
                                                                    monkeypatch):
    counted(app, client, run_tasks)
    report = page_text(client.get(REPORT))
    assert "2 flagged comments have not been followed up yet." in report

    index = client.get(COMMENTS)
    text = page_text(index)
    assert index.status_code == 200
    assert "What have you seen in your area? (other answers) 3 0" in text
    assert re.search(r"anything else .*\? 17 2", text, re.I)

    page = client.get(COMMENTS + "/comments")
    html, text = page.get_data(as_text=True), page_text(page)
    assert "17 comments" in text
    # Newest first: the scared comment was the last Camden comment given.
    assert html.index("scared to go home") < html.index(BROKE_IN)
    assert html.index(BROKE_IN) < html.index("Shoplifting is out of control")
    with app.app_context():
        reference = db.session.scalar(select(Response.reference).join(Answer).where(
            Answer.text == BROKE_IN))
    assert f"Response {reference}" in text
    assert "Telephone" in text and "Online" in text
    assert "Safeguarding concern Says they are afraid at home or of someone close to them" \
        in text
    assert "Reads like a crime report Describes a break-in, theft or damage: “broke into”" \
        in text
    assert text.count("Mark as followed up") == 2
    assert STABBED not in text and "Knife crime outside the school" not in text  # elsewhere

    flagged = page_text(client.get(COMMENTS + "/comments?flagged=1"))
    assert "2 comments flagged" in flagged
    assert BROKE_IN in flagged and "More patrols" not in flagged

    other = page_text(client.get(COMMENTS + "/seen.other"))
    assert other.count(FLY_TIPPING) == 3 and "3 comments" in other

    monkeypatch.setattr(comments_views, "PER_PAGE", 5)
    first = page_text(client.get(COMMENTS + "/comments"))
    second = page_text(client.get(COMMENTS + "/comments?page=2"))
    assert "Page 1 of 4" in first and "Page 2 of 4" in second
    assert BROKE_IN in first and BROKE_IN not in second
    assert client.get(COMMENTS + "/no-such-question").status_code == 404


def test_marking_a_flag_followed_up_records_who_when_and_why(app, client, run_tasks):
    counted(app, client, run_tasks)
    flags = _flags(app)
    with app.app_context():
        scared = next(f for f in flags
                      if db.session.get(Answer, f.answer_id).text == SCARED)
    done = follow_up(client, scared.id, "Rang the number given; referred to MASH")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(COMMENTS + "/comments?flagged=1")
    with app.app_context():
        flag = db.session.get(CommentFlag, scared.id)
        assert flag.followed_up_by.email == "officer@example.org"
        assert flag.followed_up_at is not None
        assert flag.note == "Rang the number given; referred to MASH"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "report.comment_followed_up"))
        assert event.target == f"comment-flag:{scared.id}"
        assert event.actor_label == f"{flag.followed_up_by.name} <officer@example.org>"
        assert event.borough.slug == "camden"
        assert event.details == {"category": "safeguarding", "with_note": True}
        assert "MASH" not in str(event.details)  # notes stay out of the audit log

    text = page_text(client.get(COMMENTS + "/comments?flagged=1"))
    assert "Referred to MASH".lower() in text.lower() and text.count("Mark as followed up") == 1
    assert "1 flagged comment has not been followed up yet." in page_text(client.get(REPORT))

    # A second press changes nothing and says so.
    again = follow_up(client, scared.id, "Something else")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(CommentFlag, scared.id).note.endswith("referred to MASH")
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "report.comment_followed_up")) == 1


def test_a_note_too_long_is_refused_with_a_clear_error(app, client, run_tasks):
    counted(app, client, run_tasks)
    flag = _flags(app)[0]
    page = follow_up(client, flag.id, "x" * 2001, page=f"{COMMENTS}/flags/{flag.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "There is a problem" in text
    assert "The note must be 2,000 characters or fewer" in text
    assert _flags(app)[0].followed_up_at is None
    # Without its CSRF token, nothing happens either.
    assert client.post(f"{COMMENTS}/flags/{flag.id}", {"note": "ok"}).status_code in (200, 400)
    assert _flags(app)[0].followed_up_at is None


def test_comments_are_only_for_the_boroughs_readers(app, client, run_tasks):
    commented(app)
    with app.app_context():
        create_officer("hackney", email="hackney@example.org")
        create_user(email="interviewer@example.org", roles={"interviewer": "camden"})
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    flag_id = _flags(app)[0].id
    client.sign_out()

    assert client.get(COMMENTS).status_code == 302  # signed out: to sign in
    client.sign_in("hackney@example.org", PASSWORD)
    assert client.get(COMMENTS).status_code == 403
    assert client.get(COMMENTS + "/comments").status_code == 403
    assert client.get(f"{COMMENTS}/flags/{flag_id}").status_code == 403
    # Camden's flag is not found from Hackney's pages either.
    hackney = "/staff/boroughs/hackney/reports/have-your-say-2027/comments"
    assert client.get(f"{hackney}/flags/{flag_id}").status_code == 404
    assert client.get(LONDON_COMMENTS).status_code == 403
    client.sign_out()

    client.sign_in("interviewer@example.org", PASSWORD)
    assert client.get(COMMENTS + "/comments").status_code == 403
    client.sign_out()

    client.sign_in("analyst@example.org", PASSWORD)  # analysts read reports, comments too
    assert BROKE_IN in page_text(client.get(COMMENTS + "/comments"))
    # Their borough's, not London's (figures or comments): that is for administrators.
    assert client.get("/staff/reports/have-your-say-2027/london").status_code == 403
    assert client.get(LONDON_COMMENTS).status_code == 403


def test_london_flags_comments_given_no_borough(app, client, run_tasks):
    commented(app)
    with app.app_context():
        create_admin(email="admin@example.org")
    client.sign_in("admin@example.org", PASSWORD)
    client.submit("/staff/reports/have-your-say-2027/london/collate",
                  form_page="/staff/reports/have-your-say-2027/london")
    run_tasks()  # every borough, then London
    flags = _flags(app)
    with app.app_context():
        flagged = {db.session.get(Answer, f.answer_id).text: f.borough_id for f in flags}
    assert flagged == {BROKE_IN: flagged[BROKE_IN], SCARED: flagged[SCARED], STABBED: None}
    assert "3 flagged comments have not been followed up yet." in page_text(
        client.get("/staff/reports/have-your-say-2027/london"))
    text = page_text(client.get(LONDON_COMMENTS + "/comments?flagged=1"))
    assert STABBED in text and "no borough" in text and "Camden" in text
    stabbed = next(f for f in flags if f.borough_id is None)
    done = client.submit(f"{LONDON_COMMENTS}/flags/{stabbed.id}", {"note": ""})
    assert done.status_code == 302
    assert _flags(app)[[f.id for f in flags].index(stabbed.id)].followed_up_at is not None


def test_only_officers_and_administrators_mark_flags_followed_up(app, client, run_tasks):
    counted(app, client, run_tasks)
    with app.app_context():
        create_user(email="analyst@example.org", roles={"analyst": "camden"})
    flag = _flags(app)[0]
    client.sign_out()
    client.sign_in("analyst@example.org", PASSWORD)
    # Analysts read the flagged comments, without the form to mark them.
    listing = page_text(client.get(COMMENTS + "/comments?flagged=1"))
    assert BROKE_IN in listing and "Mark as followed up" not in listing
    page = page_text(client.get(f"{COMMENTS}/flags/{flag.id}"))
    assert "Mark as followed up" not in page
    assert "The borough's engagement officers mark flagged comments as followed up." in page
    refused = client.submit(f"{COMMENTS}/flags/{flag.id}", {"note": "analyst closed it"},
                            form_page="/account")
    assert refused.status_code == 403
    assert _flags(app)[0].followed_up_at is None
    client.sign_out()
    # An administrator may.
    with app.app_context():
        create_admin(email="admin@example.org")
    client.sign_in("admin@example.org", PASSWORD)
    assert "Mark as followed up" in page_text(client.get(COMMENTS + "/comments?flagged=1"))
    assert follow_up(client, flag.id, "Passed to the safeguarding team").status_code == 302
    assert _flags(app)[0].followed_up_by_id is not None


def test_two_people_marking_one_flag_at_once_do_not_overwrite_each_other(app, client,
                                                                        run_tasks):
    """Both loaded the flag while it was waiting; the second to save changes nothing."""
    counted(app, client, run_tasks)
    with app.app_context():
        first = create_officer("camden", email="first@example.org")
        second = create_officer("camden", email="second@example.org")
        flag = db.session.scalar(select(CommentFlag).order_by(CommentFlag.id))
        assert not flag.followed_up  # as the second person's request read it
        # The first person's request saves in the meantime.
        db.session.execute(update(CommentFlag).where(CommentFlag.id == flag.id).values(
            followed_up_by_id=first.id, followed_up_at=utcnow(), note="Rang them")
            .execution_options(synchronize_session=False))
        assert mark_followed_up(flag, second, "Emailed them") is False
        db.session.commit()
        saved = db.session.get(CommentFlag, flag.id)
        assert (saved.followed_up_by_id, saved.note) == (first.id, "Rang them")
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "report.comment_followed_up")) == 0
