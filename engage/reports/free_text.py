"""Free-text comments in a report: how many each question drew and the terms people used most.

Collation (`free_text_figures`, called by engage.reports.collation.collate_area) reads every
comment of the area once, streamed from the database in batches, and keeps only counters:

- Questions: long and short text questions, and the "other, please say" text of choice
  questions, lined up across versions (and the two questionnaires) by their key. A comment is
  a non-blank text; a respondent gives at most one per question.
- Terms: words lower-cased, curly quotes made plain, a possessive "'s" and a plural "s" taken
  off ("patrols" counts as "patrol"), English stop words and words under three letters
  dropped. A term counts respondents using it, not times used: one comment saying "drugs" five
  times counts once.
- Memory is bounded by the vocabulary, which is capped. Each question keeps at most twice
  `capacity` terms; past that, the batched Misra-Gries step takes the (capacity + 1)th largest
  count off every term and forgets those left at nothing. Each step takes at least that many
  uses from capacity + 1 terms, so the counts taken off, summed (`undercount`, kept in the
  figures), never exceed uses / (capacity + 1): every count shown is at most that much below the
  truth and never above it, and any term used by more than that many respondents is kept. Until
  the vocabulary outgrows the cap the counts are exact (`undercount` 0), as in most boroughs.
- Flags: each comment is checked against engage.reports.flags, and the flags missing are
  inserted (insert-if-missing on the answer), a batch at a time; re-running adds nothing. A
  borough's collation flags its comments; London's flags only those with no borough, which no
  borough's collation sees.

Published (`published_free_text`): a comment count under the threshold reads "fewer than N";
a term used by fewer respondents than the threshold is not shown at all, since a rare word can
identify someone. The comments themselves never leave the staff comments pages.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, select, union_all

from engage.extensions import conflict_insert, db
from engage.reports.comments_models import CommentFlag
from engage.reports.flags import flag_for, normalise
from engage.suppression import Cell
from engage.surveys.models import (
    Answer,
    Audience,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)

TOP_TERMS = 15
CAPACITY = 5000  # terms kept per question (up to twice this between prunings)
BATCH = 2000  # comments fetched per round trip
MIN_LENGTH = 3
COMMENTS = "comments"  # a long or short text question
OTHER = "other"  # the "other, please say" text of a choice question

_STOP_WORDS = """
a about above across after afterwards again against all almost alone along already also
although always am among amongst an and another any anyhow anyone anything anyway anywhere are
around as at back be became because become becomes been before beforehand behind being below
beside besides between beyond both but by can cannot could did do does doing done down during
each either else elsewhere enough etc even ever every everyone everything everywhere except few
for from further get gets getting go goes going gone got had has have having he hence her here
hers herself him himself his how however i if in indeed into is it its itself just keep last
least less let like lot lots made make many may me meanwhile might mine more moreover most
mostly much must my myself namely neither never nevertheless next no nobody none nor not
nothing now nowhere of off often on once one only onto or other others otherwise our ours
ourselves out over own per perhaps please quite rather re really same see seem seemed seems
several she should since so some somehow someone something sometime sometimes somewhere still
such than that the their theirs them themselves then there thereafter thereby therefore these
they thing things think this those though through throughout thus to together too toward
towards under until up upon us use used very via was way we well were what whatever when
whenever where whereas wherever whether which while who whoever whole whom whose why will with
within without would yes yet you your yours yourself yourselves
dont doesnt didnt cant cannot wont isnt arent wasnt werent im ive id ill youre theyre thats
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


# Words ending in "s" that are not the plural of the word without it.
_NOT_PLURAL = """
trans news chaos lens series species means ethos kudos canvas atlas alias bias always perhaps
politics physics economics athletics mathematics diabetes premises headquarters whereas towards
afterwards
"""
NOT_PLURAL = frozenset(_NOT_PLURAL.split())


