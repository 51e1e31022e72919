"""Telegram handlers: each turns one kind of update into a call to the core and sends what it returns.

No matching happens here: a question goes to `converse()` with its chat's
conversation (or `answer_entry()` for a pressed button), and the `Reply`
goes to `html`. The handlers read `context.bot_data.engine` once, so a
question in flight finishes on the base it started with even if `/reload`
swaps it meanwhile. Nothing a user wrote, nor their id, reaches the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path

from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import filters

from telegram import InlineKeyboardMarkup, InlineQueryResultsButton, Message, MessageEntity, Update, User

from ..core.answer import answer_entry, examples
from ..core.changes import compare
from ..core.conversation import Context, context_of, converse
from ..core.engine import Engine
from ..core.knowledge import KnowledgeError, Problem
from ..core.models import Outcome, Reply
from . import buttons
from . import html as render
from .flood import Verdict
from .reload import load_checked
from .state import BotData, ChatData, Ctx

logger = logging.getLogger(__name__)

# Telegram may show inline results from its cache this long; short, so a
# /reload reaches inline mode quickly.
INLINE_CACHE_SECONDS = 60
# "/ask" or "/ask@thebot", then the question after any white space (a new line too).
ASK = re.compile(r"^/\S+\s+(.*)$", re.DOTALL)


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


def ask_question(text: str) -> str:
    """The question after "/ask" (or "/ask@thebot"), whatever white space separates them."""
    match = ASK.match(text.strip())
    return match[1].strip() if match else ""


def _lang(user: User | None, chat: ChatData | None, data: BotData) -> str:
    """The language of the bot's own messages: the chat's choice, else the user's Telegram language."""
    if chat is not None and chat.lang:
        return chat.lang
    return render.ui_lang(user.language_code if user else None, data.engine.knowledge)


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


async def _allowed(update: Update, data: BotData) -> bool:
    """Apply the per-user flood limit: warn once, then drop silently until the minute has passed."""
    user = update.effective_user
    if user is None:
        return True
    verdict = data.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return True
    if verdict is Verdict.WARN:
        logger.info("flood limit reached by a user; dropping their messages for a while")
        if update.effective_message is not None:
            await _send(update.effective_message, [render.message(data.engine.knowledge, "flood", _lang(user, None, data))])
    return False


def _record(data: BotData, reply: Reply, user: User | None, channel: str) -> None:
    offered = reply.outcome is not Outcome.ANSWERED
    candidate = reply.suggestions[0].entry_id if offered and reply.suggestions else None
    try:
        data.stats.record(outcome=reply.outcome.value, lang=reply.lang, question=reply.question, score=reply.score,
                          entry_id=reply.entry_id, candidate=candidate, user_id=user.id if user else None, channel=channel)
    except Exception:
        # Losing one statistic must not cost the user their answer.
        logger.exception("could not queue a question's statistics")


def _remember(context: Ctx, chat_id: int, conversation: Context | None) -> None:
    """Keep the chat's conversation, forgetting the least recent chats beyond the limit."""
    context.chat_data.conversation = conversation  # type: ignore[union-attr]
    for old in context.bot_data.chats.touch(chat_id):
        if old != chat_id:
            context.application.drop_chat_data(old)


async def _converse(message: Message, question: str, context: Ctx, channel: str) -> None:
    """Ask the core, in this chat's conversation, and send its reply with its buttons."""
    data = context.bot_data
    chat = context.chat_data
    assert chat is not None
    engine = data.engine
    user = message.from_user
    hint = user.language_code if user else None
    started = time.perf_counter()
    reply, conversation = converse(question, engine, chat.conversation, time.monotonic(), hint, reply_lang=chat.lang)
    # What a curator may read in the log: the decision, never the question or who asked it.
    logger.debug("%s question: %s %s in %.1f ms (%s)", channel, reply.outcome.value, reply.entry_id or "-",
                 1000 * (time.perf_counter() - started), reply.lang)
    _remember(context, message.chat_id, conversation)
    _record(data, reply, user, channel)
    await _send(message, render.reply_html(reply, engine.knowledge), render.reply_keyboard(reply, engine.knowledge))


