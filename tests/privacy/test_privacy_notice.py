"""The privacy notice says what the code does: who sees equality answers, how paper and
telephone answers can be matched to a person until their details go, who sees contact details
given for a reply, and how long sign-ins and unsent answers are kept (read from the settings
the clean-ups use)."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import Browser, page_text


def _notice(app) -> str:
    return page_text(Browser(app).get("/privacy"))


def test_it_does_not_say_no_member_of_staff_sees_equality_answers(app):
    """Clerks key paper's equality answers and interviewers ask them (with consent): "Staff
    see only totals" alone would be untrue."""
    text = _notice(app)
    assert ("Nobody sees your answers on their own, except the member of staff who types in "
            "your paper questionnaire or asks you the questions on the telephone, while they "
            "do it. Otherwise staff see only totals") in text


def test_it_says_paper_and_telephone_answers_can_be_matched_until_the_details_go(app):
    text = _notice(app)
    assert ("If you answer on paper or by telephone, a member of staff types your answers in. "
            "Until we delete the name and address or telephone number you gave us (see below), "
            "your answers can be matched to them") in text


def test_it_names_everyone_who_sees_reply_details(app):
    """Administrators hold every borough's roles, the replies page included."""
    assert ("Only the borough's engagement officers (and the service's administrators) see "
            "them") in _notice(app)


def test_it_says_how_long_sign_ins_unsent_answers_and_attendance_are_kept(app):
    app.config.update(PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
                      ENGAGE_SESSION_IDLE_MINUTES=45)
    text = _notice(app)
    assert ("each time you sign in, with the description your browser gives of itself: until "
            "you sign out, or until the sign-in stops working (8 hours after you signed in, or "
            "45 minutes after you last used it)") in text
    assert ("answers you have not sent yet: 30 days after you last changed them, or until the "
            "consultation closes if that is sooner") in text
    assert "the meeting's register records whether you were there" in text


def test_it_says_unconfirmed_registrations_go_and_opt_outs_stay(app):
    text = _notice(app)
    assert ("your account, until you delete it; but if you never confirm your email address, "
            "30 days after you registered") in text
    assert ("if you asked us to stop emails about consultations: your email address, for as "
            "long as we send them, so that we never send you one") in text
