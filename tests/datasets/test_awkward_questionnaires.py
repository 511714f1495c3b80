"""Response files of awkward questionnaires, read as an analyst reads them: questions whose kind
changed between versions, keys and codes that would make the same column name, answers that
would give away an equality answer, and boroughs with nothing, or only blank paper forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys.models import (
    Channel,
    Consultation,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
)
from engage.surveys.responses import new_key, store_response
from tests.datasets.test_response_files import PAGE, SLUG, _analyst, _ask, _csv, _download
from tests.factories import borough
from tests.helpers import page_text
from tests.reports.support import AGES, DISABILITY, ETHNIC
from tests.surveys.support import add_question, add_section

ABC = (("a", "Walking"), ("b", "Cycling"), ("c", "The bus"))
OFTEN = (("never", "Never"), ("sometimes", "Sometimes"))


def _made(app, versions: int, build: Callable) -> list[int]:
    """A residents' questionnaire whose version n holds what build(version, n) adds."""
    with app.app_context():
        consultation = Consultation(slug=SLUG, title="Have your say 2027/28",
                                    opens_at=utcnow() - timedelta(days=10),
                                    closes_at=utcnow() + timedelta(days=20), all_boroughs=True)
        questionnaire = Questionnaire(consultation=consultation, audience="residents",
                                      title="Residents' questionnaire")
        ids = []
        for number in range(1, versions + 1):
            version = QuestionnaireVersion(number=number, questionnaire=questionnaire)
            db.session.add(version)
            build(version, number)
            db.session.flush()
            ids.append(version.id)
        db.session.commit()
        return ids


def _respond(app, version_id: int, answers: dict, **fields) -> None:
    fields.setdefault("channel", Channel.ONLINE)
    with app.app_context():
        store_response(db.session.get(QuestionnaireVersion, version_id), answers,
                       idempotency_key=new_key(), borough=borough("camden"), **fields)
        db.session.commit()


def _file(app, run_tasks, browser=None) -> tuple[list[str], list[dict], list[list[str]], str]:
    """Ask for the file on the page, let the worker make it, download it: the header, the rows,
    the codebook and the responses as text."""
    browser = browser or _analyst(app)
    _ask(browser, app, run_tasks)
    assert "Could not be made" not in page_text(browser.get(PAGE))
    archive, _ = _download(browser, app)
    rows = _csv(archive, "responses.csv")
    codebook = _csv(archive, "questions.csv")
    # Every column is labelled under its own name, one R, Stata, SPSS and pandas keep as it is.
    assert sorted({row[0] for row in codebook[1:]}) == sorted(rows[0])
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in rows[0])
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return rows[0], records, codebook, archive.read("responses.csv").decode("utf-8-sig")


def test_a_question_whose_kind_changed_keeps_every_answer_in_columns_of_its_own(
        app, run_tasks):
    """Version 1 asked "choose up to" questions, a number and a postcode; version 2 asks the
    same keys as "choose one", words and a "choose up to": no answer lost, mixed with another
    kind's, or able to stop the file being made, and no full postcode."""

    def build(version, number):
        main = add_section(version, "Travel")
        first = number == 1
        add_question(main, "travel", QuestionKind.MULTIPLE_CHOICE if first
                     else QuestionKind.SINGLE_CHOICE, "How do you travel?", ABC,
                     required=False)
        add_question(main, "where", QuestionKind.POSTCODE if first
                     else QuestionKind.SHORT_TEXT, "Where?", required=False)
        add_question(main, "trips", QuestionKind.NUMBER if first
                     else QuestionKind.MULTIPLE_CHOICE, "How many trips?",
                     () if first else OFTEN, required=False)

    first, second = _made(app, 2, build)
    _respond(app, first, {"travel": {"options": ["a", "c"]}, "where": {"postcode": "nw1 2db"},
                          "trips": {"number": 0}}, channel=Channel.PAPER)
    _respond(app, second, {"travel": {"option": "b"}, "where": {"text": "By the station"},
                           "trips": {"options": ["sometimes"]}})
    header, (old, new), codebook, text = _file(app, run_tasks)
    assert header == ["response", "version", "channel", "borough", "submitted_on", "travel",
                      "where", "trips_never", "trips_sometimes", "travel_v1_a",
                      "travel_v1_b", "travel_v1_c", "where_v1", "trips_v1"]
    assert {k: v for k, v in old.items() if v} == {
        "response": "1", "version": "1", "channel": "paper", "borough": "Camden",
        "submitted_on": old["submitted_on"], "travel_v1_a": "1", "travel_v1_b": "0",
        "travel_v1_c": "1", "where_v1": "NW1", "trips_v1": "0"}
    assert {k: v for k, v in new.items() if v} == {
        "response": "2", "version": "2", "channel": "online", "borough": "Camden",
        "submitted_on": new["submitted_on"], "travel": "b", "where": "By the station",
        "trips_never": "0", "trips_sometimes": "1"}
    assert "NW1 2DB" not in text
    assert ["where_v1", "2. Where?",
            "The postcode's district only (its first part, such as NW1)", "", "", "1"
            ] in codebook
    assert ["travel", "1. How do you travel?", "The code of the answer chosen", "b",
            "Cycling", "2"] in codebook


