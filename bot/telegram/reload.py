"""Load a new engine for `/reload`, also checked for the messages the Telegram layer sends."""

from __future__ import annotations

from pathlib import Path

from ..core.engine import Engine, load_engine
from ..core.knowledge import KnowledgeError, Problem
from .html import REQUIRED_MESSAGES

# Every placeholder the bot fills in, with a sample value, to try each message.
PLACEHOLDERS = dict(username="bot", count=1, entries=1, facts=1, sources=1, asked=1, answered=1, suggested=1,
                    not_in_articles=1, abstained=1, clarify=1, invalid=1, outlet="o", date="d", title="t", things="t",
                    days=90, error="E")


def load_checked(folder: Path) -> Engine:
    """`load_engine`, also refusing a base whose messages the bot could not send."""
    engine = load_engine(folder)
    messages = engine.knowledge.messages
    problems = []
    for key in REQUIRED_MESSAGES:
        if key not in messages:
            problems.append(Problem("messages.yaml", None, f"missing message '{key}' (the Telegram bot needs it)"))
            continue
        for lang, text in messages[key].items():
            try:
                text.format(**PLACEHOLDERS)
            except (KeyError, IndexError, ValueError) as exc:
                # A stray "{" or a misspelt placeholder would fail only when sent.
                problems.append(Problem("messages.yaml", None, f"message '{key}' ({lang}): bad placeholder {exc}"))
    if problems:
        raise KnowledgeError(problems)
    return engine
