"""Lists of people invited by email are deleted ENGAGE_INVITATION_RETENTION_DAYS after their
consultation closes: names, addresses, organisations, personal links, mailings, and the tie
between an answer and the invitation it came through. The answers stay, anonymous; an old
email's unsubscribe link then says the list is gone and nothing more comes from it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from engage.clock import utcnow
from engage.extensions import db
from engage.surveys import invitations
from engage.surveys.invitation_models import (
    SurveyMailing,
    SurveyMailingDelivery,
    SurveyMailingKind,
)
from engage.surveys.models import Invitee, InviteeList, InviteeListSource, Response
from engage.surveys.responses import new_key
from tests.factories import PASSWORD, borough, create_user
from tests.helpers import Browser, page_text
from tests.surveys.support import make_consultation, make_response

ADA = "ada@example.org"


def _invited(app, closed_days_ago: int) -> dict:
    """A consultation closed that many days ago, with an uploaded list of Ada (who answered
    through her link) and Bob, both sent the invitation. Returns ids and Ada's unsubscribe
    link."""
    made = make_consultation(app, opens_at=utcnow() - timedelta(days=closed_days_ago + 30),
                             closes_at=utcnow() - timedelta(days=closed_days_ago))
    with app.app_context():
        people = InviteeList(questionnaire_id=made.questionnaire_ids["residents"],
                             borough=borough("camden"), name="Traders",
                             source=InviteeListSource.UPLOAD)
        people.invitees = [Invitee(email=ADA, name="Ada Lovelace", organisation="Ada's Cafe",
                                   token=new_key()),
                           Invitee(email="bob@example.org", name="Bob", token=new_key())]
        db.session.add(people)
        db.session.flush()
        mailing = SurveyMailing(list_id=people.id, kind=SurveyMailingKind.INVITATION, number=1)
        db.session.add(mailing)
        db.session.flush()
        db.session.add_all(SurveyMailingDelivery(mailing_id=mailing.id, kind=mailing.kind,
                                                 invitee_id=invitee.id)
                           for invitee in people.invitees)
        db.session.commit()
        ada_id, list_id = people.invitees[0].id, people.id
        with app.test_request_context():
            unsubscribe = invitations.unsubscribe_url(ada_id)
    response_id = make_response(app, made.version_ids["residents"], invitee_id=ada_id)
    return {"list": list_id, "response": response_id, "unsubscribe": unsubscribe,
            "consultation": made.consultation_id}


def test_lists_go_once_their_time_is_up_and_the_answers_stay_tied_to_nobody(app):
    from engage.surveys.tasks import delete_expired_invitation_lists

    old = _invited(app, closed_days_ago=91)
    recent = _invited(app, closed_days_ago=89)
    with app.app_context():
        create_user(email=ADA)
        assert delete_expired_invitation_lists() == 2
        assert db.session.scalars(select(InviteeList.id)).all() == [recent["list"]]
        assert db.session.scalars(select(SurveyMailing.list_id)).all() == [recent["list"]]
        assert len(db.session.scalars(select(SurveyMailingDelivery.id)).all()) == 2
        assert db.session.scalar(select(Invitee.name).where(Invitee.name == "Ada Lovelace")
                                 .where(Invitee.list_id == old["list"])) is None
        # The answers stay, untied from any invitation; the recent one is still tied.
        assert db.session.get(Response, old["response"]).invitee_id is None
        assert db.session.get(Response, recent["response"]).invitee_id is not None
        assert delete_expired_invitation_lists() == 0

    # Ada's copy of her data no longer ties her to the older answers.
    ada = Browser(app)
    ada.sign_in(ADA, PASSWORD)
    data = json.loads(ada.get("/account/your-data/download").get_data(as_text=True))
    assert len(data["consultation_invitations"]) == 1

    # The old email's unsubscribe link says the list is gone, for a person and a mail program.
    stranger = Browser(app)
    page = stranger.get(old["unsubscribe"])
    assert page.status_code == 200
    assert "We no longer keep the list this email came from" in page_text(page)
    assert ADA not in page_text(page)
    one_click = stranger.post(old["unsubscribe"], data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert "nothing more will be sent from it" in one_click.get_data(as_text=True)
    # A link that was never ours still does not work.
    assert stranger.get(old["unsubscribe"][:-6] + "xxxxxx").status_code == 404


def test_the_privacy_notice_and_beat_use_the_same_period(app):
    app.config.update(ENGAGE_INVITATION_RETENTION_DAYS=45)
    text = page_text(Browser(app).get("/privacy"))
    assert ("names and email addresses on the lists of people we emailed a personal link, and "
            "which answers came through those links: 45 days after the consultation "
            "closes") in text
    officer = Browser(app)
    with app.app_context():
        officer.sign_in(create_user(roles={"officer": "camden"}).email, PASSWORD)
    made = make_consultation(app)
    staff = page_text(officer.get(
        f"/staff/boroughs/camden/consultations/{made.slug}/invitations"))
    assert ("We delete these lists, with the people on them and their response rates, 45 days "
            "after the consultation closes.") in staff
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["invitation-retention"]["task"] == "engage.periodic.invitation_retention"