def test_column_names_never_clash_and_the_file_is_made(app, run_tasks):
    """Keys named like the file's own columns, a key beside a question's option column once
    hyphens are underscores, a code with a +, a key starting with a number."""

    def build(version, number):
        main = add_section(version, "Main")
        add_question(main, "version", QuestionKind.SINGLE_CHOICE, "Which version of the leaflet?",
                     ABC, required=False)
        add_question(main, "channel", QuestionKind.SHORT_TEXT, "Favourite TV channel?",
                     required=False)
        add_question(main, "help", QuestionKind.MULTIPLE_CHOICE, "What would help?",
                     (("more-patrols", "More patrols"), ("cctv", "CCTV"),
                      ("75+", "Help for people 75 or over")), required=False)
        add_question(main, "help-cctv", QuestionKind.SHORT_TEXT, "Where should CCTV go?",
                     required=False)
        add_question(main, "2027-plans", QuestionKind.LONG_TEXT, "Your plans for 2027?",
                     required=False)

    (version,) = _made(app, 1, build)
    _respond(app, version, {"version": {"option": "c"}, "channel": {"text": "BBC Four"},
                            "help": {"options": ["cctv", "75+"]},
                            "help-cctv": {"text": "High Street"},
                            "2027-plans": {"text": "Retire"}}, channel=Channel.TELEPHONE)
    header, (row,), codebook, _ = _file(app, run_tasks)
    assert header == ["response", "version", "channel", "borough", "submitted_on", "version_2",
                      "channel_2", "help_more_patrols", "help_cctv", "help_75_plus",
                      "help_cctv_2", "q2027_plans"]
    assert (row["version"], row["channel"], row["version_2"], row["channel_2"]) == (
        "1", "telephone", "c", "BBC Four")
    assert (row["help_more_patrols"], row["help_cctv"], row["help_75_plus"],
            row["help_cctv_2"], row["q2027_plans"]) == ("0", "1", "1", "High Street", "Retire")
    assert ["version_2", "1. Which version of the leaflet?", "The code of the answer chosen",
            "c", "The bus", "1"] in codebook
    assert ["help_cctv_2", "4. Where should CCTV go?", "Their words, as written", "", "",
            "1"] in codebook


def test_column_names_fit_stata_and_avoid_the_words_the_tools_reserve(app, run_tasks):
    """Stata renames a column of more than 32 characters to v1, v2..., and R and SPSS refuse
    names such as `in` and `by`: long names are cut to 32 (two cut alike told apart within
    them), reserved words get a `q_`, and names that fit are left as they are."""
    violence = (("serious-youth-violence", "Serious youth violence"),
                ("serious-youth-violence-online", "Serious youth violence online"))

    def build(version, number):
        main = add_section(version, "Main")
        add_question(main, "priorities", QuestionKind.MULTIPLE_CHOICE, "Priorities?",
                     violence, required=False)
        add_question(main, "in", QuestionKind.SHORT_TEXT, "Which area are you in?",
                     required=False)
        add_question(main, "by", QuestionKind.SINGLE_CHOICE, "By when?", ABC, required=False)

    (version,) = _made(app, 1, build)
    _respond(app, version, {"priorities": {"options": ["serious-youth-violence-online"]},
                            "in": {"text": "Kentish Town"}, "by": {"option": "a"}})
    header, (row,), codebook, _ = _file(app, run_tasks)
    assert header[5:] == ["priorities_serious_youth_violenc", "priorities_serious_youth_viole_2",
                          "q_in", "q_by"]
    assert max(len(name) for name in header) == 32
    assert (row["priorities_serious_youth_violenc"], row["priorities_serious_youth_viole_2"],
            row["q_in"], row["q_by"]) == ("0", "1", "Kentish Town", "a")
    # The codebook still says which option a cut name is.
    assert ["priorities_serious_youth_viole_2", "1. Priorities?",
            "1 if chosen, 0 if not (empty: the question was not answered, or their version did "
            "not offer it)", "", "Serious youth violence online", "1"] in codebook


