"""Paper mailout requests, the print runs that gather them, and the counts kept after the
personal details are deleted.

A request belongs to at most one print run: `print_run_id` is a single column, set by one
UPDATE that matches only requests not yet in a run, so two gatherings at once (beat and the
button) can never put the same request in two runs. The reference printed on the paper is made
when the request is recorded (so staff can read it to the caller) and is unique.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.boroughs.models import Borough
from engage.clock import utcnow
from engage.extensions import db
from engage.groups.models import LabelledEnum, _enum
from engage.surveys.models import Consultation, Questionnaire, QuestionnaireVersion


class PaperFormat(LabelledEnum):
    STANDARD = "standard", "Standard print"
    LARGE_PRINT = "large-print", "Large print"
    EASY_READ = "easy-read", "Easy read"
    # Not printed by a run: someone follows it up with a translation.
    OTHER_LANGUAGE = "other-language", "Another language"

    @property
    def is_printed(self) -> bool:
        return self != PaperFormat.OTHER_LANGUAGE


PRINTED_FORMATS = [f for f in PaperFormat if f.is_printed]


class RequestStatus(LabelledEnum):
    REQUESTED = "requested", "Requested"
    IN_PRINT_RUN = "in-print-run", "In a print run"
    POSTED = "posted", "Posted"
    RETURNED = "returned", "Returned"
    UNDELIVERABLE = "undeliverable", "Undeliverable"


class PaperRequest(db.Model):
    __tablename__ = "paper_requests"
    __table_args__ = (
        # How a likely duplicate is found: same person and address for the same questionnaire.
        Index("ix_paper_requests_questionnaire_id_match_key", "questionnaire_id", "match_key"),
        Index("ix_paper_requests_borough_id_status", "borough_id", "status"),
        Index("ix_paper_requests_print_run_id_format_id", "print_run_id", "format", "id"),
        CheckConstraint("format != 'other-language' OR language != ''",
                        name="language_for_other_language"),
        CheckConstraint("status = 'requested' OR format != 'other-language'",
                        name="other_language_not_printed"),
        CheckConstraint("(status = 'requested') = (print_run_id IS NULL)",
                        name="in_a_run_once_requested"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    # Printed on every page and as a QR code; the response keyed from the paper carries it.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line_1: Mapped[str] = mapped_column(String(200))
    address_line_2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(8))  # normalised: "SW3 4AB"
    # Normalised name, first address line and postcode, for spotting a likely duplicate.
    match_key: Mapped[str] = mapped_column(String(520))
    format: Mapped[PaperFormat] = mapped_column(_enum(PaperFormat, 20))
    language: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime]
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, 20),
                                                  default=RequestStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Set when staff confirmed this is wanted although it looked like that earlier request.
    confirmed_duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("paper_requests.id", ondelete="SET NULL"))
    print_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("print_runs.id", ondelete="RESTRICT"))
    in_print_run_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    undeliverable_at: Mapped[datetime | None]

    questionnaire: Mapped[Questionnaire] = relationship()
    borough: Mapped[Borough] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    print_run: Mapped[PrintRun | None] = relationship(back_populates="requests")

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line_1, self.address_line_2, self.town,
                                  self.postcode) if line]


class RunStatus(LabelledEnum):
    WAITING = "waiting", "Waiting to be printed"
    RENDERING = "rendering", "Being prepared"
    READY = "ready", "Ready to print"
    FAILED = "failed", "Could not be prepared"
    POSTED = "posted", "Posted"


class PrintRun(db.Model):
    """The requests of one borough for one questionnaire version, gathered at one time, and
    the print-ready PDF and address labels made for them."""

    __tablename__ = "print_runs"
    __table_args__ = (
        Index("ix_print_runs_borough_id_created_at", "borough_id", "created_at"),
        CheckConstraint("rendered_count >= 0 AND rendered_count <= request_count",
                        name="rendered_within_run"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"))
    # Every copy in the run is this version: the same words as the online form at that time.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, 20), default=RunStatus.WAITING)
    request_count: Mapped[int] = mapped_column(default=0)
    rendered_count: Mapped[int] = mapped_column(default=0)
    page_count: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    # A worker renders the run until this time; after it, another may take over and resume.
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    pdf_name: Mapped[str | None] = mapped_column(String(100))
    labels_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rendered_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when retention deleted the files and the requests' personal details.
    purged_at: Mapped[datetime | None]

    borough: Mapped[Borough] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    posted_by: Mapped[User | None] = relationship(foreign_keys=[posted_by_id])
    requests: Mapped[list[PaperRequest]] = relationship(back_populates="print_run",
                                                        viewonly=True)

    @property
    def is_finished_rendering(self) -> bool:
        return self.status in (RunStatus.READY, RunStatus.POSTED)


class PaperRequestCount(db.Model):
    """What is kept once retention deletes a consultation's requests: how many there were, by
    borough, format and the status each had reached."""

    __tablename__ = "paper_request_counts"
    __table_args__ = (
        UniqueConstraint("consultation_id", "borough_id", "format", "status"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    borough_id: Mapped[int] = mapped_column(ForeignKey("boroughs.id", ondelete="CASCADE"))
    format: Mapped[PaperFormat] = mapped_column(_enum(PaperFormat, 20))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, 20))
    count: Mapped[int]
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    borough: Mapped[Borough] = relationship()
