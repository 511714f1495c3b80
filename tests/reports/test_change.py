"""Change since the previous consultation: Newcombe's interval against the paper's own worked
examples, the comparison rules, and the table on the staff page after two counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from engage.clock import utcnow
from engage.extensions import db
from engage.reports.change import difference_interval, priority_change
from engage.surveys.models import QuestionKind
from engage.templating import points
from tests.factories import PASSWORD, create_user
from tests.reports.support import CAMDEN, answers, make_consultation, respond, snapshot
from tests.reports.test_pages import table_row


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "low", "high"), [
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", Statistics in Medicine 17, Table II, method 10 (hybrid score).
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
])
def test_the_interval_of_a_change_matches_newcombe(k1, n1, k2, n2, low, high):
    interval = difference_interval(k1, n1, k2, n2)
    assert interval == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_no_interval_when_either_side_has_nobody():
    assert difference_interval(0, 0, 3, 10) is None
    assert difference_interval(3, 10, 0, 0) is None


def test_points_carry_their_sign():
    assert points(0.049) == "+4.9"
    assert points(-0.02) == "\u22122.0"
    assert points(0.0001) == "0.0"
    assert points(None) == ""


def _question(chosen: dict[str, int], answered: int, ranking=False, places=None) -> dict:
    return {"ranking": ranking, "places": places, "answered": answered,
            "options": [{"value": v, "label": v.title(), "chosen": n, "points": 0}
                        for v, n in chosen.items()]}


def _previous(question: dict) -> dict:
    return {"slug": "before", "title": "Have your say 2026/27",
            "made_at": "2026-03-01T12:00:00", "priorities": question}


def test_each_priority_is_compared_where_both_sides_are_shown():
    now = _question({"burglary": 60, "robbery": 30, "drugs": 25}, 100)
    before = _question({"burglary": 40, "robbery": 31, "fraud": 20}, 100)
    change = priority_change(now, _previous(before), threshold=10)
    assert change.comparable and change.title == "Have your say 2026/27"
    rows = {row.key: row for row in change.rows}
    burglary = rows["burglary"]
    assert burglary.change == pytest.approx(0.2, abs=1e-12)
    assert burglary.interval == difference_interval(60, 100, 40, 100)
    assert burglary.beyond_chance
    assert not rows["robbery"].beyond_chance  # 30% against 31%
    assert rows["drugs"].before is None and rows["drugs"].note == "not asked last time"
    assert "fraud" not in rows  # not asked this time: nothing to compare it with


def test_a_hidden_share_on_either_side_hides_the_change():
    now = _question({"burglary": 60, "robbery": 5, "drugs": 35}, 100)
    before = _question({"burglary": 40, "robbery": 40, "drugs": 20}, 100)
    rows = {row.key: row for row in priority_change(now, _previous(before), 10).rows}
    # 5 is under the threshold, and its complement (the next smallest, drugs) goes with it.
    assert rows["robbery"].change is None and rows["robbery"].now is None
    assert rows["drugs"].change is None
    assert rows["burglary"].change == pytest.approx(0.2)


def test_a_question_asked_differently_is_not_compared():
    now = _question({"burglary": 60}, 100, ranking=True, places=3)
    before = _question({"burglary": 60}, 100, ranking=False)
    change = priority_change(now, _previous(before), 10)
    assert not change.comparable and change.rows == []
    assert "asked differently" in change.reason


def test_choose_one_and_choose_up_to_three_are_not_compared():
    now = {**_question({"burglary": 60}, 100), "choices": 3}
    before = {**_question({"burglary": 40}, 100), "choices": 1}
    change = priority_change(now, _previous(before), 10)
    assert not change.comparable and "asked differently" in change.reason
    assert priority_change(now, _previous({**before, "choices": 3}), 10).comparable


def test_nothing_to_compare_without_a_previous_report():
    assert priority_change(_question({"burglary": 60}, 100), None, 10) is None


def test_the_staff_report_shows_the_change_since_the_last_consultation(
        app, client, run_tasks):
    now = utcnow()
    last_year = make_consultation(app, slug="have-your-say-2026",
                                  opens_at=now - timedelta(days=400),
                                  closes_at=now - timedelta(days=300),
                                  priorities_kind=QuestionKind.MULTIPLE_CHOICE)
    this_year = make_consultation(app, slug="have-your-say-2027",
                                  priorities_kind=QuestionKind.MULTIPLE_CHOICE)
    with app.app_context():
        for _ in range(20):
            respond(last_year.residents, answers(["burglary"], kind=QuestionKind.MULTIPLE_CHOICE))
        for _ in range(20):
            respond(last_year.residents, answers(["robbery"], kind=QuestionKind.MULTIPLE_CHOICE))
        for _ in range(30):
            respond(this_year.residents, answers(["burglary"], kind=QuestionKind.MULTIPLE_CHOICE))
        for _ in range(10):
            respond(this_year.residents, answers(["robbery"], kind=QuestionKind.MULTIPLE_CHOICE))
        db.session.commit()
        user = create_user(roles={"officer": "camden"})
        email = user.email
    client.sign_in(email, PASSWORD)
    for slug in ("have-your-say-2026", "have-your-say-2027"):
        page = f"/staff/boroughs/camden/reports/{slug}"
        client.submit(page + "/collate", form_page=page)
        run_tasks()
    page = client.get("/staff/boroughs/camden/reports/have-your-say-2027").get_data(as_text=True)
    assert "Change since Have your say (have-your-say-2026)" in page
    # The shares compared are the unweighted ones, beside weighted ones elsewhere: say so.
    assert "in percentage points. Both shares are as counted, not weighted." in page
    html = page[page.index('id="change-since-previous"'):]
    low, high = difference_interval(30, 40, 20, 40)
    assert table_row(html, "Burglary") == (
        f"Burglary | 75.0% | 50.0% | +25.0 (*larger than chance alone would explain) | "
        f"{points(low)} to {points(high)}")
    assert table_row(html, "Robbery").startswith("Robbery | 25.0% | 50.0% | \u221225.0")
    figures = client.get("/staff/boroughs/camden/reports/have-your-say-2027/figures.csv")
    rows = list(csv.reader(io.StringIO(figures.get_data(as_text=True))))
    section = "Change since Have your say (have-your-say-2026) (percentage points)"
    burglary = next(r for r in rows if r[:2] == [section, "Burglary"])
    assert burglary[3] == "75.0" and burglary[4:6] == [f"up {100 * low:.1f}",
                                                       f"up {100 * high:.1f}"]
    assert burglary[-1] == "up 25.0 (larger than chance alone would explain)"
    robbery = next(r for r in rows if r[:2] == [section, "Robbery"])
    assert robbery[-1].startswith("down 25.0")
    with app.app_context():
        # Copied whole from last year's snapshot (the database hands over only that part).
        before = snapshot(last_year.consultation_id, CAMDEN).figures
        now_figures = snapshot(this_year.consultation_id, CAMDEN).figures
        assert now_figures["previous"]["priorities"] == before["questions"]["priorities"]
        assert now_figures["previous"]["slug"] == "have-your-say-2026"
    # The earlier consultation has nothing before it.
    earlier = client.get("/staff/boroughs/camden/reports/have-your-say-2026")
    assert "Change since" not in earlier.get_data(as_text=True)
