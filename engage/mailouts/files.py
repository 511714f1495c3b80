"""A print run's files, kept in the database's file store (engage.storage) under
`print-runs/<run>/`, so that any worker can take up a run another left half drawn and any web
process can serve the result, to staff of its borough only: the chunks and the questionnaire
laid out once per format while it renders, then the joined PDF and the address labels.

Drawing and joining need files on disk (WeasyPrint and pypdf write and read them): a worker
works in a temporary folder of its own (`workspace`), and each finished piece is kept in the
store in the same commit that records the progress it stands for.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from engage import storage
from engage.exports import spreadsheet_safe
from engage.extensions import db
from engage.mailouts import pdfjoin
from engage.mailouts.models import PaperRequest, PrintRun

LABEL_HEADER = ["Reference", "Name", "Address line 1", "Address line 2", "Town or city",
                "Postcode", "Format"]


def folder_key(run_id: int) -> str:
    return f"print-runs/{run_id}/"


def key(run_id: int, name: str) -> str:
    return folder_key(run_id) + name


def part_name(start: int) -> str:
    """The chunk that starts at this position in the run's order (replaced if redone)."""
    return f"part-{start:06d}.pdf"


def questionnaire_name(paper_format: str) -> str:
    """The questionnaire laid out once for this run in one format (kept until the run is
    done, so a resumed run draws exactly the same pages)."""
    return f"questionnaire-{paper_format}.pdf"


@contextmanager
def workspace(run_id: int) -> Iterator[Path]:
    """A worker's own scratch folder for one run, gone afterwards whatever happens."""
    with tempfile.TemporaryDirectory(prefix=f"engage-print-run-{run_id}-") as folder:
        yield Path(folder)


def names(run_id: int) -> list[str]:
    """What the store keeps for the run, by name."""
    return [name.removeprefix(folder_key(run_id)) for name in storage.keys(folder_key(run_id))]


def kept(run: PrintRun, name: str | None) -> storage.StoredFile | None:
    return storage.find(key(run.id, name)) if name else None


def read(run: PrintRun, name: str | None) -> bytes | None:
    """A finished file's bytes (for tests and the bench: downloads are streamed)."""
    return storage.read(key(run.id, name)) if kept(run, name) else None


def questionnaire(run_id: int, paper_format: str, folder: Path,
                  draw: Callable[[Path], None]) -> Path:
    """The run's laid-out questionnaire for a format, on this worker's disk: drawn here
    once, or fetched as drawn by whichever worker drew it first. Kept with the next commit."""
    name = questionnaire_name(paper_format)
    path = folder / name
    if not path.is_file() and not storage.copy_to(key(run_id, name), path):
        draw(path)
        storage.save(key(run_id, name), path)
    return path


def keep_part(run_id: int, start: int, path: Path) -> None:
    """Keep a drawn chunk, in the transaction that records it drawn."""
    storage.save(key(run_id, part_name(start)), path)
    path.unlink()


def join_parts(run: PrintRun, folder: Path) -> str:
    """Join the chunks into one PDF (one chunk in memory at a time: engage.mailouts.pdfjoin)
    and keep it. Returns its name."""
    parts = []
    for name in names(run.id):
        if name.startswith("part-"):
            storage.copy_to(key(run.id, name), folder / name)
            parts.append(folder / name)
    name = f"print-run-{run.id}.pdf"
    pdfjoin.join(parts, folder / name)
    for part in parts:
        part.unlink()
    storage.save(key(run.id, name), folder / name)
    return name


def write_labels(run: PrintRun, folder: Path) -> str:
    """The mail house's address labels, one row per recipient, in the PDF's order."""
    name = f"print-run-{run.id}-labels.csv"
    rows = db.session.execute(
        select(PaperRequest.reference, PaperRequest.name, PaperRequest.address_line_1,
               PaperRequest.address_line_2, PaperRequest.town, PaperRequest.postcode,
               PaperRequest.format)
        .where(PaperRequest.print_run_id == run.id)
        .order_by(PaperRequest.format, PaperRequest.id)
        .execution_options(yield_per=500))
    # utf-8-sig: a BOM, so Excel reads names with accents correctly.
    with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LABEL_HEADER)
        for *cells, paper_format in rows:
            writer.writerow([spreadsheet_safe(c) for c in cells] + [paper_format.label])
    storage.save(key(run.id, name), folder / name)
    return name


def remove_parts(run_id: int) -> None:
    """Once the run's PDF is whole: the chunks and the laid-out questionnaires go."""
    storage.remove(key(run_id, name) for name in names(run_id)
                   if name.startswith(("part-", "questionnaire-")))


def remove_all(run_id: int) -> None:
    storage.remove_prefix(folder_key(run_id))
