"""Render a `Reply` as the plain text a person reads in a terminal."""

from __future__ import annotations

from ..core.models import Knowledge, Outcome, Reply, Source


def source_line(source: Source, knowledge: Knowledge, lang: str) -> str:
    """One source as the `source_line` message lays it out in `lang`."""
    return knowledge.message("source_line", lang).format(
        outlet=knowledge.local(source.outlet, lang),
        date=knowledge.local(source.date, lang),
        title=source.title,
    )


def to_plain(reply: Reply, knowledge: Knowledge) -> str:
    """The whole reply as plain text: answer, note, sources, then any questions offered."""
    lang = reply.lang
    parts = []
    if reply.truncated:
        parts.append(knowledge.message("truncated", lang))
    parts.append(reply.text)
    if reply.note:
        parts.append(f"{knowledge.message('note_label', lang)} {reply.note}")
    if reply.sources:
        lines = [knowledge.message("sources_label", lang)]
        lines += [f"- {source_line(s, knowledge, lang)}" for s in reply.sources]
        parts.append("\n".join(lines))
    if reply.suggestions:
        parts.append("\n".join(f"{i}. {s.question}" for i, s in enumerate(reply.suggestions, 1)))
    if reply.related and reply.outcome is Outcome.ANSWERED:
        lines = [knowledge.message("related_label", lang)]
        lines += [f"- {s.question}" for s in reply.related]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
