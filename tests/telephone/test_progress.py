"""The interview's "Screen N of M": M counts the equality questions until the person has said
whether they will answer them, so it does not grow when they say yes."""

from __future__ import annotations

import re

from tests.helpers import page_text
from tests.telephone.support import (
    case_url,
    consultation_with_note,
    recorded_case,
    sign_in,
    start_call,
)


def _progress(client, location: str) -> tuple[int, int]:
    found = re.search(r"Screen (\d+) of (\d+)", page_text(client.get(location)))
    return int(found.group(1)), int(found.group(2))


def test_the_number_of_screens_stays_put_when_they_agree(client, app, in_calling_hours):
    made = consultation_with_note(app)
    sign_in(client, app, interviewer="camden")
    case_id = recorded_case(client, made.questionnaire_id)
    start_call(client, case_id)
    at = client.submit(case_url(case_id) + "/interview",
                       form_page=case_url(case_id)).headers["Location"]
    seen = []
    for data in ({"q_priorities": ["burglary"]}, {"q_confidence": "good"}, {"q_victim": "no"},
                 {"q_comments": ""}, {"consent": "yes"}, {"q_age_band": "25-to-64"}):
        seen.append(_progress(client, at))
        at = client.submit(at, data).headers["Location"]
    assert at.endswith("/interview/check")
    totals = {total for _, total in seen}
    assert len(totals) == 1, seen  # the same total on every screen, before and after yes
    assert [position for position, _ in seen] == list(range(1, len(seen) + 1))