def test_no_equality_answer_reaches_the_file_by_any_path(app, run_tasks):
    """An equality question in every version it appears in, one tagged outside the equality
    section, and the questions shown only after an equality answer (directly or not): their
    very presence would say what the answer was."""

    def build(version, number):
        main = add_section(version, "Main")
        add_question(main, "comments", QuestionKind.LONG_TEXT, "Anything else?",
                     required=False)
        if number == 1:
            # Asked of everyone in version 1, moved to the equality section in version 2.
            add_question(main, "disability", QuestionKind.SINGLE_CHOICE, "Disabled?",
                         DISABILITY, required=False)
        else:
            # An older version may have an equality tag outside the equality section.
            add_question(main, "age", QuestionKind.SINGLE_CHOICE, "Your age", AGES,
                         tag=ReportingTag.AGE_BAND, required=False)
        about = add_section(version, "About you", is_equality=True)
        ethnic = add_question(about, "ethnic-group", QuestionKind.SINGLE_CHOICE,
                              "Ethnic group", ETHNIC, tag=ReportingTag.ETHNIC_GROUP,
                              required=False)
        if number == 2:
            add_question(about, "disability", QuestionKind.SINGLE_CHOICE, "Disabled?",
                         DISABILITY, tag=ReportingTag.DISABILITY, required=False)
        later = add_section(version, "Stop and search")
        stopped = add_question(later, "stopped", QuestionKind.YES_NO, "Stopped and searched?",
                               required=False, show_if_question=ethnic,
                               show_if_values=["black"])
        add_question(later, "stopped-where", QuestionKind.SHORT_TEXT, "Where?",
                     required=False, show_if_question=stopped, show_if_values=["yes"])

    first, second = _made(app, 2, build)
    _respond(app, first, {"comments": {"text": "More patrols"},
                          "disability": {"option": "yes"}, "ethnic-group": {"option": "black"},
                          "stopped": {"option": "yes"},
                          "stopped-where": {"text": "Outside Camden Town station"}},
             equality_consent=True)
    _respond(app, second, {"age": {"option": "16-24"}, "disability": {"option": "no"},
                           "ethnic-group": {"option": "white"}}, equality_consent=True)
    browser = _analyst(app)
    header, rows, codebook, text = _file(app, run_tasks, browser)
    assert header == ["response", "version", "channel", "borough", "submitted_on", "comments"]
    assert [row["comments"] for row in rows] == ["More patrols", ""]
    for word in ("black", "white", "16-24", "yes", "Camden Town"):
        assert word not in text
    assert [row[0] for row in codebook[1:]] == [
        "response", "version", "channel", "borough", "submitted_on", "comments"]
    said = "shown only to people who gave a particular equality answer"
    assert said in page_text(browser.get(PAGE))
    assert said in " ".join(_download(browser, app)[0].read("about.txt").decode().split())


def test_a_borough_with_no_responses_and_blank_paper_forms(app, run_tasks):
    def build(version, number):
        main = add_section(version, "Main")
        add_question(main, "help", QuestionKind.MULTIPLE_CHOICE, "What would help?", ABC)
        add_question(main, "comments", QuestionKind.LONG_TEXT, "Anything else?",
                     required=False)

    (version,) = _made(app, 1, build)
    browser = _analyst(app)
    _ask(browser, app, run_tasks)
    assert "0 responses, ZIP" in page_text(browser.get(PAGE))
    archive, _ = _download(browser, app)
    assert _csv(archive, "responses.csv") == [
        ["response", "version", "channel", "borough", "submitted_on", "help_a", "help_b", "help_c",
         "comments"]]
    assert "0 responses, as stored" in archive.read("about.txt").decode()

    # A paper form keyed with everything left blank, and words that are awkward in a CSV.
    _respond(app, version, {}, channel=Channel.PAPER, relax_required=True)
    words = "-- too few, \"far\" too few --\nSee =A1\n" + "x" * 3000
    _respond(app, version, {"help": {"options": ["b"]}, "comments": {"text": words}})
    _, (blank, worded), _, _ = _file(app, run_tasks, browser)
    assert list(blank.values())[5:] == ["", "", "", ""]
    assert worded["comments"] == "'" + words
    assert (worded["help_a"], worded["help_b"]) == ("0", "1")


def test_about_says_which_columns_excel_would_turn_into_dates(app, run_tasks):
    """The businesses' template codes its sizes 1, 2-9, 10-49: Excel reads 2-9 as 2 September."""

    def build(version, number):
        main = add_section(version, "Your business")
        add_question(main, "business-size", QuestionKind.SINGLE_CHOICE, "How many staff?",
                     (("1", "Just me"), ("2-9", "2 to 9"), ("10-49", "10 to 49"),
                      ("250+", "250 or more")))
        add_question(main, "travel", QuestionKind.SINGLE_CHOICE, "How?", ABC, required=False)

    (version,) = _made(app, 1, build)
    _respond(app, version, {"business-size": {"option": "2-9"}})
    browser = _analyst(app)
    _, (row,), _, _ = _file(app, run_tasks, browser)
    assert row["business_size"] == "2-9"
    about = " ".join(_download(browser, app)[0].read("about.txt").decode().split())
    assert ("Excel turns codes such as 2-9 into dates when it opens a CSV file itself: use "
            "responses.xlsx in Excel. To open the CSV file instead, start Excel, choose Data, "
            "From Text/CSV, then Transform Data, and set these columns to Text: business_size "
            "(and the code column of questions.csv).") in about
