"""Names and phone numbers are personal data: only the borough's officers and interviewers
(and administrators) see them; another borough's staff and analysts get 403, the public the
sign-in page."""

from __future__ import annotations

from tests.factories import create_admin
from tests.helpers import Browser, page_text
from tests.surveys.support import sign_in_staff
from tests.telephone.support import (
    BASE,
    case_url,
    consultation_with_note,
    recorded_case,
    sign_in,
    start_call,
)


def _urls(case_id: int, consultation_id: int) -> list[str]:
    camden, case = BASE.format("camden"), case_url(case_id)
    return [camden, f"{camden}/requests/new", f"{camden}/consultations/{consultation_id}",
            case, f"{case}/outcome", f"{case}/interview/questions/priorities",
            f"{case}/interview/about-them", f"{case}/interview/check"]


def test_only_the_boroughs_interviewers_and_officers_see_its_cases(client, app,
                                                                    in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id, name="Private Person")
    start_call(client, case_id)
    urls = _urls(case_id, made.consultation_id)

    public = Browser(app)
    for url in urls:
        response = public.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url

    for roles in ({"interviewer": "hackney"}, {"officer": "hackney"}, {"analyst": "camden"},
                  {"clerk": "camden"}):
        other = Browser(app)
        sign_in(other, app, **roles)
        for url in urls:
            assert other.get(url).status_code == 403, (roles, url)
        # With a good CSRF token from a page they may see, starting a call is still refused.
        assert other.submit(f"{case_url(case_id)}/calls",
                            form_page="/account").status_code == 403, roles

    # Under their own borough's address, another borough's case does not exist.
    hackney = Browser(app)
    sign_in(hackney, app, interviewer="hackney")
    assert hackney.get(f"{BASE.format('hackney')}/cases/{case_id}").status_code == 404

    officer = Browser(app)
    sign_in(officer, app, officer="camden")
    assert "Private Person" in page_text(officer.get(case_url(case_id)))
    admin = Browser(app)
    sign_in_staff(admin, app, create_admin)
    assert "Private Person" in page_text(admin.get(case_url(case_id)))


def test_the_borough_page_links_to_telephone_interviews_for_those_who_may_use_them(client,
                                                                                  app):
    sign_in(client, app, interviewer="camden")
    assert "Telephone interviews" in page_text(client.get("/staff/boroughs/camden"))
    analyst = Browser(app)
    sign_in(analyst, app, analyst="camden")
    page = analyst.get("/staff/boroughs/camden")
    assert page.status_code == 200 and "Telephone interviews" not in page_text(page)
