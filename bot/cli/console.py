"""The local console: a conversation with the bot in a terminal, on the same engine as Telegram.

Every line is a message in one conversation ("et pourquoi ?" follows the
previous answer). Two commands: `quote` shows the article quotes the last
answer rests on, and `:lang fr|en|ar|auto` sets the reply language.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..core.conversation import Context, converse
from ..core.engine import Engine
from ..core.models import Reply
from .plaintext import quotes_plain, to_plain

QUOTE_COMMANDS = ("quote", "quotes", "citations", "citation")


def run_console(engine: Engine, lang: str | None, stdin: TextIO = sys.stdin, out: Callable[[str], None] = print,
                clock: Callable[[], float] = time.monotonic) -> int:
    """Read messages until end of input, answering each in the conversation so far."""
    knowledge = engine.knowledge
    out(f"VoIP-Maroc: {len(knowledge.entries)} questions, {len(knowledge.sources)} sources. "
        f"Ask in {', '.join(knowledge.settings.languages)}; 'quote' shows the last answer's quotes, "
        "':lang xx' sets the reply language; Ctrl-D quits.")
    context: Context | None = None
    chosen = lang if lang in knowledge.settings.languages else None
    last: Reply | None = None
    while (line := _read(stdin)) is not None:
        message = line.strip()
        if message.startswith(":lang"):
            choice = message[len(":lang"):].strip().lower()
            chosen = choice if choice in knowledge.settings.languages else None
            out(f"reply language: {chosen or 'each question its own'}\n")
            continue
        if message.lower() in QUOTE_COMMANDS and last is not None and last.answered:
            out(quotes_plain(last.quotes, knowledge, last.lang) + "\n")
            continue
        reply, context = converse(message, engine, context, clock(), reply_lang=chosen)
        last = reply
        out(to_plain(reply, knowledge) + "\n")
    return 0


def _read(stdin: TextIO) -> str | None:
    if stdin.isatty():
        try:
            return input("> ")
        except EOFError:
            return None
    line = stdin.readline()
    return line if line else None
