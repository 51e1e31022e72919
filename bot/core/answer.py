"""Compose a `Reply` for one question: normalise -> match -> decide -> cite.

This is the core's single entry point. It is pure (no I/O, no clock, no
global state) and never raises on any text, so every front end (command
line, console, Telegram) can call it directly.
"""

from __future__ import annotations

from .engine import Engine
from .matcher import Match, match
from .models import Entry, Knowledge, Outcome, Reply, Suggestion
from .normalize import detect_language, terms


def answer(question: str, engine: Engine, lang_hint: str | None = None) -> Reply:
    """Answer `question` from the engine's knowledge, in the question's language."""
    knowledge = engine.knowledge
    settings = knowledge.settings
    limit = settings.max_question_chars
    truncated = len(question) > limit
    text = question[:limit]
    lang = detect_language(text, engine.index.lexicon, settings.languages, lang_hint)
    question_terms = terms(text, engine.index.lexicon)
    # Nothing but stop words ("bonjour", "merci !", "ok?") is not a question
    # the bot failed to answer: invite one rather than say "I can't answer".
    if not question_terms:
        return Reply(question, lang, Outcome.INVALID, 0.0, text=knowledge.message("empty", lang),
                     suggestions=examples(knowledge, lang), truncated=truncated)

    matches = match(question_terms, engine.index, limit=settings.max_suggestions + 1)
    thresholds = settings.thresholds
    best = matches[0] if matches else None
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best and best.score >= thresholds.answer and best.score - runner_up >= thresholds.margin:
        return _answered(question, knowledge.entries[best.entry_id], knowledge, lang, best.score, truncated)
    close = [m for m in matches if m.score >= thresholds.suggest][: settings.max_suggestions]
    if close:
        return Reply(question, lang, Outcome.SUGGESTED, close[0].score, text=knowledge.message("did_you_mean", lang),
                     suggestions=_suggestions(close, knowledge, lang), truncated=truncated)
    return Reply(question, lang, Outcome.ABSTAINED, best.score if best else 0.0, text=knowledge.message("abstain", lang),
                 suggestions=examples(knowledge, lang), truncated=truncated)


def answer_entry(entry_id: str, engine: Engine, lang: str) -> Reply:
    """The reply for an entry chosen directly, such as a pressed suggestion button."""
    entry = engine.knowledge.entries[entry_id]
    return _answered(_suggestion(entry, lang).question, entry, engine.knowledge, lang, 100.0, False)


def _answered(question: str, entry: Entry, knowledge: Knowledge, lang: str, score: float, truncated: bool) -> Reply:
    settings = knowledge.settings
    return Reply(
        question, lang, Outcome.ANSWERED, score, entry.id,
        text=knowledge.local(entry.answer, lang),
        note=entry.note.get(lang, ""),
        sources=knowledge.sources_of(entry),
        related=tuple(_suggestion(knowledge.entries[r], lang) for r in entry.related[: settings.max_related]),
        truncated=truncated,
    )


def _suggestion(entry: Entry, lang: str) -> Suggestion:
    questions = entry.questions.get(lang) or next(iter(entry.questions.values()))
    return Suggestion(entry.id, questions[0])


def _suggestions(matches: list[Match], knowledge: Knowledge, lang: str) -> tuple[Suggestion, ...]:
    return tuple(_suggestion(knowledge.entries[m.entry_id], lang) for m in matches)


def examples(knowledge: Knowledge, lang: str) -> tuple[Suggestion, ...]:
    """The example questions of settings.yaml, in `lang`: offered when nothing matched, and at /start."""
    return tuple(_suggestion(knowledge.entries[e], lang) for e in knowledge.settings.examples)
