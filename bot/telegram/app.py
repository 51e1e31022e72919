"""Build the python-telegram-bot Application and run it by long polling or as a webhook server.

The process must not die of Telegram's weather: the Bot API client retries
connection failures and 5xx answers (`RetryingRequest`), the rate limiter
waits out 429 `RetryAfter`, start-up retries until the API is reachable,
and polling retries on its own. SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import secrets
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from telegram import BotCommand, Update

from ..core.engine import Engine
from ..core.knowledge import KnowledgeError
from ..ops.config import Config
from ..ops.logs import configure_logging
from ..ops.stats import DB_NAME, StatsError, StatsLog, load_or_create_key
from . import buttons, handlers
from .html import COMMANDS
from .ordering import PerChatOrder
from .reload import load_checked
from .state import BotData, ChatData

logger = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

# What the bot reacts to; asking for less saves Telegram sending the rest.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
MAX_BACKOFF_SECONDS = 8.0
# Concurrent Bot API connections: replies to different users go out in parallel.
# Enough for Telegram's real round trips (tens of ms) at a few hundred
# replies a second; more only adds bookkeeping.
CONNECTION_POOL_SIZE = 32
# Updates processed at once, across chats (within one chat, one at a time).
MAX_CONCURRENT_UPDATES = 256
# At most one error alert to the admins per this many seconds.
ALERT_INTERVAL_SECONDS = 600.0
NON_TEXT = (
    filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
    | filters.ANIMATION | filters.Document.ALL | filters.LOCATION | filters.VENUE | filters.CONTACT
    | filters.POLL | filters.Dice.ALL
)


# httpx errors raised before the request was fully sent: Telegram cannot
# have acted on it, so sending it again cannot post a message twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries, with jittered exponential backoff, requests that surely did not take effect.

    A request that never left (connection refused or timed out, pool
    exhausted, write failed) and a Bot API 5xx answer are retried. A read
    error or timeout after the request was sent is not: Telegram may
    already have posted the message, and a retry would post it twice.
    """

    def __init__(self, retries: int, backoff: float = 0.5, connection_pool_size: int = 1,
                 jitter: Callable[[], float] = lambda: random.uniform(0.5, 1.5), **kwargs: object) -> None:
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)  # type: ignore[arg-type]
        self._retries = retries
        self._backoff = backoff
        self._jitter = jitter
        # httpcore's pool rescans every queued request against every
        # connection on each change, which grows quadratic under load; queue
        # here instead, so the pool never holds more requests than connections.
        self._slots = asyncio.Semaphore(connection_pool_size)

    async def do_request(self, url: str, method: str, request_data: object = None, *args: object, **kwargs: object) -> tuple[int, bytes]:
        delay = self._backoff
        endpoint = url.rsplit("/", 1)[-1]  # never log the URL: it holds the token
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                async with self._slots:
                    code, payload = await super().do_request(url, method, request_data, *args, **kwargs)  # type: ignore[arg-type]
            except NetworkError as exc:  # TimedOut is a NetworkError too
                if last or not isinstance(exc.__cause__, NOT_SENT):
                    raise
                reason = type(exc.__cause__).__name__
            else:
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            wait = delay * self._jitter()
            logger.warning("%s failed (%s); retry %d of %d in %.1f s", endpoint, reason, attempt + 1, self._retries, wait)
            await asyncio.sleep(wait)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        raise AssertionError("unreachable")


def build_application(config: Config, engine: Engine, stats: StatsLog) -> App:
    """The Application: a Bot API client at config.api_url with retries, the handlers, the shared state."""
    application = (
        Application.builder()
        .token(config.token)
        .base_url(config.api_url)
        .base_file_url(config.file_url)
        .request(RetryingRequest(config.send_retries, connection_pool_size=CONNECTION_POOL_SIZE))
        .get_updates_request(HTTPXRequest())
        # No overall throttling (each reply answers a user's own message);
        # only Telegram's per-group pace, and waiting out any 429.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=config.send_retries))
        # Concurrent across chats (one slow send holds up no one else), in
        # order within a chat (a follow-up is read after what it follows).
        .concurrent_updates(PerChatOrder(MAX_CONCURRENT_UPDATES))
        .context_types(ContextTypes(chat_data=ChatData, bot_data=BotData))
        .post_init(post_init)
        .build()
    )
    application.bot_data.configure(engine, config, stats, ALERT_INTERVAL_SECONDS)
    add_handlers(application)
    return application


