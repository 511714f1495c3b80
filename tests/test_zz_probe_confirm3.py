from __future__ import annotations
import io
from sqlalchemy import select, func

from engage.extensions import db
from tests.factories import PASSWORD, create_admin, create_user, create_officer
from tests.helpers import page_text
from tests.surveys import test_invitations_support as inv
from tests.mailouts.test_keying_support import all_kinds, posted_paper, CAMDEN


def nopropagate(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.testing = False


def show(label, r):
    print(f"\n### {label}: {r.status_code} {page_text(r)[:160]!r}")


def test_invitation_days(app):
    pass
    ids = inv.make_consultation(app)
    inv.add_members(app, ["m1@example.org"])
    b = inv.officer(app)
    list_id = inv.list_from_group(b, ids[list(ids)[0]])
    r = b.submit(inv.STAFF + f"/{list_id}/automatic-reminder", {"days": "\u00b2"})
    show("automatic-reminder days=superscript2", r)
    b.submit(inv.STAFF + f"/{list_id}/send")
    r = b.submit(inv.STAFF + f"/{list_id}/reminder", {"days": "\u00b2"})
    show("reminder days=superscript2", r)


def test_keying_numbers(app, client):
    pass
    made = all_kinds(app)
    ref = posted_paper(app, made.questionnaire_id)
    with app.app_context():
        email = create_user(roles={"clerk": "camden"}).email
    client.sign_in(email, PASSWORD)
    r = client.submit(f"{CAMDEN}/{ref}", {"q_priorities": "1 2 \u00b2", "q_confidence": "2"})
    show("keying priorities with superscript", r)
    r = client.submit(f"{CAMDEN}/{ref}", {"q_confidence": "\u2461"})
    show("keying confidence circled 2", r)


def test_crime_figures_long_digits(app, client):
    pass
    from tests.reports.support import make_consultation
    make_consultation(app)
    with app.app_context():
        email = create_officer("camden").email
    client.sign_in(email, PASSWORD)
    text = "crime type,change in offences,percentage change,target,result\nBurglary," + "9" * 5000 + ",-8.8%,,achieved\n"
    r = client.submit("/staff/boroughs/camden/reports/have-your-say-2027/crime-figures",
                      {"period": "2026/27", "figures": (io.BytesIO(text.encode()), "f.csv")})
    show("crime figures 5000-digit offences", r)
    text = "crime type,change in offences,percentage change,target,result\nBurglary,89,-" + "9" * 5000 + "%,,achieved\n"
    r = client.submit("/staff/boroughs/camden/reports/have-your-say-2027/crime-figures",
                      {"period": "2026/27", "figures": (io.BytesIO(text.encode()), "f.csv")})
    show("crime figures 5000-digit percent", r)
