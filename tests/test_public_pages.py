"""The public pages people find their way by: a borough's page (its open consultations and its
published reports), finding a borough by postcode, and the accessibility statement."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.reports.targets_models import ReportPublication
from engage.surveys.models import Audience
from engage.templating import london_time
from tests.factories import PASSWORD, create_officer
from tests.helpers import Browser, page_text
from tests.reports import support as reports
from tests.surveys.support import make_consultation

CAMDEN = "/boroughs/camden"


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.get_data(as_text=True))


# A borough's open consultations ----------------------------------------------------------------

def test_a_borough_page_says_when_nothing_is_open(app, client):
    now = utcnow()
    make_consultation(app, title="Closed one", opens_at=now - timedelta(days=60),
                      closes_at=now - timedelta(days=1))
    make_consultation(app, title="Not open yet", opens_at=now + timedelta(days=5),
                      closes_at=now + timedelta(days=40))
    make_consultation(app, title="Hackney only", boroughs=["hackney"])
    page = client.get(CAMDEN)
    assert page.status_code == 200
    text = page_text(page)
    assert "There are no consultations open in Camden at the moment." in text
    for title in ("Not open yet", "Hackney only"):
        assert title not in text
    # The closed one is not offered to answer, only its results by email until they are out.
    assert "Closed one" not in text[:text.index("What you told us")]
    assert ("The results of Closed one for Camden are not published yet. Get an email when "
            "they are") in text


def test_a_borough_page_lists_the_consultations_open_there_with_links_to_start(app, client):
    every = make_consultation(app, title="Have your say 2027/28",
                              audiences=(Audience.RESIDENTS, Audience.BUSINESSES))
    some = make_consultation(app, title="Camden and Hackney survey",
                             boroughs=["camden", "hackney"])
    make_consultation(app, title="Lambeth only", boroughs=["lambeth"])

    page = client.get(CAMDEN)
    text = page_text(page)
    assert "There are no consultations open in Camden" not in text
    assert "Have your say 2027/28" in text and "Camden and Hackney survey" in text
    assert "Lambeth only" not in text
    with app.app_context():
        from engage.surveys.models import Consultation

        closes = london_time(db.session.get(Consultation, every.consultation_id).closes_at)
    assert f"Open until {closes}." in text
    # Each questionnaire's link is its title; whom it is for is said beside it, not repeated in it.
    assert "Have your say: residents If you live in London" in text
    assert ("Have your say: businesses If you run or manage a business or organisation in London"
            in text)
    assert "(for residents)" not in text
    assert (f'href="/have-your-say/{every.questionnaire_ids["residents"]}">Have your say: '
            'residents</a>') in page.get_data(as_text=True)
    links = hrefs(page)
    for questionnaire_id in [*every.questionnaire_ids.values(), some.questionnaire_id]:
        assert f"/have-your-say/{questionnaire_id}" in links
    # Each link opens the questionnaire's start page.
    start = client.get(f"/have-your-say/{every.questionnaire_ids['residents']}")
    assert start.status_code == 200

    # Another borough covered only by the all-London one sees only that.
    hackney, lambeth = page_text(client.get("/boroughs/hackney")), page_text(
        client.get("/boroughs/lambeth"))
    assert "Camden and Hackney survey" in hackney and "Lambeth only" not in hackney
    assert "Lambeth only" in lambeth and "Camden and Hackney survey" not in lambeth


# A borough's published reports -----------------------------------------------------------------

def report_url(borough: str, slug: str) -> str:
    return f"/boroughs/{borough}/have-your-say/{slug}/report"


def counted(app, client, run_tasks, slug: str, borough: str = "camden") -> str:
    """A consultation with a few responses, counted by the borough's officer (signed in on
    `client`); returns the staff report's address."""
    made = reports.make_consultation(app, slug=slug)
    with app.app_context():
        for _ in range(3):
            reports.respond(made.residents, reports.answers(["burglary", "robbery", "knife-crime"]),
                            borough_slug=borough)
        db.session.commit()
    staff = f"/staff/boroughs/{borough}/reports/{slug}"
    client.submit(staff + "/collate", form_page=staff)
    run_tasks()
    return staff


