"""Files kept in the database, where every web and worker process on every machine finds them.

Meeting papers are uploaded through one web process and downloaded through another; a print
run's PDF is drawn by a worker and downloaded through a web process; a print run a worker left
half drawn is finished by another worker, perhaps on another machine. Files on one machine's
disk would be found only there, so they live here, beside the rows that name them: the same
PostgreSQL every process already shares (SQLite in development).

A file is named by a key shaped like a path (`papers/<random>.pdf`,
`print-runs/<run>/print-run-<run>.pdf`), kept in pieces of at most `PIECE` bytes: written a
piece at a time, and read a piece at a time, so a 20 MB print run never sits in memory whole,
on either side. Saving, replacing and deleting are part of the caller's transaction: a paper's
row and its file are committed, or rolled back, together.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask import Response, stream_with_context
from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from engage.clock import utcnow
from engage.extensions import db

PIECE = 1024 * 1024  # a megabyte a row: few rows a file, little memory a read

_BigId = BigInteger().with_variant(Integer, "sqlite")


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    pieces: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class FilePiece(db.Model):
    __tablename__ = "stored_file_pieces"

    file_id: Mapped[int] = mapped_column(
        _BigId, ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)  # from 0
    content: Mapped[bytes] = mapped_column(LargeBinary)


def _pieces(source: bytes | BinaryIO | Path) -> Iterator[bytes]:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, Path):
        with source.open("rb") as handle:
            yield from _pieces(handle)
        return
    while piece := source.read(PIECE):
        yield piece


def save(key: str, source: bytes | BinaryIO | Path) -> StoredFile:
    """Keep `source` (bytes, an open binary file, or a path) under `key`, replacing any file
    kept there, in the caller's transaction."""
    remove(key)
    stored = StoredFile(key=key, size=0, pieces=0, sha256="")
    db.session.add(stored)
    db.session.flush()
    digest = hashlib.sha256()
    for number, piece in enumerate(_pieces(source)):
        # Core, not the ORM: the session keeps no copy of a piece once it is written.
        db.session.execute(insert(FilePiece).values(file_id=stored.id, number=number,
                                                    content=piece))
        digest.update(piece)
        stored.size += len(piece)
        stored.pieces = number + 1
    stored.sha256 = digest.hexdigest()
    db.session.flush()
    return stored


def find(key: str | None) -> StoredFile | None:
    if not key:
        return None
    return db.session.scalar(select(StoredFile).where(StoredFile.key == key))


def exists(key: str | None) -> bool:
    return find(key) is not None


def pieces(stored: StoredFile) -> Iterator[bytes]:
    """The file's bytes, one piece (one query) at a time."""
    for number in range(stored.pieces):
        yield db.session.scalar(select(FilePiece.content).where(
            FilePiece.file_id == stored.id, FilePiece.number == number))


def read(key: str) -> bytes:
    """A whole (small) file. Raises KeyError when nothing is kept under the key."""
    stored = find(key)
    if stored is None:
        raise KeyError(key)
    return b"".join(pieces(stored))


def copy_to(key: str, path: Path) -> bool:
    """Write the file to a local path (for a worker's tools that read files), whole or not at
    all: False, and nothing written, when nothing is kept under the key."""
    stored = find(key)
    if stored is None:
        return False
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        for piece in pieces(stored):
            handle.write(piece)
    shutil.move(partial, path)
    return True


def keys(prefix: str) -> list[str]:
    """The keys that start with `prefix`, in order."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(db.session.scalars(select(StoredFile.key)
                                   .where(StoredFile.key.like(escaped + "%", escape="\\"))
                                   .order_by(StoredFile.key)))


def remove(*names: str | Iterable[str]) -> int:
    """Delete the files kept under these keys (those that exist), in the caller's transaction.
    Returns how many there were."""
    wanted = [name for item in names
              for name in ([item] if isinstance(item, str) else item) if name]
    if not wanted:
        return 0
    ids = list(db.session.scalars(select(StoredFile.id).where(StoredFile.key.in_(wanted))))
    if ids:
        # The pieces first: the foreign key cascades too, but not on an SQLite connection
        # opened without engage's settings.
        db.session.execute(delete(FilePiece).where(FilePiece.file_id.in_(ids)))
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_(ids))
                           .execution_options(synchronize_session=False))
    return len(ids)


def remove_prefix(prefix: str) -> int:
    return remove(keys(prefix))


def _sent(file_id: int, count: int) -> Iterator[bytes]:
    """A file's pieces for a response, each read on a connection of its own that goes back to
    the pool before the piece is sent: a slow reader of a 20 MB file holds no connection while
    the web server waits on their network."""
    for number in range(count):
        with db.engine.connect() as connection:
            piece = connection.scalar(select(FilePiece.content).where(
                FilePiece.file_id == file_id, FilePiece.number == number))
        if piece is None:
            return  # replaced or deleted meanwhile: the short body tells the browser it failed
        yield piece


def download(stored: StoredFile, filename: str, mimetype: str) -> Response:
    """Send a kept file as an attachment, a piece at a time. Nothing sent is cached: papers of
    members-only meetings, names and addresses.

    Ends the request's transaction (its caller has committed whatever it meant to keep), so
    that the request holds no database connection while the file is sent (`_sent`)."""
    file_id, count, size = stored.id, stored.pieces, stored.size
    db.session.close()
    response = Response(stream_with_context(_sent(file_id, count)), mimetype=mimetype,
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    from werkzeug.http import dump_options_header

    # As Flask's send_file writes it: an ASCII name for old clients, the real one beside it.
    try:
        filename.encode("ascii")
        return dump_options_header("attachment", {"filename": filename})
    except UnicodeEncodeError:
        simple = filename.encode("ascii", "ignore").decode("ascii") or "download"
        return dump_options_header("attachment", {"filename": simple,
                                                  "filename*": "UTF-8''" + quote(filename,
                                                                                 safe="!#$&+^`|~")})
