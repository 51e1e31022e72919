"""Turn core replies and knowledge into Telegram HTML messages and keyboards.

Everything that comes from a user or from the knowledge base is escaped:
Telegram rejects a whole message when its HTML does not parse, so one
stray "<" in a title would otherwise silence every answer citing it.
The strings around answers come from knowledge/messages.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape as _escape
from html import unescape

from telegram.constants import MessageLimit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent

from ..core.changes import Changes
from ..core.models import Knowledge, Outcome, Reply, Source, Suggestion
from ..ops.stats import Counts, Summary

# Messages this layer needs from messages.yaml; a knowledge folder missing
# one is refused at start and on /reload rather than failing mid-conversation.
REQUIRED_MESSAGES = (
    "welcome", "help", "help_commands", "ask_usage", "non_text", "flood", "unavailable", "error",
    "sources_title", "timeline_title", "inline_button", "admin_only", "reload_done", "reload_added",
    "reload_removed", "reload_changed", "reload_unchanged", "reload_failed", "stats_since_start",
    "stats_total", "stats_counts", "stats_unanswered", "stats_none",
    "sources_label", "source_line", "note_label", "truncated", "related_label",
)
# Public commands, as shown in Telegram's menu; descriptions are cmd_<name>.
COMMANDS = ("start", "help", "ask", "sources", "timeline")
CALLBACK_PREFIX = "q"
# Telegram refuses callback_data longer than 64 bytes.
MAX_CALLBACK_BYTES = 64
MAX_PROBLEMS_SHOWN = 15
MAX_INLINE_RESULTS = 3


def escape(text: str) -> str:
    """Text as Telegram HTML: only <, > and & matter (quotes are fine in text)."""
    return _escape(text, quote=False)


def ui_lang(language_code: str | None, knowledge: Knowledge) -> str:
    """The reply language for UI strings: the user's if the base has it, else the default."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in knowledge.settings.languages else knowledge.settings.default_language


def message(knowledge: Knowledge, key: str, lang: str, **values: object) -> str:
    """A messages.yaml string, escaped, with `values` (escaped too) filled in."""
    return escape(knowledge.message(key, lang)).format(**{k: escape(str(v)) for k, v in values.items()})


def source_html(source: Source, knowledge: Knowledge, lang: str) -> str:
    """One article as `source_line` lays it out, the outlet in bold."""
    return escape(knowledge.message("source_line", lang)).format(
        outlet=f"<b>{escape(knowledge.local(source.outlet, lang))}</b>",
        date=escape(knowledge.local(source.date, lang)),
        title=escape(source.title),
    )


def reply_html(reply: Reply, knowledge: Knowledge) -> str:
    """A reply's text, note and sources; the questions it offers go in the keyboard."""
    lang = reply.lang
    parts = []
    if reply.truncated:
        parts.append(f"<i>{message(knowledge, 'truncated', lang)}</i>")
    parts.append(escape(reply.text))
    if reply.note:
        parts.append(f"<b>{message(knowledge, 'note_label', lang)}</b> {escape(reply.note)}")
    if reply.sources:
        lines = [f"<b>{message(knowledge, 'sources_label', lang)}</b>"]
        lines += [f"• {source_html(s, knowledge, lang)}" for s in reply.sources]
        parts.append("\n".join(lines))
    if reply.related and reply.outcome is Outcome.ANSWERED:
        parts.append(f"<i>{message(knowledge, 'related_label', lang)}</i>")
    return "\n\n".join(parts)


def callback_data(entry_id: str, lang: str) -> str | None:
    """What a question button sends back, or None if it would not fit Telegram's limit."""
    data = f"{CALLBACK_PREFIX}:{lang}:{entry_id}"
    return data if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES else None


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """(lang, entry_id) from a question button's data, or None if it is not one."""
    match = re.fullmatch(rf"{CALLBACK_PREFIX}:([a-z]{{2,3}}):([a-z0-9-]+)", data or "")
    return (match[1], match[2]) if match else None


