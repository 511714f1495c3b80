"""Counts a published report hides must not come back by subtraction: from the confidence
headline less the answers table, from the confidence figures less the gap's two groups (the
third group, ethnic group not known), from the ethnic group table staff see beside the gap's
groups, or from an "other, please say" comment count beside the option it belongs to. The tests
read the published report as the public does, and as staff do where only they see a table."""

from __future__ import annotations

import csv
import io

from engage.extensions import db
from engage.surveys.models import Option, QuestionKind, QuestionnaireVersion
from tests.factories import PASSWORD, create_officer
from tests.helpers import page_text
from tests.reports.support import answers, make_consultation, respond
from tests.reports.test_pages import table_row

REPORT = "/staff/boroughs/camden/reports/have-your-say-2027"
PUBLIC = "/boroughs/camden/have-your-say/have-your-say-2027/report"
API = "/api/consultations/have-your-say-2027/reports/camden"
RANKED = ["burglary", "robbery", "knife-crime"]


def published(app, client, run_tasks):
    """Count Camden's report through the officer's button and publish it."""
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    client.submit(REPORT + "/collate", form_page=REPORT)
    run_tasks()
    assert client.submit(REPORT + "/publish").status_code == 302


def groups_answering(app, unknown_confidence: str):
    """White: 12 good, 10 poor; Black: 10 good, 10 poor (all agreeing to the equality
    questions); and 3 more, ethnic group not known, answering `unknown_confidence`."""
    made = make_consultation(app)
    with app.app_context():
        for n, confidence, ethnic in ((12, "good", "white"), (10, "poor", "white"),
                                      (10, "good", "black"), (10, "poor", "black")):
            for _ in range(n):
                respond(made.residents, answers(RANKED, confidence, ethnic=ethnic,
                                                age="16-24"), consent=True)
        for _ in range(3):
            respond(made.residents, answers(RANKED, unknown_confidence))
        db.session.commit()
    return made


def confidence_of(body: dict) -> dict:
    return next(m for m in body["measures"] if m["tag"] == "confidence")


def test_the_headline_is_withheld_when_less_the_table_it_gives_a_hidden_count(
        app, client, other_client, run_tasks):
    """Answers: excellent 3, good 22, poor 20. The table hides the 3 and, so that the total
    cannot narrow it down, the 20 ("not shown"); a headline of 25 of 45 positive, less the 22
    shown, would give the 3 back."""
    groups_answering(app, "excellent")
    published(app, client, run_tasks)
    body = other_client.get(API).get_json()
    confidence = confidence_of(body)
    rows = {r["key"]: r["respondents"]["display"] for r in confidence["answers"]}
    assert rows["excellent"] == "fewer than 10" and rows["poor"] == "not shown"
    assert rows["good"] == "22"
    assert confidence["headline"] is None
    # The base alone gives nothing away: the hidden cells with a view add up to 23.
    assert confidence["with_a_view"]["count"] == 45
    text = page_text(other_client.get(PUBLIC))
    assert "55.6%" not in text
    assert "Not shown: too few people answered" in text
    # Nor does the weighting section print the headline's count.
    assert "respondents said excellent or good" not in text
    assert ("Confidence in local policing: excellent or good weighted share not shown"
            in text)
    # The 45 with a view less the 22 White and 20 Black respondents would be the 3 whose
    # ethnic group is not known: the gap is withheld, with neither group's figures.
    gap = body["confidence_gap"]
    assert gap["status"] == "withheld" and gap["points"] is None and gap["groups"] == []
    assert ("The confidence gap is not shown: fewer than 10 White respondents or Black and "
            "minority ethnic respondents gave a view, or too few gave one of the answers") in text
    assert "of 22 White respondents" not in text


