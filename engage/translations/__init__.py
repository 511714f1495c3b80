"""Questionnaires in other languages.

Many of the people a consultation most needs to hear from read English least well. Two kinds of
words make a questionnaire's pages, and each is translated where it is owned:

- **Phrases**: the service's own words on the public questionnaire's pages ("Continue", "Check
  your answers", the error messages, "This is not the way to report a crime"). They are marked in
  the code and templates with `_()` (or `N_()` where a form's class is defined), gathered into
  `engage/translations/phrases.pot` by Babel, and translated once a language for the whole
  platform by an administrator, who downloads them as a workbook (or a PO file, for translators'
  own tools) and uploads the translation (`PhraseTranslation`).
- **Content**: a questionnaire's own words (its title, sections, questions, help and options),
  written by staff and translated for each questionnaire (`ContentTranslation`), in the same way.

Both are kept as {English: translation}, as gettext keeps them: a text whose English changes in
a new version simply has no translation until it is given one, so nobody ever reads a
translation of words the questionnaire no longer has. A language is offered to the public only
once every text of the questionnaire's current version has one (engage.translations.content);
a service phrase without one is shown in English.

Answers are stored as codes, whatever the language they were given in: reports count them
together, and each response records the language it was answered in.
"""