def test_only_published_reports_are_listed_on_the_borough_page_newest_first(
        app, client, other_client, run_tasks):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    older = counted(app, client, run_tasks, "have-your-say-2026")
    newer = counted(app, client, run_tasks, "have-your-say-2027")
    counted(app, client, run_tasks, "have-your-say-2028")  # counted, never published

    # Counted, not published: nothing public yet.
    text = page_text(other_client.get(CAMDEN))
    assert "No reports have been published for Camden yet." in text
    assert "/report" not in "".join(hrefs(other_client.get(CAMDEN)))

    assert client.submit(newer + "/publish").status_code == 302
    assert client.submit(older + "/publish").status_code == 302
    with app.app_context():
        # Published in the other order: the list goes by when each was published, newest first.
        rows = {p.consultation.slug: p for p in db.session.scalars(select(ReportPublication))}
        rows["have-your-say-2026"].published_at = utcnow() - timedelta(days=300)
        db.session.commit()
        published = {slug: london_time(p.published_at) for slug, p in rows.items()}

    page = other_client.get(CAMDEN)
    text = page_text(page)
    assert "No reports have been published" not in text
    links = [h for h in hrefs(page) if h.endswith("/report")]
    assert links == [report_url("camden", "have-your-say-2027"),
                     report_url("camden", "have-your-say-2026")]
    assert ("Have your say (have-your-say-2027): report for Camden Published on "
            f"{published['have-your-say-2027']}") in text
    assert ("Have your say (have-your-say-2026): report for Camden Published on "
            f"{published['have-your-say-2026']}") in text
    # Counted like the others, but never published: no link, no title among the reports.
    assert report_url("camden", "have-your-say-2028") not in links
    assert "have-your-say-2028): report for Camden" not in text
    assert other_client.get(report_url("camden", "have-your-say-2028")).status_code == 404
    for link in links:
        assert other_client.get(link).status_code == 200

    # Camden's reports are Camden's: Hackney's page lists none.
    hackney = other_client.get("/boroughs/hackney")
    assert "No reports have been published for Hackney yet." in page_text(hackney)

    # Taken down: gone from the borough page too.
    client.submit(newer + "/unpublish", form_page=newer)
    links = [h for h in hrefs(other_client.get(CAMDEN)) if h.endswith("/report")]
    assert links == [report_url("camden", "have-your-say-2026")]


def test_a_report_whose_consultation_no_longer_covers_the_borough_is_not_linked(
        app, client, other_client, run_tasks):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    staff = counted(app, client, run_tasks, "have-your-say-2027")
    client.submit(staff + "/publish")
    assert other_client.get(report_url("camden", "have-your-say-2027")).status_code == 200
    with app.app_context():
        from engage.surveys.models import Consultation
        from tests.factories import borough

        consultation = db.session.scalar(select(Consultation))
        consultation.all_boroughs = False
        consultation.boroughs = [borough("hackney")]
        db.session.commit()
    assert other_client.get(report_url("camden", "have-your-say-2027")).status_code == 404
    assert "No reports have been published for Camden yet." in page_text(
        other_client.get(CAMDEN))


def test_a_consultations_published_reports_are_ready_for_its_closed_page(
        app, client, other_client, run_tasks):
    """published_reports_of, the template global for a page about one consultation (the page
    saying it has closed): each published borough report, by borough name, and no others."""
    from engage.public.views import published_reports_of
    from engage.surveys.models import Consultation

    with app.app_context():
        create_officer("camden", email="camden@example.org")
        create_officer("hackney", email="hackney@example.org")
        create_officer("lambeth", email="lambeth@example.org")
    client.sign_in("camden@example.org", PASSWORD)
    camden = counted(app, client, run_tasks, "have-your-say-2027")
    with app.app_context():
        made = db.session.scalar(select(Consultation))
        made_id = made.id
        residents = made.questionnaire_for(Audience.RESIDENTS).current_version.id
        for _ in range(3):
            for slug in ("hackney", "lambeth"):
                reports.respond(residents,
                                reports.answers(["burglary", "robbery", "knife-crime"]),
                                borough_slug=slug)
        db.session.commit()
    for slug, publish in (("hackney", True), ("lambeth", False)):
        other_client.sign_in(f"{slug}@example.org", PASSWORD)
        staff = f"/staff/boroughs/{slug}/reports/have-your-say-2027"
        other_client.submit(staff + "/collate", form_page=staff)
        run_tasks()
        if publish:
            assert other_client.submit(staff + "/publish").status_code == 302
        other_client.sign_out()
    assert client.submit(camden + "/publish").status_code == 302
    with app.app_context():
        consultation = db.session.get(Consultation, made_id)
        assert [p.borough.slug for p in published_reports_of(consultation)] == [
            "camden", "hackney"]  # Lambeth's was counted, never published
    assert "have-your-say-2027): report for Hackney" in page_text(
        other_client.get("/boroughs/hackney"))
    assert "No reports have been published for Lambeth yet." in page_text(
        other_client.get("/boroughs/lambeth"))
    # Once it has closed, its page links each published report.
    with app.app_context():
        consultation = db.session.get(Consultation, made_id)
        consultation.closes_at = consultation.opens_at + (consultation.closes_at
                                                          - consultation.opens_at) / 1000
        questionnaire_id = consultation.questionnaire_for(Audience.RESIDENTS).id
        db.session.commit()
    closed = Browser(app).get(f"/have-your-say/{questionnaire_id}")
    text = page_text(closed)
    assert "This consultation has closed" in text
    assert "What people told us" in text and "Camden Hackney" in text and "Lambeth" not in text
    assert '/boroughs/hackney/have-your-say/have-your-say-2027/report"' in closed.get_data(
        as_text=True)