def test_the_gap_is_withheld_when_the_group_not_known_would_be_small(
        app, client, other_client, run_tasks):
    """Answers: good 25, poor 20, every cell shown and the headline too. White 12 of 22 and
    Black 10 of 20 would each be shown, but 45 - 22 - 20 = 3 people whose ethnic group is
    not known, all 3 positive (25 - 12 - 10)."""
    groups_answering(app, "good")
    published(app, client, run_tasks)
    body = other_client.get(API).get_json()
    confidence = confidence_of(body)
    assert confidence["headline"]["share"] == round(25 / 45, 4)  # nothing hidden here
    gap = body["confidence_gap"]
    assert gap["status"] == "withheld" and gap["points"] is None and gap["groups"] == []
    text = page_text(other_client.get(PUBLIC))
    assert "The confidence gap is not shown" in text
    assert "of 22 White respondents" not in text and "of 20 Black" not in text
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert not any(r[0] == "Confidence gap" and "White respondents" in r[1] for r in rows)
    # But the gap is there, not shown, as on the page: not left out as if never measured.
    assert [(r[1], r[-1]) for r in rows if r[0] == "Confidence gap"] == [
        ("Gap in percentage points (not weighted)", "not shown")]


def test_the_gap_is_measured_when_the_group_not_known_is_large_enough(
        app, client, other_client, run_tasks):
    made = groups_answering(app, "good")
    with app.app_context():
        for _ in range(7):  # 10 not known, all positive, none on the other side
            respond(made.residents, answers(RANKED, "good"))
        db.session.commit()
    published(app, client, run_tasks)
    gap = other_client.get(API).get_json()["confidence_gap"]
    assert gap["status"] == "measured"
    assert gap["points"] == round(100 * (12 / 22 - 10 / 20), 2)


def test_an_other_comment_count_is_not_shown_when_its_option_is_hidden(
        app, client, other_client, run_tasks):
    """Priorities: burglary 20, robbery 3, "something else" 16 (hidden with the 3, so that
    the total leaves the 3 anywhere from 1 to 9). The 16 who wrote what else would give the
    hidden 16 back."""
    made = make_consultation(app, priorities_kind=QuestionKind.SINGLE_CHOICE)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.residents)
        priorities = next(q for s in version.sections for q in s.questions
                          if q.key == "priorities")
        priorities.max_choices = None
        priorities.options.append(Option(position=99, value="something-else",
                                         label="Something else", asks_other=True))
        db.session.commit()
        for n, option, other in ((20, "burglary", None), (3, "robbery", None),
                                 (16, "something-else", "Cycling on pavements")):
            for _ in range(n):
                given = {"option": option, **({"other": other} if other else {})}
                respond(made.residents, {"priorities": given, "confidence": {"option": "good"}})
        db.session.commit()
    published(app, client, run_tasks)
    page = other_client.get(PUBLIC)
    html, text = page.get_data(as_text=True), page_text(page)
    assert "Something else | not shown" in table_row(html, "Something else")
    assert "What should the police focus on? (other answers)" in text
    assert ("How many people wrote a comment, and the words they used, are not shown") in text
    assert "16 people wrote a comment" not in text
    assert ">cycling<" not in html and ">pavement<" not in html
    assert 'href="#comments"' in html
    # Nor in the API: the question is named, its count and words withheld.
    api = other_client.get("/api/consultations/have-your-say-2027/reports/camden").get_json()
    assert api["comments"] == [{"ref": api["comments"][0]["ref"],
                                "title": "What should the police focus on? (other answers)",
                                "withheld": True, "comments": None, "approximate": False,
                                "terms": []}]
    # Nor in the downloads.
    rows = list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    comments = [r for r in rows if r[0] == "Comments" or r[0].startswith("Frequent terms")]
    # "not shown" where the count would be, as for every hidden count.
    assert [(r[0], r[1], r[2], r[-1]) for r in comments] == [
        ("Comments", "What should the police focus on? (other answers)", "not shown", "")]
    assert not any("cycling" in cell or cell == "16" for r in comments for cell in r)
    assert not any("cycling" in cell for r in rows for cell in r)
    # Where the option is shown, so is the count of its comments.
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    text = page_text(other_client.get(PUBLIC))
    assert "16 people wrote a comment." in text


