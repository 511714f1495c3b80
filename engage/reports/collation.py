"""Counting one area's responses to a consultation, in the database.

A collation asks the database two GROUP BY questions per area (a borough, or London as a whole),
and a third only where a tagged question is multiple choice, and never loads a response into
Python:

1. who answered: responses by channel, questionnaire (so audience) and hour submitted;
2. every tagged answer per (weighting cell, question, option, consent), with its first places
   and the sum of its ranks (ranking points follow from those): from these rows
   engage.reports.weighting.count_cells takes the weighted questions' answers per cell, their
   plain counts, the equality answers and the respondents per cell, and the worker then rakes
   the cells to the area's population, so the snapshot holds the weights;
3. respondents per multiple-choice question (a respondent has one row per option chosen).

The answer queries never join responses: each answer carries its response's consultation,
borough, equality consent and weighting cell, and the `ix_answers_collation` index holds every
column they read, so a borough's counts read only that borough's index entries
(bench/collate.py).

In a collation round (engage.reports.tasks), London reads no borough's answers again: it adds
up the round's borough snapshots (`add_counts`) and counts only the responses no borough has.

Questions line up by their reporting tag and options by their value code, so every version of
both questionnaires (residents and businesses) adds into the same figures. An option one
questionnaire offers and the other does not (businesses' "Shoplifting") is a share of the
people who were asked it, not of everyone: each option carries its own base, "offered", the
respondents to the questions that offer it. Each result has at
most a few thousand rows (cells x options, or hours of the consultation), whatever the number
of responses, and the folding into the snapshot's JSON happens in Python on those.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import distinct, exists, func, or_, select, text

from engage.boroughs.models import Borough, PopulationFigure
from engage.clock import to_london, utcnow
from engage.extensions import conflict_insert, db
from engage.reports.change import previous_figures
from engage.reports.free_text import CommentQuestion, comment_questions, free_text_figures
from engage.reports.models import LONDON, ReportSnapshot
from engage.reports.statistics import ranking_points
from engage.reports.weighting import RANK_COUNTS, CellCounts, count_cells, weigh
from engage.surveys.models import (
    Answer,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    ReportingTag,
    Response,
    consultation_boroughs,
)

# The tags a report counts, and the population dimension each equality tag is compared with.
REPORTED_TAGS = (ReportingTag.PRIORITIES, ReportingTag.CONFIDENCE, ReportingTag.FEELING_SAFE,
                 ReportingTag.ETHNIC_GROUP, ReportingTag.AGE_BAND, ReportingTag.DISABILITY)
POPULATION_DIMENSIONS = {ReportingTag.ETHNIC_GROUP: "ethnic_group",
                         ReportingTag.AGE_BAND: "age_band",
                         ReportingTag.DISABILITY: "disability"}
# 2: "cells" (respondents and weighted answers per equality cell) and "weighting".
# 3: each option's "offered" base (and the cells' "offered" for options some questions lack).
FIGURES_VERSION = 3


@dataclass(frozen=True)
class TaggedQuestion:
    id: int
    tag: ReportingTag
    kind: QuestionKind
    places: int | None  # a ranking question's N: how many places it asks to fill
    choices: int | None = None  # a multiple-choice question's "choose up to N"


@dataclass(frozen=True)
class Counted:
    """What an area's report counts, said twice: as conditions on responses (who answered)
    and as the same choice on answers (everything else)."""

    responses: list
    answers: list


@dataclass(frozen=True)
class Catalogue:
    """The tagged questions of a consultation, in every version, and their options."""

    questions: dict[int, TaggedQuestion]
    option_values: dict[int, str]  # option id -> value code
    # tag -> [(value, label)], in the order of the newest wording, then values it dropped.
    options: dict[ReportingTag, list[tuple[str, str]]]
    # question id -> the value codes it offers: an option's base is who was asked it.
    offers: dict[int, frozenset[str]] = field(default_factory=dict)

    def offered(self, tag: ReportingTag, answered_by_question: dict[int, int]) -> dict[str, int]:
        """Per value of the tag's options: the respondents to the questions that offer it."""
        bases: dict[str, int] = defaultdict(int)
        for question_id, n in answered_by_question.items():
            if self.questions[question_id].tag == tag:
                for value in self.offers.get(question_id, ()):
                    bases[value] += n
        return bases