# Between consultations ------------------------------------------------------------------------

def test_between_consultations_have_your_say_gives_the_next_date_and_the_last_reports(
        app, client, other_client, run_tasks):
    from engage.surveys.models import Consultation

    home = page_text(other_client.get("/"))
    assert ("There are no consultations open at the moment, and the date of the next one has "
            "not been set yet.") in home
    assert ("There is no consultation open at the moment. The date of the next one has not been "
            "set yet.") in page_text(other_client.get("/have-your-say/"))

    # Last time's consultation, closed, with Camden's report published.
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    client.sign_in("officer@example.org", PASSWORD)
    staff = counted(app, client, run_tasks, "have-your-say-2026")
    assert client.submit(staff + "/publish").status_code == 302
    with app.app_context():
        last = db.session.scalar(select(Consultation))
        last.closes_at = utcnow() - timedelta(days=1)
        last.opens_at = last.closes_at - timedelta(days=42)
        db.session.commit()
    home = other_client.get("/")
    assert ("There are no consultations open at the moment. See what people told us last "
            "time .") in page_text(home)
    assert "/have-your-say/" in hrefs(home)
    page = other_client.get("/have-your-say/")
    text = page_text(page)
    assert ("What people told us in Have your say (have-your-say-2026) Read what people said in "
            "each borough, and what the police will do about it: Camden") in text
    assert report_url("camden", "have-your-say-2026") in hrefs(page)

    # The next one scheduled: both pages say so, the date once on "Have your say".
    opens = utcnow() + timedelta(days=5)
    make_consultation(app, title="Have your say next year", opens_at=opens,
                      closes_at=opens + timedelta(days=42))
    make_consultation(app, title="The one after", opens_at=opens + timedelta(days=100),
                      closes_at=opens + timedelta(days=142))
    assert ("There are no consultations open at the moment. See when the next one opens and what "
            "people told us last time .") in page_text(other_client.get("/"))
    text = page_text(other_client.get("/have-your-say/"))
    with app.app_context():
        next_opens = london_time(db.session.scalar(
            select(Consultation.opens_at).where(Consultation.title == "Have your say next year")))
    assert (f"There is no consultation open at the moment. The next one, Have your say next year, "
            f"opens on {next_opens}.") in text
    assert "Coming up The one after: opens on" in text and text.count("next year") == 1
    assert "What people told us in Have your say (have-your-say-2026)" in text


# Finding a borough by postcode -----------------------------------------------------------------

def test_the_boroughs_page_has_a_postcode_box_that_works_without_javascript(client):
    page = client.get("/boroughs")
    html = page.get_data(as_text=True)
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="get"' in form and 'action="/boroughs"' in form
    field = re.search(r'<input[^>]*name="postcode"[^>]*>', html).group(0)
    assert 'id="postcode"' in field and 'autocomplete="postal-code"' in field
    assert field.count("class=") == 1 and 'class="govuk-input govuk-input--width-10"' in field
    assert re.search(r'<label[^>]*for="postcode"[^>]*>\s*Postcode\s*</label>', html)
    assert "For example, SW1A 2AA" in page_text(page)
    assert 'aria-describedby="postcode-hint"' in field
    assert "govuk-error-summary" not in html
    assert page_text(page).count("Camden") == 1  # every borough is still listed
    assert "Find your borough by postcode" in page_text(client.get("/"))


