"""Public report PDFs, drawn once and kept while what they show is unchanged.

A public PDF (the report, the Local Policing Summary) is drawn by WeasyPrint from HTML made
from the publication and from what the borough's public pages show (its groups and their
upcoming meetings). Making the HTML takes milliseconds; drawing the PDF about half a second.
So each PDF is kept, one row per publication and kind, with the SHA-256 of the HTML it was
drawn from. A download makes the HTML and serves the kept PDF while the hash matches; when
anything shown changes (a meeting is added or has passed, the threshold changes, the report is
published again) the hash differs and the next download draws it again, under a per-address
limit. Publishing queues `draw_public_files`, so the first reader does not wait either.

Rows go with their publication (ON DELETE CASCADE): unpublishing leaves no file behind.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from celery import shared_task
from flask import current_app, render_template
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import conflict_insert, db
from engage.reports import documents, summary
from engage.reports.public_views import published_context
from engage.reports.targets_models import ReportPublication

REPORT_PDF = "report.pdf"
SUMMARY_PDF = "local-policing-summary.pdf"
KINDS = (REPORT_PDF, SUMMARY_PDF)


class PublicFile(db.Model):
    __tablename__ = "report_public_files"
    __table_args__ = (
        UniqueConstraint("publication_id", "kind"),
        CheckConstraint(f"kind IN ('{REPORT_PDF}', '{SUMMARY_PDF}')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("report_publications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    html_sha256: Mapped[str] = mapped_column(String(64))  # of the HTML it was drawn from
    content: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime]


def public_html(published: ReportPublication, kind: str) -> str:
    """The HTML a public PDF is drawn from, as it would be drawn now. Needs a request context
    (url_for); a task makes one (engage.reports.tasks.draw_public_files)."""
    if kind == SUMMARY_PDF:
        return summary.summary_html(published)
    return render_template("reports/pdf/report.html", public=True,
                           consultation=published.consultation,
                           area_name=published.borough.name, **published_context(published))


def _digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def kept(published: ReportPublication, kind: str, html: str) -> bytes | None:
    """The PDF kept for exactly this HTML, or None when it must be drawn."""
    return db.session.scalar(select(PublicFile.content).where(
        PublicFile.publication_id == published.id, PublicFile.kind == kind,
        PublicFile.html_sha256 == _digest(html)))


def draw_and_keep(published: ReportPublication, kind: str, html: str) -> bytes:
    """Draw the PDF and keep it in place of the one before, in one statement: two processes
    drawing the same file at once both succeed, and one row remains."""
    content = documents.pdf_bytes(html)
    values = {"publication_id": published.id, "kind": kind, "html_sha256": _digest(html),
              "content": content, "made_at": utcnow()}
    statement = conflict_insert(PublicFile).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["publication_id", "kind"],
        set_={name: statement.excluded[name] for name in ("html_sha256", "content", "made_at")}))
    return content


def kept_files(published: ReportPublication) -> dict[str, datetime]:
    """When each kind was last drawn, for the officer's publish page."""
    return dict(db.session.execute(
        select(PublicFile.kind, PublicFile.made_at)
        .where(PublicFile.publication_id == published.id)).all())


@shared_task(name="engage.reports.draw_public_files", acks_late=True)
def draw_public_files(publication_id: int) -> list[str]:
    """Draw a publication's public PDFs ahead of their first reader.

    Safe to run twice or late: a file already kept for the same HTML is left alone, and a
    publication taken down since is skipped. Returns per kind "drawn" or "kept"."""
    published = db.session.get(ReportPublication, publication_id)
    if published is None:
        return []
    outcomes = []
    # url_for needs a request: one for the site's own address, as the public would ask.
    with current_app.test_request_context(base_url=current_app.config["ENGAGE_BASE_URL"]):
        for kind in KINDS:
            html = public_html(published, kind)
            if kept(published, kind, html) is not None:
                outcomes.append("kept")
                continue
            draw_and_keep(published, kind, html)
            db.session.commit()  # each file as soon as it is drawn
            outcomes.append("drawn")
    return outcomes
