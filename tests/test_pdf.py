"""Every PDF engage makes is laid out from our own HTML and fetches nothing (engage.pdf): an
image or stylesheet address that reached a page would neither call a server a worker can
reach nor read a file from the worker's disk."""

from __future__ import annotations

import base64
import http.server
import io
import logging
import threading

import pytest
from pypdf import PdfReader

from engage import pdf


@pytest.fixture
def listener():
    """A web server on 127.0.0.1 that notes every path asked of it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    server.server_close()


def test_a_pdf_fetches_nothing_from_a_server_or_the_disk(listener, tmp_path):
    address, asked = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the PDF")
    html = (f'<link rel="stylesheet" href="{address}/style.css">'
            f'<p>Report</p><img src="{address}/internal.png" alt="">'
            f'<img src="file://{secret}" alt=""><object data="file://{secret}"></object>'
            '<p style="background: url(' + address + '/background.png)">Text</p>')
    content = pdf.document(html, base_url=address + "/").write_pdf()
    assert asked == []
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Report" in text and "not for the PDF" not in text


def test_data_addresses_are_still_read(listener, caplog):
    """What our pages could use: an image as a data: address (our QR codes and charts are
    inline SVG). WeasyPrint logs each image it could not load."""
    address, asked = listener
    caplog.set_level(logging.WARNING, logger="weasyprint")
    square = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<rect width="10" height="10"/></svg>')
    svg = "data:image/svg+xml;base64," + base64.b64encode(square).decode()
    pdf.document(f'<img src="{svg}" alt="A square">').render()
    assert "Failed to load" not in caplog.text
    pdf.document(f'<img src="{address}/square.svg" alt="A square">').render()
    assert "Failed to load image" in caplog.text and "disallowed protocol" in caplog.text
    assert asked == []


def test_a_worker_s_log_is_not_filled_with_weasyprint_s_progress(caplog):
    """A worker logs at INFO: WeasyPrint's progress (seven steps a document, one more a page)
    would be most of its log during a print run; its warnings still come through."""
    caplog.set_level(logging.INFO)
    pdf.document("<p>Page one</p><p style='break-before: page'>Page two</p>").write_pdf()
    assert [r for r in caplog.records if r.name.startswith("weasyprint")] == []
    pdf.document('<img src="http://127.0.0.1:9/square.svg" alt="A square">').render()
    assert "Failed to load image" in caplog.text
