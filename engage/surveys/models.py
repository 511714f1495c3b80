"""Consultations, their questionnaires, and the responses people give.

A questionnaire's wording lives in versions. Sections, questions and options belong to one
version; once a version has a response it is locked and editing makes the next version, so
every response points at exactly the words its respondent read. Questions carry a `key` that
stays the same across versions and years, and reporting questions carry a `tag` (priorities,
confidence, ...) so reports can line them up.

Answers are rows, not a JSON blob: one row per chosen option (with its rank for a ranking
question), or one row holding the text, number or date. Reports count them with GROUP BY.
Contact details given for a reply live in their own tables, apart from the answers: DraftReply
until the answers are sent, then ResponseContact.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    false,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64 bits for the answers.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Audience(LabelledEnum):
    RESIDENTS = "residents", "Residents"
    BUSINESSES = "businesses", "Businesses"

    @property
    def who(self) -> str:
        """Whom a questionnaire is for, in the words a person choosing one reads beside its
        title (a title often names its audience already: "Have your say: businesses")."""
        return {Audience.RESIDENTS: "If you live in London",
                Audience.BUSINESSES: "If you run or manage a business or organisation in "
                                     "London"}[self]


class QuestionKind(LabelledEnum):
    SINGLE_CHOICE = "single-choice", "Single choice"
    MULTIPLE_CHOICE = "multiple-choice", "Multiple choice"
    RANKING = "ranking", "Ranking (put the top ones in order)"
    RATING = "rating", "Rating scale"
    YES_NO = "yes-no", "Yes or no"
    NUMBER = "number", "Number"
    SHORT_TEXT = "short-text", "Short text"
    LONG_TEXT = "long-text", "Long text"
    POSTCODE = "postcode", "UK postcode"
    DATE = "date", "Date"

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE,
                        QuestionKind.RANKING, QuestionKind.RATING, QuestionKind.YES_NO)


class ReportingTag(LabelledEnum):
    """What a question measures, so reports can compare it across questionnaires and years."""

    PRIORITIES = "priorities", "Policing priorities"
    CONFIDENCE = "confidence", "Confidence in local policing"
    FEELING_SAFE = "feeling-safe", "Feeling safe"
    BOROUGH = "borough", "Borough"
    ETHNIC_GROUP = "ethnic-group", "Ethnic group"
    AGE_BAND = "age-band", "Age band"
    DISABILITY = "disability", "Disability"
    BUSINESS_SECTOR = "business-sector", "Business sector"
    BUSINESS_SIZE = "business-size", "Business size"
    VICTIM_OF_CRIME = "victim-of-crime", "Experience of crime"

    @property
    def is_equality(self) -> bool:
        return self in (ReportingTag.ETHNIC_GROUP, ReportingTag.AGE_BAND, ReportingTag.DISABILITY)

    @property
    def is_offered(self) -> bool:
        """Whether the builder offers it. The borough comes from every questionnaire's own first
        step (the postcode, then a choice where that leaves doubt), which reports use; a
        question tagged "Borough" would add nothing, so the tag is kept only for old rows."""
        return self is not ReportingTag.BOROUGH


class Channel(LabelledEnum):
    ONLINE = "online", "Online"
    PAPER = "paper", "Paper"
    TELEPHONE = "telephone", "Telephone"


consultation_boroughs = Table(
    "consultation_boroughs",
    db.Model.metadata,
    Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("borough_id", ForeignKey("boroughs.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(db.Model):
    """One round of "have your say", for example "Have your say 2027/28"."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("paper_grace_until IS NULL OR paper_grace_until >= closes_at",
                        name="paper_grace_after_closing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]  # naive UTC
    closes_at: Mapped[datetime]  # naive UTC
    # All 32 boroughs, or only those in consultation_boroughs.
    all_boroughs: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Paper keyed in twice by different clerks, and stored only when the two agree.
    double_keying: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Post is slow: paper is keyed in until then (naive UTC). None: closes_at plus
    # ENGAGE_PAPER_GRACE_DAYS (engage.mailouts.keying.paper_deadline).
    paper_grace_until: Mapped[datetime | None]

    boroughs: Mapped[list[Borough]] = relationship(secondary=consultation_boroughs,
                                                   order_by=Borough.name)
    questionnaires: Mapped[list[Questionnaire]] = relationship(
        # Residents' first: the larger audience, and the one most people are looking for.
        back_populates="consultation",
        order_by=lambda: (case((Questionnaire.audience == Audience.RESIDENTS, 0), else_=1),
                          Questionnaire.id),
        cascade="all, delete-orphan", passive_deletes=True)
    created_by: Mapped[User | None] = relationship()

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.closes_at

    def covers(self, borough: Borough) -> bool:
        return self.all_boroughs or borough in self.boroughs

    def questionnaire_for(self, audience: Audience) -> Questionnaire | None:
        return next((q for q in self.questionnaires if q.audience == audience), None)


