"""How each kind of question is answered, checked, shown back and stored.

One place for the rules, so the online pages, the builder's preview, the JSON API and the paper
and telephone channels all accept exactly the same answers. An answer travels as a small JSON
value (kept in drafts between pages), one shape per kind:

    single choice, rating, yes/no   {"option": "burglary", "other": "..."}
    multiple choice                 {"options": ["burglary", "robbery"], "other": "..."}
    ranking                         {"ranked": ["burglary", "robbery", "knife-crime"]}
    number                          {"number": 3}
    short or long text              {"text": "..."}
    postcode                        {"postcode": "SW3 4AB"}
    date                            {"date": "2027-01-31"}

"other" is there only when the chosen option asks "other, please say". A question left
unanswered has no value at all (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from engage.surveys.models import Option, Question, QuestionKind
from engage.translations.formats import long_date, number, read_number
from engage.translations.phrases import gettext

SHORT_TEXT_LIMIT = 500
LONG_TEXT_LIMIT = 5000
OTHER_LIMIT = 200
NUMBER_LIMIT = 10**12

# The shapes of a UK postcode (Royal Mail's formats); the inward part is always digit + 2 letters.
POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKMNPR-Y]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$")

# A date answer as the date boxes give it and as it is stored.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

YES_NO_OPTIONS = (("yes", "Yes"), ("no", "No"))


class AnswerError(ValueError):
    """An answer that cannot be accepted, with the words to show the person (in the page's
    language, on a translated questionnaire's page: engage.translations)."""

    def __init__(self, message: str, part: str | None = None, rank: int | None = None):
        super().__init__(message)
        self.message = message
        # Which part of the answer is wrong: None for the answer itself, "other" for the
        # "please say" text.
        self.part = part
        # For a ranking, the place (1, 2, ...) that is wrong, so the error can point at it.
        self.rank = rank


def normalise_postcode(raw: str) -> str | None:
    """'sw34ab ' -> 'SW3 4AB'; None if it is not shaped like a UK postcode."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not 5 <= len(compact) <= 7 or not POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str) -> str:
    """The outward code: 'SW3 4AB' -> 'SW3'."""
    return postcode.split(" ")[0]


def is_shown(question: Question, answers: Mapping[str, dict]) -> bool:
    """Whether a question applies, given the answers so far (its show-if condition)."""
    condition = question.show_if_question
    if condition is None:
        return True
    if not is_shown(condition, answers):
        return False
    return bool(set(chosen_values(answers.get(condition.key))) & set(question.show_if_values))


def chosen_values(value: dict | None) -> list[str]:
    """The option values an answer picked, whatever its kind."""
    if not value:
        return []
    if "option" in value:
        return [value["option"]]
    return list(value.get("options") or value.get("ranked") or [])


def number_bounds(question: Question, one_side: str) -> str:
    """A number question's bounds as words to follow "a whole number": " between 0 and 100",
    or with one bound `one_side` before it (" of 5 or more" on paper); "" with none. The page's
    hint says it alike, in whole sentences that can be translated (pages.number_rule)."""
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return f" between {low:,} and {high:,}"
    if low is not None:
        return f" {one_side} {low:,} or more"
    if high is not None:
        return f" {one_side} {high:,} or less"
    return ""


def _text(raw: object, limit: int) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise AnswerError(gettext("Enter your answer as text"))
    # PostgreSQL's text type cannot hold NUL, and no one means to type one.
    text = raw.replace("\x00", "").strip()
    if len(text) > limit:
        raise AnswerError(gettext("Your answer must be %(count)s characters or fewer",
                                  count=number(limit)))
    return text


def _option(question: Question, raw: object) -> Option:
    option = question.option(raw) if isinstance(raw, str) else None
    if option is None:
        raise AnswerError(gettext("Select one of the options shown"))
    return option


def _other(options: list[Option], raw: object, relax_required: bool = False) -> dict:
    """The 'other, please say' text, required when an option that asks for it is chosen;
    except on paper (`relax_required`), where a box ticked with nothing written beside it is
    still an answer, and the clerk can only key what is there."""
    if not any(o.asks_other for o in options):
        return {}
    try:
        other = _text(raw, OTHER_LIMIT)
    except AnswerError as error:
        raise AnswerError(error.message, part="other") from None
    if not other and relax_required:
        return {}
    if not other:
        label = next(o.label for o in options if o.asks_other)
        # Translators: %(option)s is the answer chosen, one that asks the person to say more.
        raise AnswerError(gettext("Say what you mean by \u201c%(option)s\u201d", option=label),
                          part="other")
    return {"other": other}


def check(question: Question, value: object, *, relax_required: bool = False) -> dict | None:
    """Return the answer in its canonical shape, or raise AnswerError saying what is wrong.

    None (or an empty answer) is accepted for an optional question and refused for a
    required one. `relax_required` treats every question as optional: on paper people skip
    questions, and the clerk keys what is there: a box ticked without its "please say" text
    too (a wrong answer is still refused)."""
    if value is not None and not isinstance(value, dict):
        raise AnswerError(gettext("This answer is not in a form we understand"))
    required = question.required and not relax_required
    cleaned = _clean(question, value or {}, required, relax_required)
    if cleaned is None and required:
        raise AnswerError(_missing_message(question))
    return cleaned


# How long a question may be, quoted in an error message, before it is shortened.
NAMED_LIMIT = 100


def short_question(text: str) -> str:
    """A question's words as an error message quotes them: its first sentence when that asks
    the question ("What should the police focus on? Put your top 3 in order." -> "What should
    the police focus on?"), without a closing full stop, and cut at a word near 100 characters."""
    words = " ".join((text or "").split())
    asked = words.find("?")
    if asked > 0:
        words = words[:asked + 1]
    words = words.rstrip(".:;, ")
    if len(words) > NAMED_LIMIT:
        words = words[:NAMED_LIMIT - 1].rsplit(" ", 1)[0].rstrip(".,;:") + "\u2026"
    return words


def _missing_message(question: Question) -> str:
    """What a required question left unanswered says: what to do, and which question, since a
    page (or the list on "Check your answers") may have several."""
    kind, named = question.kind, short_question(question.text)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return gettext("Select at least one answer to \u201c%(question)s\u201d", question=named)
    if kind == QuestionKind.RANKING:
        count = min(question.rank_count or len(question.options), len(question.options))
        return (gettext("Choose %(count)s options in order for \u201c%(question)s\u201d",
                        count=count, question=named) if count > 1
                else gettext("Choose an option for \u201c%(question)s\u201d", question=named))
    if kind == QuestionKind.YES_NO and sorted(o.label.lower() for o in question.options) == [
            "no", "yes"]:
        return gettext("Select yes or no for \u201c%(question)s\u201d", question=named)
    if kind.has_options:
        return gettext("Select an answer to \u201c%(question)s\u201d", question=named)
    if kind == QuestionKind.POSTCODE:
        return gettext("Enter a postcode for \u201c%(question)s\u201d", question=named)
    if kind == QuestionKind.DATE:
        return gettext("Enter a date for \u201c%(question)s\u201d", question=named)
    if kind == QuestionKind.NUMBER:
        return gettext("Enter a number for \u201c%(question)s\u201d", question=named)
    return gettext("Enter your answer to \u201c%(question)s\u201d", question=named)


def _clean(question: Question, value: dict,  # noqa: C901 - one branch a kind
           required: bool, relax_required: bool = False) -> dict | None:
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.RATING, QuestionKind.YES_NO):
        if value.get("option") in (None, ""):
            return None
        option = _option(question, value["option"])
        return {"option": option.value, **_other([option], value.get("other"), relax_required)}

    if kind == QuestionKind.MULTIPLE_CHOICE:
        raw = value.get("options") or []
        if not isinstance(raw, list):
            raise AnswerError(gettext("Select one or more of the options shown"))
        chosen = []
        for item in raw:
            option = _option(question, item)
            if option not in chosen:
                chosen.append(option)
        if not chosen:
            return None
        if len(chosen) > 1 and any(o.exclusive for o in chosen):
            only = next(o for o in chosen if o.exclusive)
            # Translators: %(option)s is an answer that cannot be chosen with others ("None").
            raise AnswerError(gettext("Select \u201c%(option)s\u201d on its own, or other options",
                                      option=only.label))
        if question.max_choices and len(chosen) > question.max_choices:
            raise AnswerError(gettext("Select no more than %(count)s options",
                                      count=question.max_choices))
        chosen.sort(key=lambda o: o.position)
        return {"options": [o.value for o in chosen],
                **_other(chosen, value.get("other"), relax_required)}

    if kind == QuestionKind.RANKING:
        # Every message names the question, like the one for a missing answer: a page may ask
        # more than one ranking. Each says which place is wrong, for the error to point at.
        named = short_question(question.text)
        raw = value.get("ranked") or []
        if not isinstance(raw, list):
            raise AnswerError(gettext("Choose your choices for \u201c%(question)s\u201d in order",
                                      question=named))
        limit = question.rank_count or len(question.options)
        if len(raw) > limit:
            raise AnswerError(gettext("Choose no more than %(count)s for \u201c%(question)s\u201d",
                                      count=limit, question=named))
        items = ["" if item is None else item for item in raw]
        filled = [item for item in items if item != ""]
        if items[:len(filled)] != filled:
            raise AnswerError(gettext("Fill your choices for \u201c%(question)s\u201d in order, "
                                      "without gaps", question=named),
                              rank=items.index("") + 1)  # the first gap before a choice
        ranked: list[Option] = []
        for place, item in enumerate(filled, start=1):
            option = question.option(item) if isinstance(item, str) else None
            if option is None:
                raise AnswerError(gettext("Select one of the options shown for "
                                          "\u201c%(question)s\u201d", question=named), rank=place)
            if option.value in {o.value for o in ranked}:
                raise AnswerError(gettext("Choose each option only once for "
                                          "\u201c%(question)s\u201d", question=named), rank=place)
            ranked.append(option)
        if not ranked:
            return None
        count = min(limit, len(question.options))
        if required and len(ranked) < count:
            raise AnswerError(gettext("Choose %(count)s options in order for "
                                      "\u201c%(question)s\u201d", count=count, question=named),
                              rank=len(ranked) + 1)
        return {"ranked": [o.value for o in ranked]}

    if kind == QuestionKind.NUMBER:
        raw = value.get("number")
        if raw in (None, ""):
            return None
        if isinstance(raw, str):
            try:
                raw = read_number(raw)
            except ValueError:
                raise AnswerError(gettext("Enter a whole number, like 12")) from None
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > NUMBER_LIMIT:
            raise AnswerError(gettext("Enter a whole number, like 12"))
        low, high = question.min_value, question.max_value
        if low is not None and high is not None and not low <= raw <= high:
            raise AnswerError(gettext("Enter a number between %(low)s and %(high)s",
                                      low=number(low), high=number(high)))
        if low is not None and raw < low:
            raise AnswerError(gettext("Enter a number that is %(low)s or more",
                                      low=number(low)))
        if high is not None and raw > high:
            raise AnswerError(gettext("Enter a number that is %(high)s or less",
                                      high=number(high)))
        return {"number": raw}

    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        limit = SHORT_TEXT_LIMIT if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_LIMIT
        text = _text(value.get("text"), limit)
        return {"text": text} if text else None

    if kind == QuestionKind.POSTCODE:
        raw = _text(value.get("postcode"), 20)
        if not raw:
            return None
        postcode = normalise_postcode(raw)
        if postcode is None:
            raise AnswerError(gettext("Enter a full UK postcode, like SW1A 2AA"))
        return {"postcode": postcode}

    if kind == QuestionKind.DATE:
        raw = value.get("date")
        if raw in (None, ""):
            return None
        # Only the shape the date boxes give: since Python 3.11 fromisoformat also reads
        # "20270327" and week dates ("2027-W13-1"), which no one answering types.
        try:
            day = (date.fromisoformat(raw) if isinstance(raw, str)
                   and _ISO_DATE.fullmatch(raw) else None)
        except ValueError:
            day = None
        if day is None:
            # Translators: 27 3 2027 is a date as typed into the boxes for day, month and year.
            raise AnswerError(gettext("Enter a real date, like 27 3 2027"))
        return {"date": day.isoformat()}

    raise AssertionError(f"unknown question kind {kind}")


def describe(question: Question, value: dict | None) -> list[str]:
    """The answer in words, one line each, for "check your answers" and staff views."""
    if not value:
        return [gettext("Not answered")]
    labels = {o.value: o.label for o in question.options}
    other = value.get("other")
    if "option" in value:
        return [labels.get(value["option"], value["option"])] + ([other] if other else [])
    if "options" in value:
        return [labels.get(v, v) for v in value["options"]] + ([other] if other else [])
    if "ranked" in value:
        return [f"{n}. {labels.get(v, v)}" for n, v in enumerate(value["ranked"], start=1)]
    if "number" in value:
        return [number(value["number"])]
    if "date" in value:
        return [long_date(date.fromisoformat(value["date"]))]
    if "postcode" in value:
        return [value["postcode"]]
    return [value.get("text", "")]


def answer_rows(question: Question, value: dict | None) -> list[dict]:
    """The `answers` rows that store one (already checked) answer."""
    if not value:
        return []
    ids = {o.value: o.id for o in question.options}
    asks_other = {o.value for o in question.options if o.asks_other}
    base = {"question_id": question.id, "option_id": None, "rank": None, "text": None,
            "number": None, "date": None}
    if "option" in value or "options" in value:
        values = [value["option"]] if "option" in value else value["options"]
        return [{**base, "option_id": ids[v],
                 "text": value.get("other") if v in asks_other else None} for v in values]
    if "ranked" in value:
        return [{**base, "option_id": ids[v], "rank": n}
                for n, v in enumerate(value["ranked"], start=1)]
    if "number" in value:
        return [{**base, "number": value["number"]}]
    if "date" in value:
        return [{**base, "date": date.fromisoformat(value["date"])}]
    if "postcode" in value:
        return [{**base, "text": value["postcode"]}]
    return [{**base, "text": value["text"]}]


def check_all(questions: list[Question], answers: Mapping[str, object], *,
              relax_required: bool = False) -> tuple[dict[str, dict], dict[str, str]]:
    """Check a whole questionnaire's answers: (the answers that apply, {key: error}).

    Answers to questions hidden by a show-if condition are dropped, not stored, so a person
    who changed their mind leaves nothing behind."""
    accepted: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for question in questions:
        if not is_shown(question, accepted):
            continue
        try:
            value = check(question, answers.get(question.key), relax_required=relax_required)
        except AnswerError as error:
            errors[question.key] = error.message
            continue
        if value is not None:
            accepted[question.key] = value
    return accepted, errors
