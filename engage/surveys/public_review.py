"""What "Check your answers" lists: every answer the person will send, grouped by section, each
with the step that changes it."""

from __future__ import annotations

from engage.surveys.flow import ABOUT_YOU, POSTCODE, REPLY, Step, steps
from engage.surveys.models import Audience, DraftReply
from engage.surveys.pages import visible_questions
from engage.surveys.questions import describe
from engage.translations.phrases import gettext


def summary(flow, reply: DraftReply | None) -> list[dict]:
    """[{"title": ..., "rows": [{"key", "question", "lines", "href"}]}] in the order asked."""
    draft = flow.draft
    answers = draft.answers or {}
    sections = {s.position: s for s in draft.version.sections}

    def row(question: str, lines: list[str], step: Step, key: str | None = None) -> dict:
        return {"key": key, "question": question, "lines": lines,
                "href": flow.url(step, change="1")}

    where = (gettext("Your business\u2019s borough")
             if flow.questionnaire.audience == Audience.BUSINESSES else gettext("Your borough"))
    # Translators: The heading over where the person lives or works (their borough).
    groups = [{"title": gettext("Where"), "rows": [
        row(where, [draft.borough.name if draft.borough else gettext("Not answered")],
            POSTCODE)]}]
    for step in steps(draft):
        if step == ABOUT_YOU:
            equality = next(s for s in draft.version.sections
                            if s.is_equality and visible_questions(s, answers))
            groups.append({"title": equality.title, "rows": [row(
                gettext("Answer questions about yourself"),
                [gettext("Yes") if draft.equality_consent else gettext("No")], ABOUT_YOU)]})
        elif step.name == "section":
            section = sections[step.position]
            rows = [row(q.text, describe(q, answers.get(q.key)), step, key=q.key)
                    for q in visible_questions(section, answers)]
            if section.is_equality and groups[-1]["title"] == section.title:
                groups[-1]["rows"].extend(rows)
            else:
                groups.append({"title": section.title, "rows": rows})
    if reply is not None and reply.wants:
        lines = [gettext("Yes")] + [value for value in (reply.name, reply.email, reply.phone)
                                    if value]
    else:
        lines = [gettext("No")]
    # Translators: The heading over whether the person would like a reply.
    groups.append({"title": gettext("Reply"),
                   "rows": [row(gettext("Would you like a reply?"), lines, REPLY)]})
    return groups
