"""Render a `Reply` as the plain text a person reads in a terminal.

The layout follows the Telegram one: what was asked first (the answer's
lead and its sources on one line), then details, the note, and the
questions offered. Right-to-left replies get direction marks (core/bidi.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core import bidi
from ..core.knowledge import lead_sentence
from ..core.models import Citation, Knowledge, Outcome, Reply, Source


def source_line(source: Source, knowledge: Knowledge, lang: str) -> str:
    """One source as the `source_line` message lays it out in `lang`."""
    return knowledge.message("source_line", lang).format(
        outlet=knowledge.local(source.outlet, lang),
        date=knowledge.local(source.date, lang),
        title=source.title,
    )


def to_plain(reply: Reply, knowledge: Knowledge, directed: bool = True) -> str:
    """The whole reply as plain text: answer and sources, details and note, then any questions offered.

    `directed`: with direction marks for a right-to-left language (a
    terminal needs them; a script reading JSON does not).
    """
    lang = reply.lang
    parts = []
    if reply.truncated:
        parts.append(knowledge.message("truncated", lang))
    if reply.outcome is Outcome.ANSWERED:
        lead = lead_sentence(reply.text)
        head = lead
        if reply.sources:
            head += "\n— " + " · ".join(knowledge.local(s.short, lang) for s in reply.sources)
        parts.append(head)
        if rest := reply.text[len(lead):].strip():
            parts.append(rest)
    else:
        parts.append(reply.text)
    if reply.note:
        parts.append(f"{knowledge.message('note_label', lang)} {reply.note}")
    if reply.suggestions:
        parts.append("\n".join(f"{i}. {s.question}" for i, s in enumerate(reply.suggestions, 1)))
    if reply.related and reply.outcome is Outcome.ANSWERED:
        lines = [knowledge.message("related_label", lang)]
        lines += [f"- {s.question}" for s in reply.related]
        parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    return _directed(text, knowledge, lang) if directed else text


def quotes_plain(quotes: Sequence[Citation], knowledge: Knowledge, lang: str) -> str:
    """The verbatim article quotes an answer rests on, each with its source."""
    lines = [_directed(knowledge.message("quotes_title", lang), knowledge, lang)]
    for citation in quotes:
        # The quote is the French evidence itself: shown as written.
        lines.append(f"« {citation.quote} »\n  — {source_line(knowledge.sources[citation.source], knowledge, lang)}")
    return "\n\n".join(lines)


def _directed(text: str, knowledge: Knowledge, lang: str) -> str:
    return bidi.isolate(text) if lang in knowledge.settings.right_to_left else text
