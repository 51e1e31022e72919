"""The real bot (`python -m bot run`, a subprocess) against the fake Bot API, for end-to-end tests.

Every test talks from its own user and chat ids, so tests sharing one bot
process never see each other's replies and can run in any order. Waiting is
on conditions with timeouts, never on fixed sleeps: to show that something
did *not* happen in a chat, a test sends one more message there and waits
for its reply, since the bot answers a chat's updates in order.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from bot.core import bidi
from bot.core.engine import Engine, load_engine

from conftest import KNOWLEDGE, ROOT
from fake_bot_api import Call, FakeBotApi, Updates

TOKEN = "123456789:AAE2e-Test_token_never_logged_0123456789"
ADMIN = 1001
FLOOD_LIMIT = 5
START_TIMEOUT = 30.0
# Each bot process gets ids from its own range: no two tests share a chat.
_ID_RANGES = itertools.count(1)


def plain(html: str) -> str:
    """What the user reads: tags dropped, entities decoded, direction marks gone."""
    return bidi.strip(unescape(re.sub(r"<[^>]+>", "", html)))


@dataclass
class RunningBot:
    """The bot subprocess, the fake API it talks to, and the knowledge copy it reads."""

    api: FakeBotApi
    process: subprocess.Popen[bytes]
    knowledge_dir: Path
    data_dir: Path
    log: Path
    engine: Engine = field(repr=False)  # the same knowledge, loaded here for expected texts
    updates: Updates = field(default_factory=Updates)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100_000 * next(_ID_RANGES)), repr=False)

    def new_id(self) -> int:
        return next(self._ids)

    def replies(self, chat_id: int) -> list[Call]:
        return self.api.calls("sendMessage", lambda c: c.chat_id == chat_id and c.ok)

    def send(self, update: dict[str, Any], chat_id: int, count: int = 1) -> list[Call]:
        """Push `update` and wait for `count` more successful replies in `chat_id`."""
        before = len(self.replies(chat_id))
        self.api.push(update)
        return self.api.wait_for("sendMessage", lambda c: c.chat_id == chat_id and c.ok, count=before + count)[before:]

    def ask(self, text: str, lang: str | None = "fr", user: int | None = None) -> Call:
        """Send `text` in a private chat (a fresh user unless given); the bot's (first) reply."""
        user = user or self.new_id()
        return self.send(self.updates.private_text(user, text, lang), user)[0]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_bot(api: FakeBotApi, tmp: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """`python -m bot run` with settings pointing at `api` and `tmp`, hermetic from any .env."""
    (tmp / "empty.env").write_text("", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items()
             if "proxy" not in k.lower() and not k.startswith(("TELEGRAM_", "ADMIN_", "KNOWLEDGE_", "DATA_", "HASH_"))}
    clean.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, ADMIN_IDS=f"{ADMIN}, 1002",
                 KNOWLEDGE_DIR=str(tmp / "knowledge"), DATA_DIR=str(tmp / "data"), HASH_KEY_FILE=str(tmp / "key" / "hash.key"),
                 FLOOD_LIMIT=str(FLOOD_LIMIT), LOG_LEVEL="DEBUG", PYTHONUNBUFFERED="1")
    clean.update(env)
    log = open(tmp / "bot.log", "ab")  # noqa: SIM115 (lives as long as the bot process)
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--env-file", str(tmp / "empty.env"), *args],
                            cwd=ROOT, env=clean, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(5)


@contextmanager
def running_bot(tmp: Path, **env: str) -> Iterator[RunningBot]:
    """A bot process on its own copy of the knowledge, ready once polling has begun; stopped after."""
    shutil.copytree(KNOWLEDGE, tmp / "knowledge")
    with FakeBotApi(TOKEN) as api:
        process = start_bot(api, tmp, **env)
        bot = RunningBot(api, process, tmp / "knowledge", tmp / "data", tmp / "bot.log", load_engine(tmp / "knowledge"))
        try:
            api.wait_for("getUpdates", timeout=START_TIMEOUT)
            yield bot
        finally:
            stop(process)
