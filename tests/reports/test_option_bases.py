"""An option one questionnaire offers and the other does not is a share of the people who were
offered it: the businesses' "Shoplifting" is not divided by residents who never saw it, nor the
residents' "Knife crime" by businesses. Known answers, worked by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from engage.extensions import db
from engage.reports.models import LONDON
from engage.reports.published import build
from engage.reports.statistics import wilson_interval
from engage.surveys.models import Option, Question, QuestionKind
from tests.factories import borough
from tests.reports.support import answers, make_consultation, respond, snapshot
from tests.reports.test_collation import collate

MULTIPLE = QuestionKind.MULTIPLE_CHOICE


def _businesses_offer_shoplifting_not_knife_crime(app, made) -> None:
    with app.app_context():
        question = db.session.scalar(select(Question).where(
            Question.version_id == made.businesses, Question.key == "priorities"))
        db.session.execute(delete(Option).where(Option.question_id == question.id,
                                                Option.value == "knife-crime"))
        db.session.add(Option(question_id=question.id, position=9, value="shoplifting",
                              label="Shoplifting"))
        db.session.commit()


def _respond(app, made, *, ethnic: bool = False) -> None:
    """Camden: 20 residents choosing burglary and knife crime, 5 choosing robbery; 10
    businesses choosing shoplifting and burglary."""
    with app.app_context():
        for n in range(20):
            respond(made.residents, answers(["burglary", "knife-crime"], kind=MULTIPLE,
                                            ethnic=("white" if n < 12 else "asian")
                                            if ethnic else None), consent=ethnic)
        for _ in range(5):
            respond(made.residents, answers(["robbery"], kind=MULTIPLE,
                                            ethnic="black" if ethnic else None),
                    consent=ethnic)
        for _ in range(10):
            respond(made.businesses, answers(["shoplifting", "burglary"], kind=MULTIPLE))
        db.session.commit()


def test_each_share_is_of_those_offered_the_option(app, run_tasks):
    made = make_consultation(app, priorities_kind=MULTIPLE)
    _businesses_offer_shoplifting_not_knife_crime(app, made)
    _respond(app, made)
    collate(app, run_tasks, made.consultation_id)
    expected = {"burglary": (30, 35), "knife-crime": (20, 25), "shoplifting": (10, 10),
                "robbery": (5, 35), "anti-social-behaviour": (0, 35)}
    with app.app_context():
        for area, name in ((borough("camden").ons_code, "Camden"), (LONDON, "London")):
            figures = snapshot(made.consultation_id, area).figures
            assert figures["questions"]["priorities"]["answered"] == 35
            report = build(figures, threshold=1, area_name=name)
            rows = {row.key: row for row in report.priorities.table.rows}
            assert set(rows) == set(expected), area
            for key, (chosen, base) in expected.items():
                assert rows[key].cell.count == chosen, (area, key)
                assert rows[key].share == pytest.approx(chosen / base, abs=1e-12), (area, key)
                assert rows[key].interval == pytest.approx(wilson_interval(chosen, base),
                                                           abs=1e-12), (area, key)
            assert "each share is of the respondents who were offered it" in \
                report.priorities.table.note
            # Ranked by share: shoplifting first, as every business that saw it chose it.
            assert report.priorities.table.rows[0].key == "shoplifting"


def test_a_share_of_fewer_people_than_the_threshold_is_withheld(app, run_tasks):
    made = make_consultation(app, priorities_kind=MULTIPLE)
    _businesses_offer_shoplifting_not_knife_crime(app, made)
    _respond(app, made)
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
    rows = {row.key: row for row in build(figures, threshold=11,
                                          area_name="Camden").priorities.table.rows}
    # 10 businesses were offered shoplifting: fewer than 11, so no share (nor its count).
    assert rows["shoplifting"].share is None and rows["shoplifting"].interval is None
    assert rows["burglary"].share == pytest.approx(30 / 35)


def test_weighted_shares_use_the_same_bases(app, run_tasks):
    """Every business offered shoplifting chose it: weighted or not, its share is 1, whatever
    the weights. Divided by everyone, as before, it would be well under."""
    made = make_consultation(app, priorities_kind=MULTIPLE)
    _businesses_offer_shoplifting_not_knife_crime(app, made)
    _respond(app, made, ethnic=True)
    collate(app, run_tasks, made.consultation_id)
    with app.app_context():
        figures = snapshot(made.consultation_id, borough("camden").ons_code).figures
    report = build(figures, threshold=1, area_name="Camden")
    assert report.weighting.status == "weighted", report.weighting.paragraphs
    rows = {row.key: row for row in report.priorities.table.rows}
    assert rows["shoplifting"].weighted_share == pytest.approx(1.0, abs=1e-12)
    # The cells' bases: knife crime's are the 25 residents', shoplifting's the 10 businesses'.
    cells = figures["cells"]["questions"]["priorities"]
    assert set(cells["offered"]) == {"knife-crime", "shoplifting"}
    assert sum(cells["offered"]["knife-crime"].values()) == 25
    assert sum(cells["offered"]["shoplifting"].values()) == 10


def test_a_share_whose_base_would_give_back_a_hidden_audience_is_withheld(
        app, client, other_client, run_tasks):
    """Camden: 20 residents choosing burglary and knife crime, 10 choosing robbery and knife
    crime; 6 businesses choosing shoplifting and burglary (businesses are not offered knife
    crime). The audience table hides the 6 ("fewer than 10") and the 30 residents ("not
    shown"). Knife crime's share, 30 of the 30 offered it, 100.0%, told a reader its base: 30
    residents answered, so the businesses were 36 - 30 = 6. A share is withheld where the
    people not offered it, answered less its base, are fewer than the threshold."""
    from tests.helpers import page_text
    from tests.reports.test_disclosure import API, PUBLIC, published
    from tests.reports.test_pages import table_row

    made = make_consultation(app, priorities_kind=MULTIPLE)
    _businesses_offer_shoplifting_not_knife_crime(app, made)
    with app.app_context():
        for n, chosen in ((20, ["burglary", "knife-crime"]), (10, ["robbery", "knife-crime"])):
            for _ in range(n):
                respond(made.residents, answers(chosen, kind=MULTIPLE))
        for _ in range(6):
            respond(made.businesses, answers(["shoplifting", "burglary"], kind=MULTIPLE))
        db.session.commit()
    published(app, client, run_tasks)
    page = other_client.get(PUBLIC)
    html = page.get_data(as_text=True)
    assert table_row(html, "Businesses").startswith("Businesses | fewer than 10")
    assert table_row(html, "Residents").startswith("Residents | not shown")
    # Robbery's share is of all 36 (everyone was offered it): 10 of 36 gives nothing away.
    assert table_row(html, "Robbery").startswith("Robbery | 10 (27.8%")
    assert table_row(html, "Knife crime") == "Knife crime | 30"
    assert "88.6% to 100.0%" not in page_text(page)  # its interval, which gives 30 too
    body = other_client.get(API).get_json()
    knife = next(r for r in body["priorities"]["options"] if r["key"] == "knife-crime")
    assert knife["share"] is None and knife["interval"] is None