def catalogue(consultation_id: int) -> Catalogue:
    rows = db.session.execute(
        select(Question.id, Question.tag, Question.kind, Question.rank_count,
               Question.max_choices, Option.id, Option.value, Option.label)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Option, Option.question_id == Question.id)
        .where(Questionnaire.consultation_id == consultation_id,
               Question.tag.in_(REPORTED_TAGS))
        # Newest question first: its labels and its order win.
        .order_by(Question.id.desc(), Option.position)
    ).all()
    option_counts: dict[int, int] = defaultdict(int)
    for row in rows:
        option_counts[row[0]] += 1
    questions: dict[int, TaggedQuestion] = {}
    option_values: dict[int, str] = {}
    options: dict[ReportingTag, dict[str, str]] = defaultdict(dict)
    offers: dict[int, set[str]] = defaultdict(set)
    for question_id, tag, kind, rank_count, max_choices, option_id, value, label in rows:
        offers[question_id].add(value)
        if question_id not in questions:
            places = (rank_count or option_counts[question_id]
                      if kind == QuestionKind.RANKING else None)
            choices = ((max_choices or option_counts[question_id])
                       if kind == QuestionKind.MULTIPLE_CHOICE else None)
            questions[question_id] = TaggedQuestion(question_id, tag, kind, places, choices)
        option_values[option_id] = value
        options[tag].setdefault(value, label)
    return Catalogue(questions, option_values,
                     {tag: list(labels.items()) for tag, labels in options.items()},
                     {question_id: frozenset(values) for question_id, values in offers.items()})


# What a round's areas read of the questionnaires, kept for the round by each worker process:
# (round id, consultation id) -> (the versions and whether each had a response, what they ask).
_ASKED_IN_ROUND: dict[tuple[str, int], tuple[tuple, tuple[Catalogue, list[CommentQuestion]]]] = {}
ROUNDS_KEPT = 4


def questions_asked(consultation_id: int,
                    round_id: str | None) -> tuple[Catalogue, list[CommentQuestion]]:
    """The consultation's tagged questions (catalogue) and free-text questions
    (comment_questions): the same for every area of a round, so worked out once a round per
    worker process rather than once an area, and only while nothing can have changed them.

    A version with a response never changes (editing it makes the next version; responses
    are never deleted without their consultation: engage.surveys.version_cache). So each area
    asks, in one statement, which versions the consultation has and whether each has a
    response, and uses what its round found only when that answer is the same and every
    version has one: a new version, or a version still open to edits, means reading afresh.
    Keyed by the round, whose id is never reused, so nothing outlives the round it was read
    in."""
    if round_id is None:
        return catalogue(consultation_id), comment_questions(consultation_id)
    answered = exists().where(Response.version_id == QuestionnaireVersion.id)
    versions = tuple((version_id, bool(has_response)) for version_id, has_response
                     in db.session.execute(
                         select(QuestionnaireVersion.id, answered)
                         .join(Questionnaire,
                               Questionnaire.id == QuestionnaireVersion.questionnaire_id)
                         .where(Questionnaire.consultation_id == consultation_id)
                         .order_by(QuestionnaireVersion.id)))
    key = (round_id, consultation_id)
    kept = _ASKED_IN_ROUND.get(key)
    if kept is not None and kept[0] == versions:
        return kept[1]
    asked = catalogue(consultation_id), comment_questions(consultation_id)
    if all(has_response for _, has_response in versions):
        while len(_ASKED_IN_ROUND) >= ROUNDS_KEPT:
            _ASKED_IN_ROUND.pop(next(iter(_ASKED_IN_ROUND)), None)
        _ASKED_IN_ROUND[key] = (versions, asked)
    return asked


def counted_responses(consultation_id: int, borough_id: int | None,
                      verified_only: bool = False, rules: tuple = ()) -> Counted:
    """The responses an area's report counts, and their answers.

    Every response row that exists counts, from every channel: online and telephone responses
    are complete when stored. `verified_only` is the hook for unverified paper responses, which
    a later issue adds: it will add its condition on responses to `rules`, and the snapshot
    records the flag. Answers then count only where their response passes every rule, by a
    semi-join that an area without rules never pays for.
    """
    responses = [Response.consultation_id == consultation_id, *rules]
    answers = [Answer.consultation_id == consultation_id]
    if borough_id is not None:
        responses.append(Response.borough_id == borough_id)
        answers.append(Answer.borough_id == borough_id)
    if rules:
        answers.append(Answer.response_id.in_(select(Response.id).where(*responses)))
    return Counted(responses, answers)