async def private_text(update: Update, context: Ctx) -> None:
    """In a private chat every text message is a question."""
    message = update.effective_message
    if message is not None and message.text is not None and await _allowed(update, context.bot_data):
        await _converse(message, message.text, context, "private")


async def group_text(update: Update, context: Ctx) -> None:
    """In a group, answer a message that mentions the bot or replies to it."""
    message = update.effective_message
    if message is not None and message.text is not None and await _allowed(update, context.bot_data):
        await _converse(message, without_mention(message.text, context.bot.username), context, "group")


async def ask_command(update: Update, context: Ctx) -> None:
    """/ask QUESTION, the way to ask in a group without a mention."""
    data = context.bot_data
    message = update.effective_message
    if message is None or message.text is None or not await _allowed(update, data):
        return
    question = ask_question(message.text)
    if not question:
        lang = _lang(message.from_user, context.chat_data, data)
        await _send(message, [render.message(data.engine.knowledge, "ask_usage", lang)])
        return
    await _converse(message, question, context, "private" if message.chat.type == ChatType.PRIVATE else "group")


async def non_text(update: Update, context: Ctx) -> None:
    """Stickers, photos, voice notes, locations...: say the bot reads text."""
    data = context.bot_data
    message = update.effective_message
    if message is not None and await _allowed(update, data):
        lang = _lang(message.from_user, context.chat_data, data)
        await _send(message, [render.message(data.engine.knowledge, "non_text", lang)])


async def start(update: Update, context: Ctx) -> None:
    """/start: welcome, in the user's language, with example questions as buttons."""
    data = context.bot_data
    message = update.effective_message
    if message is None or not await _allowed(update, data):
        return
    knowledge = data.engine.knowledge
    lang = _lang(message.from_user, context.chat_data, data)
    await _send(message, [render.welcome_html(knowledge, lang)], render.question_keyboard(examples(knowledge, lang), lang))


async def help_command(update: Update, context: Ctx) -> None:
    """/help (and any unknown command in a private chat): how to ask."""
    data = context.bot_data
    message = update.effective_message
    if message is not None and await _allowed(update, data):
        lang = _lang(message.from_user, context.chat_data, data)
        await _send(message, [render.help_html(data.engine.knowledge, lang, context.bot.username)])


async def sources_command(update: Update, context: Ctx) -> None:
    """/sources: the articles, with outlet, date and title."""
    data = context.bot_data
    message = update.effective_message
    if message is not None and await _allowed(update, data):
        await _send(message, render.sources_html(data.engine.knowledge, _lang(message.from_user, context.chat_data, data)))


async def timeline_command(update: Update, context: Ctx) -> None:
    """/timeline: the dated facts in order, a screen at a time, with buttons to page through."""
    data = context.bot_data
    message = update.effective_message
    if message is not None and await _allowed(update, data):
        html, keyboard = render.timeline_html(data.engine.knowledge, _lang(message.from_user, context.chat_data, data), 1)
        await _send(message, [html], keyboard)


async def lang_command(update: Update, context: Ctx) -> None:
    """/lang fr|en|ar|auto: the chat's reply language."""
    data = context.bot_data
    message = update.effective_message
    chat = context.chat_data
    if message is None or message.text is None or chat is None or not await _allowed(update, data):
        return
    knowledge = data.engine.knowledge
    choice = ask_question(message.text).lower()
    if choice in knowledge.settings.languages:
        chat.lang = choice
        await _send(message, [render.message(knowledge, "lang_set", choice)])
    elif choice == "auto":
        chat.lang = None
        await _send(message, [render.message(knowledge, "lang_auto", _lang(message.from_user, chat, data))])
    else:
        await _send(message, [render.message(knowledge, "lang_usage", _lang(message.from_user, chat, data))])


async def privacy_command(update: Update, context: Ctx) -> None:
    """/privacy: what is stored, why, for how long."""
    data = context.bot_data
    message = update.effective_message
    if message is not None and await _allowed(update, data):
        lang = _lang(message.from_user, context.chat_data, data)
        await _send(message, [render.message(data.engine.knowledge, "privacy", lang, days=data.config.retention_days)])