def test_an_other_comment_count_is_not_shown_when_few_chose_it_and_wrote_nothing(
        app, client, other_client, run_tasks):
    """Priorities: burglary 20, robbery 15, "something else" 15, of whom 12 wrote what else
    (the other 3 answered before the option asked for words): all shown, but 15 - 12 would say
    that 3 people chose it and wrote nothing."""
    made = make_consultation(app, priorities_kind=QuestionKind.SINGLE_CHOICE)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, made.residents)
        priorities = next(q for s in version.sections for q in s.questions
                          if q.key == "priorities")
        priorities.max_choices = None
        something_else = Option(position=99, value="something-else", label="Something else")
        priorities.options.append(something_else)
        db.session.commit()
        for _ in range(3):
            respond(made.residents, {"priorities": {"option": "something-else"},
                                     "confidence": {"option": "good"}})
        something_else.asks_other = True  # as a later version of the questionnaire would
        db.session.commit()
        for n, option, other in ((20, "burglary", None), (15, "robbery", None),
                                 (12, "something-else", "Cycling on pavements")):
            for _ in range(n):
                given = {"option": option, **({"other": other} if other else {})}
                respond(made.residents, {"priorities": given, "confidence": {"option": "good"}})
        db.session.commit()
    published(app, client, run_tasks)
    page = other_client.get(PUBLIC)
    html, text = page.get_data(as_text=True), page_text(page)
    assert table_row(html, "Something else").startswith("Something else | 15")
    assert "12 people wrote a comment" not in text
    assert ("How many people wrote a comment, and the words they used, are not shown") in text
    # With a threshold of 3, the 3 who wrote nothing may be shown, and so may the 12.
    app.config["ENGAGE_SUPPRESSION_THRESHOLD"] = 3
    assert "12 people wrote a comment." in page_text(other_client.get(PUBLIC))


def test_the_base_is_withheld_when_respondents_less_it_give_hidden_dont_knows(
        app, client, other_client, run_tasks):
    """Everyone must answer the confidence question, and the respondents are published: 42
    respondents less a base of 38 with a view would give back the 4 "don't know" the table
    hides (with "good", so that the total cannot narrow it down). So neither the base nor the
    headline is shown."""
    made = make_consultation(app)
    with app.app_context():
        for n, confidence in ((15, "good"), (12, "poor"), (11, "fair"), (4, "dont-know")):
            for _ in range(n):
                respond(made.residents, answers(RANKED, confidence))
        db.session.commit()
    published(app, client, run_tasks)
    body = other_client.get(API).get_json()
    assert body["respondents"]["count"] == 42
    confidence = confidence_of(body)
    rows = {r["key"]: r["respondents"]["display"] for r in confidence["answers"]}
    assert rows["dont-know"] == "fewer than 10" and rows["good"] == "not shown"
    assert (rows["fair"], rows["poor"]) == ("11", "12")
    assert confidence["headline"] is None
    assert confidence["with_a_view"]["count"] is None
    text = page_text(other_client.get(PUBLIC))
    assert "39.5%" not in text  # 15 of 38
    assert "Not shown: too few people answered" in text


def residents_by_ethnic_group(app, agreeing: dict[str, tuple[int, int]]):
    """Residents agreeing to the equality questions, `agreeing` giving each ethnic group's
    (good, poor) answers to confidence, and 30 who did not agree: 15 good, 15 poor."""
    made = make_consultation(app)
    with app.app_context():
        rows = [(n, confidence, ethnic, True) for ethnic, (good, poor) in agreeing.items()
                for n, confidence in ((good, "good"), (poor, "poor"))]
        for n, confidence, ethnic, consent in [*rows, (15, "good", "white", False),
                                               (15, "poor", "white", False)]:
            for _ in range(n):
                respond(made.residents, answers(RANKED, confidence, ethnic=ethnic,
                                                age="16-24"), consent=consent)
        db.session.commit()
    return made


