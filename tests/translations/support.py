"""Translating a questionnaire as staff do: download the words, fill them in, upload."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.surveys.support import STAFF


def languages_url(slug: str, audience: str = "residents") -> str:
    return f"{STAFF}/{slug}/{audience}/languages"


def download_words(client, slug: str, code: str, kind: str = "xlsx", audience="residents"):
    return client.get(f"{languages_url(slug, audience)}/words?language={code}&format={kind}")


def rows_of(workbook_bytes: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(workbook_bytes))["Translation"]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def filled(workbook_bytes: bytes, translate) -> bytes:
    """The workbook with each translation cell set to translate(english) (None: left as is)."""
    book = load_workbook(io.BytesIO(workbook_bytes))
    sheet = book["Translation"]
    for row in sheet.iter_rows(min_row=2):
        said = translate(row[1].value)
        if said is not None:
            row[2].value = said
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, url: str, code: str, data: bytes, filename: str = "words.xlsx"):
    page = client.get(url)
    from tests.helpers import csrf_token

    return client.post(url, {"csrf_token": csrf_token(page.get_data(as_text=True)),
                             "language": code,
                             "translation": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def pseudo(english: str) -> str:
    """A recognisable translation of any text."""
    return f"PL {english}"


def translate_questionnaire(client, slug: str, code: str = "pl", translate=pseudo,
                            audience: str = "residents"):
    words = download_words(client, slug, code, audience=audience)
    assert words.status_code == 200
    response = upload(client, languages_url(slug, audience), code,
                      filled(words.data, translate))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
