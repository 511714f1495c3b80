"""Recording a paper request during a call: field errors on the page, the borough from the
postcode, a likely duplicate confirmed rather than doubled, and who may see what."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.mailouts import views as mailout_views
from engage.mailouts.models import PaperFormat, PaperRequest, RequestStatus
from engage.surveys.references import normalise_reference
from tests.factories import borough
from tests.helpers import form_keys, page_text, title
from tests.mailouts.support import BASE, count, make_consultation, record, request_data, sign_in


def test_a_request_is_saved_with_a_reference_and_the_borough_from_the_postcode(client, app):
    ids = make_consultation(app)
    sign_in(client, app, interviewer="camden")
    response = record(client, ids["residents"], name="  Ada Lovelace ", postcode="wc1h0ag",
                      format="large-print", notes="Prefers mornings")
    assert response.status_code == 302
    with app.app_context():
        paper = db.session.scalar(select(PaperRequest))
        assert (paper.name, paper.postcode, paper.borough.slug) == (
            "Ada Lovelace", "WC1H 0AG", "camden")
        assert paper.format == PaperFormat.LARGE_PRINT
        assert paper.status == RequestStatus.REQUESTED and paper.consented_at is not None
        assert normalise_reference(paper.reference) == paper.reference
        reference = paper.reference
    page = client.get(response.headers["Location"])
    assert f"Their reference is {reference}" in page_text(page)
    assert "Prefers mornings" in page_text(page)


def test_bad_input_is_shown_on_the_page_and_nothing_is_saved(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    response = record(client, ids["residents"], name="", address_line_1="", town="",
                      postcode="SW1 ZZZ", format=None, consent=None)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    html = response.get_data(as_text=True)
    for field, message in [
        ("name", "Enter the caller&#39;s full name"),
        ("address_line_1", "Enter the first line of the address"),
        ("town", "Enter the town or city"),
        ("postcode", "Enter a full UK postcode, like SW1A 2AA"),
        ("format", "Select the format"),
        ("consent", "Ask the caller whether we may keep their name and address"),
    ]:
        assert f'href="#{field}' in html, field  # the error summary links to the field
        assert message in html, message
    with app.app_context():
        assert count(PaperRequest) == 0


def test_another_language_needs_the_language_and_is_kept_for_follow_up(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    refused = record(client, ids["residents"], format="other-language")
    assert "Enter the language they asked for" in page_text(refused)
    saved = record(client, ids["residents"], format="other-language", language="Bengali")
    assert saved.status_code == 302
    listing = client.get(BASE.format("camden"))
    assert "Needs follow-up: Bengali" in page_text(listing)


def test_a_language_beside_a_printed_format_is_refused_not_dropped(client, app):
    """"Polish" typed with large print chosen was dropped: an English copy would be posted."""
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    refused = record(client, ids["residents"], format="large-print", language="Polish")
    assert refused.status_code == 200
    assert "Select another language if they asked for one, or clear the language" in \
        page_text(refused)
    assert 'href="#language' in refused.get_data(as_text=True)
    with app.app_context():
        assert count(PaperRequest) == 0
    assert record(client, ids["residents"], format="large-print").status_code == 302


def test_a_shared_postcode_district_asks_for_the_borough_and_suggests_one(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer=["camden", "westminster"])
    response = record(client, ids["residents"], postcode="NW1 4NP")
    assert response.status_code == 200
    assert "NW1 is shared by Camden and Westminster: select the borough" in page_text(response)
    # The suggestion is chosen for them; submitting it again saves the request.
    assert '<option value="camden" selected>' in response.get_data(as_text=True)
    assert record(client, ids["residents"], postcode="NW1 4NP",
                  borough="camden").status_code == 302


def test_an_address_in_a_borough_the_caller_taker_does_not_work_in_is_refused(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    response = record(client, ids["residents"], postcode="E8 1AA")
    assert "The address is in Hackney, where you cannot record requests" in page_text(response)
    with app.app_context():
        assert count(PaperRequest) == 0


def test_a_borough_chosen_must_be_one_the_postcode_district_is_in(client, other_client, app):
    """The request is posted to the address and counted in the borough chosen: a borough the
    district does not touch is refused, and nobody is asked to select from a list that cannot
    hold the right borough."""
    ids = make_consultation(app)
    sign_in(client, app, clerk="kensington-and-chelsea")
    cannot = ("The address is in Tower Hamlets or Hackney, where you cannot record requests: "
              "pass the caller to that borough's team, or check the postcode if it is wrong")
    worked_out = record(client, ids["residents"], "kensington-and-chelsea", postcode="E1 6AN")
    assert cannot in page_text(worked_out)
    assert "select the borough" not in page_text(worked_out)
    assert '<option value="kensington-and-chelsea" selected>' not in worked_out.get_data(
        as_text=True)
    chosen = record(client, ids["residents"], "kensington-and-chelsea", postcode="E1 6AN",
                    borough="kensington-and-chelsea")
    assert cannot in page_text(chosen)
    with app.app_context():
        assert count(PaperRequest) == 0

    # One of their own boroughs, but not the one the postcode is in.
    sign_in(other_client, app, officer=["camden", "westminster"])
    wrong = record(other_client, ids["residents"], postcode="SW1A 2AA", borough="camden")
    assert ("The address is in Westminster, not Camden: select Westminster, or check the "
            "postcode if it is wrong") in page_text(wrong)
    elsewhere = record(other_client, ids["residents"], postcode="E8 1AA", borough="camden")
    assert "The address is in Hackney, where you cannot record requests" in page_text(elsewhere)
    # Wholly the City of London's: no borough of the Met's is right.
    city = record(other_client, ids["residents"], postcode="EC2N 2DB", borough="camden")
    assert ("EC2N is in the City of London, which has its own police: check the postcode"
            in page_text(city))
    with app.app_context():
        assert count(PaperRequest) == 0
    # A postcode the data does not know leaves the choice to them.
    assert record(other_client, ids["residents"], postcode="AB10 1AA",
                  borough="camden").status_code == 302


def test_a_shared_district_offers_only_the_boroughs_the_list_holds(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="hackney")
    response = record(client, ids["residents"], "hackney", postcode="E1 6AN")
    assert ("E1 is shared by Tower Hamlets and Hackney: select the borough; if they live in "
            "Tower Hamlets, pass the caller to that borough's team") in page_text(response)
    # Tower Hamlets has the larger share, but Hackney is the one they can select.
    assert '<option value="hackney" selected>' in response.get_data(as_text=True)
    assert record(client, ids["residents"], "hackney", postcode="E1 6AN",
                  borough="hackney").status_code == 302


def test_a_consultation_that_does_not_cover_the_borough_is_refused(client, app):
    ids = make_consultation(app, boroughs=["hackney"])
    sign_in(client, app, officer="camden")
    response = record(client, ids["residents"])
    assert "Have your say 2027 does not cover Camden" in page_text(response)


def test_a_likely_duplicate_is_shown_to_confirm_never_silently_doubled(client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    assert record(client, ids["residents"]).status_code == 302
    with app.app_context():
        first = db.session.scalar(select(PaperRequest))
        first_id, first_reference = first.id, first.reference

    # Same person and address, written differently: the earlier request is shown instead.
    again = record(client, ids["residents"], name="Mrs ADA lovelace",
                   address_line_1="12, Gordon Square", postcode="WC1H0AG")
    assert again.status_code == 200
    assert title(again).startswith("They may have asked already")
    assert first_reference in page_text(again)
    # The earlier address one line at a time: its lines escaped, the breaks between them not.
    html = again.get_data(as_text=True)
    assert "12 Gordon Square<br>London<br>WC1H 0AG" in html and "&lt;br&gt;" not in html
    with app.app_context():
        assert count(PaperRequest) == 1

    url = BASE.format("camden") + "/requests/new"
    hidden = {"questionnaire": str(ids["residents"]), "name": "Mrs ADA lovelace",
              "address_line_1": "12, Gordon Square", "address_line_2": "", "town": "London",
              "postcode": "WC1H 0AG", "borough": "", "format": "easy-read", "language": "",
              "consent": "y", "notes": "", "duplicate_of": str(first_id)}
    unanswered = client.submit(url, hidden)
    assert "Select yes if they need another copy" in page_text(unanswered)
    declined = client.submit(url, {**hidden, "decision": "no"})
    assert declined.status_code == 302 and declined.headers["Location"].endswith(
        f"/requests/{first_id}")
    with app.app_context():
        assert count(PaperRequest) == 1

    confirmed = client.submit(url, {**hidden, "decision": "yes"})
    assert confirmed.status_code == 302
    with app.app_context():
        second = db.session.scalar(select(PaperRequest).where(PaperRequest.id != first_id))
        assert second.confirmed_duplicate_of_id == first_id
        assert second.format == PaperFormat.EASY_READ
        assert second.reference != first_reference

    # The businesses' questionnaire is another request, not a duplicate.
    assert record(client, ids["businesses"]).status_code == 302


def test_a_request_sent_twice_is_recorded_once(client, app, monkeypatch):
    """A double click, or a retry, on "Save": one request, and the second goes to it. Two
    copies at the same moment both pass the duplicate check (the first is not committed yet):
    the form's key keeps the second from recording the caller twice."""
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    url = BASE.format("camden") + "/requests/new"
    data = {**form_keys(client.get(url).get_data(as_text=True)),
            **request_data(ids["residents"])}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert "it was sent twice, and saved once" in page_text(client.get(second.location))

    data = {**form_keys(client.get(url).get_data(as_text=True)),
            **request_data(ids["businesses"])}
    third = client.post(url, data)
    monkeypatch.setattr(mailout_views, "already_sent", lambda form: None)
    monkeypatch.setattr(mailout_views.operations, "likely_duplicate", lambda details: None)
    fourth = client.post(url, data)
    assert fourth.status_code == 302 and fourth.location == third.location
    with app.app_context():
        assert count(PaperRequest) == 2
        assert db.session.scalars(select(PaperRequest.questionnaire_id)
                                  .order_by(PaperRequest.id)).all() == [ids["residents"],
                                                                       ids["businesses"]]


def test_only_staff_of_the_borough_see_its_requests(client, other_client, app):
    ids = make_consultation(app)
    sign_in(client, app, officer="camden")
    record(client, ids["residents"])
    with app.app_context():
        paper_id = db.session.scalar(select(PaperRequest.id))
    camden = BASE.format("camden")

    public = other_client.get(camden)
    assert public.status_code == 302 and "/sign-in" in public.headers["Location"]

    sign_in(other_client, app, officer="hackney")
    for url in (camden, f"{camden}/requests/new", f"{camden}/requests/{paper_id}"):
        assert other_client.get(url).status_code == 403, url
    # Under their own borough's address, another borough's request does not exist.
    assert other_client.get(
        f"{BASE.format('hackney')}/requests/{paper_id}").status_code == 404

    analyst = type(other_client)(app)
    sign_in(analyst, app, analyst="camden")
    assert analyst.get(camden).status_code == 403

    clerk = type(other_client)(app)
    sign_in(clerk, app, clerk="camden")
    assert clerk.get(f"{camden}/requests/{paper_id}").status_code == 200
    with app.app_context():
        assert borough("camden").id  # the borough exists: 403 above was the role, not a 404
