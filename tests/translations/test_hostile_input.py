"""Translations against what a stranger or a careless file may send: codes nobody speaks, files
that are not what they claim, and translations that are bigger or stranger than any engage
made."""

from __future__ import annotations

import io
import zipfile

from engage.translations import formats, languages
from engage.translations.languages import CODES
from tests.helpers import page_text
from tests.surveys.answering_support import make_every_kind, start_url
from tests.surveys.support import sign_in_staff
from tests.translations.support import download_words, filled, languages_url, pseudo, upload


def _cached() -> dict[str, int]:
    """How many entries each cache of the translations' modules holds."""
    return {f"{module.__name__}.{name}": function.cache_info().currsize
            for module in (languages, formats) for name, function in vars(module).items()
            if hasattr(function, "cache_info")}


def test_a_code_nobody_speaks_is_not_remembered(app, client, other_client):
    made = make_every_kind(app)
    sign_in_staff(client, app)
    for number in range(60):
        code = f"xx-{number}-" + "é" * 500
        other_client.get(f"{start_url(made.questionnaire_id)}?language={code}")
        other_client.get(f"/api/consultations/{made.slug}/questionnaires/residents"
                         f"?language={code}")
        client.get(f"{languages_url(made.slug)}/{code}/delete")
    # A cache keeps what engage offers, not every code a link may carry.
    assert all(size <= len(CODES) + 1 for size in _cached().values()), _cached()


def test_a_phrase_fills_in_its_values_and_nothing_more(app, client):
    """Python's % takes a width ("%(count)100000000s" is a hundred million spaces): a phrase's
    translation may hold only its own %(name)s words, as the English writes them, and %%, or
    every page showing it would be that big (or stop, for a %(name)d given text)."""
    sign_in_staff(client, app)
    words = client.get("/admin/languages/words?language=pl&format=xlsx").data
    choose = "Choose up to %(count)s, starting with the most important."

    def upload_choose(said: str):
        return upload(client, "/admin/languages", "pl", filled(
            words, lambda english: said if english == choose else None))

    for wide, problem in (("Wybierz do %(count)s %(count)100000000s", "a percent sign as %%"),
                          ("Wybierz do %(count)s %100000000s", "a percent sign as %%"),
                          ("Wybierz do %(count)s %%%(count)9d", "a percent sign as %%"),
                          ("Wybierz do %(count)d", "keep %(count)s and take out %(count)d")):
        response = upload_choose(wide)
        assert response.status_code == 400, wide
        assert problem in page_text(response), wide
    assert upload_choose("Wybierz do %(count)s (100%%)").status_code == 302


def _rezipped(workbook: bytes, change) -> bytes:
    """The workbook with each member's bytes passed through change(name, data)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as book, zipfile.ZipFile(out, "w") as made:
        for name in book.namelist():
            made.writestr(name, change(name, book.read(name)))
    return out.getvalue()


PO_HEADER = 'msgid ""\nmsgstr ""\n"Language: pl\\n"\n'


def test_a_damaged_file_is_refused_never_an_error(app, client):
    """openpyxl and Babel stop on a damaged file with whatever their parser met (found by
    fuzzing engage.translations.files.read_file): each is a problem with the file."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = filled(download_words(client, made.slug, "pl").data, pseudo)
    damaged = {
        # A sheet cut short, and a setting openpyxl does not know.
        "cut.xlsx": _rezipped(words, lambda name, data: data[:len(data) // 2]
                              if name.startswith("xl/worksheets/") else data),
        "odd.xlsx": _rezipped(words, lambda name, data: data.replace(
            b"<sheetProtection ", b"<sheetProtection deletColumns=\"1\" ")),
        # A character set nobody has, and a date Babel cannot read.
        "charset.po": (PO_HEADER.replace("Language", "Content-Type: text/plain; "
                                         "charset=utf18\\n\"\n\"Language") +
                       '\nmsgid "Burglary"\nmsgstr "Kradzie\u017c"\n').encode(),
        "date.po": (PO_HEADER + '"POT-Creation-Date: 2026-12-07 23:57+0000\\n YEAR\\n"\n'
                    '\nmsgid "Burglary"\nmsgstr "Kradzie\u017c"\n').encode(),
    }
    for name, data in damaged.items():
        response = upload(client, languages_url(made.slug), "pl", data, filename=name)
        assert response.status_code == 400, name
        assert "no translation was saved" in page_text(response), name
