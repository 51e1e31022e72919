"""Telegram handlers: each turns one kind of update into a call to the core and sends what it returns.

No matching happens here: questions go to `answer()` (or `answer_entry()`
for a pressed button) and the `Reply` goes to `render`. The handlers share a
`BotState` whose `engine` reference `/reload` replaces whole; a handler
reads it once, so a question in flight finishes on the base it started with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes, filters

from telegram import InlineKeyboardMarkup, InlineQueryResultsButton, Message, MessageEntity, Update, User

from ..core.answer import answer, answer_entry, examples
from ..core.changes import compare
from ..core.engine import Engine
from ..core.knowledge import KnowledgeError, Problem
from ..core.models import Outcome, Reply
from ..ops.config import Config
from ..ops.stats import Stats
from . import html as render
from .flood import FloodGate, Verdict
from .reload import load_checked

logger = logging.getLogger(__name__)

STATE_KEY = "state"
# Telegram may show inline results from its cache this long; short, so a
# /reload reaches inline mode quickly.
INLINE_CACHE_SECONDS = 60


@dataclass
class BotState:
    """What the handlers share; `engine` is replaced whole by /reload, never mutated."""

    engine: Engine
    config: Config
    stats: Stats
    flood: FloodGate
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class AddressedToBot(filters.MessageFilter):
    """A group message that mentions the bot or replies to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        return mentions_bot(message, bot.username, bot.id)


def mentions_bot(message: Message, username: str, bot_id: int) -> bool:
    """Whether a @mention or a text mention in `message` names the bot."""
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.casefold() == f"@{username}".casefold():
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id:
            return True
    return False


