"""Load a new engine for `/reload`, checked for what the Telegram layer needs, and list what changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..engine import Engine, load_engine
from ..knowledge import KnowledgeError, Problem
from ..models import Entry, Knowledge
from .render import REQUIRED_MESSAGES


@dataclass(frozen=True)
class Changes:
    """What a reload changed, by entry id."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


# Every placeholder the bot fills in, with a sample value, to try each message.
PLACEHOLDERS = dict(username="bot", count=1, entries=1, facts=1, sources=1, asked=1, answered=1, suggested=1,
                    abstained=1, invalid=1, outlet="o", date="d", title="t")


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


def compare(old: Knowledge, new: Knowledge) -> Changes:
    """Entries added, removed, and changed (in themselves or in the facts and sources they cite)."""
    added = tuple(sorted(new.entries.keys() - old.entries.keys()))
    removed = tuple(sorted(old.entries.keys() - new.entries.keys()))
    changed = tuple(sorted(
        i for i in old.entries.keys() & new.entries.keys()
        if _cited(old.entries[i], old) != _cited(new.entries[i], new)
    ))
    return Changes(added, removed, changed)


def _cited(entry: Entry, knowledge: Knowledge) -> tuple[object, ...]:
    # An answer also changes when a fact it cites is reworded or re-sourced.
    return (entry, tuple(knowledge.facts.get(f) for f in entry.facts), knowledge.sources_of(entry))
