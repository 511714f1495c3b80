"""Putting a chunk of a print run together: each recipient's pages from WeasyPrint carry their
letter, reference and QR code; the questionnaire, laid out once for the run, is drawn onto the
pages after the letter as shared form XObjects.

Laying out the questionnaire is most of the work of a copy. Doing it once per run and format,
and drawing the same pages under every recipient's reference, makes a run of 2,000 cost little
more than its letters, and keeps the PDF small: each chunk holds the questionnaire's pages
once, however many copies use them.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)


def _as_form(page, writer: PdfWriter) -> IndirectObject:
    """A whole page of the questionnaire as a form XObject in `writer`, to draw on any page."""
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())
    form = form.flate_encode()
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(page.mediabox),
        NameObject("/Resources"): page["/Resources"].clone(writer),
    })
    return writer._add_object(form)  # noqa: SLF001 - pypdf's way to add a new indirect object


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)  # noqa: SLF001


def assemble(letters_pdf: bytes, template: PdfReader, starts: list[int], target: Path) -> int:
    """Draw the questionnaire's pages onto each recipient's pages from index `starts[i]` on
    (one page of `letters_pdf` for each page of the questionnaire) and write the chunk to
    `target`. Returns its pages."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letters_pdf)))
    forms = [_as_form(page, writer) for page in template.pages]
    names = [NameObject(f"/EngageQuestionnaire{n}") for n in range(1, len(forms) + 1)]
    # The letter and marks are saved and restored around, so the questionnaire is drawn in
    # the page's own coordinates whatever the letter's content left in force.
    save = _stream(writer, b"q\n")
    draws = [_stream(writer, b"Q\nq " + name.encode() + b" Do Q\n") for name in names]

    for start in starts:
        for offset, (name, form, draw) in enumerate(zip(names, forms, draws, strict=True)):
            page = writer.pages[start + offset]
            resources = page["/Resources"].get_object()
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
            xobjects[name] = form
            resources[NameObject("/XObject")] = xobjects
            contents = page.get("/Contents")
            contents = contents.get_object() if contents is not None else ArrayObject()
            existing = list(contents) if isinstance(contents, ArrayObject) else [
                page.raw_get("/Contents")]
            page[NameObject("/Contents")] = ArrayObject([save, *existing, draw])
    partial = target.with_suffix(".partial")
    with partial.open("wb") as handle:
        writer.write(handle)
    writer.close()
    partial.replace(target)
    return len(writer.pages)
