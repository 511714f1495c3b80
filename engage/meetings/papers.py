"""Meeting papers: checking an upload is really a PDF or Word document, and keeping it by a
random name in the database's file store (engage.storage), never where the web server serves
files from, so that every web process finds it."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from flask import current_app, request

from engage import storage

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {".pdf": PDF, ".docx": DOCX}
DEFAULT_MAX_MB = 10


class PaperRejected(ValueError):
    """The upload is not one we keep; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return int(current_app.config.get("ENGAGE_PAPER_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def max_mb() -> int:
    return int(current_app.config.get("ENGAGE_PAPER_MAX_MB", DEFAULT_MAX_MB))


def key_of(stored_name: str) -> str:
    """The paper's key in the file store (the path it had under the instance folder before
    papers moved into the database: the migration kept it)."""
    return f"papers/{stored_name}"


def kept(stored_name: str) -> storage.StoredFile | None:
    return storage.find(key_of(stored_name))


def clean_filename(name: str | None) -> str:
    """The name as the person's computer called it, without any folders some browsers send."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    return "".join(c for c in base if c.isprintable())[-200:]


def _is_docx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def check(stream: IO[bytes], filename: str | None) -> CheckedFile:
    """Read an upload and accept it only if its name and its first bytes agree that it is a PDF
    or a Word (.docx) document, and it is under the size limit. The type the browser claims is
    ignored: it is whatever the sender says."""
    name = clean_filename(filename)
    suffix = PurePath(name).suffix.lower()
    if suffix not in KINDS:
        raise PaperRejected("The selected file must be a PDF or a Word document (.docx)")
    limit = max_bytes()
    content = stream.read(limit + 1)
    if not content:
        raise PaperRejected("The selected file is empty")
    if len(content) > limit:
        raise PaperRejected(f"The selected file must be smaller than {max_mb()}MB")
    if suffix == ".pdf" and not content.startswith(b"%PDF-"):
        raise PaperRejected("The selected file is not a PDF, although its name ends in .pdf")
    if suffix == ".docx" and not _is_docx(content):
        raise PaperRejected("The selected file is not a Word document, although its name "
                            "ends in .docx")
    return CheckedFile(filename=name, content_type=KINDS[suffix], content=content)


def save(checked: CheckedFile) -> str:
    """Keep the file under a new random name, in the current transaction, and return the name."""
    stored_name = secrets.token_hex(16) + PurePath(checked.filename).suffix.lower()
    storage.save(key_of(stored_name), checked.content)
    return stored_name


def delete(stored_names: list[str]) -> None:
    """Delete the files of papers whose rows go in the same transaction."""
    storage.remove(key_of(name) for name in stored_names)


@contextmanager
def uploads_closed() -> Iterator[None]:
    try:
        yield
    finally:
        for upload in request.files.values():
            upload.close()
