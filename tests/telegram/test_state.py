"""What handlers share: the chats remembered, the admins' alert pace, the per-chat order of updates."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.telegram.handlers import ask_question
from bot.telegram.ordering import PerChatOrder
from bot.telegram.state import AlertGate, RecentChats
from telegram import Update

from fake_bot_api import Updates


def test_recent_chats_forget_the_least_recent_beyond_the_limit() -> None:
    chats = RecentChats(limit=2)
    assert chats.touch(1) == [] and chats.touch(2) == []
    assert chats.touch(1) == []  # 1 is now the most recent
    assert chats.touch(3) == [2] and len(chats) == 2


def test_alerts_to_admins_are_rate_limited() -> None:
    now = itertools.count(0, 100)
    gate = AlertGate(interval=600, clock=lambda: float(next(now)))
    assert [gate.allow() for _ in range(8)] == [True, False, False, False, False, False, True, False]
    assert gate.suppressed == 6


@pytest.mark.parametrize(("text", "question"), [
    ("/ask quand ?", "quand ?"),
    ("/ask@voip_test_bot\nquand la VoIP a-t-elle été rétablie ?", "quand la VoIP a-t-elle été rétablie ?"),
    ("/ask\tet pourquoi ?", "et pourquoi ?"),
    ("/ask", ""),
    ("/ask   ", ""),
])
def test_the_question_after_ask_whatever_the_white_space(text: str, question: str) -> None:
    assert ask_question(text) == question


def test_updates_of_one_chat_run_in_order_while_other_chats_run_meanwhile() -> None:
    updates = Updates()
    events: list[str] = []

    async def handle(name: str, delay: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(delay)
        events.append(f"end {name}")

    async def scenario() -> int:
        processor = PerChatOrder(16)
        chat_a1 = Update.de_json({"update_id": 1, **updates.private_text(1, "a1")}, None)
        chat_a2 = Update.de_json({"update_id": 2, **updates.private_text(1, "a2")}, None)
        chat_b = Update.de_json({"update_id": 3, **updates.private_text(2, "b")}, None)
        await asyncio.gather(processor.process_update(chat_a1, handle("a1", 0.05)),
                             processor.process_update(chat_a2, handle("a2", 0.0)),
                             processor.process_update(chat_b, handle("b", 0.0)))
        return processor.chats_in_flight

    in_flight = asyncio.run(scenario())
    assert events.index("end a1") < events.index("start a2"), "a chat's second update waits for its first"
    assert events.index("end b") < events.index("end a1"), "another chat does not wait"
    assert in_flight == 0, "idle chats keep no lock"