def staff_csv(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(
        client.get(REPORT + "/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))


def test_told_the_gap_s_group_bases_a_reader_still_cannot_find_a_hidden_ethnic_group(
        app, client, run_tasks):
    """White 20, Asian 30, Black 3, Mixed 12 (agreeing), 30 not agreeing: 95. Left to
    itself, the ethnic group table would hide Black's 3 with White's 20 alone (95 less the
    shown 72 is 23), and the gap's "of 20 White respondents" would give the 3 back. The table
    also hides, within Black and minority ethnic respondents, Asian's 30: the gap's "of 45"
    then says only that Black and Asian make 33, Black still anywhere from 1 to 9."""
    residents_by_ethnic_group(app, {"white": (10, 10), "asian": (30, 0), "black": (3, 0),
                                    "mixed": (12, 0)})
    published(app, client, run_tasks)
    page = client.get(REPORT)
    html, text = page.get_data(as_text=True), page_text(page)
    assert table_row(html, "White").startswith("White | not shown")
    assert table_row(html, "Asian").startswith("Asian | not shown")
    assert table_row(html, "Black").startswith("Black | fewer than 10")
    assert table_row(html, "Mixed").startswith("Mixed | 12")
    assert ("50.0% of 20 White respondents and 100.0% of 45 Black and minority ethnic "
            "respondents who gave a view said excellent or good.") in text

    # The reader's working, from the CSV: each group's base less its cells shown is what the
    # table hides of that group. Of Black and minority ethnic respondents that is 33, in a
    # "not shown" cell (at least 10) and Black's: Black is anywhere from 1 to 9 still.
    rows = staff_csv(client)
    ethnic = {r[1]: r[2] for r in rows if r[0] == "Ethnic group"}
    bases = [r[2] for r in rows if r[0] == "Confidence gap" and r[2]]
    assert bases == ["20", "45"]
    minority = {k: v for k, v in ethnic.items() if k in ("Asian", "Black", "Mixed", "Other")}
    hidden = 45 - sum(int(n) for n in minority.values() if n.isdigit())
    assert hidden == 33 and sorted(minority.values()) == ["0", "12", "fewer than 10",
                                                          "not shown"]
    assert hidden - 10 >= 9  # the "not shown" cell at its least leaves Black up to 23


def test_the_gap_is_withheld_when_no_hiding_keeps_a_group_s_small_count_from_its_base(
        app, client, other_client, run_tasks):
    """White 20, Asian 12, Black 3 (agreeing), 30 not agreeing. Black and minority ethnic
    respondents are 15: told that, a reader has Black at 3 to 9 however the table hides
    Black's and Asian's cells. So the gap shows neither group, here and in public."""
    residents_by_ethnic_group(app, {"white": (10, 10), "asian": (12, 0), "black": (3, 0)})
    published(app, client, run_tasks)
    text = page_text(client.get(REPORT))
    assert ("or too few gave one of the answers or belong to one ethnic group, to show it "
            "without identifying") in text
    assert "of 20 White" not in text and "of 15 Black" not in text
    assert [(r[1], r[2], r[-1]) for r in staff_csv(client) if r[0] == "Confidence gap"] == [
        ("Gap in percentage points (not weighted)", "", "not shown")]
    gap = other_client.get(API).get_json()["confidence_gap"]
    assert gap["status"] == "withheld" and gap["groups"] == [] and gap["points"] is None
    assert "of 20 White" not in page_text(other_client.get(PUBLIC))


# Camden's residents for the weighting paragraph's test: (name, respondents, ethnic group, age
# band, confidence, feeling safe, priorities, agreed to the equality questions).
AGE_PREFER_NOT = (
    ("W1", 15, "white", "16-24", "good", "very-safe", RANKED, True),
    ("B1", 15, "black", "16-24", "good", "very-safe", RANKED, True),
    ("W2", 10, "white", "25-34", "good", "very-safe", RANKED, True),
    ("B2", 10, "black", "25-34", "good", "very-safe", RANKED, True),
    ("P", 4, "white", "prefer-not-to-say", "good", "very-safe", RANKED, True),
    ("N", 40, "white", "16-24", "good", "very-safe", RANKED, False),
)


def test_the_weighting_paragraph_does_not_give_back_a_count_the_age_table_hides(
        app, client, run_tasks):
    """Weighted by ethnic group and age band, 94 residents: 50 agreeing and known on both,
    4 agreeing who preferred not to give their age, 40 not agreeing. The age band table
    hides the 4 ("fewer than 10") and, to protect it, 25 to 34's 20, but shows "not answered"
    40. Said beside it, "44 of 94 respondents ... count once each, unweighted" would give the 4
    back: 44 less the 40 who did not answer. So the paragraph says it without the number."""
    from tests.reports.test_weighting import counted

    counted(app, client, run_tasks, groups=AGE_PREFER_NOT)
    page = client.get(REPORT)
    html, text = page.get_data(as_text=True), page_text(page)
    assert table_row(html, "Prefer not to say").startswith("Prefer not to say | 0")  # ethnic
    ages = html[html.index("Age band: respondents"):]
    assert table_row(ages, "Prefer not to say").startswith("Prefer not to say | fewer than 10")
    assert table_row(ages, "25 to 34").startswith("25 to 34 | not shown")
    assert table_row(ages, "Not answered (or did not agree to these questions)").startswith(
        "Not answered (or did not agree to these questions) | 40")
    assert "Weighted shares are weighted to Camden's population by ethnic group and age band" \
        in text
    assert "44 of 94" not in text
    assert ("Some respondents did not give their ethnic group or age band, did not agree to "
            "answer the equality questions, or were not asked them: they count once each, "
            "unweighted. How many is not shown, as it would give away a number the tables of "
            "who answered hide.") in text
    # Nor in the CSV, which carries the same paragraphs.
    assert not any("44 of 94" in cell for row in staff_csv(client) for cell in row)


def test_a_question_one_questionnaire_does_not_ask_does_not_give_back_its_respondents(
        app, client, other_client, run_tasks):
    """33 residents and 7 businesses; only the residents' questionnaire asks about feeling
    safe: very safe 15, fairly safe 10, a bit unsafe 5, very unsafe 3. The audience table hides
    the 7 ("fewer than 10") and the 33. Alone, the feeling safe table hid the 5 and the 3 and,
    to protect them, the 15, and gave its base: 33 with a view, the residents, so 40 - 33 = 7
    businesses. Where the audience table hides a count, those not asked (or not answering), 7,
    are a hidden cell of the table too, and the base is withheld: a reader has 40 less the
    shown 15 and 10, 15, for the 5, the 3 and the 7, each of them still 1 to 9."""
    made = make_consultation(app)
    with app.app_context():
        for n, safe in ((15, "very-safe"), (10, "fairly-safe"), (5, "a-bit-unsafe"),
                        (3, "very-unsafe")):
            for _ in range(n):
                respond(made.residents, answers(RANKED, "good", safe))
        for _ in range(7):
            respond(made.businesses, answers(RANKED, "good"))
        db.session.commit()
    published(app, client, run_tasks)
    body = other_client.get(API).get_json()
    audiences = {r["key"]: r["respondents"]["display"] for r in body["by_audience"]}
    assert audiences == {"residents": "not shown", "businesses": "fewer than 10"}
    safe = next(m for m in body["measures"] if m["tag"] == "feeling-safe")
    shown = {r["key"]: r["respondents"]["display"] for r in safe["answers"]}
    assert shown == {"very-safe": "15", "fairly-safe": "10", "a-bit-unsafe": "fewer than 10",
                     "very-unsafe": "fewer than 10", "never-alone-after-dark": "0"}
    assert safe["with_a_view"]["count"] is None and safe["headline"] is None
    # Nor their shares: 15 and its share of those who answered would give 33 again.
    assert all(r["share"] is None for r in safe["answers"])