async def forget_command(update: Update, context: Ctx) -> None:
    """/forget: delete the user's recorded questions, and this chat's conversation."""
    data = context.bot_data
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not await _allowed(update, data):
        return
    deleted = await asyncio.wrap_future(data.stats.forget(user.id))
    if context.chat_data is not None:
        context.chat_data.conversation = None
    lang = _lang(user, context.chat_data, data)
    await _send(message, [render.message(data.engine.knowledge, "forget_done", lang, count=deleted)])


async def _pressed(update: Update, kind: str) -> tuple[buttons.Pressed | None, Message | None]:
    """Answer a button press at once, and parse what it carried."""
    query = update.callback_query
    if query is None:
        return None, None
    # Telegram keeps a spinner on the button until the query is answered,
    # even when there is nothing to show: answer first, whatever follows.
    try:
        await query.answer()
    except TelegramError as exc:
        logger.info("could not answer a callback query: %s", type(exc).__name__)
    pressed = buttons.unpack(query.data)
    # No message: the button was under an inline-mode message, in a chat the bot may not be in.
    message = query.message if isinstance(query.message, Message) else None
    return (pressed if pressed and pressed.kind == kind else None), message


async def _pressed_entry(update: Update, context: Ctx, kind: str) -> tuple[buttons.Pressed, Message] | None:
    """A pressed button that names an entry, from an allowed user; None when there is nothing to do."""
    pressed, message = await _pressed(update, kind)
    if pressed is None or message is None or not await _allowed(update, context.bot_data):
        return None
    knowledge = context.bot_data.engine.knowledge
    if pressed.value not in knowledge.entries:
        # A button from before a /reload that removed its entry.
        await _send(message, [render.message(knowledge, "unavailable", pressed.lang)], quote=False)
        return None
    return pressed, message


async def question_button(update: Update, context: Ctx) -> None:
    """A pressed suggestion, related or example question: answer it in a new message."""
    found = await _pressed_entry(update, context, buttons.QUESTION)
    if found is None:
        return
    pressed, message = found
    data = context.bot_data
    engine = data.engine
    reply = answer_entry(pressed.value, engine, pressed.lang)
    # A pressed question is an answer in the conversation: "et pourquoi ?" may follow it.
    _remember(context, message.chat_id, context_of(reply, engine, time.monotonic()))
    _record(data, reply, update.effective_user, "button")
    # A new message under the one holding the button, not a reply to it.
    await _send(message, render.reply_html(reply, engine.knowledge), render.reply_keyboard(reply, engine.knowledge),
                quote=False)


async def quotes_button(update: Update, context: Ctx) -> None:
    """The "Quotes" button under an answer: the articles' verbatim passages it rests on."""
    found = await _pressed_entry(update, context, buttons.QUOTES)
    if found is None:
        return
    pressed, message = found
    engine = context.bot_data.engine
    quotes = answer_entry(pressed.value, engine, pressed.lang).quotes
    await _send(message, render.quotes_html(quotes, engine.knowledge, pressed.lang), quote=False)


async def timeline_button(update: Update, context: Ctx) -> None:
    """◀ ▶ under a /timeline screen: show another screen in the same message."""
    pressed, message = await _pressed(update, buttons.TIMELINE)
    if pressed is None or message is None or not pressed.value.isdigit():
        return
    html, keyboard = render.timeline_html(context.bot_data.engine.knowledge, pressed.lang, int(pressed.value))
    try:
        await message.edit_text(html, parse_mode="HTML", reply_markup=keyboard)
    except TelegramError as exc:  # the same page pressed twice: "message is not modified"
        logger.info("timeline page not shown: %s", type(exc).__name__)


async def stale_button(update: Update, context: Ctx) -> None:
    """A button whose key no longer parses (an old version): a polite answer, nothing else."""
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.answer(render.message(context.bot_data.engine.knowledge, "unavailable",
                                              _lang(query.from_user, context.chat_data, context.bot_data)))


