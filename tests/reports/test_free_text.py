"""Free text in the report: comment counts and frequent terms, counted by the workers, with
small counts and rare words hidden everywhere they are shown, and the comments themselves
nowhere public."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from engage.extensions import db
from engage.reports.comments_models import CommentFlag
from engage.reports.free_text import TermCounter, free_text_figures, terms_of
from engage.surveys.models import (
    Audience,
    Channel,
    Consultation,
    QuestionKind,
    QuestionnaireVersion,
)
from tests.factories import PASSWORD, borough, create_officer
from tests.helpers import page_text
from tests.reports.support import answers, make_consultation, respond, snapshot
from tests.reports.test_pages import table_row
from tests.surveys.support import add_question, add_section

REPORT = "/staff/boroughs/camden/reports/have-your-say-2027"
PUBLIC = "/boroughs/camden/have-your-say/have-your-say-2027/report"
RESIDENTS_COMMENTS = "Is there anything else you want to tell the police?"
BUSINESS_COMMENTS = "Anything else about crime against your business?"
SEEN = "What have you seen in your area?"
BROKE_IN = "Someone broke into our shed on Friday"
SCARED = "I\u2019m scared to go home, my partner hits me"
STABBED = "My son was stabbed last week"
FLY_TIPPING = "Fly-tipping behind the shops"


@dataclass(frozen=True)
class Commented:
    consultation_id: int
    slug: str
    residents: int
    businesses: int


def commented(app) -> Commented:
    """The report tests' consultation with free-text questions, and comments to count.

    Camden: "comments" (residents' and businesses' questions share the key) from 14 residents
    and 3 businesses: "patrol" used by 15 of them (4 of whom say it three times), "station"
    by 8, one break-in (a crime flag) and one person scared to go home (safeguarding); 3
    "other, please say" answers to "seen". Hackney: 2 comments. No borough: 1, a stabbing.
    """
    made = make_consultation(app)
    with app.app_context():
        residents = db.session.get(QuestionnaireVersion, made.residents)
        businesses = db.session.get(QuestionnaireVersion, made.businesses)
        more = add_section(residents, "Anything else")
        add_question(more, "seen", QuestionKind.MULTIPLE_CHOICE, SEEN, required=False,
                     options=[("drugs", "Drug dealing"), ("litter", "Litter"),
                              {"value": "something-else", "label": "Something else",
                               "asks_other": True}])
        add_question(more, "comments", QuestionKind.LONG_TEXT, RESIDENTS_COMMENTS,
                     required=False)
        add_question(add_section(businesses, "Anything else"), "comments",
                     QuestionKind.LONG_TEXT, BUSINESS_COMMENTS, required=False)
        db.session.commit()
        start = db.session.get(Consultation, made.consultation_id).opens_at
        made_at = iter(start + timedelta(hours=n) for n in range(100))

        def resident(text=None, *, borough_slug="camden", channel=Channel.ONLINE, **given):
            extra = {"comments": {"text": text}} if text else {}
            respond(made.residents, {**answers(["burglary", "robbery", "knife-crime"]),
                                     **extra, **given},
                    borough_slug=borough_slug, channel=channel, submitted_at=next(made_at))

        for _ in range(8):
            resident("More patrols near the station please")
        for _ in range(4):
            resident("Patrols, patrols, PATROLS at night!", channel=Channel.TELEPHONE)
        for _ in range(3):
            respond(made.businesses, {**answers(["robbery", "burglary", "knife-crime"]),
                                      "comments": {"text": "Shoplifting is out of control; "
                                                           "more patrols"}},
                    submitted_at=next(made_at))
        resident(BROKE_IN)
        resident(SCARED)
        resident()  # no comment at all
        for _ in range(3):
            resident(seen={"options": ["litter", "something-else"], "other": FLY_TIPPING})
        for _ in range(2):
            resident("Knife crime outside the school", borough_slug="hackney")
        resident(STABBED, borough_slug=None)
        db.session.commit()
    return Commented(made.consultation_id, made.slug, made.residents, made.businesses)


def counted(app, client, run_tasks) -> Commented:
    """The comments counted through the officer's button, the officer still signed in."""
    made = commented(app)
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    return made