@pytest.mark.parametrize(("typed", "borough"), [
    ("SW9 6AA", "lambeth"), ("sw96aa", "lambeth"), ("  sw9 6aa ", "lambeth"),
    ("SW1A 2AA", "westminster"), ("SW9", "lambeth"), ("E17", "waltham-forest"),
    ("E174AA", "waltham-forest"),
])
def test_a_postcode_in_one_borough_goes_to_that_borough(client, typed, borough):
    response = client.get("/boroughs", query_string={"postcode": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/boroughs/{borough}"


def test_a_postcode_district_spanning_boroughs_offers_a_choice(client):
    page = client.get("/boroughs", query_string={"postcode": "w10 4aa"})
    assert page.status_code == 200
    text = page_text(page)
    assert "Postcodes starting W10 are in more than one borough. Choose your borough:" in text
    choices = re.search(r'govuk-inset-text">(.*?)</div>', page.get_data(as_text=True), re.S)
    assert re.findall(r'href="/boroughs/([^"]+)"', choices.group(1)) == [
        "kensington-and-chelsea", "westminster", "brent", "hammersmith-and-fulham"]
    assert 'value="w10 4aa"' in page.get_data(as_text=True)  # the box keeps what was typed
    assert "govuk-error-summary" not in page.get_data(as_text=True)


@pytest.mark.parametrize(("typed", "slugs"), [
    ("SW1", ["westminster", "kensington-and-chelsea"]),
    ("sw1", ["westminster", "kensington-and-chelsea"]),
    ("W1", ["westminster", "camden"]),
    ("WC2", ["westminster", "camden"]),
    ("EC2", ["hackney", "islington", "tower-hamlets"]),
    ("EC4", ["westminster"]),
])
def test_a_parent_district_offers_the_boroughs_of_its_sub_districts(client, typed, slugs):
    # The data knows SW1A...SW1Y; people say SW1.
    page = client.get("/boroughs", query_string={"postcode": typed})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "govuk-error-summary" not in html
    choices = re.search(r'govuk-inset-text">(.*?)</div>', html, re.S)
    assert re.findall(r'href="/boroughs/([^"]+)"', choices.group(1)) == slugs
    assert f"Postcodes starting {typed.upper()}" in page_text(page)


@pytest.mark.parametrize(("typed", "words"), [
    ("WD6 1AA", "Most postcodes starting WD6 are outside London. If your address is in "
                "London, choose your borough: Barnet"),
    ("EC1A 1BB", "Most postcodes starting EC1A are in the City of London, which has its own "
                 "police force. The rest are in: Islington"),
    ("EC1N 2AA", "Most postcodes starting EC1N are in this borough. Some are in the City of "
                 "London, which has its own police force. Camden"),
    ("E1 6AN", "Postcodes starting E1 are in more than one borough. Some are in the City of "
               "London, which has its own police force. Choose your borough: Tower Hamlets "
               "Hackney"),
])
def test_a_district_mostly_outside_the_met_says_so_and_offers_its_london_boroughs(
        client, typed, words):
    page = client.get("/boroughs", query_string={"postcode": typed})
    assert page.status_code == 200
    assert words in page_text(page)


@pytest.mark.parametrize(("typed", "error"), [
    ("", "Enter a postcode"),
    ("   ", "Enter a postcode"),
    ("hello", "Enter a real postcode, like SW1A 2AA"),
    ("SW9 6A", "Enter a real postcode, like SW1A 2AA"),
    ("x" * 5000, "Enter a real postcode, like SW1A 2AA"),
    ("m1 1aa", "We could not find a London borough for M1 1AA. Check the postcode, or choose "
               "your borough from the list below"),
    ("E98 1AA", "We could not find a London borough for E98 1AA."),
    ("EC2V 7HH", "EC2V 7HH is in the City of London, which has its own police force. Enter a "
                 "postcode in one of the boroughs below"),
])
def test_a_postcode_with_no_borough_is_an_error_on_the_page(client, typed, error):
    page = client.get("/boroughs", query_string={"postcode": typed})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r"<title[^>]*>\s*Error: London boroughs", html)
    summary = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert summary and 'href="#postcode"' in summary.group(0)
    assert error in page_text(page)
    assert 'id="postcode-error"' in html and "govuk-input--error" in html
    assert "Camden" in page_text(page)  # the full list is still there to choose from


def test_the_postcode_box_stores_nothing(app, client):
    from tests.helpers import inserts

    with inserts(app) as tables:
        client.get("/boroughs", query_string={"postcode": "W10 4AA"})
        client.get("/boroughs", query_string={"postcode": "SW9 6AA"})
    assert tables == []


# The accessibility statement ------------------------------------------------------------------

def test_the_accessibility_statement_says_what_the_regulations_ask(client):
    page = client.get("/accessibility")
    assert page.status_code == 200
    text = page_text(page)
    # How to ask for another format or report a problem: the borough teams' contact details.
    assert "Asking for another format" in text
    assert "Reporting a problem with this website" in text
    assert "Each borough's page says how to contact its team, under \"Contact\"." in text
    assert "/boroughs" in hrefs(page)
    # Enforcement.
    assert "The Equality and Human Rights Commission (EHRC) enforces" in text
    assert "contact the Equality Advisory and Support Service (EASS)" in text
    assert "https://www.equalityadvisoryservice.com/" in hrefs(page)
    # Compliance status and how it was tested.
    assert "Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA" in text
    assert "axe-core" in text and "just a keyboard" in text and "without JavaScript" in text
    # When it was prepared and reviewed.
    assert "This statement was prepared on 6 December 2026." in text
    assert "It was last reviewed on 7 December 2026." in text


def test_the_accessibility_statement_gives_the_time_limits_as_set(app, client):
    text = page_text(client.get("/accessibility"))
    assert "Answering a questionnaire has no time limit." in text
    assert ("we sign you out when you have not used engage for 2 hours. This protects your "
            "information.") in text
    assert "2 minutes before we sign you out, a message tells you and lets you choose to stay " \
        "signed in." in text
    assert "We also sign you out 12 hours after you signed in, however you use engage." in text
    # Under 20 hours, a limit nothing extends does not meet SC 2.2.1: the statement says so.
    assert "We know of one part of engage that does not fully meet it" in text
    assert "This does not meet WCAG 2.2 success criterion 2.2.1 (Timing adjustable)." in text

    app.config.update(ENGAGE_SESSION_IDLE_MINUTES=30,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=20))
    text = page_text(client.get("/accessibility"))
    assert "not used engage for 30 minutes." in text
    assert "We also sign you out 20 hours after you signed in" in text
    assert "We do not know of any part of engage that fails to meet it." in text
    assert "2.2.1" not in text


