"""Groups as people see them: the public page, asking to join, leaving, equality answers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.extensions import db
from engage.groups import operations
from engage.groups.models import (
    EqualityAnswers,
    Group,
    Membership,
    MembershipEvent,
    MembershipStatus,
)
from tests.factories import PASSWORD, create_officer, create_user
from tests.helpers import autocomplete_of, csrf_token, page_text
from tests.mailbox import text

CPEG = "/boroughs/camden/groups/cpeg"
JOIN = CPEG + "/join"


def _signed_in(client, app, **overrides):
    with app.app_context():
        user = create_user(**overrides)
        email = user.email
    client.sign_in(email, PASSWORD)
    return email


def _membership(app) -> Membership:
    with app.app_context():
        return db.session.scalar(select(Membership))


def test_every_borough_has_a_cpeg_with_a_public_page(client, app):
    with app.app_context():
        assert db.session.scalar(select(func.count(Group.id))) == 32
    borough = client.get("/boroughs/camden")
    assert f'href="{CPEG}"' in borough.get_data(as_text=True)
    page = page_text(client.get(CPEG))
    assert "Community Police Engagement Group" in page
    assert "No meetings have been arranged yet" in page
    assert "Sign in or create an account to ask to join" in page
    assert client.get("/boroughs/camden/groups/no-such-group").status_code == 404
    assert client.get("/boroughs/gotham/groups/cpeg").status_code == 404


def test_a_group_page_gives_its_own_contact_its_boroughs_or_the_services(client, app):
    from tests.factories import borough

    page = page_text(client.get(CPEG))
    assert ("Contact details for this group have not been added yet. Contact the engage team "
            f"instead, who will pass your message on: Email: {app.config['ENGAGE_CONTACT_EMAIL']}"
            in page)
    with app.app_context():
        borough("camden").contact_phone = "020 7974 4444"
        db.session.commit()
    page = page_text(client.get(CPEG))
    assert "Contact Telephone: 020 7974 4444" in page
    assert "have not been added" not in page and app.config["ENGAGE_CONTACT_EMAIL"] not in page


def test_asking_to_join_needs_an_account(client):
    response = client.get(JOIN)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


def test_ask_to_join_for_yourself(client, app, mailbox, run_tasks):
    with app.app_context():
        create_officer("camden", email="officer@example.org")
        create_officer("lambeth", email="lambeth@example.org")
    email = _signed_in(client, app, email="ada@example.org")
    response = client.submit(JOIN, {"represents": "self"})
    assert response.status_code == 302
    assert "You have asked to join this group" in page_text(client.get(CPEG))

    membership = _membership(app)
    assert membership.status == MembershipStatus.PENDING
    run_tasks()
    assert mailbox.to(email)[0]["Subject"] == "We have your request to join the Community " \
                                              "Police Engagement Group"
    # The group's link says what it is for, not bare under "email you when they have".
    assert ("email you when they have decided.\n\nYou can read about the group on its page:\n\n"
            "http://localhost/boroughs/camden/groups/cpeg\n") in text(mailbox.to(email)[0])
    # Camden's officers hear of it; Lambeth's do not.
    assert len(mailbox.to("officer@example.org")) == 1
    assert mailbox.to("lambeth@example.org") == []


def test_a_double_click_makes_one_request(client, app, mailbox, run_tasks):
    _signed_in(client, app, email="ada@example.org")
    token = csrf_token(client.get(JOIN).get_data(as_text=True))
    for _ in range(2):
        client.post(JOIN, {"csrf_token": token, "represents": "self"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1
        assert db.session.scalar(select(func.count(MembershipEvent.id))) == 1
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 1


def test_two_copies_at_the_same_moment_make_one_request(client, app, mailbox, run_tasks,
                                                         monkeypatch):
    """The second copy arrives before the first has committed, so both find no request; the
    second's insert breaks the one-membership-a-person rule and it says the same as the
    first, not an error page."""
    _signed_in(client, app, email="ada@example.org")
    token = csrf_token(client.get(JOIN).get_data(as_text=True))
    data = {"csrf_token": token, "represents": "self", "age_band": "35-44",
            "ethnic_group": "white", "disability": "no", "equality_consent": "y"}
    first = client.post(JOIN, data)
    real, looks = operations.membership_of, []

    def blind(group, user):
        """The view's look and request_to_join's look miss the first copy's request."""
        looks.append(user.id)
        return None if len(looks) <= 2 else real(group, user)

    monkeypatch.setattr(operations, "membership_of", blind)
    second = client.post(JOIN, data)
    assert len(looks) == 3  # both missed it; the third, after the rollback, found it
    assert second.status_code == 302 and second.location == first.location
    assert "Your request to join" in page_text(client.get(second.location))
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1
        assert db.session.scalar(select(func.count(MembershipEvent.id))) == 1
    run_tasks()
    assert len(mailbox.to("ada@example.org")) == 1