def by_ref(figures: dict) -> dict:
    return {q["ref"]: q for q in figures["free_text"]["questions"]}


def test_terms_are_words_people_used_counted_once_each():
    assert terms_of("Patrols, patrols, PATROLS at night!") == {"patrol", "night"}
    assert terms_of("I\u2019m fed up: the parties on Smith's estate go on and on") == {
        "fed", "party", "smith", "estate"}
    # Short words and stop words go; "business" and "bus" keep their s.
    assert terms_of("It is an ok bus to the business park") == {"bus", "business", "park"}
    # Words whose "s" is not a plural keep it.
    assert terms_of("Trans people read the news: chaos") == {"trans", "people", "read",
                                                             "news", "chaos"}
    assert terms_of("") == set()


def test_the_term_counter_stays_bounded_and_never_counts_too_many():
    rng = random.Random(7)
    truth: Counter = Counter()
    counter = TermCounter(capacity=20)
    for n in range(3000):
        terms = {"patrol"} if n % 3 == 0 else set()
        if n % 5 == 0:
            terms.add("lighting")
        terms |= {f"rare{rng.randrange(5000)}" for _ in range(3)}
        truth.update(terms)
        counter.add(terms)
        assert len(counter.counts) <= 40  # twice the capacity, whatever the vocabulary
    assert counter.undercount > 0  # it had to forget rare words
    assert counter.undercount <= counter.uses / 21  # the documented bound
    for term, n in counter.counts.items():
        assert truth[term] - counter.undercount <= n <= truth[term]
    assert [term for term, _ in counter.top(2)] == ["patrol", "lighting"]
    # Without pruning the counts are exact.
    exact = TermCounter(capacity=100)
    for terms in ({"a1", "b1"}, {"a1"}):
        exact.add(terms)
    assert exact.top(5) == [("a1", 2), ("b1", 1)] and exact.undercount == 0


def test_collation_counts_comments_per_question_across_questionnaires(app, client,
                                                                       run_tasks):
    made = counted(app, client, run_tasks)
    with app.app_context():
        camden = by_ref(snapshot(made.consultation_id, borough("camden").ons_code).figures)
        # London is counted by its own task: every borough and responses with none.
        consultation = db.session.get(Consultation, made.consultation_id)
        london = by_ref({"free_text": free_text_figures(consultation, None, flag=False)})
    comments = camden["comments"]
    assert comments["title"] == RESIDENTS_COMMENTS  # the residents' wording leads
    # 8 + 4 residents and 3 businesses, the break-in and the one scared; not the blank one.
    assert comments["comments"] == 17
    terms = dict(comments["terms"])
    assert terms["patrol"] == 15  # respondents, not the 4 x 3 times it was written
    assert terms["station"] == 8 and terms["shoplifting"] == 3
    assert "more" not in terms and "at" not in terms and "the" not in terms
    assert comments["undercount"] == 0
    other = camden["seen.other"]
    assert other == {"ref": "seen.other", "key": "seen", "source": "other",
                     "title": f"{SEEN} (other answers)", "comments": 3,
                     "tag": None, "option_values": ["something-else"],
                     "terms": [["fly", 3], ["shop", 3], ["tipping", 3]],
                     "undercount": 0}
    assert london["comments"]["comments"] == 17 + 2 + 1


