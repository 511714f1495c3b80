"""Meeting papers on disk: checking an upload is really a PDF or Word document, and keeping it
under the instance folder (outside the package and the static folder), by a random name."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from flask import current_app, request

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


def folder() -> Path:
    path = Path(current_app.instance_path) / "papers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    return folder() / stored_name


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
    """Write the file under a new random name and return that name."""
    stored_name = secrets.token_hex(16) + PurePath(checked.filename).suffix.lower()
    path_of(stored_name).write_bytes(checked.content)
    return stored_name


def delete(stored_names: list[str]) -> None:
    """Remove files whose rows have gone. Call after the commit, so a failed commit keeps them."""
    for name in stored_names:
        path_of(name).unlink(missing_ok=True)


@contextmanager
def uploads_closed() -> Iterator[None]:
    try:
        yield
    finally:
        for upload in request.files.values():
            upload.close()