def test_representing_an_organisation_needs_its_name(client, app):
    _signed_in(client, app)
    response = client.submit(JOIN, {"represents": "residents-association"})
    assert "Enter the name of the organisation or business you represent" in page_text(response)
    client.submit(JOIN, {"represents": "residents-association",
                         "organisation": "Kentish Town Tenants"})
    membership = _membership(app)
    assert membership.organisation == "Kentish Town Tenants"


def test_the_organisation_box_says_it_asks_for_the_persons_own_organisation(client, app):
    # WCAG 1.3.5 (Identify input purpose): the name of the organisation the person represents
    # is their own, so the browser can offer it, as it offers their name and email address.
    _signed_in(client, app)
    assert autocomplete_of(client.get(JOIN).get_data(as_text=True),
                           "organisation") == ["organization"]


def test_the_error_summary_lists_the_problems_in_the_order_the_page_asks(client, app):
    _signed_in(client, app)
    html = client.submit(JOIN, {"represents": "residents-association",
                                "age_band": "25-34"}).get_data(as_text=True)
    summary = html[html.index("govuk-error-summary"):html.index("</ul>",
                                                                html.index("govuk-error-summary"))]
    organisation = summary.index("Enter the name of the organisation or business you represent")
    consent = summary.index("Tick the box to agree that we may keep your answers")
    assert organisation < consent
    assert summary.index('href="#organisation"') < summary.index('href="#equality_consent"')


def test_equality_answers_need_consent_and_are_kept_apart(client, app):
    _signed_in(client, app)
    refused = client.submit(JOIN, {"represents": "self", "age_band": "25-34"})
    assert "Tick the box to agree that we may keep your answers" in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0

    client.submit(JOIN, {"represents": "self", "age_band": "25-34", "ethnic_group": "black",
                         "disability": "prefer-not-to-say", "equality_consent": "y"})
    with app.app_context():
        answers = db.session.scalar(select(EqualityAnswers))
        assert (answers.age_band, answers.ethnic_group, answers.disability) == (
            "25-34", "black", "prefer-not-to-say")
        assert answers.consented_at is not None


def test_no_answers_means_nothing_is_stored(client, app):
    _signed_in(client, app)
    client.submit(JOIN, {"represents": "self", "equality_consent": "y"})
    with app.app_context():
        assert db.session.scalar(select(func.count(EqualityAnswers.user_id))) == 0


def test_people_who_have_answered_are_not_asked_again(client, app):
    _signed_in(client, app)
    client.submit("/account/equality", {"age_band": "65-74", "equality_consent": "y"})
    text = page_text(client.get(JOIN))
    assert "You have already answered the equality monitoring questions" in text
    assert "How old are you?" not in text


def test_change_and_delete_equality_answers(client, app):
    _signed_in(client, app)
    no_consent = client.submit("/account/equality", {"age_band": "65-74"})
    assert "Tick the box to agree" in page_text(no_consent)
    client.submit("/account/equality", {"age_band": "65-74", "equality_consent": "y"})
    client.submit("/account/equality", {"age_band": "75+", "ethnic_group": "asian",
                                        "equality_consent": "y"})
    with app.app_context():
        answers = db.session.scalar(select(EqualityAnswers))
        assert (answers.age_band, answers.ethnic_group) == ("75+", "asian")
    assert 'value="75+" checked' in client.get("/account/equality").get_data(as_text=True)
    client.submit("/account/equality", {"withdraw-submit": "y"}, )
    with app.app_context():
        assert db.session.scalar(select(func.count(EqualityAnswers.user_id))) == 0


def test_leave_and_ask_again_keeps_the_history(client, app):
    _signed_in(client, app, email="ada@example.org")
    client.submit(JOIN, {"represents": "self"})
    with app.app_context():
        officer = create_officer("camden")
        operations.approve(db.session.scalar(select(Membership)), officer)
        db.session.commit()
    assert "You are a member of this group" in page_text(client.get(CPEG))
    assert "Member" in page_text(client.get("/account/groups"))

    left = client.submit(CPEG + "/leave", {})
    assert left.status_code == 302
    assert _membership(app).status == MembershipStatus.LEFT
    assert "Ask to join" in page_text(client.get(CPEG))

    client.submit(JOIN, {"represents": "business", "organisation": "Camden Bakery"})
    with app.app_context():
        membership = db.session.scalar(select(Membership))
        assert membership.status == MembershipStatus.PENDING
        assert membership.organisation == "Camden Bakery"
        assert [e.kind for e in membership.events] == ["requested", "approved", "left",
                                                       "requested"]