def test_streaming_in_small_batches_with_a_small_vocabulary(app, run_tasks):
    """Streaming in tiny batches with a tiny vocabulary gives the same leading term, and says
    by how much its counts may be low; flags are inserted between batches as they are read."""
    made = commented(app)
    with app.app_context():
        consultation = db.session.get(Consultation, made.consultation_id)
        figures = free_text_figures(consultation, borough("camden").id, flag=True,
                                    capacity=4, batch=3)
        db.session.commit()
        flagged = {flag.answer.text: flag.category.value
                   for flag in db.session.scalars(select(CommentFlag))}
    assert flagged == {BROKE_IN: "crime", SCARED: "safeguarding"}
    comments = by_ref({"free_text": figures})["comments"]
    assert comments["comments"] == 17
    assert comments["terms"][0][0] == "patrol"
    assert comments["undercount"] > 0
    assert 15 - comments["undercount"] <= comments["terms"][0][1] <= 15


def test_the_report_shows_counts_and_common_terms_and_hides_small_ones(app, client,
                                                                      run_tasks):
    counted(app, client, run_tasks)
    page = client.get(REPORT)
    html, text = page.get_data(as_text=True), page_text(page)
    assert "Comments" in text
    assert table_row(html, "patrol") == "patrol | 15 | 88.2%"  # 15 of 17 comments
    # Words under 10 people are not shown at all: a rare word can identify someone.
    for rare in ("station", "shoplifting", "shed", "scared"):
        assert f">{rare}<" not in html
    assert "17 people wrote a comment." in text
    assert "Fewer than 10 people wrote a comment." in text  # the 3 "other" answers
    # The comments themselves are for the comments pages only.
    for comment in (BROKE_IN, "scared to go home", FLY_TIPPING, "More patrols near"):
        assert comment not in text

    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    by_label = {(r[0], r[1]): r[2:4] for r in rows[1:]}
    titles = {r[1] for r in rows if r[0] == "Comments"}
    assert f"{SEEN} (other answers)" in titles
    assert by_label[("Comments", f"{SEEN} (other answers)")] == ["fewer than 10", ""]
    comments_title = next(t for t in titles if t != f"{SEEN} (other answers)")
    assert by_label[("Comments", comments_title)] == ["17", ""]
    assert by_label[(f"Frequent terms: {comments_title}", "patrol")] == ["15", "88.2"]
    assert not any(r[1] in ("station", "shoplifting") for r in rows)
    assert not any(BROKE_IN in cell or FLY_TIPPING in cell for r in rows for cell in r)

    # A lower threshold shows more words, read from the same snapshot.
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    html = client.get(REPORT).get_data(as_text=True)
    assert table_row(html, "station") == "station | 8 | 47.1%"
    assert table_row(html, "shoplifting") == "shoplifting | 3 | 17.6%"
    assert ">shed<" not in html  # used by one person


def test_the_public_report_shows_the_same_figures_and_never_a_comment(
        app, client, other_client, run_tasks):
    counted(app, client, run_tasks)
    assert client.submit(REPORT + "/publish").status_code == 302
    page = other_client.get(PUBLIC)
    html, text = page.get_data(as_text=True), page_text(page)
    assert page.status_code == 200
    assert 'href="#comments"' in html and 'id="comments"' in html
    assert table_row(html, "patrol") == "patrol | 15 | 88.2%"
    assert ">station<" not in html
    assert "Fewer than 10 people wrote a comment." in text
    for comment in (BROKE_IN, "scared to go home", FLY_TIPPING, STABBED, "More patrols near"):
        assert comment not in text
    assert "followed up" not in text and "flagged" not in text
    # The API gives the page's figures: counts and common words, never a comment.
    report = other_client.get("/api/consultations/have-your-say-2027/reports/camden")
    assert report.status_code == 200 and report.get_json()["respondents"]["count"] == 21
    comments = {c["title"]: c for c in report.get_json()["comments"]}
    other = comments.pop(f"{SEEN} (other answers)")
    assert other["comments"] == {"count": None, "suppressed": True, "display": "fewer than 10"}
    assert other["terms"] == [] and other["withheld"] is False
    [written] = comments.values()
    assert written["comments"]["count"] == 17 and written["approximate"] is False
    assert written["terms"] == [{"term": "patrol", "share": 0.8824, "respondents": {
        "count": 15, "suppressed": False, "display": "15"}}]
    for url in ("/api/consultations", "/api/consultations/have-your-say-2027",
                "/api/consultations/have-your-say-2027/questionnaires/residents",
                "/api/consultations/have-your-say-2027/reports/camden"):
        body = other_client.get(url).get_data(as_text=True)
        # Whole words: "published" holds "shed". Only the report has "patrol", as a term.
        assert not re.search(r"\b(patrols|shed|station)\b", body, re.I), url
        for comment in (BROKE_IN, "scared to go home", FLY_TIPPING, STABBED):
            assert comment not in body


