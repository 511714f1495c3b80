"""What the question pages ask of the database: a page that is only shown runs outside a
transaction, and a person's draft comes with its questionnaire and consultation in one query.
(bench/submit.py measures why: these are the pages a consultation's public load is made of.)"""

from __future__ import annotations

from tests.helpers import csrf_token, statements
from tests.surveys.answering_support import (
    ANSWERS,
    answers_by_key,
    check_answers,
    complete,
    make_every_kind,
    page,
    reach,
    responses,
    start_url,
    step,
    submission_key,
)


def test_showing_a_question_page_reads_outside_a_transaction(client, app):
    made = make_every_kind(app)
    url = reach(client, made.questionnaire_id, 2)
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    assert seen, "the page ran no query"
    assert {level for _sql, level in seen} == {"AUTOCOMMIT"}, seen


def test_the_start_and_confirmation_pages_read_outside_a_transaction(client, app):
    made = make_every_kind(app)
    qid = made.questionnaire_id
    for url in ("/have-your-say/", start_url(qid)):
        with statements(app) as seen:
            assert client.get(url).status_code == 200
        assert seen and {level for _sql, level in seen} == {"AUTOCOMMIT"}, (url, seen)
    complete(client, qid)
    assert check_answers(client, qid).status_code == 302
    with statements(app) as seen:
        response = client.get(step(qid, "confirmation"))
    assert response.status_code == 200 and "reference" in response.get_data(as_text=True)
    assert seen and {level for _sql, level in seen} == {"AUTOCOMMIT"}, seen


def test_answering_a_question_page_writes_in_one_transaction(client, app):
    made = make_every_kind(app)
    url = reach(client, made.questionnaire_id, 2)
    token = csrf_token(client.get(url).get_data(as_text=True))  # from the page, as for a person
    with statements(app) as seen:
        response = client.post(url, data={"csrf_token": token, **ANSWERS[2]})
    assert response.status_code == 302
    writes = [sql for sql, _level in seen if sql.lstrip().upper().startswith("UPDATE")]
    assert writes and all("response_drafts" in sql for sql in writes)
    # Every statement of the answer, read and write, in the one transaction the view commits.
    assert {level for _sql, level in seen} == {None}, seen


def test_a_draft_brings_its_questionnaire_and_consultation(client, app):
    made = make_every_kind(app)
    qid = made.questionnaire_id
    url = reach(client, qid, 2)
    with statements(app) as seen:
        assert client.get(url).status_code == 200
    about_questionnaire = [sql for sql, _level in seen
                           if "FROM questionnaires" in sql or "JOIN questionnaires" in sql]
    assert len(about_questionnaire) == 1, about_questionnaire
    [query] = about_questionnaire
    assert "FROM response_drafts" in query and "consultations" in query


def test_without_a_draft_a_question_page_sends_the_person_to_the_start(client, app):
    made = make_every_kind(app)
    qid = made.questionnaire_id
    response = client.get(page(qid, 1))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/have-your-say/{qid}")
    # And a questionnaire that does not exist is not found, draft or none.
    assert client.get(page(qid + 1000, 1)).status_code == 404


def test_sending_stores_every_answer_in_one_insert_and_reads_nothing_after(client, app):
    made = make_every_kind(app)
    qid = made.questionnaire_id
    # A ranking, choices, an "other" box, a number: answers that leave different columns NULL.
    complete(client, qid, answers={2: {**ANSWERS[2], "q_safe": "somewhere-else",
                                       "q_safe_other": "At the bus stop"}})
    html = client.get(step(qid, "check-answers")).get_data(as_text=True)
    with statements(app) as seen:
        response = client.post(step(qid, "check-answers"), data={
            "csrf_token": csrf_token(html), "submission_key": submission_key(html)})
    assert response.status_code == 302
    sent = [" ".join(sql.split()).upper() for sql, _level in seen]
    assert len([sql for sql in sent if sql.startswith("INSERT INTO ANSWERS")]) == 1, sent
    # The draft's borough came with the draft, and the reference was read before the commit.
    assert not [sql for sql in sent if sql.startswith("SELECT BOROUGHS.")], sent
    assert sent[-1].startswith("UPDATE RESPONSE_DRAFTS"), sent
    assert len(responses(app)) == 1
    stored = answers_by_key(responses(app)[0])
    assert [a.text for a in stored["safe"]] == ["At the bus stop"]
    assert sorted(a.rank for a in stored["priorities"]) == [1, 2, 3]
    assert [a.number for a in stored["years"]] == [12]
