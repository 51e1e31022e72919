"""Core replies and knowledge as Telegram HTML messages and keyboards, laid out for a phone.

A reply opens with what was asked: the answer's first sentence in bold,
then its sources on one compact line (outlet and date), then the details
and the note. Full titles and the articles' verbatim quotes are one tap
away (the "Quotes" button). Everything that comes from a user or from the
knowledge base is escaped: Telegram rejects a whole message whose HTML does
not parse. Right-to-left replies get direction marks (core/bidi.py) before
escaping, so Latin names and French quotes read in order in Arabic text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape as _escape
from html import unescape

from telegram.constants import MessageLimit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent

from ..core import bidi
from ..core.changes import Changes
from ..core.knowledge import lead_sentence
from ..core.models import Citation, Fact, Knowledge, Outcome, Reply, Suggestion
from ..ops.stats import Counts, Summary
from . import buttons

# Messages this layer needs from messages.yaml; a knowledge folder missing
# one is refused at start and on /reload rather than failing mid-conversation.
REQUIRED_MESSAGES = (
    "welcome", "help", "help_commands", "ask_usage", "non_text", "flood", "unavailable", "error",
    "sources_title", "timeline_title", "inline_button", "admin_only", "reload_done", "reload_added",
    "reload_removed", "reload_changed", "reload_unchanged", "reload_failed", "stats_since_start",
    "stats_total", "stats_counts", "stats_unanswered", "stats_none", "quotes_button", "quotes_title",
    "previous", "next", "month_names", "lang_usage", "lang_set", "privacy", "forget_done", "admin_alert",
    "sources_label", "source_line", "note_label", "truncated", "related_label",
)
# Public commands, as shown in Telegram's menu; descriptions are cmd_<name>.
COMMANDS = ("start", "help", "ask", "sources", "timeline", "lang", "privacy", "forget")
MAX_PROBLEMS_SHOWN = 15
MAX_INLINE_RESULTS = 3
# /stats shows each unanswered question on one line of a phone screen.
MAX_STATS_QUESTION_CHARS = 60


def escape(text: str) -> str:
    """Text as Telegram HTML: only <, > and & matter (quotes are fine in text)."""
    return _escape(text, quote=False)


def text(knowledge: Knowledge, lang: str, value: str) -> str:
    """Plain text as HTML in `lang`: direction marks first for a right-to-left language, then escaped."""
    return escape(bidi.isolate(value) if lang in knowledge.settings.right_to_left else value)


def message(knowledge: Knowledge, key: str, lang: str, **values: object) -> str:
    """A messages.yaml string in `lang` with `values` filled in, as HTML (all of it escaped)."""
    return text(knowledge, lang, knowledge.message(key, lang).format(**{k: str(v) for k, v in values.items()}))


def ui_lang(language_code: str | None, knowledge: Knowledge) -> str:
    """The reply language for UI strings: the user's if the base has it, else the default."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in knowledge.settings.languages else knowledge.settings.default_language


# --- answers ------------------------------------------------------------------------


def reply_html(reply: Reply, knowledge: Knowledge) -> list[str]:
    """A reply as paragraphs: the answer's lead and sources first, details and note after."""
    lang = reply.lang
    parts = []
    if reply.truncated:
        parts.append(f"<i>{message(knowledge, 'truncated', lang)}</i>")
    if reply.outcome is not Outcome.ANSWERED:
        parts.append(text(knowledge, lang, reply.text))
        return parts
    lead = lead_sentence(reply.text)
    head = f"<b>{text(knowledge, lang, lead)}</b>"
    if reply.sources:
        head += "\n" + text(knowledge, lang, "— " + " · ".join(knowledge.local(s.short, lang) for s in reply.sources))
    parts.append(head)
    if rest := reply.text[len(lead):].strip():
        parts.append(text(knowledge, lang, rest))
    if reply.note:
        parts.append(f"<i>{message(knowledge, 'note_label', lang)} {text(knowledge, lang, reply.note)}</i>")
    return parts


def reply_keyboard(reply: Reply, knowledge: Knowledge) -> InlineKeyboardMarkup | None:
    """Under an answer, its quotes then related questions; otherwise the questions offered."""
    rows: list[list[InlineKeyboardButton]] = []
    if reply.outcome is Outcome.ANSWERED and reply.entry_id and reply.quotes:
        data = buttons.pack(buttons.QUOTES, reply.lang, reply.entry_id)
        if data:
            rows.append([InlineKeyboardButton(knowledge.message("quotes_button", reply.lang), callback_data=data)])
    offered = reply.related if reply.outcome is Outcome.ANSWERED else reply.suggestions
    rows += question_rows(offered, reply.lang)
    return InlineKeyboardMarkup(rows) if rows else None


def question_rows(questions: Iterable[Suggestion], lang: str) -> list[list[InlineKeyboardButton]]:
    """One button per question offered (one per row: questions are long)."""
    return [[InlineKeyboardButton(q.question, callback_data=data)]
            for q in questions if (data := buttons.pack(buttons.QUESTION, lang, q.entry_id)) is not None]


def question_keyboard(questions: Iterable[Suggestion], lang: str) -> InlineKeyboardMarkup | None:
    rows = question_rows(questions, lang)
    return InlineKeyboardMarkup(rows) if rows else None