def test_counting_again_changes_nothing(app, client, run_tasks):
    made = counted(app, client, run_tasks)
    with app.app_context():
        first = snapshot(made.consultation_id, borough("camden").ons_code).figures["free_text"]
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    with app.app_context():
        again = snapshot(made.consultation_id, borough("camden").ons_code).figures["free_text"]
    assert again == first


def test_a_consultation_without_comment_questions_has_no_comments_section(app, client,
                                                                          run_tasks):
    make_consultation(app)
    with app.app_context():
        respond(_residents_version(), answers(["burglary", "robbery", "knife-crime"]))
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    html = client.get(REPORT).get_data(as_text=True)
    assert 'id="comments"' not in html
    assert "Comments to follow up" in page_text(client.get(REPORT))


def _residents_version() -> int:
    consultation = db.session.scalar(db.select(Consultation))
    return consultation.questionnaire_for(Audience.RESIDENTS).current_version.id


def test_equality_questions_in_their_own_words_are_never_comments(app, client, other_client,
                                                                   run_tasks):
    """What people say about themselves in the equality section (a text question, or "other,
    please say" there) is not counted, flagged, listed for staff or published."""
    made = make_consultation(app)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.residents)
        equality = next(section for section in version.sections if section.is_equality)
        add_question(equality, "gender-self", QuestionKind.SHORT_TEXT,
                     "How do you describe your gender?", required=False)
        add_question(equality, "religion", QuestionKind.SINGLE_CHOICE, "Your religion",
                     required=False,
                     options=[("none", "No religion"),
                              {"value": "another", "label": "Another religion",
                               "asks_other": True}])
        db.session.commit()
        for n in range(11):
            gender = "non-binary trans woman" if n else "I am a trans woman, please help me"
            respond(made.residents, {**answers(["burglary", "robbery", "knife-crime"],
                                               ethnic="white"),
                                     "gender-self": {"text": gender},
                                     "religion": {"option": "another", "other": "Pagan"}},
                    consent=True)
        db.session.commit()
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
        assert figures["free_text"] == {"questions": []}
        assert db.session.scalar(select(CommentFlag)) is None  # "please help me" unflagged
    index = page_text(client.get(REPORT + "/comments"))
    assert "How do you describe your gender?" not in index and "Your religion" not in index
    for ref in ("gender-self", "religion.other"):
        assert client.get(f"{REPORT}/comments/{ref}").status_code == 404
    assert client.submit(REPORT + "/publish").status_code == 302
    public = other_client.get(PUBLIC)
    html, text = public.get_data(as_text=True), page_text(public)
    assert public.status_code == 200
    assert "How do you describe your gender?" not in text and 'id="comments"' not in html
    assert "trans" not in text.lower() and "pagan" not in text.lower()


def test_a_question_nobody_wrote_in_says_so_in_words(app, client, run_tasks):
    made = make_consultation(app)
    with app.app_context():
        residents = db.session.get(QuestionnaireVersion, made.residents)
        add_question(add_section(residents, "Anything else"), "comments", QuestionKind.LONG_TEXT,
                     RESIDENTS_COMMENTS, required=False)
        db.session.commit()
        for _ in range(12):  # answered the rest, left the comments box empty
            respond(made.residents, answers(["burglary", "robbery", "knife-crime"]))
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    text = page_text(client.get(REPORT))
    assert "Nobody wrote a comment." in text
    assert "0 people wrote a comment" not in text