def question_keyboard(questions: Iterable[Suggestion], lang: str) -> InlineKeyboardMarkup | None:
    """One button per offered question (one per row: questions are long)."""
    rows = [
        [InlineKeyboardButton(q.question, callback_data=data)]
        for q in questions
        if (data := callback_data(q.entry_id, lang)) is not None
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def reply_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons for "did you mean" or example questions, or for related questions."""
    offered = reply.related if reply.outcome is Outcome.ANSWERED else reply.suggestions
    return question_keyboard(offered, reply.lang)


def welcome_html(knowledge: Knowledge, lang: str) -> str:
    return message(knowledge, "welcome", lang)


def help_html(knowledge: Knowledge, lang: str, username: str) -> str:
    return "\n\n".join((message(knowledge, "help", lang, username=username), message(knowledge, "help_commands", lang)))


def sources_html(knowledge: Knowledge, lang: str) -> str:
    """Every article, oldest first."""
    ordered = sorted(knowledge.sources.values(), key=lambda s: (s.sort_date, s.id))
    lines = [f"<b>{message(knowledge, 'sources_title', lang, count=len(ordered))}</b>"]
    lines += [f"• {source_html(s, knowledge, lang)}" for s in ordered]
    return "\n".join(lines)


def timeline_html(knowledge: Knowledge, lang: str) -> list[str]:
    """The dated facts in order, each with the outlets and dates of its sources, as paragraphs."""
    parts = [f"<b>{message(knowledge, 'timeline_title', lang)}</b>"]
    for fact in knowledge.timeline():
        cited = []
        for citation in fact.citations:
            source = knowledge.sources[citation.source]
            cited.append(f"{escape(knowledge.local(source.outlet, lang))}, {escape(knowledge.local(source.date, lang))}")
        text = escape(knowledge.local(fact.text, lang))
        parts.append(f"<b>{escape(fact.date or '')}</b> · {text}\n<i>{'; '.join(cited)}</i>")
    return parts


def split_message(parts: Sequence[str], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Group paragraphs into as few messages as fit Telegram's length limit.

    Splitting only between paragraphs keeps every message's tags balanced;
    a single paragraph over the limit is cut (its tags are then dropped).
    """
    messages: list[str] = []
    current = ""
    for part in parts:
        if len(part) > limit:
            part = _cut(part, limit)
        candidate = f"{current}\n\n{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = part
    if current:
        messages.append(current)
    return messages


def _cut(part: str, limit: int) -> str:
    plain = unescape(re.sub(r"<[^>]+>", "", part))
    while len(escape(plain)) >= limit:
        plain = plain[: len(plain) - max(1, len(escape(plain)) - limit + 1)]
    return escape(plain) + "…"


def stats_html(summary: Summary, knowledge: Knowledge, lang: str) -> str:
    def counts(label: str, c: Counts) -> str:
        line = message(knowledge, "stats_counts", lang, asked=c.asked, answered=c.answered,
                       suggested=c.suggested, abstained=c.abstained, invalid=c.invalid)
        return f"<b>{message(knowledge, label, lang)}</b>\n{line}"

    lines = [f"<b>{message(knowledge, 'stats_unanswered', lang)}</b>"]
    lines += [f"{u.count} × {escape(u.question)}" for u in summary.top_unanswered] or [message(knowledge, "stats_none", lang)]
    return "\n\n".join((counts("stats_since_start", summary.since_start), counts("stats_total", summary.total), "\n".join(lines)))


def reload_html(knowledge: Knowledge, changes: Changes, lang: str) -> str:
    parts = [message(knowledge, "reload_done", lang, entries=len(knowledge.entries), facts=len(knowledge.facts),
                     sources=len(knowledge.sources))]
    for key, ids in (("reload_added", changes.added), ("reload_removed", changes.removed), ("reload_changed", changes.changed)):
        if ids:
            parts.append(f"<b>{message(knowledge, key, lang)}</b> " + ", ".join(f"<code>{escape(i)}</code>" for i in ids))
    if not (changes.added or changes.removed or changes.changed):
        parts.append(message(knowledge, "reload_unchanged", lang))
    return "\n".join(parts)


def reload_failed_html(problems: Sequence[object], knowledge: Knowledge, lang: str) -> str:
    """The problems as `file:line: reason`, the way `python -m bot check` prints them."""
    lines = [message(knowledge, "reload_failed", lang, count=len(problems))]
    lines += [f"<code>{escape(str(p))}</code>" for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"… (+{len(problems) - MAX_PROBLEMS_SHOWN})")
    return "\n".join(lines)


def inline_result(reply: Reply, knowledge: Knowledge) -> InlineQueryResultArticle:
    """An answer card: titled with the entry's question, its message the whole sourced answer."""
    assert reply.entry_id is not None
    entry = knowledge.entries[reply.entry_id]
    title = knowledge.local(entry.questions, reply.lang)[0]
    return InlineQueryResultArticle(
        # Result ids must be unique within one answer and at most 64 bytes.
        id=f"{reply.lang}:{reply.entry_id}"[:64],
        title=title,
        description=reply.text[:200],
        input_message_content=InputTextMessageContent(reply_html(reply, knowledge), parse_mode="HTML"),
    )
