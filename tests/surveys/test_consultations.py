"""Staff create and change consultations: London times stored as UTC across the clock changes,
boroughs covered, who may do what, questionnaires per audience and the ready template."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.surveys.models import Audience, Consultation, Questionnaire, Section
from tests.factories import create_officer, create_user
from tests.helpers import form_keys, inserts, page_text
from tests.surveys.support import STAFF, make_consultation, sign_in_staff

FORM = {
    "title": "Have your say 2027/28",
    "slug": "",
    "purpose": "Tell us what the police should focus on in your area.",
    "coverage": "all",
    "opens_on": ["1", "4", "2027"],  # British Summer Time
    "opens_time": "9am",
    "closes_on": ["30", "11", "2027"],  # Greenwich Mean Time
    "closes_time": "5:30pm",
}


def _consultation(app, slug: str) -> Consultation:
    with app.app_context():
        found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        assert found is not None, f"no consultation {slug}"
        boroughs = [b.slug for b in found.boroughs]
        db.session.expunge(found)
        found.borough_slugs = boroughs
        return found


def _create(client, **overrides):
    return client.submit(f"{STAFF}/new", {**FORM, **overrides})


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_administrator_creates_a_consultation_in_london_time(client, app):
    sign_in_staff(client, app)
    response = _create(client)
    assert response.status_code == 302
    assert response.location.endswith(f"{STAFF}/have-your-say-2027-28")
    made = _consultation(app, "have-your-say-2027-28")
    # 9am BST is 8am UTC; 5:30pm GMT is 5:30pm UTC.
    assert made.opens_at == datetime(2027, 4, 1, 8, 0)
    assert made.closes_at == datetime(2027, 11, 30, 17, 30)
    assert made.all_boroughs and made.borough_slugs == []
    assert "consultation.created" in _actions(app)

    page = page_text(client.get(response.location))
    assert "1 April 2027 at 9am" in page and "30 November 2027 at 5:30pm" in page
    assert "All 32 London boroughs" in page

    # The same title again gets its own web address.
    assert _create(client).location.endswith(f"{STAFF}/have-your-say-2027-28-2")


def test_a_consultation_sent_twice_is_created_once(client, app):
    """A double click or a browser retry: the second sending goes where the first went."""
    sign_in_staff(client, app)
    data = {**form_keys(client.get(f"{STAFF}/new").get_data(as_text=True)), **FORM}
    first = client.post(f"{STAFF}/new", data)
    with inserts(app) as inserted:
        second = client.post(f"{STAFF}/new", data)
    assert inserted == []  # it found the first one's key before making anything
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    with app.app_context():
        assert db.session.scalars(select(Consultation.slug)).all() == ["have-your-say-2027-28"]
    assert _actions(app).count("consultation.created") == 1
    assert "sent twice, and saved once" in page_text(client.get(second.location))


def test_chosen_boroughs_and_a_chosen_web_address(client, app):
    sign_in_staff(client, app)
    response = _create(client, coverage="some", boroughs=["camden", "islington"],
                       slug="camden-and-islington-2027")
    assert response.status_code == 302
    made = _consultation(app, "camden-and-islington-2027")
    assert not made.all_boroughs and made.borough_slugs == ["camden", "islington"]

    taken = _create(client, slug="camden-and-islington-2027")
    assert taken.status_code == 200
    assert "Another consultation already uses this web address" in page_text(taken)


def test_bad_details_get_clear_errors_and_save_nothing(client, app):
    sign_in_staff(client, app)
    cases = [
        ({"title": ""}, "Enter the title of the consultation"),
        ({"closes_on": ["1", "4", "2027"], "closes_time": "8am"},
         "The closing date and time must be after the opening date and time"),
        # The clocks go forward at 1am on 28 March 2027: 1:30am does not exist.
        ({"opens_on": ["28", "3", "2027"], "opens_time": "1:30am"},
         "The opening time does not exist"),
        ({"opens_time": "nine"}, "Enter the opening time in the form 9am or 09:00"),
        ({"opens_on": ["", "", ""]}, "Enter the opening date"),
        ({"opens_on": ["1", "", "2027"]}, "Opening date must include a month"),
        ({"closes_time": ""}, "Enter the closing time"),
        ({"closes_on": ["31", "2", "2027"]}, "Closing date must be a real date"),
        ({"coverage": "some"}, "Select at least one borough"),
        ({"coverage": "some", "boroughs": ["atlantis"]}, "Select boroughs from the list"),
        ({"slug": "Not A Slug!"}, "The web address must be lower-case letters"),
    ]
    for overrides, message in cases:
        response = _create(client, **overrides)
        assert response.status_code == 200, overrides
        text = page_text(response)
        assert "There is a problem" in text and message in text, (overrides, text[:2000])
    page = _create(client, closes_on=["1", "4", "2027"], closes_time="8am")
    assert 'href="#closes_time"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Consultation.id)) is None


def test_the_autumn_hour_is_taken_as_british_summer_time(client, app):
    sign_in_staff(client, app)
    # 1:30am happens twice on 31 October 2027: the first (BST, 00:30 UTC) is meant.
    _create(client, opens_on=["31", "10", "2027"], opens_time="1:30am")
    assert _consultation(app, "have-your-say-2027-28").opens_at == datetime(2027, 10, 31, 0, 30)


def test_changing_a_consultation(client, app):
    sign_in_staff(client, app)
    _create(client)
    url = f"{STAFF}/have-your-say-2027-28/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="09:00"' in form and 'value="17:30"' in form  # shown back in London time

    unchanged = client.submit(url, FORM, follow_redirects=True)
    assert "Nothing was changed" in page_text(unchanged)

    changed = client.submit(url, {**FORM, "title": "Have your say 2028",
                                  "coverage": "some", "boroughs": ["hackney"],
                                  "closes_time": "11:59pm"})
    assert changed.status_code == 302
    made = _consultation(app, "have-your-say-2027-28")  # the web address stays unless changed
    assert made.title == "Have your say 2028" and made.borough_slugs == ["hackney"]
    assert made.closes_at == datetime(2027, 11, 30, 23, 59)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent)
                                  .where(AuditEvent.action == "consultation.changed"))
        assert event.details["after"]["boroughs"] == ["hackney"]
        assert event.borough.slug == "hackney"


def test_a_closing_time_of_midnight_is_refused_not_read_as_a_day_early(client, app):
    """"Closes 30 November, midnight" was stored as the first moment of 30 November: the
    consultation closed a day before the night people meant. 11:59pm says which."""
    sign_in_staff(client, app)
    for typed in ("midnight", "12am", "00:00"):
        refused = _create(client, closes_time=typed)
        assert refused.status_code == 200, typed
        assert ("Midnight could mean the start or the end of 30 November 2027. Enter 11:59pm "
                "for the end of that day") in page_text(refused), typed
        assert 'href="#closes_time' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Consultation)) is None
    assert _create(client, closes_time="11:59pm").status_code == 302
    url = f"{STAFF}/have-your-say-2027-28/edit"
    grace = client.submit(url, {**FORM, "closes_time": "11:59pm",
                                "paper_grace_on": ["31", "12", "2027"],
                                "paper_grace_time": "midnight"})
    assert grace.status_code == 200
    assert "Midnight could mean the start or the end of 31 December 2027" in page_text(grace)
    assert _consultation(app, "have-your-say-2027-28").paper_grace_until is None


def test_a_consultation_closing_at_midnight_already_keeps_its_time_when_changed(client, app):
    """One saved at midnight before midnight was refused is changed without moving it; moving
    it to another midnight is refused."""
    sign_in_staff(client, app)
    _create(client)
    with app.app_context():
        made = db.session.scalar(select(Consultation))
        made.closes_at = datetime(2027, 11, 30, 0, 0)  # midnight, Greenwich Mean Time
        db.session.commit()
    url = f"{STAFF}/have-your-say-2027-28/edit"
    assert 'value="00:00"' in client.get(url).get_data(as_text=True)
    kept = client.submit(url, {**FORM, "title": "Have your say 2028", "closes_time": "00:00"})
    assert kept.status_code == 302
    changed = _consultation(app, "have-your-say-2027-28")
    assert (changed.title, changed.closes_at) == ("Have your say 2028",
                                                  datetime(2027, 11, 30, 0, 0))
    moved = client.submit(url, {**FORM, "closes_on": ["1", "12", "2027"],
                                "closes_time": "00:00"})
    assert moved.status_code == 200
    assert "Midnight could mean the start or the end of 1 December 2027" in page_text(moved)


def test_officers_work_only_on_their_own_boroughs(client, app):
    sign_in_staff(client, app, create_officer, "camden")
    london = make_consultation(app)
    camden = make_consultation(app, boroughs=["camden"])
    shared = make_consultation(app, boroughs=["camden", "islington"])

    form = client.get(f"{STAFF}/new").get_data(as_text=True)
    assert 'value="camden"' in form and 'value="islington"' not in form
    assert "All 32 London boroughs" not in form  # an all-London consultation is not offered

    response = _create(client, coverage="all", boroughs=["camden"], title="Camden 2027")
    assert response.status_code == 302
    assert _consultation(app, "camden-2027").borough_slugs == ["camden"]
    refused = _create(client, boroughs=["islington"], title="Islington 2027")
    assert "Select boroughs from the list" in page_text(refused)

    assert client.get(f"{STAFF}/{camden.slug}/edit").status_code == 200
    assert client.get(f"{STAFF}/{london.slug}/edit").status_code == 403
    assert client.get(f"{STAFF}/{shared.slug}/edit").status_code == 403
    # They may still look at every consultation.
    assert client.get(f"{STAFF}/{london.slug}").status_code == 200
    listing = client.get(STAFF).get_data(as_text=True)
    assert listing.count("You can change it") == 2  # camden and camden-2027


def test_other_staff_look_but_do_not_change(client, app, other_client):
    sign_in_staff(client, app, create_user, roles={"analyst": "camden"})
    made = make_consultation(app, boroughs=["camden"])
    assert client.get(STAFF).status_code == 200
    assert client.get(f"{STAFF}/{made.slug}").status_code == 200
    assert client.get(f"{STAFF}/{made.slug}/residents").status_code == 200
    assert "Create a consultation" not in page_text(client.get(STAFF))
    assert client.get(f"{STAFF}/new").status_code == 403
    assert client.get(f"{STAFF}/{made.slug}/edit").status_code == 403
    assert client.get(f"{STAFF}/{made.slug}/questionnaires/new").status_code == 403

    sign_in_staff(other_client, app, create_user)  # no staff role at all
    assert other_client.get(STAFF).status_code == 403


def test_staff_home_links_to_consultations(client, app):
    sign_in_staff(client, app, create_officer, "camden")
    assert f'href="{STAFF}"' in client.get("/staff/").get_data(as_text=True)


def test_one_questionnaire_per_audience(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, questions=False)  # residents only
    url = f"{STAFF}/{made.slug}/questionnaires/new"
    form = client.get(url).get_data(as_text=True)
    assert 'value="businesses"' in form and 'value="residents"' not in form

    twice = client.submit(url, {"audience": "residents", "title": "Again"})
    assert "Select who it is for" in page_text(twice)
    missing = client.submit(url, {"audience": "businesses", "title": ""})
    assert "Enter the title of the questionnaire" in page_text(missing)

    added = client.submit(url, {"audience": "businesses", "title": "Businesses: have your say",
                                "introduction": "About 10 minutes."})
    assert added.location.endswith(f"{STAFF}/{made.slug}/businesses")
    with app.app_context():
        questionnaire = db.session.scalar(select(Questionnaire).where(
            Questionnaire.audience == Audience.BUSINESSES))
        assert questionnaire.title == "Businesses: have your say"
        assert [v.number for v in questionnaire.versions] == [1]
    # Both audiences have one now: the page says so instead of offering a form.
    assert "already has a questionnaire for each audience" in page_text(
        client.get(url, follow_redirects=True))

    details = f"{STAFF}/{made.slug}/businesses/details"
    client.submit(details, {"title": "Business crime survey", "introduction": ""})
    with app.app_context():
        assert db.session.get(Questionnaire, questionnaire.id).title == "Business crime survey"
    assert "questionnaire.changed" in _actions(app)


def test_a_questionnaire_sent_twice_is_created_once(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, audiences=())
    url = f"{STAFF}/{made.slug}/questionnaires/new"
    data = {**form_keys(client.get(url).get_data(as_text=True)), "audience": "residents",
            "title": "Have your say"}
    first = client.post(url, data)
    # Its audience is no longer one to choose, yet the second sending goes where the first went.
    with inserts(app) as inserted:
        second = client.post(url, data)
    assert inserted == []
    assert first.status_code == second.status_code == 302
    assert first.location.endswith(f"{STAFF}/{made.slug}/residents")
    assert second.location == first.location
    with app.app_context():
        assert db.session.scalars(select(Questionnaire.title)).all() == ["Have your say"]
    assert _actions(app).count("questionnaire.created") == 1


def test_start_from_the_ready_template(client, app):
    sign_in_staff(client, app)
    made = make_consultation(app, audiences=())
    page = f"{STAFF}/{made.slug}"
    assert "Start from the ready template" in page_text(client.get(page))
    response = client.submit(f"{page}/template", form_page=page, follow_redirects=True)
    assert "The ready template's questionnaires are added" in page_text(response)
    with app.app_context():
        consultation = db.session.get(Consultation, made.consultation_id)
        audiences = {q.audience for q in consultation.questionnaires}
        assert audiences == {Audience.RESIDENTS, Audience.BUSINESSES}
        assert all(q.current_version.sections for q in consultation.questionnaires)
    assert "consultation.template_used" in _actions(app)
    # Offered only while there are no questionnaires; a second go adds nothing.
    assert "Start from the ready template" not in page_text(client.get(page))
    again = client.submit(f"{page}/template", form_page=page, follow_redirects=True)
    assert "already has questionnaires" in page_text(again)
    with app.app_context():
        assert len(db.session.scalars(select(Questionnaire)).all()) == 2
        assert db.session.scalar(select(Section.id)) is not None
