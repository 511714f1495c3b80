"""Every PDF engage makes (reports, the Local Policing Summary, paper print runs) is laid out
by WeasyPrint from our own HTML, with its styles inline and its charts and QR codes as inline
SVG, so it needs nothing from anywhere else. Its fetcher is told so: only `data:` URLs are
read. Were text someone typed ever to reach a page as markup, an image or stylesheet address in
it would still fetch nothing (no request from a worker to an internal address, no file read
from the worker's disk); WeasyPrint notes the refusal in its log and leaves the image out."""

from __future__ import annotations

import logging
import re

from weasyprint import HTML
from weasyprint.urls import URLFetcher

ALLOWED_PROTOCOLS = frozenset({"data"})
# WeasyPrint notes each step of each document at INFO (seven, and one more a page): at a
# worker's INFO that was most of its log during a print run. Its warnings (an image refused)
# still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
# C0 control characters but tab, line feed and carriage return (HTML allows none of them in
# text but form feed, whitespace anyway). Typed text may hold one (a line break pasted from
# Word is a vertical tab); WeasyPrint would draw it and map it in the font's ToUnicode table,
# after which text extraction (pypdf's, for one) reads all of that font's text as garbage.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def document(html: str, base_url: str | None = None) -> HTML:
    """WeasyPrint's HTML for `html`; `base_url` only resolves relative links written into the
    PDF. A fetcher a document: it holds the request it is making, so is not to be shared."""
    return HTML(string=CONTROL_CHARACTERS.sub(" ", html), base_url=base_url,
                url_fetcher=URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS))
