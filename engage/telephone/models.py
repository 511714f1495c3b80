"""Telephone interviews: people who asked to be called (a case each), every call made to them,
and the counts kept once their personal details are deleted.

A case holds the person's name and phone number only until retention deletes the case; its
calls are rows of their own, one per attempt, written when the call starts and given their
outcome once (never changed after). At most one call per case is open at a time: a partial
unique index on the calls whose outcome is not yet known makes a second impossible.
The answers live in a ResponseDraft (`draft_id`) until the interview is finished, and then in
a Response with channel "telephone" (`response_id`), like every other channel's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum
from engage.surveys.models import BigId, Consultation, Questionnaire, Response, ResponseDraft


class PartOfDay(LabelledEnum):
    ANY = "any", "Any time"
    MORNING = "morning", "Morning (before 12 noon)"
    AFTERNOON = "afternoon", "Afternoon (12 noon to 5pm)"
    EVENING = "evening", "Evening (after 5pm)"


class Outcome(LabelledEnum):
    """What happened on a call, after AAPOR's final and temporary dispositions."""

    COMPLETE = "complete", "Interview complete"
    PARTIAL = "partial", "Partly done: to finish later"
    APPOINTMENT = "appointment", "Asked to be called back at a set time"
    NO_ANSWER = "no-answer", "No answer"
    ANSWERING_MACHINE = "answering-machine", "Answering machine or voicemail"
    REFUSED = "refused", "Refused"
    WRONG_NUMBER = "wrong-number", "Wrong number"


# The default wait before calling again; None closes the case. A partial interview is called
# back at the time agreed, or after RETRY_PARTIAL; an appointment always at its time.
RETRY_AFTER: dict[Outcome, timedelta | None] = {
    Outcome.NO_ANSWER: timedelta(hours=2),
    Outcome.ANSWERING_MACHINE: timedelta(hours=4),
    Outcome.PARTIAL: timedelta(days=1),
    Outcome.APPOINTMENT: None,  # at the agreed time
    Outcome.REFUSED: None,
    Outcome.WRONG_NUMBER: None,
    Outcome.COMPLETE: None,
}
# Outcomes that take the time agreed with the person; any other ignores the date and time boxes.
AGREED_TIME_OUTCOMES = (Outcome.PARTIAL, Outcome.APPOINTMENT)
# Outcomes that reached nobody: after MAX_ATTEMPTS calls ending like this, the case closes.
NO_CONTACT_OUTCOMES = (Outcome.NO_ANSWER, Outcome.ANSWERING_MACHINE)
MAX_ATTEMPTS = 6


class CaseStatus(LabelledEnum):
    OPEN = "open", "To call"
    COMPLETE = "complete", "Interview complete"
    REFUSED = "refused", "Refused"
    WRONG_NUMBER = "wrong-number", "Wrong number"
    NO_CONTACT = "no-contact", "No contact"


class CallCase(db.Model):
    """One person who asked to answer a questionnaire by telephone, and where their calls
    have got to."""

    __tablename__ = "telephone_cases"
    __table_args__ = (
        Index("ix_telephone_cases_borough_id_status_next_attempt_at", "borough_id", "status",
              "next_attempt_at"),
        # One open case a person and questionnaire: the same request sent twice (a double
        # click, a retried POST) must not put them on the call list twice.
        Index("uq_telephone_cases_open_request", "questionnaire_id", "phone", "name",
              unique=True, postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("interview_seconds >= 0", name="interview_seconds_not_negative"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        CheckConstraint("status != 'complete' OR response_id IS NOT NULL",
                        name="complete_has_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # E.164: "+442079460000"
    best_times: Mapped[str] = mapped_column(String(500), default="")
    part_of_day: Mapped[PartOfDay] = mapped_column(_enum(PartOfDay, 20), default=PartOfDay.ANY)
    notes: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, 20), default=CaseStatus.OPEN)
    attempts: Mapped[int] = mapped_column(default=0)
    # None: call as soon as calling hours allow. Otherwise not before this time.
    next_attempt_at: Mapped[datetime | None]
    # Set while the next call is a time agreed with the person (appointment or partial).
    appointment_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    draft_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("response_drafts.id", ondelete="SET NULL"), unique=True)
    response_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="SET NULL"), unique=True)
    # Interview time on earlier calls, so a resumed interview's duration leaves out the pause.
    interview_seconds: Mapped[int] = mapped_column(default=0)

    questionnaire: Mapped[Questionnaire] = relationship()
    borough: Mapped[Borough] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    draft: Mapped[ResponseDraft | None] = relationship()
    response: Mapped[Response | None] = relationship()
    calls: Mapped[list[Call]] = relationship(
        back_populates="case", order_by="Call.started_at, Call.id",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def open_call(self) -> Call | None:
        return next((c for c in self.calls if c.outcome is None), None)


class Call(db.Model):
    """One attempt to reach the person: who called, when, and how it ended."""

    __tablename__ = "telephone_calls"
    __table_args__ = (
        Index("ix_telephone_calls_case_id_started_at", "case_id", "started_at"),
        # One call at a time per case: two interviewers cannot both be on the line.
        Index("uq_telephone_calls_open_case_id", "case_id", unique=True,
              sqlite_where=text("outcome IS NULL"), postgresql_where=text("outcome IS NULL")),
        CheckConstraint("(outcome IS NULL) = (ended_at IS NULL)", name="ended_with_outcome"),
        CheckConstraint("outcome != 'appointment' OR appointment_at IS NOT NULL",
                        name="appointment_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("telephone_cases.id", ondelete="CASCADE"))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, 20))
    appointment_at: Mapped[datetime | None]
    # When the case was due again after this call (None: closed), as it was decided then.
    next_attempt_at: Mapped[datetime | None]
    # Set when the interview screen was opened on this call: its time counts to the duration.
    interview_started_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[CallCase] = relationship(back_populates="calls")
    caller: Mapped[User | None] = relationship()


class TelephoneCount(db.Model):
    """What is kept once retention deletes a consultation's cases: how many calls ended each
    way ("call"), and how many people's cases ended each way ("case"), by borough."""

    __tablename__ = "telephone_counts"
    __table_args__ = (
        UniqueConstraint("consultation_id", "borough_id", "kind", "value"),
        CheckConstraint("kind IN ('call', 'case')", name="kind_known"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(30))  # an Outcome or a CaseStatus value
    count: Mapped[int]
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    borough: Mapped[Borough] = relationship()

    @property
    def label(self) -> str:
        kind = Outcome if self.kind == "call" else CaseStatus
        return kind(self.value).label
