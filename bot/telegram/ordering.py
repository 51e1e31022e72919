"""Process updates concurrently across chats but in order within one chat.

python-telegram-bot's `concurrent_updates(True)` gives up per-chat order, so
two quick messages ("Quand la VoIP a-t-elle été rétablie ?" then "et
pourquoi ?") could be answered out of order, the follow-up read before the
question it follows. This processor keeps one `asyncio.Lock` per chat with
an update in flight (dropped as soon as the chat is idle, so memory follows
the chats active now) and awaits each update's coroutine under its chat's
lock. Locks and the processor's semaphore are FIFO, and the application
starts updates in the order received, so a chat's updates run in order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from telegram import Update


class PerChatOrder(BaseUpdateProcessor):
    """Concurrent across chats, one at a time and in order within a chat."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._pending: Counter[int] = Counter()

    @property
    def chats_in_flight(self) -> int:
        """Chats with an update being processed or waiting (what the locks cost)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await `coroutine` after the earlier updates of the same chat."""
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        if chat is None:  # inline queries: no chat, no order to keep
            await coroutine
            return
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._pending[chat] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._pending[chat] -= 1
            if not self._pending[chat]:
                del self._pending[chat], self._locks[chat]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
