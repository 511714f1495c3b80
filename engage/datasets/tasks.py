"""Making response files in the workers, and deleting them when their time is up.

`make_response_file` is safe to run twice and to run late: it works under a lock named for the
file, makes only a file still waiting, and keeps the ZIP in the same commit that marks it
ready. A file whose worker died, or whose task the broker lost, is queued again by
`response_files`, which beat runs every 5 minutes; that task also deletes each file
`ENGAGE_RESPONSE_FILE_DAYS` after it was asked for, keeping its row (who asked, when, how many
responses) for the record.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from engage import storage
from engage.clock import utcnow
from engage.datasets import building
from engage.datasets.models import FileStatus, ResponseFile
from engage.extensions import db
from engage.locks import held
from engage.tasks import dispatch

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LOCK_SECONDS = 1800  # far longer than a borough's file takes (seconds)
# A file still waiting this long after it was asked for has lost its task: queue it again.
STALLED = timedelta(minutes=5)


def keep_days() -> int:
    return current_app.config["ENGAGE_RESPONSE_FILE_DAYS"]


def make(file: ResponseFile) -> None:
    """Write the file in a scratch folder and keep it, marking it ready, in one commit."""
    made_at = utcnow()
    with tempfile.TemporaryDirectory(prefix=f"engage-response-file-{file.id}-") as folder:
        path = Path(folder) / file.file_name
        count = building.write(path, file.questionnaire, file.borough, made_at, keep_days())
        kept = storage.save(file.key, path)
    file.status = FileStatus.READY
    file.made_at = made_at
    file.responses = count
    file.size_bytes = kept.size
    file.last_error = None


@shared_task(name="engage.datasets.make_response_file", acks_late=True)
def make_response_file(file_id: int) -> str:
    with held(f"response-file:{file_id}", LOCK_SECONDS) as mine:
        if not mine:
            return "busy"
        file = db.session.get(ResponseFile, file_id)
        if file is None or file.status != FileStatus.WAITING:
            return "skipped"
        file.attempts += 1
        try:
            make(file)
        except Exception as exc:
            db.session.rollback()
            file = db.session.get(ResponseFile, file_id)
            file.attempts += 1
            file.last_error = repr(exc)[:2000]
            if file.attempts >= MAX_ATTEMPTS:
                file.status = FileStatus.FAILED
                log.exception("response file %s failed after %s attempts", file_id,
                              file.attempts)
            else:
                log.warning("response file %s failed (attempt %s): %r", file_id,
                            file.attempts, exc)
            mine.commit_releasing()
            return "failed" if file.status == FileStatus.FAILED else "retry"
        mine.commit_releasing()
        return "made"


@shared_task(name="engage.periodic.response_files")
def tend_response_files() -> int:
    """Queue again the files waiting too long; delete those past their time. Returns how many
    files it did either to, or -1 when another run holds its lock."""
    with held("response-files", seconds=300) as mine:
        if not mine:
            return -1
        now = utcnow()
        stalled = list(db.session.scalars(
            select(ResponseFile.id).where(ResponseFile.status == FileStatus.WAITING,
                                          ResponseFile.requested_at < now - STALLED)))
        expired = list(db.session.scalars(
            select(ResponseFile).where(
                ResponseFile.status.in_([FileStatus.READY, FileStatus.WAITING,
                                         FileStatus.FAILED]),
                ResponseFile.requested_at < now - timedelta(days=keep_days()))))
        for file in expired:
            storage.remove(file.key)
            file.status = FileStatus.DELETED
            file.deleted_at = now
        mine.commit_releasing()
        expired_ids = {file.id for file in expired}
        queued = [file_id for file_id in stalled if file_id not in expired_ids]
        for file_id in queued:
            dispatch(make_response_file.name, (file_id,))
        log.info("response files: %s queued again, %s deleted", len(queued), len(expired))
        return len(queued) + len(expired)