class Questionnaire(db.Model):
    """The questions for one audience of a consultation, through all their versions."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("consultation_id", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, 20))
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="questionnaires")
    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def current_version(self) -> QuestionnaireVersion:
        """The newest version: what the public answers and what staff edit."""
        return self.versions[-1]


class QuestionnaireVersion(db.Model):
    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),
                      CheckConstraint("number >= 1", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position",
        cascade="all, delete-orphan", passive_deletes=True)

    def ordered_questions(self) -> list[Question]:
        """Every question in the order a respondent meets them."""
        return [q for section in self.sections for q in section.questions]


def open_consultations(now: datetime | None = None, *options) -> list[Consultation]:
    """Consultations the public can answer now, the soonest to close first (loaded with
    `options`, like selectinload(Consultation.questionnaires) for a page that lists those)."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Consultation).options(*options)
        .where(Consultation.opens_at <= now, Consultation.closes_at > now)
        .order_by(Consultation.closes_at)))


def load_version(version_id: int) -> QuestionnaireVersion | None:
    """A version with all its sections, questions and options, in three queries.

    Every page of the questionnaire walks the whole version (which pages apply, what was
    answered); loaded lazily that is a query per section and per question. Show-if conditions
    point at questions already loaded, so following them costs nothing."""
    return db.session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id).options(
            selectinload(QuestionnaireVersion.sections).selectinload(Section.questions)
            .selectinload(Question.options)))


class Section(db.Model):
    """A page, or a short run of pages, of a questionnaire. The equality section is optional
    for the respondent and asked only after they agree to answer it."""

    __tablename__ = "questionnaire_sections"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    is_equality: Mapped[bool] = mapped_column(default=False, server_default=false())

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position",
        cascade="all, delete-orphan", passive_deletes=True)


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        UniqueConstraint("section_id", "position"),
        # A tag names at most one question per version, so a report knows which to read.
        UniqueConstraint("version_id", "tag"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
        CheckConstraint("rank_count IS NULL OR rank_count >= 1", name="rank_count_positive"),
        CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value <= max_value",
                        name="bounds_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    # Stable across versions and years ("priorities", "confidence"): how versions line up.
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, 20))
    text: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="")
    # What a telephone interviewer sees but does not read out.
    interviewer_note: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True, server_default=true())
    tag: Mapped[ReportingTag | None] = mapped_column(_enum(ReportingTag, 20))
    min_value: Mapped[int | None]  # number questions
    max_value: Mapped[int | None]
    max_choices: Mapped[int | None]  # multiple choice: "choose up to three"
    rank_count: Mapped[int | None]  # ranking: "put your top five in order"
    # Shown only when this earlier question's answer includes one of these option values.
    show_if_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"))
    show_if_values: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[QuestionnaireVersion] = relationship()
    section: Mapped[Section] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position",
        cascade="all, delete-orphan", passive_deletes=True)
    show_if_question: Mapped[Question | None] = relationship(remote_side=[id])

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Option(db.Model):
    __tablename__ = "question_options"
    __table_args__ = (UniqueConstraint("question_id", "value"),
                      UniqueConstraint("question_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int]
    # Stable code ("burglary"), compared across versions; the label is the words people read.
    value: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(300))
    # "Other, please say": choosing it asks for a short text.
    asks_other: Mapped[bool] = mapped_column(default=False, server_default=false())
    # "None of these" or "Prefer not to say": cannot be chosen with anything else.
    exclusive: Mapped[bool] = mapped_column(default=False, server_default=false())

    question: Mapped[Question] = relationship(back_populates="options")


# Responses -------------------------------------------------------------------------------------

class Response(db.Model):
    """One completed questionnaire, from any channel. `idempotency_key` is unique, so a double
    click, a browser retry or a replayed POST finds the response already stored instead of
    making a second; `invitee_id` is unique, so a personal link is used once."""

    __tablename__ = "responses"
    __table_args__ = (
        # Covers "who answered" (engage.reports.collation): one area's responses by channel,
        # questionnaire and hour come from the index alone, without visiting the table.
        Index("ix_responses_who_answered", "consultation_id", "borough_id", "questionnaire_id",
              "channel", "submitted_at"),
        Index("ix_responses_version_id", "version_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("boroughs.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 20), default=Channel.ONLINE)
    # Short, human-readable, with a check character: quoted on the phone and printed on paper.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    invitee_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitees.id", ondelete="SET NULL"), unique=True)
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staff who keyed a paper form or ran a telephone interview.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    duration_seconds: Mapped[int | None]
    # They agreed to answer the equality-monitoring questions (their answers exist only if so).
    equality_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The language its questions were read in (BCP 47: "en", "pl"; engage.translations).
    language: Mapped[str] = mapped_column(String(20), default="en", server_default="en")

    consultation: Mapped[Consultation] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    borough: Mapped[Borough | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True)


class Answer(db.Model):
    """One row per value given (a ranking or multiple choice has one per option).

    `consultation_id`, `borough_id`, `equality_consent` and the `cell_*` columns copy the
    response's own facts, which never change once it is stored: a report counts a borough's
    answers from the index below alone, without visiting responses (whose boroughs arrive
    interleaved, so a borough's rows are spread over the whole table) or joining answers to
    answers. A deleted borough sets both copies to NULL.
    """

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_question_id_option_id", "question_id", "option_id"),
        # Serves collation as an index-only scan: a borough's counts are one short range per
        # tagged question, London's (and the bare priorities query) skip untagged questions.
        # Then the response and its cell: respondents are counted per cell (distinct
        # responses), and weighting counts answers per cell, from the index alone.
        Index("ix_answers_collation", "consultation_id", "question_id", "borough_id",
              "option_id", "rank", "equality_consent", "response_id", "cell_ethnic_group_id",
              "cell_age_band_id", "cell_disability_id"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("boroughs.id", ondelete="SET NULL"))
    equality_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The response's weighting cell (engage.reports.weighting): the options it chose, with
    # consent, for its single-choice ethnic group, age band and disability questions; NULL when
    # not given. Copies of option ids its own equality answers hold (checked by their foreign
    # keys), so no foreign keys of their own.
    cell_ethnic_group_id: Mapped[int | None]
    cell_age_band_id: Mapped[int | None]
    cell_disability_id: Mapped[int | None]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_options.id", ondelete="RESTRICT"))
    rank: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)  # free text, or "other, please say"
    number: Mapped[int | None] = mapped_column(BigInteger)
    date: Mapped[date | None]

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    option: Mapped[Option | None] = relationship()


