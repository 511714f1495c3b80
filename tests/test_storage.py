"""engage.storage: files kept in the database, in pieces, in the caller's transaction."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engage import storage
from engage.extensions import db


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(storage, "PIECE", 10)


def test_a_file_is_kept_in_pieces_and_read_back_whole(app, small_pieces, tmp_path):
    content = bytes(range(256)) * 3 + b"tail"  # 772 bytes: 78 pieces of at most 10
    source = tmp_path / "minutes.pdf"
    source.write_bytes(content)
    with app.app_context():
        for key, given in [("a/bytes", content), ("a/file", io.BytesIO(content)),
                           ("a/path", source)]:
            kept = storage.save(key, given)
            assert (kept.size, kept.pieces) == (772, 78)
        db.session.commit()
        assert all(storage.read(key) == content for key in ("a/bytes", "a/file", "a/path"))
        assert [len(piece) for piece in storage.pieces(storage.find("a/path"))][-2:] == [10, 2]
        copy = tmp_path / "copy.pdf"
        assert storage.copy_to("a/path", copy) and copy.read_bytes() == content
        assert not storage.copy_to("a/none", tmp_path / "none.pdf")
        assert not (tmp_path / "none.pdf").exists() and not (tmp_path / "none.pdf.partial").exists()
        with pytest.raises(KeyError):
            storage.read("a/none")


def test_saving_under_a_key_again_replaces_the_file(app, small_pieces):
    with app.app_context():
        storage.save("run/part-000000.pdf", b"first drawing, a long one")
        db.session.commit()
        storage.save("run/part-000000.pdf", b"again")
        db.session.commit()
        assert storage.read("run/part-000000.pdf") == b"again"
        assert storage.keys("run/") == ["run/part-000000.pdf"]
        assert db.session.query(storage.FilePiece).count() == 1


def test_a_rollback_forgets_a_file_and_keeps_a_deleted_one(app):
    with app.app_context():
        storage.save("papers/kept.pdf", b"%PDF- kept")
        db.session.commit()
        storage.save("papers/new.pdf", b"%PDF- new")
        storage.remove("papers/kept.pdf")
        db.session.rollback()
        assert storage.keys("papers/") == ["papers/kept.pdf"]


def test_keys_match_their_prefix_literally(app):
    with app.app_context():
        for key in ("print-runs/1/a.pdf", "print-runs/10/a.pdf", "print-runs/1_/a.pdf",
                    "print-runs/1%/a.pdf"):
            storage.save(key, b"x")
        db.session.commit()
        assert storage.keys("print-runs/1/") == ["print-runs/1/a.pdf"]
        assert storage.keys("print-runs/1_") == ["print-runs/1_/a.pdf"]
        assert storage.remove_prefix("print-runs/1%") == 1
        assert storage.remove("print-runs/10/a.pdf", ["print-runs/1/a.pdf", "nothing"]) == 2
        db.session.commit()
        assert storage.keys("print-runs/") == ["print-runs/1_/a.pdf"]


def test_a_download_streams_the_file_with_its_name_and_no_cache(app, small_pieces):
    content = b"%PDF-" + b"x" * 95
    with app.test_request_context():
        kept = storage.save("papers/f.pdf", content)
        db.session.commit()
        response = storage.download(kept, "Réunion du 3 mars.pdf", "application/pdf")
        assert b"".join(response.response) == content
        assert response.headers["Content-Length"] == "100"
        assert response.headers["Cache-Control"] == "private, no-store"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''R%C3%A9union%20du%203%20mars.pdf" in disposition


def test_a_download_holds_no_database_connection_while_it_is_sent(app, small_pieces):
    content = bytes(range(256)) * 2
    with app.test_request_context():
        kept = storage.save("papers/big.pdf", content)
        db.session.commit()
        db.session.scalar(select(storage.StoredFile.id))  # the request's own transaction
        response = storage.download(kept, "big.pdf", "application/pdf")
        sent = iter(response.response)
        first = next(sent)
        # Between pieces (the web server writing to a slow reader), no connection is out.
        assert db.engine.pool.checkedout() == 0
        assert first + b"".join(sent) == content
