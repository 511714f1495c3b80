"""The audit log says each action in words, with its code beneath for the filter; every code
the code records has its words."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import engage
from engage.audit.actions import ACTIONS, action_in_words
from tests.factories import PASSWORD, create_admin, create_officer
from tests.helpers import Browser, page_text

# The functions that record an audit event, their first argument the action's code:
# engage.audit.operations.record and the domains' wrappers around it.
RECORDERS = {"record", "_audit", "audit", "log"}
CODE = re.compile(r"[a-z_]+(\.[a-z_]+)+")


def _recorded_codes() -> dict[str, str]:
    """Every action code written in engage's source as the first argument of a recorder call
    (both branches of `"a" if x else "b"` included): code -> where."""
    found = {}
    for path in Path(engage.__file__).parent.rglob("*.py"):
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
        for i, token in enumerate(tokens[:-1]):
            if not (token.type == tokenize.NAME and token.string in RECORDERS
                    and tokens[i + 1].string == "(" and tokens[i - 1].string != "def"):
                continue
            depth = 0
            for following in tokens[i + 1:]:
                if following.string in "([{":
                    depth += 1
                elif following.string in ")]}":
                    depth -= 1
                if depth == 0 or (depth == 1 and following.string == ","):
                    break
                if following.type == tokenize.STRING:
                    value = ast.literal_eval(following.string)
                    if isinstance(value, str) and CODE.fullmatch(value):
                        found[value] = f"{path.name}:{following.start[0]}"
    return found


def test_every_recorded_action_has_its_words():
    codes = _recorded_codes()
    assert len(codes) > 50  # the scan still finds the calls
    assert {code: where for code, where in codes.items() if code not in ACTIONS} == {}
    assert set(ACTIONS) - set(codes) == set()  # and no words for a code nothing records


def test_an_action_without_words_reads_as_its_code_in_plain_letters():
    assert action_in_words("staff.role_granted") == "Gave a staff role"
    assert action_in_words("paper.run.something_new") == "Paper run something new"


def test_the_log_and_its_csv_say_what_was_done_in_words(app):
    with app.app_context():
        admin_email = create_admin().email
        officer_email = create_officer("camden").email
    officer, admin = Browser(app), Browser(app)
    officer.sign_in(officer_email, PASSWORD)
    officer.submit("/staff/boroughs/camden/contact",
                   {"contact_email": "camden-team@example.org", "contact_phone": ""})
    admin.sign_in(admin_email, PASSWORD)
    text = page_text(admin.get("/admin/audit"))
    assert "Changed the borough's public contact details borough.contact_changed, " \
           "borough:camden" in text
    # The filter still takes the code's start.
    assert "Changed the borough's public contact details" in page_text(
        admin.get("/admin/audit?action=borough."))
    assert "Changed the borough's public contact details" not in page_text(
        admin.get("/admin/audit?action=staff."))
    assert "Changed the borough's public contact details" in admin.get(
        "/admin/audit.csv").get_data(as_text=True)
