"""Staff pages for free-text comments: read them per question, see why some were flagged, and
mark a flag followed up.

The comments are for the borough's engagement officers and analysts (and administrators);
London's, every borough's and those of responses given no borough, for administrators. Only
officers and administrators mark a flag followed up. Nothing
here is public, in a download or in the API.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from wtforms import TextAreaField
from wtforms.validators import Length

from engage.auth.access import staff_borough, staff_required
from engage.auth.models import StaffRoleName
from engage.boroughs.models import Borough
from engage.extensions import db
from engage.forms import FlaskForm, GovSubmitInput, SubmitField, strip
from engage.reports.comments_models import (
    NOTE_LENGTH,
    CommentFlag,
    mark_followed_up,
    waiting_count,
)
from engage.reports.free_text import (
    OTHER,
    CommentQuestion,
    answer_conditions,
    comment_questions,
)
from engage.reports.operations import consultation_or_404, latest_snapshot
from engage.reports.views import READERS
from engage.surveys.models import Answer, Consultation, Response

report_comments = Blueprint("report_comments", __name__, url_prefix="/staff")

PER_PAGE = 25
BOROUGH = "/boroughs/<borough_slug>/reports/<consultation_slug>/comments"
LONDON = "/reports/<consultation_slug>/london/comments"


class FollowUpForm(FlaskForm):
    note = TextAreaField(
        "Note (optional)", filters=[strip], widget=GovTextArea(),
        description="What was done, or who it was passed to. Do not copy the comment here.",
        validators=[Length(max=NOTE_LENGTH,
                           message=f"The note must be {NOTE_LENGTH:,} characters or fewer")])
    submit = SubmitField("Mark as followed up", widget=GovSubmitInput())


def _area(borough_slug: str | None, consultation_slug: str) -> tuple[Consultation,
                                                                      Borough | None]:
    if borough_slug is None:
        # Every borough's comments at once: administrators only (analysts read London's
        # figures, but a borough's comments only where they hold a role).
        if not current_user.is_admin:
            abort(403)
        return consultation_or_404(consultation_slug), None
    area = staff_borough(borough_slug, *READERS)
    return consultation_or_404(consultation_slug, area), area


def _urls(consultation: Consultation, area: Borough | None) -> dict:
    """Keyword arguments for url_for on this blueprint, and the endpoint prefix."""
    if area is None:
        return {"prefix": "london_", "args": {"consultation_slug": consultation.slug}}
    return {"prefix": "", "args": {"borough_slug": area.slug,
                                   "consultation_slug": consultation.slug}}


@report_comments.app_template_global()
def comment_flags_waiting(consultation: Consultation, area: Borough | None) -> int:
    return waiting_count(consultation.id, area.id if area else None)


@report_comments.route(BOROUGH)
@report_comments.route(LONDON, endpoint="london_index")
@staff_required
def index(consultation_slug: str, borough_slug: str | None = None):
    consultation, area = _area(borough_slug, consultation_slug)
    questions = comment_questions(consultation.id)
    snapshot = latest_snapshot(consultation, area)
    counted = {q["ref"]: q["comments"]
               for q in (snapshot.figures.get("free_text") or {}).get("questions", [])
               } if snapshot else {}
    waiting = _waiting_by_question(consultation, area, questions)
    return render_template("reports/comments/index.html", consultation=consultation,
                           area=area, area_name=area.name if area else "London",
                           questions=questions, counted=counted, waiting=waiting,
                           snapshot=snapshot, urls=_urls(consultation, area))


@report_comments.route(BOROUGH + "/<ref>")
@report_comments.route(LONDON + "/<ref>", endpoint="london_question")
@staff_required
def question(consultation_slug: str, ref: str, borough_slug: str | None = None):
    consultation, area = _area(borough_slug, consultation_slug)
    found = next((q for q in comment_questions(consultation.id) if q.ref == ref), None)
    if found is None:
        abort(404)
    flagged_only = request.args.get("flagged") == "1"
    page = db.paginate(_comments_query(consultation, area, found, flagged_only),
                       per_page=PER_PAGE, error_out=False)
    flags = {f.answer_id: f for f in db.session.scalars(
        select(CommentFlag).where(CommentFlag.answer_id.in_([a.id for a in page.items]))
        .options(selectinload(CommentFlag.followed_up_by)))} if page.items else {}
    return render_template("reports/comments/question.html", consultation=consultation,
                           area=area, area_name=area.name if area else "London",
                           question=found, page=page, flags=flags, flagged_only=flagged_only,
                           urls=_urls(consultation, area), may_follow_up=_may_follow_up(area))


@report_comments.route(BOROUGH + "/flags/<int:flag_id>", methods=["GET", "POST"])
@report_comments.route(LONDON + "/flags/<int:flag_id>", methods=["GET", "POST"],
                       endpoint="london_flag")
@staff_required
def flag(consultation_slug: str, flag_id: int, borough_slug: str | None = None):
    consultation, area = _area(borough_slug, consultation_slug)
    found = db.session.scalar(
        select(CommentFlag).where(CommentFlag.id == flag_id,
                                  CommentFlag.consultation_id == consultation.id)
        .options(joinedload(CommentFlag.answer).joinedload(Answer.response),
                 joinedload(CommentFlag.answer).joinedload(Answer.question)))
    # Another borough's flag is not found from this one's pages.
    if found is None or (area is not None and found.borough_id != area.id):
        abort(404)
    urls = _urls(consultation, area)
    back = url_for(f".{urls['prefix']}question", ref=_ref_of(found.answer), flagged="1",
                   **urls["args"])
    if request.method == "POST" and not _may_follow_up(area):
        abort(403)
    form = FollowUpForm()
    if found.followed_up:
        if request.method == "POST":
            flash("Someone has already marked this comment as followed up.", "success")
            return redirect(back)
    elif form.validate_on_submit():
        if mark_followed_up(found, current_user, form.note.data or ""):
            flash("The comment is marked as followed up.", "success")
        else:
            flash("Someone has already marked this comment as followed up.", "success")
        db.session.commit()
        return redirect(back)
    return render_template("reports/comments/flag.html", consultation=consultation, area=area,
                           area_name=area.name if area else "London", flag=found, form=form,
                           back=back, urls=urls, may_follow_up=_may_follow_up(area))


def _may_follow_up(area: Borough | None) -> bool:
    """Following a flag up is for the borough's engagement officers (and administrators):
    analysts read the comments but do not act on them. London's pages are administrators'."""
    if area is None:
        return current_user.is_admin
    return current_user.has_role(area, StaffRoleName.OFFICER)


def _ref_of(answer: Answer) -> str:
    return f"{answer.question.key}.{OTHER}" if answer.option_id is not None \
        else answer.question.key


def _comments_query(consultation: Consultation, area: Borough | None,
                    question: CommentQuestion, flagged_only: bool):
    """One question's non-blank comments in the area, newest first, with their responses."""
    query = (select(Answer).join(Answer.response)
             .where(*answer_conditions(consultation.id, area.id if area else None),
                    Answer.question_id.in_(question.question_ids), Answer.text.is_not(None),
                    func.trim(Answer.text) != "")
             .options(contains_eager(Answer.response).joinedload(Response.borough))
             .order_by(Response.submitted_at.desc(), Answer.id.desc()))
    if question.source == OTHER:
        # The same "other" text sits on each "other" option chosen: show it once.
        earlier = aliased(Answer)
        query = query.where(
            Answer.option_id.in_(question.option_ids),
            ~exists().where(earlier.response_id == Answer.response_id,
                            earlier.question_id == Answer.question_id,
                            earlier.option_id.in_(question.option_ids),
                            earlier.text.is_not(None), earlier.id < Answer.id))
    if flagged_only:
        query = query.where(exists().where(CommentFlag.answer_id == Answer.id))
    return query


def _waiting_by_question(consultation: Consultation, area: Borough | None,
                         questions: list[CommentQuestion]) -> dict[str, int]:
    """Flags not followed up per question ref (flags are few: counted with their answers)."""
    query = (select(Answer.question_id, Answer.option_id.is_not(None), func.count())
             .join(CommentFlag, CommentFlag.answer_id == Answer.id)
             .where(CommentFlag.consultation_id == consultation.id,
                    CommentFlag.followed_up_at.is_(None))
             .group_by(Answer.question_id, Answer.option_id.is_not(None)))
    if area is not None:
        query = query.where(CommentFlag.borough_id == area.id)
    refs = {(question_id, q.source == OTHER): q.ref
            for q in questions for question_id in q.question_ids}
    waiting: dict[str, int] = {}
    for question_id, is_other, n in db.session.execute(query):
        ref = refs.get((question_id, bool(is_other)))
        if ref is not None:
            waiting[ref] = waiting.get(ref, 0) + n
    return waiting
