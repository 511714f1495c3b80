"""Join a print run's chunk PDFs into one file, one chunk in memory at a time.

pypdf's PdfWriter keeps every page of every appended file until it writes, so joining a run of
2,000 copies that way needs memory in proportion to the run. Here each chunk is read, the
objects its pages use are written straight out under new numbers, and the chunk is dropped;
only each object's byte offset (for the cross-reference table) and each page's number stay
until the end, when the page tree, the catalogue and the table are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

CATALOG, PAGES = 1, 2  # the numbers of the catalogue and page tree, written last


class _Output:
    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.offsets: dict[int, int] = {}
        self.next_number = PAGES + 1

    def number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def start(self, number: int) -> None:
        self.offsets[number] = self.handle.tell()
        self.handle.write(f"{number} 0 obj\n".encode())

    def end(self) -> None:
        self.handle.write(b"\nendobj\n")


def _emit(value, out: BinaryIO, renumber, skip_parent: bool = False) -> None:
    """Write a PDF object with every reference renumbered for the joined file."""
    if isinstance(value, IndirectObject):
        out.write(f"{renumber(value.idnum)} 0 R".encode())
    elif isinstance(value, DictionaryObject):
        stream = isinstance(value, StreamObject)
        out.write(b"<<")
        for key, item in value.items():
            if (stream and key == "/Length") or (skip_parent and key == "/Parent"):
                continue
            key.write_to_stream(out)
            out.write(b" ")
            _emit(item, out, renumber)
            out.write(b"\n")
        if skip_parent:
            out.write(f"/Parent {PAGES} 0 R".encode())
        if stream:
            data = value._data  # noqa: SLF001 - the stream as stored (still compressed)
            out.write(f"/Length {len(data)}>>\nstream\n".encode())
            out.write(data)
            out.write(b"\nendstream")
        else:
            out.write(b">>")
    elif isinstance(value, ArrayObject):
        out.write(b"[")
        for item in value:
            _emit(item, out, renumber)
            out.write(b" ")
        out.write(b"]")
    else:
        value.write_to_stream(out)


def _copy_part(reader: PdfReader, output: _Output) -> list[int]:
    """Write the objects of one chunk's pages; returns the new numbers of its pages."""
    numbers: dict[int, int] = {}
    waiting: list[int] = []

    def renumber(old: int) -> int:
        if old not in numbers:
            numbers[old] = output.number()
            waiting.append(old)
        return numbers[old]

    pages = [renumber(page.indirect_reference.idnum) for page in reader.pages]
    page_numbers = {page.indirect_reference.idnum for page in reader.pages}
    while waiting:
        old = waiting.pop()
        output.start(numbers[old])
        _emit(reader.get_object(old), output.handle, renumber,
              skip_parent=old in page_numbers)
        output.end()
    return pages


def join(parts: Iterable[Path], target: Path) -> int:
    """Write the pages of `parts`, in order, as one PDF at `target`. Returns its pages."""
    with target.open("wb") as handle:
        handle.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        output = _Output(handle)
        kids: list[int] = []
        for part in parts:
            kids.extend(_copy_part(PdfReader(part), output))
        output.start(PAGES)
        handle.write(f"<</Type /Pages /Count {len(kids)} /Kids [".encode())
        for number in kids:
            handle.write(f"{number} 0 R ".encode())
        handle.write(b"]>>")
        output.end()
        output.start(CATALOG)
        handle.write(f"<</Type /Catalog /Pages {PAGES} 0 R>>".encode())
        output.end()
        table = handle.tell()
        size = output.next_number
        handle.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
        for number in range(1, size):
            handle.write(f"{output.offsets[number]:010d} 00000 n \n".encode())
        handle.write(f"trailer\n<</Size {size} /Root {CATALOG} 0 R>>\n"
                     f"startxref\n{table}\n%%EOF\n".encode())
    return len(kids)