def test_deleting_an_account_deletes_its_memberships_and_answers(client, app):
    _signed_in(client, app, email="ada@example.org")
    client.submit(JOIN, {"represents": "self", "age_band": "25-34", "equality_consent": "y"})
    client.submit("/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0
        assert db.session.scalar(select(func.count(EqualityAnswers.user_id))) == 0


def _main(page) -> str:
    """The page's main content: not the header's sign-out button, nor the timeout warning's
    dialogs after it."""
    return page.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def _button(page) -> str:
    """The words on the only form button of the page's main content."""
    [words] = re.findall(r"<button[^>]*>\s*(.*?)\s*</button>", _main(page), re.S)
    return words


def test_withdrawing_a_request_says_withdrawn_not_left(client, app):
    _signed_in(client, app, email="ada@example.org")
    client.submit(JOIN, {"represents": "self"})
    assert "Withdraw your request" in page_text(client.get(CPEG))

    page = client.get(CPEG + "/leave")
    text = page_text(page)
    assert "Withdraw your request to join the Community Police Engagement Group" in text
    assert _button(page) == "Withdraw my request"
    assert "Continue" not in _main(page) and "Leave the group" not in text

    done = client.submit(CPEG + "/leave", {}, follow_redirects=True)
    text = page_text(done)
    assert "Your request to join the Community Police Engagement Group is withdrawn" in text
    assert "You have left" not in text
    assert "Request withdrawn" in text and " Left " not in f" {text} "
    assert _membership(app).status == MembershipStatus.LEFT  # stored as before: no new status

    # The borough's officer reads the same in the history.
    with app.app_context():
        create_officer("camden", email="officer@example.org")
        membership_id = _membership(app).id
    client.sign_out()
    client.sign_in("officer@example.org", PASSWORD)
    staff = page_text(client.get(f"/staff/boroughs/camden/groups/cpeg/members/{membership_id}"))
    assert "Status Request withdrawn" in staff
    assert "Request withdrawn" in staff.split("History", 1)[1]
    assert "Left the group" not in staff


def test_leaving_says_left_and_a_later_request_withdrawn_says_withdrawn(client, app):
    _signed_in(client, app, email="ada@example.org")
    client.submit(JOIN, {"represents": "self"})
    with app.app_context():
        officer = create_officer("camden")
        operations.approve(db.session.scalar(select(Membership)), officer)
        db.session.commit()

    page = client.get(CPEG + "/leave")
    assert _button(page) == "Leave the group"
    assert "Continue" not in _main(page)
    done = page_text(client.submit(CPEG + "/leave", {}, follow_redirects=True))
    assert "You have left the Community Police Engagement Group" in done
    assert "Your groups" in done and "Left" in done and "Request withdrawn" not in done

    # A member once, asking again, then withdrawing that request: withdrawn, not left.
    client.submit(JOIN, {"represents": "self"})
    assert _button(client.get(CPEG + "/leave")) == "Withdraw my request"
    done = page_text(client.submit(CPEG + "/leave", {}, follow_redirects=True))
    assert "Your request to join the Community Police Engagement Group is withdrawn" in done
    assert "Request withdrawn" in done


def test_the_join_form_asks_the_equality_questions_in_the_questionnaires_words():
    """Members and respondents are counted beside the same population figures: they must be
    asked the same questions, with the same answers to choose from."""
    from engage.groups.forms import EqualityFields
    from engage.surveys.models import ReportingTag
    from engage.surveys.template import definition

    fields = {ReportingTag.AGE_BAND: EqualityFields.age_band,
              ReportingTag.ETHNIC_GROUP: EqualityFields.ethnic_group,
              ReportingTag.DISABILITY: EqualityFields.disability}
    for question in definition().equality.questions:
        field = fields.pop(question.tag)
        assert field.args[0] == question.text
        assert field.kwargs.get("description", "") == question.help_text
        assert [(c.value, c.label) for c in field.kwargs["choices"]] == [
            (o.value, o.label) for o in question.options]
    assert fields == {}


def test_asking_again_and_again_does_not_flood_the_officers(client, app, mailbox, run_tasks):
    """Asking to join, withdrawing and asking again is a loop anyone with an account can run:
    each request emailed every officer of the borough, with the name the person chose. The
    officers hear of one person's requests to one group once a day; the request itself is still
    made each time, and waits for them on their pages."""
    with app.app_context():
        create_officer("camden", email="officer@example.org")
    _signed_in(client, app, email="ada@example.org")
    for _ in range(5):
        assert client.submit(JOIN, {"represents": "self"}).status_code == 302
        assert client.submit(CPEG + "/leave", {}).status_code == 302
    client.submit(JOIN, {"represents": "self"})
    assert _membership(app).status == MembershipStatus.PENDING
    run_tasks()
    assert len(mailbox.to("officer@example.org")) == 1

    # Someone else's request to the same group is news to them.
    client.sign_out()
    _signed_in(client, app, email="grace@example.org")
    client.submit(JOIN, {"represents": "self"})
    run_tasks()
    assert len(mailbox.to("officer@example.org")) == 2