def singular(word: str) -> str:
    """A light plural-to-singular step (not a stemmer): enough to count "patrols" with
    "patrol" and "parties" with "party" while leaving "business", "bus" and the words of
    NOT_PLURAL ("trans", "news") alone."""
    if word in NOT_PLURAL:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms_of(text: str) -> set[str]:
    """The distinct terms of one comment."""
    found = set()
    for word in WORD.findall(normalise(text).lower()):
        word = word.removesuffix("'s").replace("'", "")
        if word in STOP_WORDS:
            continue
        word = singular(word)
        if len(word) >= MIN_LENGTH and word not in STOP_WORDS:
            found.add(word)
    return found


class TermCounter:
    """Respondents per term in bounded memory (see the module's docstring for the bound)."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self.counts: dict[str, int] = {}
        self.uses = 0  # every (respondent, term) counted
        self.undercount = 0  # the most any count here can be below the truth

    def add(self, terms: Iterable[str]) -> None:
        counts = self.counts
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
            self.uses += 1
        if len(counts) > 2 * self.capacity:
            self._prune()

    def _prune(self) -> None:
        cut = heapq.nlargest(self.capacity + 1, self.counts.values())[-1]
        self.undercount += cut
        self.counts = {term: n - cut for term, n in self.counts.items() if n > cut}

    def top(self, n: int) -> list[tuple[str, int]]:
        return heapq.nsmallest(n, self.counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class CommentQuestion:
    """One free-text question of a consultation, through every version that asks it."""

    ref: str  # the key, or key + ".other": unique within the consultation, used in URLs
    key: str
    source: str  # COMMENTS or OTHER
    title: str  # the newest wording
    question_ids: list[int] = field(default_factory=list)
    option_ids: list[int] = field(default_factory=list)  # OTHER: the options asking for text
    # OTHER: the question's reporting tag (None: untagged) and the values of its options that
    # ask for text, so the published report can tell when the option's own count is hidden.
    tag: str | None = None
    option_values: list[str] = field(default_factory=list)


def comment_questions(consultation_id: int) -> list[CommentQuestion]:
    """The consultation's free-text questions, in the order the newest version asks them.

    Never those of an equality section: what people say there about themselves is not a
    comment to count, flag or read."""
    rows = db.session.execute(
        select(Question.id, Question.key, Question.text, Question.tag, Option.id, Option.value)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Section, Section.id == Question.section_id)
        .outerjoin(Option, (Option.question_id == Question.id) & Option.asks_other)
        .where(Questionnaire.consultation_id == consultation_id, Section.is_equality.is_(False),
               Question.kind.in_((QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT))
               | Option.id.is_not(None))
        # Residents' newest version first, so its wording and order win.
        .order_by(case((Questionnaire.audience == Audience.RESIDENTS, 0), else_=1),
                  QuestionnaireVersion.number.desc(), Section.position, Question.position)
    ).all()
    found: dict[str, CommentQuestion] = {}
    for question_id, key, text, tag, option_id, value in rows:
        source = OTHER if option_id is not None else COMMENTS
        ref = f"{key}.{OTHER}" if source == OTHER else key
        entry = found.get(ref)
        if entry is None:
            title = f"{text} (other answers)" if source == OTHER else text
            entry = found[ref] = CommentQuestion(ref, key, source, title)
        if question_id not in entry.question_ids:
            entry.question_ids.append(question_id)
        if option_id is not None:
            entry.option_ids.append(option_id)
            if value not in entry.option_values:
                entry.option_values.append(value)
            if tag is not None and entry.tag is None:
                entry.tag = tag.value
    return list(found.values())


def comment_rows(question: CommentQuestion, conditions: list):
    """A SELECT of (answer id, borough id, text) for one question's comments: one row per
    respondent. A choice question with two "other" options stores the text on both rows, so
    those are grouped to the first."""
    if question.source == COMMENTS:
        return select(Answer.id, Answer.borough_id, Answer.text).where(
            Answer.question_id.in_(question.question_ids), Answer.text.is_not(None),
            *conditions)
    return (select(func.min(Answer.id), Answer.borough_id, Answer.text)
            .where(Answer.question_id.in_(question.question_ids),
                   Answer.option_id.in_(question.option_ids), Answer.text.is_not(None),
                   *conditions)
            .group_by(Answer.response_id, Answer.borough_id, Answer.text))


def answer_conditions(consultation_id: int, borough_id: int | None) -> list:
    conditions = [Answer.consultation_id == consultation_id]
    if borough_id is not None:
        conditions.append(Answer.borough_id == borough_id)
    return conditions


def free_text_figures(consultation: Consultation, borough_id: int | None, *,
                      flag: bool = True, capacity: int = CAPACITY, top: int = TOP_TERMS,
                      batch: int = BATCH, questions: list[CommentQuestion] | None = None) -> dict:
    """Per free-text question: comments, the `top` terms by respondents, and the undercount
    bound of those counts. Flags the area's comments too, unless `flag` is False.
    `questions`: the consultation's comment_questions, when the caller has them already."""
    conditions = answer_conditions(consultation.id, borough_id)
    found = comment_questions(consultation.id) if questions is None else questions
    counters = [TermCounter(capacity) for _ in found]
    comments = [0] * len(found)
    if found:
        # Every question's comments in one stream, each row saying whose it is: one cursor
        # an area, not one a question, and still never more than `batch` rows in memory.
        everything = union_all(*(comment_rows(question, conditions).add_columns(
            literal(place).label("place")) for place, question in enumerate(found)))
        result = db.session.execute(select(everything.subquery())
                                    .execution_options(yield_per=batch))
        for rows in result.partitions():
            flags = []
            for answer_id, answer_borough_id, text, place in rows:
                if not text.strip():
                    continue
                comments[place] += 1
                counters[place].add(terms_of(text))
                # London flags only what no borough's collation sees.
                if flag and (borough_id is not None or answer_borough_id is None):
                    matched = flag_for(text)
                    if matched is not None:
                        flags.append({"answer_id": answer_id, "consultation_id": consultation.id,
                                      "borough_id": answer_borough_id,
                                      "category": matched.category, "reason": matched.reason,
                                      "matched": matched.matched})
            if flags:
                _insert_missing(flags)
    questions = [{"ref": question.ref, "key": question.key, "source": question.source,
                  "title": question.title, "comments": comments[place],
                  "tag": question.tag, "option_values": question.option_values,
                  "terms": [[term, n] for term, n in counters[place].top(top)],
                  "undercount": counters[place].undercount}
                 for place, question in enumerate(found)]
    return {"questions": questions}