def _hour(column):
    """The hour a time falls in: grouping by hour keeps the rows few (at most 24 a day) yet
    lets Python place each response in its London-time week, right across clock changes."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def who_answered(conditions: list) -> dict:
    hour = _hour(Response.submitted_at).label("hour")
    by_channel: dict[str, int] = defaultdict(int)
    by_audience: dict[str, int] = defaultdict(int)
    by_week: dict[str, int] = defaultdict(int)
    total = 0
    # A few thousand rows at most (channels x questionnaires x hours): fetched at once, as a
    # server-side cursor would rule out a parallel plan for London.
    hourly = (select(Response.channel, Response.questionnaire_id, hour,
                     func.count().label("n"))
              .where(*conditions)
              .group_by(Response.channel, Response.questionnaire_id, hour))
    # Each questionnaire's audience joined to the few grouped rows, not to every response.
    hours = hourly.subquery()
    audience = (select(Questionnaire.audience).where(Questionnaire.id == hours.c.questionnaire_id)
                .scalar_subquery())
    if db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL knows London's clock: the hours become ISO weeks there, and a few dozen
        # rows come back instead of thousands. UTC hours are London hours (whole-hour offsets).
        london = func.timezone("Europe/London", func.timezone("UTC", hours.c.hour))
        week = func.to_char(london, 'IYYY-"W"IW')
        result = db.session.execute(
            select(hours.c.channel, audience, week, func.sum(hours.c.n))
            .group_by(hours.c.channel, hours.c.questionnaire_id, week))
    else:
        weeks: dict[object, str] = {}  # hour -> ISO week in London: each worked out once

        def in_weeks(rows):
            for channel, audience_of, started, n in rows:
                if started not in weeks:
                    year, number, _ = to_london(_as_datetime(started)).isocalendar()
                    weeks[started] = f"{year}-W{number:02d}"
                yield channel, audience_of, weeks[started], n

        result = in_weeks(db.session.execute(
            select(hours.c.channel, audience, hours.c.hour, hours.c.n)))
    for channel, audience_of, week_of, n in result:
        n = int(n)
        total += n
        by_channel[channel.value] += n
        by_audience[audience_of.value] += n
        by_week[week_of] += n
    return {"respondents": total, "by_channel": dict(by_channel),
            "by_audience": dict(by_audience), "by_week": dict(sorted(by_week.items()))}


def tagged_answers(conditions: list, found: Catalogue,
                   by_cell: CellCounts | None = None) -> dict:
    """Per tag: respondents who answered, and per option value the respondents who chose it,
    their ranking points and their first places. Questions `by_cell` has counted already (the
    weighted ones, summed over their cells) are taken from it, not counted again."""
    if not found.questions:
        return {}
    by_cell = by_cell or CellCounts()
    # by_cell kept only consented equality answers; consent matters to no other question.
    rows = [(question_id, option_id, True, n, firsts, rank_sum)
            for (question_id, option_id), (n, firsts, rank_sum) in by_cell.answers.items()]
    answered_multiple = [(question_id, True, n) for question_id, n in by_cell.respondents.items()]
    rest = [q for q in found.questions if q not in by_cell.questions]
    if rest:
        # The database only counts rows, first places and ranks per (question, option,
        # consent), read from the collation index alone. The rules (ranking points, consent)
        # apply below, to a few hundred rows whatever the responses.
        rows += db.session.execute(
            select(Answer.question_id, Answer.option_id, Answer.equality_consent, *RANK_COUNTS)
            .where(Answer.question_id.in_(rest), Answer.option_id.is_not(None), *conditions)
            .group_by(Answer.question_id, Answer.option_id, Answer.equality_consent)
        ).all()
    multiple = [q for q in rest if found.questions[q].kind == QuestionKind.MULTIPLE_CHOICE]
    if multiple:
        # Respondents per multiple-choice question: consent is the response's, so each one
        # falls in one (question, consent) group.
        answered_multiple += db.session.execute(
            select(Answer.question_id, Answer.equality_consent,
                   func.count(distinct(Answer.response_id)))
            .where(Answer.question_id.in_(multiple), *conditions)
            .group_by(Answer.question_id, Answer.equality_consent)
        ).all()

    chosen: dict[ReportingTag, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0]))
    answered: dict[ReportingTag, int] = defaultdict(int)
    by_question: dict[int, int] = defaultdict(int)  # respondents to each question
    for question_id, option_id, consented, n, firsts, rank_sum in rows:
        question = found.questions[question_id]
        # Equality answers count only where the respondent agreed to give them (a question
        # with an equality tag may sit outside the equality section, and be answered anyway).
        if question.tag.is_equality and not consented:
            continue
        cell = chosen[question.tag][found.option_values[option_id]]
        cell[0] += n
        if question.kind == QuestionKind.RANKING:
            cell[1] += ranking_points(n, rank_sum, question.places)
            by_question[question_id] += firsts  # every ranking answer has one first place
        elif question.kind != QuestionKind.MULTIPLE_CHOICE:
            by_question[question_id] += n  # one row per respondent
    for question_id, consented, n in answered_multiple:
        question = found.questions[question_id]
        if consented or not question.tag.is_equality:
            by_question[question_id] += n
    for question_id, n in by_question.items():
        answered[found.questions[question_id].tag] += n

    figures = {}
    for tag, labels in found.options.items():
        kinds = {q.kind for q in found.questions.values() if q.tag == tag}
        places = max((q.places or 0 for q in found.questions.values() if q.tag == tag),
                     default=0)
        # How many a person may choose: 1 for a single choice, N for "choose up to N". Shares
        # from questions that differ here cannot be compared (engage.reports.change).
        choices = max((q.choices or 1 for q in found.questions.values() if q.tag == tag
                       and q.kind != QuestionKind.RANKING), default=0)
        offered = found.offered(tag, by_question)
        figures[tag.value] = {
            "ranking": QuestionKind.RANKING in kinds, "places": places or None,
            "choices": choices or None,
            "answered": answered[tag],
            "options": [{"value": value, "label": label,
                         "chosen": chosen[tag][value][0], "points": chosen[tag][value][1],
                         "offered": offered[value]}
                        for value, label in labels],
        }
    return figures


def population(consultation: Consultation, borough_id: int | None) -> dict:
    """The area's population figures per dimension: a borough's own, or for London the sum
    over the boroughs the consultation covers, for the dimensions every one of them has in
    every category: a margin summed over some boroughs (or a category over some) would
    describe London wrongly, and weighting would follow it."""
    query = (select(PopulationFigure.dimension, PopulationFigure.category,
                    func.sum(PopulationFigure.count), func.min(PopulationFigure.source))
             .group_by(PopulationFigure.dimension, PopulationFigure.category))
    complete: set[str] | None = None
    if borough_id is not None:
        query = query.where(PopulationFigure.borough_id == borough_id)
    else:
        covered = (select(consultation_boroughs.c.borough_id)
                   .where(consultation_boroughs.c.consultation_id == consultation.id))
        in_area = [] if consultation.all_boroughs else [PopulationFigure.borough_id.in_(covered)]
        query = query.where(*in_area)
        boroughs = db.session.scalar(
            select(func.count()).select_from(Borough) if consultation.all_boroughs
            else select(func.count()).select_from(covered.subquery()))
        short: set[str] = set()
        seen: set[str] = set()
        for dimension, n in db.session.execute(
                select(PopulationFigure.dimension,
                       func.count(distinct(PopulationFigure.borough_id)))
                .where(*in_area)
                .group_by(PopulationFigure.dimension, PopulationFigure.category)):
            seen.add(dimension)
            if n < boroughs:
                short.add(dimension)
        complete = seen - short
    figures: dict[str, dict] = {}
    for dimension, category, count, source in db.session.execute(query):
        if complete is not None and dimension not in complete:
            continue
        entry = figures.setdefault(dimension, {"source": source, "counts": {}})
        entry["counts"][category] = int(count)
    return figures


def collate_area(consultation: Consultation, borough: Borough | None,
                 verified_only: bool = False, round_id: str | None = None) -> dict:
    """The raw figures of one area's report (a borough, or London when borough is None).

    London in a collation round (`round_id`, engage.reports.tasks) adds up the figures its
    boroughs' snapshots got in that round, and counts only the responses no borough counted
    (no borough, or one the consultation does not cover): every response is read once per
    round, not twice. Without a round, or with a borough missing from it, London counts
    everything itself."""
    borough_id = borough.id if borough else None
    if db.session.get_bind().dialect.name == "postgresql":
        _collation_settings()
    found, comments = questions_asked(consultation.id, round_id)
    boroughs = (round_figures(consultation, round_id, verified_only)
                if borough is None and round_id else None)
    if boroughs is None:
        figures = count_figures(counted_responses(consultation.id, borough_id, verified_only),
                                found)
    else:
        figures = count_figures(counted_outside(consultation), found)
        for part in boroughs:
            add_counts(figures, part)
        figures["by_week"] = dict(sorted(figures["by_week"].items()))
    figures["population"] = population(consultation, borough_id)
    figures["weighting"] = weigh(figures["cells"], figures["population"],
                                 current_app.config["ENGAGE_SUPPRESSION_THRESHOLD"])
    # ...and flags comments.
    figures["free_text"] = free_text_figures(consultation, borough_id, questions=comments)
    # The last consultation's priorities, so the page compares two stored documents.
    figures["previous"] = previous_figures(consultation, borough)
    return figures


# Per database (its URL): whether its PostgreSQL can compress with lz4 (14 and later, when
# built with it, as Debian's and the official images are). Asked once a process.
_LZ4: dict[str, bool] = {}


def _collation_settings() -> None:
    """Settings for this transaction only, in one statement. London's weighting groups a
    million respondents into their cells: with the default 4 MB of work_mem the hash spills to
    disk. And the snapshot's figures (about 160 KB of JSON an area) are compressed with lz4
    where the server has it: pglz, the default, took about 4 ms of each area's upsert, lz4
    under 1 ms, and it reads back faster too (the value is a third larger)."""
    url = db.session.get_bind().url.render_as_string()
    if url not in _LZ4:
        _LZ4[url] = bool(db.session.scalar(text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'")))
    db.session.execute(text(
        "SELECT set_config('work_mem', '64MB', true)"
        + (", set_config('default_toast_compression', 'lz4', true)" if _LZ4[url] else "")))


def count_figures(counted: Counted, found: Catalogue) -> dict:
    """The counts of a report, which add up across areas: who answered, the tagged answers,
    and the weighting cells."""
    figures = {"version": FIGURES_VERSION, **who_answered(counted.responses)}
    # Counted per weighting cell (engage.reports.weighting), which also gives the weighted
    # questions' plain counts: those answers are read once.
    by_cell = count_cells(counted, found, figures["respondents"])
    figures["questions"] = tagged_answers(counted.answers, found, by_cell)
    figures["cells"] = by_cell.figures
    return figures


def counted_outside(consultation: Consultation) -> Counted:
    """The responses no borough's report counts: those with no borough, and those in a borough
    the consultation does not cover (its list of boroughs changed after they came)."""
    uncovered = [] if consultation.all_boroughs else list(db.session.scalars(
        select(Borough.id).where(Borough.id.not_in(
            select(consultation_boroughs.c.borough_id)
            .where(consultation_boroughs.c.consultation_id == consultation.id)))))

    def outside(column):
        # IS NULL alone stays an index condition; the OR is paid only where it is needed.
        return or_(column.is_(None), column.in_(uncovered)) if uncovered else column.is_(None)

    return Counted([Response.consultation_id == consultation.id, outside(Response.borough_id)],
                   [Answer.consultation_id == consultation.id, outside(Answer.borough_id)])


def round_figures(consultation: Consultation, round_id: str,
                  verified_only: bool) -> list[dict] | None:
    """The figures every covered borough's snapshot got in this round, or None when one is
    missing (a borough still counting, failed or locked), counted another way or by an older
    version of this code: then London counts everything itself."""
    rows = db.session.execute(_round_snapshots(
        consultation.id, round_id,
        ReportSnapshot.borough_id, ReportSnapshot.verified_only, ReportSnapshot.figures)).all()
    covered = {b.id for b in covered_boroughs(consultation)}
    if ({borough_id for borough_id, _, _ in rows} != covered
            or any(verified != verified_only or figures.get("version") != FIGURES_VERSION
                   for _, verified, figures in rows)):
        return None
    return [figures for _, _, figures in rows]


def round_complete(consultation_id: int, round_id: str) -> bool:
    """Every borough the consultation covers has its snapshot from this round. One statement
    (every borough asks it, once its own snapshot is committed): is any covered borough
    without one?"""
    all_boroughs = (select(Consultation.all_boroughs)
                    .where(Consultation.id == consultation_id).scalar_subquery())
    listed = (select(consultation_boroughs.c.borough_id)
              .where(consultation_boroughs.c.consultation_id == consultation_id))
    done = _round_snapshots(consultation_id, round_id, ReportSnapshot.borough_id)
    missing = (select(Borough.id)
               .where(or_(all_boroughs, Borough.id.in_(listed)), Borough.id.not_in(done))
               .limit(1))
    return db.session.scalar(missing) is None


def _round_snapshots(consultation_id: int, round_id: str, *columns):
    """The given columns of the borough snapshots made in this round."""
    return select(*columns).where(
        ReportSnapshot.consultation_id == consultation_id, ReportSnapshot.round_id == round_id,
        ReportSnapshot.borough_id.is_not(None))


def option_base(question: dict, option: dict) -> int:
    """The respondents an option's share is of: those asked a question offering it. Figures
    counted before "offered" was kept had every option offered to everyone who answered."""
    return option.get("offered", question["answered"])


def _add(total: dict, part: dict) -> None:
    for key, n in part.items():
        total[key] = total.get(key, 0) + n


def add_counts(total: dict, part: dict) -> None:
    """Add one area's counts (count_figures, or a snapshot's figures of the same consultation)
    into `total`, option by value code and cell by key. Every count here is of respondents or
    answers, and each response belongs to one area, so they add up."""
    total["respondents"] += part["respondents"]
    for key in ("by_channel", "by_audience", "by_week"):
        _add(total[key], part[key])
    for tag, question in part["questions"].items():
        mine = total["questions"].get(tag)
        if mine is None:  # a tag the catalogue no longer has: nothing to add it to
            continue
        mine["answered"] += question["answered"]
        options = {option["value"]: option for option in mine["options"]}
        for option in question["options"]:
            if option["value"] in options:
                options[option["value"]]["chosen"] += option["chosen"]
                options[option["value"]]["points"] += option["points"]
                options[option["value"]]["offered"] += option_base(question, option)
    cells, their_cells = total["cells"], part["cells"]
    if cells is None or their_cells is None:
        return
    _add(cells["respondents"], their_cells["respondents"])
    for tag, question in their_cells["questions"].items():
        mine = cells["questions"].setdefault(tag, {"answered": {}, "chosen": {}})
        _add(mine["answered"], question["answered"])
        for value, by_cell in question["chosen"].items():
            _add(mine["chosen"].setdefault(value, {}), by_cell)
        for value, by_cell in question.get("offered", {}).items():
            _add(mine.setdefault("offered", {}).setdefault(value, {}), by_cell)


def save_snapshot(consultation: Consultation, borough: Borough | None, figures: dict,
                  verified_only: bool = False, round_id: str | None = None,
                  made_at: datetime | None = None) -> None:
    """Insert the area's snapshot, or replace the one there in the same statement. `made_at`
    is when the counting began (the workers pass it): a response stored while the area was
    being counted is not in it, so the snapshot must not claim a later time."""
    values = {"consultation_id": consultation.id,
              "area": borough.ons_code if borough else LONDON,
              "borough_id": borough.id if borough else None, "made_at": made_at or utcnow(),
              "respondents": figures["respondents"], "verified_only": verified_only,
              "figures": figures, "round_id": round_id}
    statement = conflict_insert(ReportSnapshot).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["consultation_id", "area"],
        set_={name: statement.excluded[name] for name in
              ("made_at", "respondents", "verified_only", "figures", "round_id")}))


def covered_boroughs(consultation: Consultation) -> list[Borough]:
    if consultation.all_boroughs:
        return list(db.session.scalars(select(Borough).order_by(Borough.name)))
    return list(consultation.boroughs)

