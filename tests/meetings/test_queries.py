"""Meeting pages that list people cost the same queries for one person as for many."""

from __future__ import annotations

from datetime import timedelta

from engage.clock import utcnow
from engage.extensions import db
from engage.meetings.minutes import Attendance, AttendanceStatus
from engage.meetings.models import Invitation, Reply
from tests.factories import create_admin, create_user
from tests.helpers import count_queries
from tests.meetings.support import STAFF, create_meeting, sign_in


def test_the_attendance_register_costs_the_same_queries_however_many_are_on_it(client, app):
    sign_in(client, app, create_admin)
    start = utcnow().replace(microsecond=0) - timedelta(days=7)
    meeting_id = create_meeting(app, start, start + timedelta(hours=2))
    url = f"{STAFF}/{meeting_id}/attendance"

    def add(people: int) -> None:
        # Some invited (and recorded), some recorded though never invited (they came anyway).
        with app.app_context():
            for n in range(people):
                person = create_user()
                if n % 2:
                    db.session.add(Invitation(meeting_id=meeting_id, user_id=person.id,
                                              reply=Reply.ATTENDING))
                db.session.add(Attendance(meeting_id=meeting_id, user_id=person.id,
                                          status=AttendanceStatus.PRESENT))
            db.session.commit()

    add(2)
    few = count_queries(client, url)
    add(8)
    assert count_queries(client, url) == few