def _insert_missing(flags: list[dict]) -> None:
    """Insert the flags not there yet; a flag already there (followed up or not) stays as is."""
    # ORM-enabled insert, so the enum and flagged_at's default apply as for any new row.
    db.session.execute(
        conflict_insert(CommentFlag).on_conflict_do_nothing(index_elements=["answer_id"]), flags)


# Published figures --------------------------------------------------------------------------

@dataclass
class PublishedTerm:
    term: str
    cell: Cell
    share: float | None  # of the question's comments


@dataclass
class PublishedComments:
    ref: str
    title: str
    comments: Cell
    terms: list[PublishedTerm]
    undercount: int  # 0: exact
    # Not shown at all, count and terms: it would give back a count hidden elsewhere.
    withheld: bool = False


def published_free_text(figures: dict | None, threshold: int,
                        withheld: set[str] = frozenset()) -> list[PublishedComments]:
    """The free-text figures people may see: suppressed comment counts, and only the terms
    used by at least `threshold` respondents; nothing but the title for the refs `withheld`."""
    if not figures:
        return []
    published = []
    for question in figures["questions"]:
        if question["ref"] in withheld:
            published.append(PublishedComments(question["ref"], question["title"],
                                               Cell(question["ref"], None, None, small=False),
                                               [], 0, True))
            continue
        n = question["comments"]
        shown = n >= threshold or n == 0
        terms = [PublishedTerm(term, Cell(term, used, None), used / n)
                 for term, used in question["terms"] if shown and used >= threshold]
        published.append(PublishedComments(
            question["ref"], question["title"], Cell(question["ref"], n if shown else None, None),
            terms, question["undercount"]))
    return published
