"""Translations against what a stranger or a careless file may send: codes nobody speaks, files
that are not what they claim, and translations that are bigger or stranger than any engage
made."""

from __future__ import annotations

import io
import re
import zipfile

from babel.messages.pofile import read_po, write_po
from openpyxl import load_workbook
from sqlalchemy import select

from engage.extensions import db
from engage.translations import formats, languages
from engage.translations.languages import CODES
from engage.translations.models import ContentTranslation
from tests.helpers import page_text
from tests.surveys.answering_support import begin, make_every_kind, start_url
from tests.surveys.support import sign_in_staff
from tests.translations.support import download_words, filled, languages_url, pseudo, upload


def _texts(app, questionnaire_id: int) -> dict:
    with app.app_context():
        return db.session.scalar(select(ContentTranslation.texts).where(
            ContentTranslation.questionnaire_id == questionnaire_id)) or {}


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
    with zipfile.ZipFile(io.BytesIO(workbook)) as book, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as made:
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


def _with_rows(workbook: bytes, rows) -> bytes:
    """The workbook with `rows` (where, English, translation) added to its sheet."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book["Translation"]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_file_bigger_than_any_engage_makes_is_refused_before_it_is_read(app, client):
    """A workbook is a zip: a few hundred kilobytes may unpack to gigabytes, which openpyxl
    would hold in memory; and a file of a million rows took a minute to read and was kept, every
    row, in the column every page in that language reads."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = filled(download_words(client, made.slug, "pl").data, pseudo)
    url = languages_url(made.slug)

    def bomb(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        cell = b'<c r="C2" t="inlineStr"><is><t>' + b"a" * 30_000_000 + b"</t></is></c>"
        return re.sub(rb'<c r="C2"[^>]*>.*?</c>', cell, data, count=1, flags=re.S)

    bombed = _rezipped(words, bomb)
    assert len(bombed) < 1_000_000
    response = upload(client, url, "pl", bombed)
    assert response.status_code == 400
    assert "The workbook unpacks to more than 25 MB" in page_text(response)

    # The same English again and again (the same translation: not a problem in itself).
    long = _with_rows(words, [("Question 1", "Burglary", "PL Burglary")] * 5_000)
    response = upload(client, url, "pl", long)
    assert response.status_code == 400
    assert "The file has more than 5,000 rows" in page_text(response)
    book = load_workbook(io.BytesIO(words))
    book["Translation"].cell(row=1_000_000, column=1, value="Far down")
    out = io.BytesIO()
    book.save(out)
    response = upload(client, url, "pl", out.getvalue())
    assert response.status_code == 400
    assert "The sheet has rows below row 100,000" in page_text(response)
    po = (PO_HEADER + '\nmsgid "Burglary"\nmsgstr "PL Burglary"\n' * 5_001).encode()
    response = upload(client, url, "pl", po, filename="words.po")
    assert response.status_code == 400
    assert "The file has more than 5,000 rows" in page_text(response)
    assert _texts(app, made.questionnaire_id) == {}


def test_english_engage_never_wrote_is_kept_only_a_little(app, client):
    """Rows whose English the questionnaire does not have are kept (a question reworded since
    the file was made), shown to nobody: a file made mostly of them is another questionnaire's,
    and uploads one after another keep only the newest few hundred."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    words = filled(download_words(client, made.slug, "pl").data, pseudo)
    url = languages_url(made.slug)
    response = upload(client, url, "pl", _with_rows(
        words, [("Question 1", f"Old words {number}", "Stare") for number in range(201)]))
    assert response.status_code == 400
    assert "201 rows have English this questionnaire does not have" in page_text(response)
    known = None
    for batch in range(4):
        response = upload(client, url, "pl", _with_rows(
            words, [("Question 1", f"Old words {batch}.{number}", "Stare")
                    for number in range(150)]))
        assert response.status_code == 302
        kept = _texts(app, made.questionnaire_id)
        if known is None:
            known = {english for english in kept if not english.startswith("Old words")}
        assert known <= set(kept)
    old = [english for english in kept if english.startswith("Old words")]
    assert len(old) == 200
    assert {f"Old words 3.{number}" for number in range(150)} <= set(old)  # the newest


def test_a_carriage_return_in_a_translation_is_a_line_break(app, client, other_client,
                                                            mailbox, run_tasks):
    """A PO file may write \\r, and Excel keeps one from pasted Windows text: the title's
    translation goes into an email's Subject, where a lone one stopped every such email."""
    made = make_every_kind(app)
    sign_in_staff(client, app)
    catalog = read_po(io.BytesIO(download_words(client, made.slug, "pl", kind="po").data))
    for message in catalog:
        if message.id:
            message.string = ("PL Tytu\u0142\rdalej" if message.id == "Have your say: residents"
                              else pseudo(message.id))
    out = io.BytesIO()
    write_po(out, catalog)
    response = upload(client, languages_url(made.slug), "pl", out.getvalue(), "words.po")
    assert response.status_code == 302
    assert "\r" not in "".join(_texts(app, made.questionnaire_id).values())
    other_client.get(start_url(made.questionnaire_id) + "?language=pl")
    begin(other_client, made.questionnaire_id)
    other_client.submit(f"/have-your-say/{made.questionnaire_id}/save",
                        {"email": "ada@example.org"})
    run_tasks()
    [message] = [m for m in mailbox.messages if "ada@example.org" in m["To"]]
    assert message["Subject"] == "Come back to your answers: PL Tytu\u0142"
