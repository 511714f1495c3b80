"""The telephone pages read "now" from engage.clock, so a test can set it: calls start only
within calling hours, and a test that starts calls must not depend on the hour it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from engage import clock
from engage.telephone import operations
from engage.telephone.hours import next_time


@pytest.fixture
def set_now(monkeypatch) -> Callable[[datetime], None]:
    """set_now(moment): the pages' clock reads `moment` (naive UTC) until it is set again."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "utcnow", lambda: moment)

    return set_to


@pytest.fixture
def in_calling_hours(app, set_now) -> datetime:
    """The clock stopped at the first moment within calling hours from now (now itself when
    calls may be made): close to the real time, so consultations open "from yesterday for
    30 days" are open, whatever the hour the test runs."""
    with app.app_context():
        moment = next_time(clock.utcnow().replace(microsecond=0), operations.calling_hours())
    set_now(moment)
    return moment
