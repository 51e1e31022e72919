"""What the handlers share (`BotData`) and what each chat remembers (`ChatData`), typed.

python-telegram-bot builds one `BotData` for the application and one
`ChatData` per chat from the classes given to `ContextTypes`; handlers read
them as `context.bot_data` and `context.chat_data`, with types, instead of
casting entries of a dict. `BotData.engine` is replaced whole by `/reload`,
never mutated, so a question in flight finishes on the base it started with.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from ..core.conversation import Context
from ..core.engine import Engine
from ..ops.config import Config
from ..ops.stats import StatsLog
from .flood import FloodGate


@dataclass
class ChatData:
    """One chat's memory: the conversation's last answer and the reply language it chose."""

    conversation: Context | None = None
    lang: str | None = None  # set with /lang; None: each message's own language


class RecentChats:
    """The chats with memory, most recent last; beyond `limit`, the oldest is forgotten."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._order: OrderedDict[int, None] = OrderedDict()

    def touch(self, chat_id: int) -> list[int]:
        """Mark `chat_id` as just used; the chats to forget to stay within the limit."""
        self._order[chat_id] = None
        self._order.move_to_end(chat_id)
        dropped = []
        while len(self._order) > self.limit:
            dropped.append(self._order.popitem(last=False)[0])
        return dropped

    def __len__(self) -> int:
        return len(self._order)


class AlertGate:
    """At most one alert to the admins per `interval` seconds: an error storm is one message."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last: float | None = None
        self.suppressed = 0

    def allow(self) -> bool:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            self.suppressed += 1
            return False
        self._last = now
        return True


class BotData:
    """The application's shared state; `configure` fills it before the bot starts."""

    engine: Engine
    config: Config
    stats: StatsLog
    flood: FloodGate
    chats: RecentChats
    alerts: AlertGate

    def __init__(self) -> None:
        self.reload_lock = asyncio.Lock()

    def configure(self, engine: Engine, config: Config, stats: StatsLog, alert_interval: float) -> None:
        self.engine = engine
        self.config = config
        self.stats = stats
        self.flood = FloodGate(config.flood_limit)
        self.chats = RecentChats(engine.knowledge.settings.max_chats)
        self.alerts = AlertGate(alert_interval)


Ctx = CallbackContext[ExtBot[None], dict[Any, Any], ChatData, BotData]
"""The context every handler receives."""
