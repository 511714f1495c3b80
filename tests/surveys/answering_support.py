"""A questionnaire that asks every kind of question, and helpers that answer it over HTTP as a
person would (GET each page, POST it with its CSRF token).

    made = make_every_kind(app)
    draft_page = begin(client, made.questionnaire_id)     # Start now: a draft in the session
    check = complete(client, made.questionnaire_id)       # every page answered with ANSWERS

Pages (sections) of the residents' questionnaire:

    1 "Priorities"        priorities  ranking, top 3 of 5, tag priorities        (one question)
    2 "Policing"          confidence  rating, tag confidence
                          safe        single choice; "somewhere-else" asks other
                          victim      yes/no, tag victim-of-crime
    3 "What happened"     crimes      multiple choice, up to 2, shown if victim is "yes";
                                      "other" asks other, "prefer-not-to-say" is exclusive
                          when        date, shown if victim is "yes"
    4 "A little more"     years       number 0 to 100
                          street      short text, optional
                          postcode    postcode, optional
                          comments    long text, optional
    5 "About you"         age-band    single choice, optional, tag age-band (equality section)
"""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.surveys.models import (
    Answer,
    QuestionKind,
    QuestionnaireVersion,
    ReportingTag,
    Response,
    ResponseContact,
    ResponseDraft,
)
from tests.helpers import Browser
from tests.surveys.support import AGE_BANDS, RATINGS, add_question, add_section, make_consultation

PRIORITIES = [("burglary", "Burglary"), ("robbery", "Robbery"), ("knife-crime", "Knife crime"),
              ("drugs", "Drugs"), ("anti-social-behaviour", "Anti-social behaviour")]

# What complete() posts on each page, by section position (form field names).
ANSWERS = {
    1: {"q_priorities_1": "knife-crime", "q_priorities_2": "burglary", "q_priorities_3": "drugs"},
    2: {"q_confidence": "good", "q_safe": "very-safe", "q_victim": "no"},
    3: {"q_crimes": ["theft"], "q_when": ["3", "2", "2027"]},
    4: {"q_years": "12", "q_street": "", "q_postcode": "", "q_comments": ""},
    5: {"q_age_band": "25-to-64"},
}


def build_every_kind(version: QuestionnaireVersion) -> None:
    priorities = add_section(version, "Priorities")
    add_question(priorities, "priorities", QuestionKind.RANKING,
                 "Which crimes should the police in your area focus on?", rank_count=3,
                 options=PRIORITIES, tag=ReportingTag.PRIORITIES)
    policing = add_section(version, "Policing",
                           introduction="Some questions about the police where you live.")
    add_question(policing, "confidence", QuestionKind.RATING,
                 "How good a job are the police doing in this area?", options=RATINGS,
                 tag=ReportingTag.CONFIDENCE)
    add_question(policing, "safe", QuestionKind.SINGLE_CHOICE,
                 "Where do you feel least safe?",
                 options=[("very-safe", "I feel safe everywhere"), ("streets", "In the street"),
                          {"value": "somewhere-else", "label": "Somewhere else",
                           "asks_other": True}])
    victim = add_question(policing, "victim", QuestionKind.YES_NO,
                          "In the last 12 months, have you been a victim of crime?",
                          tag=ReportingTag.VICTIM_OF_CRIME)
    happened = add_section(version, "What happened")
    db.session.flush()  # the conditions need victim's id
    add_question(happened, "crimes", QuestionKind.MULTIPLE_CHOICE, "What happened?",
                 max_choices=2, show_if_question=victim, show_if_values=["yes"],
                 options=[("theft", "Theft"), ("burglary", "Burglary"),
                          ("assault", "Assault"),
                          {"value": "other", "label": "Something else", "asks_other": True},
                          {"value": "prefer-not-to-say", "label": "Prefer not to say",
                           "exclusive": True}])
    add_question(happened, "when", QuestionKind.DATE, "When did it last happen?",
                 show_if_question=victim, show_if_values=["yes"])
    more = add_section(version, "A little more")
    add_question(more, "years", QuestionKind.NUMBER, "How many years have you lived here?",
                 min_value=0, max_value=100)
    add_question(more, "street", QuestionKind.SHORT_TEXT, "Which street do you live on?",
                 required=False)
    add_question(more, "postcode", QuestionKind.POSTCODE, "Where do you work?", required=False)
    add_question(more, "comments", QuestionKind.LONG_TEXT, "Anything else?", required=False)
    about = add_section(version, "About you", is_equality=True)
    add_question(about, "age-band", QuestionKind.SINGLE_CHOICE, "What is your age?",
                 options=AGE_BANDS, required=False, tag=ReportingTag.AGE_BAND)