def quotes_html(quotes: Sequence[Citation], knowledge: Knowledge, lang: str) -> list[str]:
    """The verbatim article quotes an answer rests on, each with its outlet, date and title."""
    parts = [f"<b>{message(knowledge, 'quotes_title', lang)}</b>"]
    for citation in quotes:
        source = knowledge.sources[citation.source]
        origin = f"{knowledge.local(source.outlet, lang)}, {knowledge.local(source.date, lang)}"
        # The quote is the French evidence itself: shown as written, never isolated or translated.
        parts.append(f"« {escape(citation.quote)} »\n<i>— {text(knowledge, lang, origin)} · {escape(source.title)}</i>")
    return parts


# --- screens --------------------------------------------------------------------------


def welcome_html(knowledge: Knowledge, lang: str) -> str:
    return message(knowledge, "welcome", lang)


def help_html(knowledge: Knowledge, lang: str, username: str) -> str:
    return "\n\n".join((message(knowledge, "help", lang, username=username), message(knowledge, "help_commands", lang)))


def sources_html(knowledge: Knowledge, lang: str) -> list[str]:
    """Every article, oldest first: outlet, date, title."""
    ordered = sorted(knowledge.sources.values(), key=lambda s: (s.sort_date, s.id))
    parts = [f"<b>{message(knowledge, 'sources_title', lang, count=len(ordered))}</b>"]
    for source in ordered:
        origin = f"{knowledge.local(source.outlet, lang)}, {knowledge.local(source.date, lang)}"
        parts.append(f"• <b>{text(knowledge, lang, origin)}</b>\n« {escape(source.title)} »")
    return parts


def readable_date(iso: str, knowledge: Knowledge, lang: str) -> str:
    """"2016-01-04" as "4 janvier 2016", "2016-01" as "janvier 2016", in `lang`."""
    months = knowledge.message("month_names", lang).split()
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 1 or len(months) != 12:
        return iso
    month = months[parts[1] - 1]
    return f"{parts[2]} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def timeline_pages(knowledge: Knowledge) -> list[tuple[Fact, ...]]:
    """The dated facts in order, a phone screen at a time."""
    facts = knowledge.timeline()
    size = knowledge.settings.timeline_page
    return [facts[i : i + size] for i in range(0, len(facts), size)] or [()]


def timeline_html(knowledge: Knowledge, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One /timeline screen: short dated lines, each with its outlets, and buttons to page through."""
    pages = timeline_pages(knowledge)
    page = min(max(page, 1), len(pages))
    lines = [f"<b>{message(knowledge, 'timeline_title', lang)}</b> ({page}/{len(pages)})"]
    for fact in pages[page - 1]:
        outlets = " · ".join(dict.fromkeys(knowledge.local(knowledge.sources[c.source].short, lang) for c in fact.citations))
        date = readable_date(fact.date or "", knowledge, lang)
        lines.append(f"<b>{text(knowledge, lang, date)}</b> · {text(knowledge, lang, knowledge.local(fact.text, lang))}\n"
                     f"<i>{text(knowledge, lang, outlets)}</i>")
    row = []
    for target, key in ((page - 1, "previous"), (page + 1, "next")):
        if 1 <= target <= len(pages) and (data := buttons.pack(buttons.TIMELINE, lang, target)):
            row.append(InlineKeyboardButton(knowledge.message(key, lang), callback_data=data))
    return "\n\n".join(lines), InlineKeyboardMarkup([row]) if row else None


def stats_html(summary: Summary, knowledge: Knowledge, lang: str) -> str:
    """/stats: counts since start and in total, then the top unanswered questions, one short line each."""
    def counts(label: str, c: Counts) -> str:
        line = message(knowledge, "stats_counts", lang, asked=c.asked, answered=c.answered, suggested=c.suggested,
                       not_in_articles=c.not_in_articles, abstained=c.abstained, clarify=c.clarify, invalid=c.invalid)
        return f"<b>{message(knowledge, label, lang)}</b>\n{line}"

    lines = [f"<b>{message(knowledge, 'stats_unanswered', lang)}</b>"]
    lines += [f"{u.count} × {escape(_cut(u.question, MAX_STATS_QUESTION_CHARS))}" for u in summary.top_unanswered] \
        or [message(knowledge, "stats_none", lang)]
    return "\n\n".join((counts("stats_since_start", summary.since_start), counts("stats_total", summary.total), "\n".join(lines)))


def _cut(value: str, limit: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


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
    return InlineQueryResultArticle(
        # Result ids must be unique within one answer and at most 64 bytes.
        id=f"{reply.lang}:{reply.entry_id}"[:64],
        title=knowledge.local(entry.questions, reply.lang)[0],
        description=lead_sentence(reply.text)[:200],
        input_message_content=InputTextMessageContent("\n\n".join(reply_html(reply, knowledge)), parse_mode="HTML"),
    )


# --- sending --------------------------------------------------------------------------


def split_message(parts: Sequence[str], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Group paragraphs into as few messages as fit Telegram's length limit.

    Splitting only between paragraphs keeps every message's tags balanced;
    a single paragraph over the limit is cut (its tags are then dropped).
    """
    messages: list[str] = []
    current = ""
    for part in parts:
        if len(part) > limit:
            part = _cut_html(part, limit)
        candidate = f"{current}\n\n{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = part
    if current:
        messages.append(current)
    return messages


def _cut_html(part: str, limit: int) -> str:
    plain = unescape(re.sub(r"<[^>]+>", "", part))
    while len(escape(plain)) >= limit:
        plain = plain[: len(plain) - max(1, len(escape(plain)) - limit + 1)]
    return escape(plain) + "…"
