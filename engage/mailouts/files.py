"""A print run's files, under the instance folder (outside the web root), served only to staff
of its borough: the chunks while it renders, then the joined PDF and the address labels."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from engage.exports import spreadsheet_safe
from engage.extensions import db
from engage.mailouts import pdfjoin
from engage.mailouts.models import PaperRequest, PrintRun

LABEL_HEADER = ["Reference", "Name", "Address line 1", "Address line 2", "Town or city",
                "Postcode", "Format"]


def run_folder(run_id: int) -> Path:
    path = Path(current_app.instance_path) / "print-runs" / str(run_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(run_id: int, start: int) -> Path:
    """The chunk that starts at this position in the run's order (rewritten if redone)."""
    return run_folder(run_id) / f"part-{start:06d}.pdf"


def questionnaire_path(run_id: int, paper_format: str) -> Path:
    """The questionnaire laid out once for this run in one format (kept until the run is
    done, so a resumed run draws exactly the same pages)."""
    return run_folder(run_id) / f"questionnaire-{paper_format}.pdf"


def parts(run_id: int) -> list[Path]:
    return sorted(run_folder(run_id).glob("part-*.pdf"))


def path_of(run: PrintRun, name: str | None) -> Path | None:
    if not name:
        return None
    path = run_folder(run.id) / name
    return path if path.is_file() else None


def join_parts(run: PrintRun) -> str:
    """Join the chunks into one PDF (one chunk in memory at a time: engage.mailouts.pdfjoin),
    written beside them and renamed into place whole."""
    name = f"print-run-{run.id}.pdf"
    final = run_folder(run.id) / name
    partial = final.with_suffix(".pdf.partial")
    pdfjoin.join(parts(run.id), partial)
    os.replace(partial, final)
    return name


def write_labels(run: PrintRun) -> str:
    """The mail house's address labels, one row per recipient, in the PDF's order."""
    name = f"print-run-{run.id}-labels.csv"
    final = run_folder(run.id) / name
    partial = final.with_suffix(".csv.partial")
    rows = db.session.execute(
        select(PaperRequest.reference, PaperRequest.name, PaperRequest.address_line_1,
               PaperRequest.address_line_2, PaperRequest.town, PaperRequest.postcode,
               PaperRequest.format)
        .where(PaperRequest.print_run_id == run.id)
        .order_by(PaperRequest.format, PaperRequest.id)
        .execution_options(yield_per=500))
    # utf-8-sig: a BOM, so Excel reads names with accents correctly.
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LABEL_HEADER)
        for *cells, paper_format in rows:
            writer.writerow([spreadsheet_safe(c) for c in cells] + [paper_format.label])
    os.replace(partial, final)
    return name


def remove_parts(run_id: int) -> None:
    """Once the run's PDF is whole: the chunks and the laid-out questionnaires go."""
    for part in [*parts(run_id), *run_folder(run_id).glob("questionnaire-*.pdf")]:
        part.unlink(missing_ok=True)


def remove_all(run_id: int) -> None:
    shutil.rmtree(Path(current_app.instance_path) / "print-runs" / str(run_id),
                  ignore_errors=True)