def make_every_kind(app, **kwargs):
    """A consultation (see make_consultation's options) whose questionnaire asks every kind."""
    made = make_consultation(app, questions=False, **kwargs)
    with app.app_context():
        for version_id in made.version_ids.values():
            build_every_kind(db.session.get(QuestionnaireVersion, version_id))
        db.session.commit()
    return made


def start_url(questionnaire_id: int) -> str:
    return f"/have-your-say/{questionnaire_id}"


def step(questionnaire_id: int, name: str) -> str:
    return f"/have-your-say/{questionnaire_id}/{name}"


def page(questionnaire_id: int, position: int) -> str:
    return f"/have-your-say/{questionnaire_id}/questions/{position}"


def begin(client: Browser, questionnaire_id: int):
    """Press Start now."""
    return client.submit(step(questionnaire_id, "start"), form_page=start_url(questionnaire_id))


def post(client: Browser, url: str, data: dict, follow: bool = False):
    """Answer the page at `url` (GET it for its CSRF token, then POST)."""
    return client.submit(url, data, follow_redirects=follow)


def complete(client: Browser, questionnaire_id: int, *, postcode: str = "SW9 6AA",
             answers: dict | None = None, consent: str = "yes", reply: dict | None = None):
    """Start and answer every page, stopping at "Check your answers" (its response)."""
    begin(client, questionnaire_id)
    post(client, step(questionnaire_id, "postcode"), {"postcode": postcode})
    pages = {**ANSWERS, **(answers or {})}
    response = client.get(page(questionnaire_id, 1))
    while True:
        location = _next(client, response)
        if location is None:
            raise AssertionError(f"stuck at {response.request.path}")
        if "/questions/" in location:
            position = int(location.rsplit("/", 1)[1].split("?")[0])
            response = post(client, location, pages[position])
        elif location.endswith("/about-you"):
            response = post(client, location, {"consent": consent})
        elif location.endswith("/reply"):
            response = post(client, location, reply or {})
        elif location.endswith("/check-answers"):
            return client.get(location)
        else:
            raise AssertionError(f"unexpected step {location}")


def _next(client: Browser, response) -> str | None:
    if response.status_code == 302:
        return response.headers["Location"]
    if response.status_code == 200:
        return response.request.path
    return None


def check_answers(client: Browser, questionnaire_id: int, **extra):
    """POST "Send my answers" with the page's submission key (and anything in `extra`)."""
    html = client.get(step(questionnaire_id, "check-answers")).get_data(as_text=True)
    return client.submit(step(questionnaire_id, "check-answers"),
                         {"submission_key": submission_key(html), **extra})


def submission_key(html: str) -> str:
    import re

    found = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert found, "no submission key on the page"
    return found.group(1)


def responses(app) -> list[Response]:
    with app.app_context():
        found = db.session.scalars(select(Response).order_by(Response.id)).all()
        for response in found:
            _ = response.borough, response.answers
            for answer in response.answers:
                _ = answer.question, answer.option
        db.session.expunge_all()
        return found


def drafts(app) -> list[ResponseDraft]:
    with app.app_context():
        found = db.session.scalars(select(ResponseDraft).order_by(ResponseDraft.id)).all()
        db.session.expunge_all()
        return found


def contacts(app) -> list[ResponseContact]:
    with app.app_context():
        found = db.session.scalars(select(ResponseContact)).all()
        db.session.expunge_all()
        return found


def answers_by_key(response: Response) -> dict[str, list[Answer]]:
    found: dict[str, list[Answer]] = {}
    for answer in response.answers:
        found.setdefault(answer.question.key, []).append(answer)
    return found


def reach(client: Browser, questionnaire_id: int, position: int, answers: dict | None = None,
          postcode: str = "SW9 6AA") -> str:
    """Start, give a postcode and answer the pages before `position`; returns its URL."""
    begin(client, questionnaire_id)
    post(client, step(questionnaire_id, "postcode"), {"postcode": postcode})
    pages = {**ANSWERS, **(answers or {})}
    for earlier in range(1, position):
        if earlier == 3 and pages[2].get("q_victim") != "yes":
            continue  # hidden: nobody was a victim
        response = post(client, page(questionnaire_id, earlier), pages[earlier])
        assert response.status_code == 302, f"page {earlier} was refused"
    return page(questionnaire_id, position)
