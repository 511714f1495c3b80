"""A small consultation for the report tests, and responses stored through the surveys core.

    residents    priorities (ranking, top 3 of 4), confidence (rating with "don't know"),
                 safe-after-dark (rating, tag feeling-safe), and the equality section
                 (ethnic-group, age-band, disability: values as in engage.groups.models)
    businesses   priorities (ranking, top 3 of the same 4), confidence
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from engage.clock import utcnow
from engage.extensions import db
from engage.reports.models import ReportSnapshot
from engage.surveys.models import (
    Audience,
    Channel,
    Consultation,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
)
from engage.surveys.responses import new_key, store_response
from tests.factories import borough
from tests.surveys.support import add_question, add_section

PRIORITIES = (("burglary", "Burglary"), ("robbery", "Robbery"), ("knife-crime", "Knife crime"),
              ("anti-social-behaviour", "Anti-social behaviour"))
CONFIDENCE = (("excellent", "Excellent"), ("good", "Good"), ("fair", "Fair"), ("poor", "Poor"),
              ("very-poor", "Very poor"), ("dont-know", "Don't know"))
SAFE = (("very-safe", "Very safe"), ("fairly-safe", "Fairly safe"),
        ("a-bit-unsafe", "A bit unsafe"), ("very-unsafe", "Very unsafe"),
        ("never-alone-after-dark", "I never go out alone after dark"))
ETHNIC = (("white", "White"), ("mixed", "Mixed"), ("asian", "Asian"), ("black", "Black"),
          ("other", "Other"), ("prefer-not-to-say", "Prefer not to say"))
AGES = (("16-24", "16 to 24"), ("25-34", "25 to 34"), ("35-44", "35 to 44"),
        ("prefer-not-to-say", "Prefer not to say"))
DISABILITY = (("yes", "Yes"), ("no", "No"), ("prefer-not-to-say", "Prefer not to say"))


@dataclass(frozen=True)
class Made:
    consultation_id: int
    slug: str
    residents: int  # version ids
    businesses: int


def make_consultation(app, *, slug: str = "have-your-say-2027", opens_at: datetime | None = None,
                      closes_at: datetime | None = None, boroughs: list[str] | None = None,
                      priorities_kind: QuestionKind = QuestionKind.RANKING) -> Made:
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        consultation = Consultation(
            slug=slug, title=f"Have your say ({slug})",
            opens_at=opens_at or now - timedelta(days=10),
            closes_at=closes_at or now + timedelta(days=20), all_boroughs=boroughs is None)
        consultation.boroughs = [borough(b) for b in boroughs or []]
        db.session.add(consultation)
        versions = {}
        for audience in Audience:
            version = QuestionnaireVersion(number=1, questionnaire=Questionnaire(
                consultation=consultation, audience=audience, title=audience.label))
            db.session.add(version)
            main = add_section(version, "Policing in your area")
            ranking = priorities_kind == QuestionKind.RANKING
            add_question(main, "priorities", priorities_kind, "What should the police focus on?",
                         PRIORITIES, tag=ReportingTag.PRIORITIES,
                         rank_count=3 if ranking else None, max_choices=None if ranking else 3)
            add_question(main, "confidence", QuestionKind.RATING, "How good a job?", CONFIDENCE,
                         tag=ReportingTag.CONFIDENCE)
            if audience == Audience.RESIDENTS:
                add_question(main, "safe-after-dark", QuestionKind.RATING, "How safe?", SAFE,
                             tag=ReportingTag.FEELING_SAFE, required=False)
                about = add_section(version, "About you", is_equality=True)
                add_question(about, "ethnic-group", QuestionKind.SINGLE_CHOICE, "Ethnic group",
                             ETHNIC, tag=ReportingTag.ETHNIC_GROUP, required=False)
                add_question(about, "age-band", QuestionKind.SINGLE_CHOICE, "Age", AGES,
                             tag=ReportingTag.AGE_BAND, required=False)
                add_question(about, "disability", QuestionKind.SINGLE_CHOICE, "Disabled?",
                             DISABILITY, tag=ReportingTag.DISABILITY, required=False)
            versions[audience] = version
        db.session.commit()
        return Made(consultation.id, consultation.slug, versions[Audience.RESIDENTS].id,
                    versions[Audience.BUSINESSES].id)


def answers(priorities: list[str] | None = None, confidence: str | None = "good",
            safe: str | None = None, ethnic: str | None = None, age: str | None = None,
            disability: str | None = None, kind: QuestionKind = QuestionKind.RANKING) -> dict:
    given = {"priorities": ({"ranked": priorities} if kind == QuestionKind.RANKING
                            else {"options": priorities}) if priorities else None,
             "confidence": {"option": confidence} if confidence else None,
             "safe-after-dark": {"option": safe} if safe else None,
             "ethnic-group": {"option": ethnic} if ethnic else None,
             "age-band": {"option": age} if age else None,
             "disability": {"option": disability} if disability else None}
    return {key: value for key, value in given.items() if value is not None}


def respond(version_id: int, given: dict, *, borough_slug: str | None = "camden",
            channel: Channel = Channel.ONLINE, consent: bool = False,
            submitted_at: datetime | None = None) -> int:
    """Store one response (inside an app context; the caller commits)."""
    version = db.session.get(QuestionnaireVersion, version_id)
    response = store_response(version, given, idempotency_key=new_key(),
                              borough=borough(borough_slug) if borough_slug else None,
                              channel=channel, equality_consent=consent)
    if submitted_at is not None:
        response.submitted_at = submitted_at
    return response.id


def snapshot(consultation_id: int, area: str) -> ReportSnapshot | None:
    return db.session.scalar(select(ReportSnapshot).where(
        ReportSnapshot.consultation_id == consultation_id, ReportSnapshot.area == area))


def snapshot_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportSnapshot))


def hand_worked(app):
    """The data set the expected figures below were worked out from by hand (Camden: 16
    residents and 4 businesses; Hackney: 3 residents; 1 with no borough)."""
    made = make_consultation(app)
    monday = datetime(2027, 1, 4, 12)  # ISO week 2027-W01
    with app.app_context():
        for _ in range(6):
            respond(made.residents, answers(["burglary", "robbery", "knife-crime"], "good",
                                            "very-safe", "white", "25-34", "no"),
                    consent=True, submitted_at=monday)
        for _ in range(4):
            respond(made.residents, answers(["robbery", "burglary", "anti-social-behaviour"],
                                            "excellent", "fairly-safe", "black", "16-24", "no"),
                    consent=True, submitted_at=monday + timedelta(days=7))
        for _ in range(2):
            respond(made.residents, answers(["knife-crime", "anti-social-behaviour", "burglary"],
                                            "poor", "a-bit-unsafe", "asian", "35-44", "yes"),
                    consent=True, submitted_at=monday + timedelta(days=7))
        for _ in range(4):
            # No consent: their equality answers are never stored, so never counted.
            respond(made.residents, answers(["burglary", "knife-crime", "robbery"], "dont-know",
                                            "never-alone-after-dark", "white", "16-24", "no"),
                    channel=Channel.TELEPHONE, submitted_at=monday + timedelta(days=7))
        for _ in range(4):
            respond(made.businesses, answers(["robbery", "knife-crime", "burglary"], "fair"),
                    submitted_at=monday + timedelta(days=8))
        for _ in range(3):
            respond(made.residents, answers(["anti-social-behaviour", "robbery", "burglary"]),
                    borough_slug="hackney", submitted_at=monday)
        respond(made.residents, answers(["burglary", "robbery", "knife-crime"]),
                borough_slug=None, submitted_at=monday)
        db.session.commit()
    return made


# The weighting data set (tests/reports/test_weighting.py, test_gap.py): Camden's margins
# chosen so that raking has a closed form, and 24 residents in 2 ethnic groups x 2 age bands.
CAMDEN = "E09000007"
WEIGHTING_MARGINS = """ons_code,dimension,category,count
E09000007,ethnic_group,white,5000
E09000007,ethnic_group,black,5000
E09000007,ethnic_group,mixed,0
E09000007,ethnic_group,asian,0
E09000007,ethnic_group,other,0
E09000007,age_band,16-24,6000
E09000007,age_band,25-34,4000
"""
WEIGHTING_SOURCE = "Made-up margins for the weighting tests"
# (name, respondents, ethnic group, age band, confidence, feeling safe, priorities, consent)
WEIGHTING_GROUPS = (
    ("A", 4, "white", "16-24", "poor", "a-bit-unsafe", ["robbery", "burglary", "knife-crime"],
     True),
    ("B", 8, "white", "25-34", "good", "very-safe", ["burglary", "robbery", "knife-crime"],
     True),
    ("C+", 3, "black", "16-24", "excellent", "fairly-safe",
     ["knife-crime", "anti-social-behaviour", "robbery"], True),
    ("C-", 3, "black", "16-24", "fair", "fairly-safe",
     ["knife-crime", "anti-social-behaviour", "robbery"], True),
    ("D", 2, "black", "25-34", "dont-know", "never-alone-after-dark",
     ["burglary", "knife-crime", "anti-social-behaviour"], True),
    # No consent: their equality answers are never stored, so they stay unweighted.
    ("E", 4, "white", "25-34", "good", "very-safe",
     ["anti-social-behaviour", "burglary", "robbery"], False),
)


def upload_population(client, text: str = WEIGHTING_MARGINS,
                      source: str = WEIGHTING_SOURCE):
    """An administrator's upload of population figures (the client must be signed in as one)."""
    import io

    return client.submit("/admin/population", {
        "figures": (io.BytesIO(text.encode()), "figures.csv"), "source": source})


def weighting_worked(app, groups=WEIGHTING_GROUPS) -> Made:
    """Camden's residents of WEIGHTING_GROUPS, every one answering every question."""
    made = make_consultation(app)
    with app.app_context():
        for _, n, ethnic, age, confidence, safe, priorities, consent in groups:
            for _ in range(n):
                respond(made.residents, answers(priorities, confidence, safe, ethnic, age),
                        consent=consent)
        db.session.commit()
    return made