class ResponseContact(db.Model):
    """Contact details a respondent chose to give for a reply: kept apart from the answers,
    and only with their consent. The borough's engagement officers see them on the replies
    page (engage.surveys.replies) and mark each one replied; they are deleted a set time after
    the consultation closes (ENGAGE_REPLY_RETENTION_DAYS)."""

    __tablename__ = "response_contacts"

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set together when an officer marks the reply made; the officer may later be deleted
    # (NULL), the time stays, and the audit log keeps their name.
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    reply_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    response: Mapped[Response] = relationship()
    replied_by: Mapped[User | None] = relationship()


class ResponseDraft(db.Model):
    """Answers so far, kept on the server between pages. `token` (in the session, or in a
    resume link emailed on request) finds it again; `submission_key` becomes the response's
    idempotency key, so submitting a draft twice stores one response."""

    __tablename__ = "response_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("boroughs.id", ondelete="SET NULL"))
    invitee_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitees.id", ondelete="SET NULL"))
    # {question key: canonical answer value}, see engage.surveys.questions.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # None until asked; the equality section is shown only after a yes.
    equality_consent: Mapped[bool | None]
    # The language of a telephone interview's questions (BCP 47; engage.translations): the
    # interviewer reads them in it, and the response records it. Online, the person's choice
    # is in their session instead, and may change from page to page.
    language: Mapped[str] = mapped_column(String(20), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    response_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship()
    # No save cascade: the public pages hang a shared, detached version here
    # (engage.surveys.version_cache), which adding the draft must never pull into a session.
    version: Mapped[QuestionnaireVersion] = relationship(cascade="merge")
    borough: Mapped[Borough | None] = relationship()
    response: Mapped[Response | None] = relationship()
    # The database deletes it with the draft (ON DELETE CASCADE), at the daily clear-out too.
    reply: Mapped[DraftReply | None] = relationship(cascade="all, delete-orphan",
                                                    passive_deletes=True)


class DraftReply(db.Model):
    """What a person said on "Would you like a reply?" before sending their answers: kept on
    the server, never in the browser's cookie, and apart from the answers (never in the draft's
    JSON). One row a draft; it becomes the ResponseContact when the answers are sent, in the
    same transaction, and is deleted then (engage.surveys.responses.submit_draft).

    `browser_key` is a random key the session of the browser that answered holds in its place
    (engage.surveys.flow.remember_reply): a draft can be open in two browsers (its emailed
    resume link, a personal invitation opened twice), and only the one that gave these details
    may see or send them."""

    __tablename__ = "response_draft_replies"

    draft_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("response_drafts.id", ondelete="CASCADE"), primary_key=True)
    browser_key: Mapped[str] = mapped_column(String(64))
    wants: Mapped[bool]
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)


# Invitations to answer by email --------------------------------------------------------------

class InviteeListSource(LabelledEnum):
    GROUP = "group", "Members of a group"
    UPLOAD = "upload", "Uploaded list"


class InviteeList(db.Model):
    """People staff invite to answer one questionnaire: a group's members or an uploaded CSV."""

    __tablename__ = "survey_invitee_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[InviteeListSource] = mapped_column(_enum(InviteeListSource, 20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()
    borough: Mapped[Borough] = relationship()
    invitees: Mapped[list[Invitee]] = relationship(
        back_populates="invitee_list", order_by="Invitee.id",
        cascade="all, delete-orphan", passive_deletes=True)


class Invitee(db.Model):
    """One person on a list, with the personal one-use link token."""

    __tablename__ = "survey_invitees"
    __table_args__ = (UniqueConstraint("list_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitee_lists.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invitee_list: Mapped[InviteeList] = relationship(back_populates="invitees")
    response: Mapped[Response | None] = relationship(viewonly=True, uselist=False)