def add_handlers(application: App) -> None:
    """Wire every handler; order matters only among message handlers (first match wins)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    commands = {
        "start": handlers.start, "help": handlers.help_command, "ask": handlers.ask_command,
        "sources": handlers.sources_command, "timeline": handlers.timeline_command, "lang": handlers.lang_command,
        "privacy": handlers.privacy_command, "forget": handlers.forget_command, "reload": handlers.reload_command,
        "stats": handlers.stats_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.private_text))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.help_command))
    application.add_handler(MessageHandler(private & NON_TEXT, handlers.non_text))
    application.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND & handlers.AddressedToBot(), handlers.group_text))
    application.add_handler(CallbackQueryHandler(handlers.question_button, pattern=buttons.pattern(buttons.QUESTION)))
    application.add_handler(CallbackQueryHandler(handlers.quotes_button, pattern=buttons.pattern(buttons.QUOTES)))
    application.add_handler(CallbackQueryHandler(handlers.timeline_button, pattern=buttons.pattern(buttons.TIMELINE)))
    application.add_handler(CallbackQueryHandler(handlers.stale_button))  # anything else: an old or foreign key
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


async def post_init(application: App) -> None:
    """Register the command menu in each language of the knowledge base."""
    data: BotData = application.bot_data
    knowledge = data.engine.knowledge
    default = knowledge.settings.default_language
    # No language_code: the menu for users whose language the base lacks.
    # Telegram takes two-letter ISO 639-1 codes only (so not "ary").
    for lang in (None, *(code for code in knowledge.settings.languages if len(code) == 2)):
        menu = [BotCommand(name, knowledge.message(f"cmd_{name}", lang or default)) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(menu, language_code=lang)
        except TelegramError as exc:
            logger.warning("could not set the %s command menu: %s", lang or "default", type(exc).__name__)
    logger.info("@%s ready: %d questions, %d sources, %d admin(s)", application.bot.username, len(knowledge.entries),
                len(knowledge.sources), len(data.config.admin_ids))


def run(config: Config, webhook_url: str | None = None) -> int:
    """Serve until SIGTERM or SIGINT: long polling, or a webhook server for `webhook_url`. Returns an exit code."""
    if webhook_url and config.webhook_secret is None:
        # Made before logging starts, so the log filter knows it from the first line.
        config = dataclasses.replace(config, webhook_secret=secrets.token_urlsafe(32))
    configure_logging(config.log_level, config.secrets())
    if not config.knowledge_dir.is_dir():
        print(f"error: KNOWLEDGE_DIR: no such folder: {config.knowledge_dir}", file=sys.stderr)
        return 2
    try:
        engine = load_checked(config.knowledge_dir)
    except KnowledgeError as exc:
        print(f"The knowledge base in {config.knowledge_dir} has {len(exc.problems)} problem(s):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    try:
        key = config.hash_key or load_or_create_key(config.hash_key_file)
        stats = StatsLog(config.data_dir / DB_NAME, key, config.retention_days)
    except OSError as exc:
        print(f"error: DATA_DIR or HASH_KEY_FILE: cannot use it: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except StatsError as exc:
        print(f"error: DATA_DIR: {exc}", file=sys.stderr)
        return 2
    application = build_application(config, engine, stats)
    try:
        if webhook_url:
            application.run_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlparse(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                # Telegram echoes it in a header on every call, so only it can post updates.
                secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
            )
        else:
            # bootstrap_retries=-1: wait for the Bot API to come back rather than exit.
            application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    except InvalidToken:
        print(f"error: TELEGRAM_TOKEN: refused by the Bot API at {config.api_url}", file=sys.stderr)
        return 1
    finally:
        stats.close()
    logger.info("stopped")
    return 0