async def inline_query(update: Update, context: Ctx) -> None:
    """@thebot QUESTION in any chat: up to three answer cards with their sources."""
    query = update.inline_query
    if query is None:
        return
    engine = context.bot_data.engine
    knowledge = engine.knowledge
    lang = render.ui_lang(query.from_user.language_code, knowledge)
    text = query.query.strip()
    # Not recorded in the statistics: Telegram sends one query per keystroke.
    if not text:
        replies = [answer_entry(s.entry_id, engine, lang) for s in examples(knowledge, lang)]
    else:
        reply, _ = converse(text, engine, None, 0.0, query.from_user.language_code)
        if reply.outcome is Outcome.ANSWERED:
            replies = [reply, *(answer_entry(r.entry_id, engine, reply.lang) for r in reply.related)]
        elif reply.outcome is Outcome.SUGGESTED:
            replies = [answer_entry(s.entry_id, engine, reply.lang) for s in reply.suggestions]
        else:
            replies = []
    results = [render.inline_result(r, knowledge) for r in replies[: render.MAX_INLINE_RESULTS]]
    button = None if results else InlineQueryResultsButton(render.message(knowledge, "inline_button", lang), start_parameter="inline")
    # is_personal: the cards follow each user's language, so Telegram must not
    # serve one user's cached results to another.
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)


async def _admin_only(update: Update, data: BotData, command: str) -> bool:
    """True for an admin; anyone else gets a polite refusal, and the attempt is logged (hashed id)."""
    user = update.effective_user
    if user is not None and user.id in data.config.admin_ids:
        return True
    who = data.stats.user_hash(user.id) if user is not None else "unknown"
    logger.warning("refused /%s from user %s (not in ADMIN_IDS)", command, who)
    if update.effective_message is not None:
        await _send(update.effective_message, [render.message(data.engine.knowledge, "admin_only", _lang(user, None, data))])
    return False


async def reload_command(update: Update, context: Ctx) -> None:
    """/reload (admins): re-read the knowledge folder; swap it in if valid, else keep the old one and say why."""
    data = context.bot_data
    message = update.effective_message
    if message is None or not await _admin_only(update, data, "reload"):
        return
    lang = _lang(message.from_user, context.chat_data, data)
    async with data.reload_lock:
        old = data.engine
        new, problems = await _load(data.config.knowledge_dir)
        if new is not None:
            data.engine = new
    if new is None:
        logger.warning("reload refused, %d problem(s); still serving the old knowledge base", len(problems))
        await _send(message, [render.reload_failed_html(problems, old.knowledge, lang)])
        return
    changes = compare(old.knowledge, new.knowledge)
    logger.info("reloaded %s: %d entries (added %s, removed %s, changed %s)", data.config.knowledge_dir,
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


async def stats_command(update: Update, context: Ctx) -> None:
    """/stats (admins): questions by outcome since start and in total, and the top unanswered."""
    data = context.bot_data
    message = update.effective_message
    if message is None or not await _admin_only(update, data, "stats"):
        return
    summary = await asyncio.to_thread(data.stats.summary)
    await _send(message, [render.stats_html(summary, data.engine.knowledge, _lang(message.from_user, context.chat_data, data))])


async def error_handler(update: object, context: Ctx) -> None:
    """Log an exception from any handler; tell a private user and, at most every few minutes, the admins."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s: %s", update_id, type(error).__name__, exc_info=error)
    data = context.bot_data
    if data.alerts.allow():
        alert = render.message(data.engine.knowledge, "admin_alert", data.engine.knowledge.settings.default_language,
                               error=type(error).__name__)
        for admin in data.config.admin_ids:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(admin, alert, parse_mode="HTML")
    if not isinstance(update, Update) or update.effective_message is None or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    # The error was likely Telegram being unreachable; it is logged above.
    with contextlib.suppress(TelegramError):
        lang = _lang(update.effective_user, context.chat_data, data)
        await update.effective_message.reply_html(render.message(data.engine.knowledge, "error", lang))