def without_mention(text: str, username: str) -> str:
    """The question once "@thebot" is taken out of it."""
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def state_of(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state: BotState = context.bot_data[STATE_KEY]
    return state


def _lang(user: User | None, state: BotState) -> str:
    return render.ui_lang(user.language_code if user else None, state.engine.knowledge)


def _quote(message: Message) -> bool:
    # In a busy group a reply must show which message it answers; in a
    # private chat quoting every question is clutter.
    return message.chat.type != ChatType.PRIVATE


async def _send(message: Message, parts: Sequence[str], keyboard: InlineKeyboardMarkup | None = None,
                quote: bool | None = None) -> None:
    """Send paragraphs of HTML to `message`'s chat, as few messages as fit; the keyboard goes under the last.

    The first is a reply to `message` in groups (or as `quote` says).
    """
    chunks = render.split_message(parts)
    quote = _quote(message) if quote is None else quote
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await message.reply_html(chunk, reply_markup=keyboard if last else None, do_quote=quote and i == 0)


async def _allowed(update: Update, state: BotState) -> bool:
    """Apply the per-user flood limit: warn once, then drop silently until the minute has passed."""
    user = update.effective_user
    if user is None:
        return True
    verdict = state.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return True
    if verdict is Verdict.WARN:
        logger.info("flood limit reached by user %s; dropping their messages for a while", state.stats.user_hash(user.id))
        if update.effective_message is not None:
            knowledge = state.engine.knowledge
            await _send(update.effective_message, [render.message(knowledge, "flood", _lang(user, state))])
    return False


def _record(state: BotState, reply: Reply, user: User | None, channel: str) -> None:
    offered = reply.outcome in (Outcome.SUGGESTED, Outcome.NOT_IN_ARTICLES)
    candidate = reply.suggestions[0].entry_id if offered and reply.suggestions else None
    try:
        state.stats.record(outcome=reply.outcome.value, lang=reply.lang, question=reply.question, score=reply.score,
                           entry_id=reply.entry_id, candidate=candidate, user_id=user.id if user else None, channel=channel)
    except Exception:
        # Losing one statistic must not cost the user their answer.
        logger.exception("could not record a question in %s", state.stats.path)


async def _answer(message: Message, question: str, state: BotState, channel: str) -> None:
    """Ask the core and send its reply with its buttons."""
    engine = state.engine
    user = message.from_user
    reply = answer(question, engine, user.language_code if user else None)
    _record(state, reply, user, channel)
    await _send(message, [render.reply_html(reply, engine.knowledge)], render.reply_keyboard(reply))


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat every text message is a question."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and message.text is not None and await _allowed(update, state):
        await _answer(message, message.text, state, "private")


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, answer a message that mentions the bot or replies to it."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and message.text is not None and await _allowed(update, state):
        await _answer(message, without_mention(message.text, context.bot.username), state, "group")


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, the way to ask in a group without a mention."""
    state = state_of(context)
    message = update.effective_message
    if message is None or message.text is None or not await _allowed(update, state):
        return
    # Keep the question as typed (context.args would collapse its spacing).
    question = message.text.partition(" ")[2].strip()
    if not question:
        await _send(message, [render.message(state.engine.knowledge, "ask_usage", _lang(message.from_user, state))])
        return
    await _answer(message, question, state, "private" if message.chat.type == ChatType.PRIVATE else "group")


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, locations...: say the bot reads text."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and await _allowed(update, state):
        await _send(message, [render.message(state.engine.knowledge, "non_text", _lang(message.from_user, state))])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome, in the user's language, with example questions as buttons."""
    state = state_of(context)
    message = update.effective_message
    if message is None or not await _allowed(update, state):
        return
    knowledge = state.engine.knowledge
    lang = _lang(message.from_user, state)
    keyboard = render.question_keyboard(examples(knowledge, lang), lang)
    await _send(message, [render.welcome_html(knowledge, lang)], keyboard)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help (and any unknown command in a private chat): how to ask."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and await _allowed(update, state):
        html = render.help_html(state.engine.knowledge, _lang(message.from_user, state), context.bot.username)
        await _send(message, [html])


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the articles, with outlet, date and title."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and await _allowed(update, state):
        await _send(message, [render.sources_html(state.engine.knowledge, _lang(message.from_user, state))])


async def timeline_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline: the dated facts in order, with their sources."""
    state = state_of(context)
    message = update.effective_message
    if message is not None and await _allowed(update, state):
        await _send(message, render.timeline_html(state.engine.knowledge, _lang(message.from_user, state)))


async def question_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed suggestion, related or example question: answer it in a new message."""
    query = update.callback_query
    if query is None:
        return
    # Telegram keeps a spinner on the button until the query is answered,
    # even when there is nothing to show: answer first, whatever follows.
    try:
        await query.answer()
    except TelegramError as exc:
        logger.info("could not answer a callback query: %s", exc)
    state = state_of(context)
    pressed = render.parse_callback(query.data)
    message = query.message
    # No message: the button was under an inline-mode message, in a chat the bot may not be in.
    if pressed is None or not isinstance(message, Message) or not await _allowed(update, state):
        return
    lang, entry_id = pressed
    engine = state.engine
    if entry_id not in engine.knowledge.entries:
        # A button from before a /reload that removed its entry.
        await _send(message, [render.message(engine.knowledge, "unavailable", lang)], quote=False)
        return
    reply = answer_entry(entry_id, engine, lang)
    _record(state, reply, query.from_user, "button")
    # A new message under the one holding the button, not a reply to it.
    await _send(message, [render.reply_html(reply, engine.knowledge)], render.reply_keyboard(reply), quote=False)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@thebot QUESTION in any chat: up to three answer cards with their sources."""
    query = update.inline_query
    if query is None:
        return
    state = state_of(context)
    engine = state.engine
    knowledge = engine.knowledge
    lang = render.ui_lang(query.from_user.language_code, knowledge)
    text = query.query.strip()
    # Not recorded in the statistics: Telegram sends one query per keystroke.
    if not text:
        replies = [answer_entry(s.entry_id, engine, lang) for s in examples(knowledge, lang)]
    else:
        reply = answer(text, engine, query.from_user.language_code)
        if reply.outcome is Outcome.ANSWERED:
            replies = [reply, *(answer_entry(r.entry_id, engine, reply.lang) for r in reply.related)]
        elif reply.outcome is Outcome.SUGGESTED:
            replies = [answer_entry(s.entry_id, engine, reply.lang) for s in reply.suggestions]
        else:
            replies = []
    results = [render.inline_result(r, knowledge) for r in replies[: render.MAX_INLINE_RESULTS]]
    button = None if results else InlineQueryResultsButton(render.message(knowledge, "inline_button", lang), start_parameter="inline")
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, button=button)


async def _admin_only(update: Update, state: BotState, command: str) -> bool:
    """True for an admin; anyone else gets a polite refusal, and the attempt is logged."""
    user = update.effective_user
    if user is not None and user.id in state.config.admin_ids:
        return True
    logger.warning("refused /%s from user id %s (not in ADMIN_IDS)", command, user.id if user else "unknown")
    if update.effective_message is not None:
        await _send(update.effective_message, [render.message(state.engine.knowledge, "admin_only", _lang(user, state))])
    return False


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): re-read the knowledge folder; swap it in if valid, else keep the old one and say why."""
    state = state_of(context)
    message = update.effective_message
    if message is None or not await _admin_only(update, state, "reload"):
        return
    lang = _lang(message.from_user, state)
    async with state.reload_lock:
        old = state.engine
        new, problems = await _load(state.config.knowledge_dir)
        if new is not None:
            state.engine = new
    if new is None:
        logger.warning("reload refused, %d problem(s); still serving the old knowledge base", len(problems))
        await _send(message, [render.reload_failed_html(problems, old.knowledge, lang)])
        return
    changes = compare(old.knowledge, new.knowledge)
    logger.info("reloaded %s: %d entries (added %s, removed %s, changed %s)", state.config.knowledge_dir,
                len(new.knowledge.entries), changes.added, changes.removed, changes.changed)
    await _send(message, [render.reload_html(new.knowledge, changes, lang)])


async def _load(folder: Path) -> tuple[Engine | None, list[Problem]]:
    """A new engine from `folder`, or the problems that prevent it."""
    try:
        # Reading and indexing every file takes a while: off the event loop,
        # so other users' questions are answered meanwhile.
        return await asyncio.to_thread(load_checked, folder), []
    except KnowledgeError as exc:
        return None, exc.problems
    except Exception as exc:  # an unreadable folder: report it the same way
        logger.exception("reload failed")
        return None, [Problem(str(folder), None, f"{type(exc).__name__}: {exc}")]


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins): questions by outcome since start and in total, and the top unanswered."""
    state = state_of(context)
    message = update.effective_message
    if message is None or not await _admin_only(update, state, "stats"):
        return
    summary = await asyncio.to_thread(state.stats.summary)
    await _send(message, [render.stats_html(summary, state.engine.knowledge, _lang(message.from_user, state))])


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an exception from any handler; tell a private user; the bot keeps serving."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    state = state_of(context)
    # The error was likely Telegram being unreachable; it is logged above.
    with contextlib.suppress(TelegramError):
        await update.effective_message.reply_html(render.message(state.engine.knowledge, "error", _lang(update.effective_user, state)))