def test_the_accessibility_statement_gives_its_compliance_status_in_the_regulations_words(
        app, client):
    # The regulations ask for the model statement's compliance status: fully, partially or not
    # compliant, with the non-compliance listed. "We aim to meet" alone is not one of them.
    text = page_text(client.get("/accessibility"))
    assert ("in accordance with the Public Sector Bodies (Websites and Mobile Applications) "
            "(No. 2) Accessibility Regulations 2018") in text
    assert ("Compliance status This website is partially compliant with the Web Content "
            "Accessibility Guidelines version 2.2 AA standard, due to the non-compliance "
            "listed below.") in text
    assert ("Non-accessible content We sign you out 12 hours after you signed in, and you "
            "cannot stay signed in for longer. This does not meet WCAG 2.2 success criterion "
            "2.2.1 (Timing adjustable).") in text
    assert "fully compliant" not in text

    app.config.update(PERMANENT_SESSION_LIFETIME=timedelta(hours=20))
    text = page_text(client.get("/accessibility"))
    assert ("Compliance status This website is fully compliant with the Web Content "
            "Accessibility Guidelines version 2.2 AA standard.") in text
    assert "partially compliant" not in text and "Non-accessible content" not in text


def test_the_accessibility_statement_gives_the_service_contact_itself(app, client):
    app.config.update(ENGAGE_CONTACT_EMAIL="access@police.example.org",
                      ENGAGE_CONTACT_PHONE="020 7946 0123")
    page = client.get("/accessibility")
    text = page_text(page)
    assert ("tell us what you need: Email: access@police.example.org Telephone: 020 7946 0123"
            in text)
    assert ("not meeting the accessibility regulations, contact us: Email: "
            "access@police.example.org Telephone: 020 7946 0123") in text
    assert "mailto:access@police.example.org" in hrefs(page)


def test_a_borough_without_contact_details_gives_the_service_contact(app, client):
    app.config.update(ENGAGE_CONTACT_EMAIL="access@police.example.org",
                      ENGAGE_CONTACT_PHONE="020 7946 0123")
    text = page_text(client.get(CAMDEN))
    assert ("Contact Contact details for Camden have not been added yet. Contact the engage team "
            "instead, who will pass your message on: Email: access@police.example.org "
            "Telephone: 020 7946 0123") in text
    # Without a telephone number set, the email alone.
    app.config["ENGAGE_CONTACT_PHONE"] = None
    text = page_text(client.get(CAMDEN))
    assert "Email: access@police.example.org" in text and "Telephone" not in text


def test_a_borough_page_shows_the_contact_details_the_statement_points_to(app, client):
    with app.app_context():
        from tests.factories import borough

        borough("camden").contact_email = "engage@camden.example.org"
        borough("camden").contact_phone = "020 7974 4444"
        db.session.commit()
    text = page_text(client.get(CAMDEN))
    assert "Contact Email: engage@camden.example.org Telephone: 020 7974 4444" in text
    # The borough's own details, not the service's beside them.
    assert app.config["ENGAGE_CONTACT_EMAIL"] not in text and "have not been added" not in text
