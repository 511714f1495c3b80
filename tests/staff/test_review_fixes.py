"""What a usability review of the staff pages found wrong, each checked through HTTP as staff use
the pages: where error summary links lead, a way back from the questionnaire preview, what
upload problems and automatic reminders say, the staff invitation email, a meeting's details,
the words for a role just given, and tables that must not widen the page at 200% zoom."""

from __future__ import annotations

import re

from tests.helpers import page_text
from tests.surveys.support import STAFF, sign_in_staff


def _summary_links(html: str) -> list[str]:
    summary = html[html.index('class="govuk-error-summary"'):html.index("<h1")]
    return re.findall(r'href="#([^"]+)"', summary)


# 1. A date's error summary link goes to its day box, which takes focus -------------------------

def test_a_dates_error_summary_link_goes_to_its_first_box(client, app):
    sign_in_staff(client, app)
    refused = client.submit(f"{STAFF}/new", {"title": "Spring check", "purpose": "To check.",
                                            "coverage": "all", "opens_on": ["31", "2", "2027"],
                                            "opens_time": "9am", "closes_on": ["", "", ""],
                                            "closes_time": "5pm"})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    targets = _summary_links(html)
    # The date's own id is on the wrapper round its boxes, which cannot take focus: a link there
    # leaves a keyboard or screen reader user where they were.
    assert targets == ["opens_on-day", "closes_on-day"]
    for target in targets:
        assert re.search(rf'<input class="govuk-input govuk-date-input__input[^>]*id="{target}"',
                         html)
    assert "Opening date must be a real date" in page_text(refused)
