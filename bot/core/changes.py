"""What changed between two knowledge bases, by entry: what a reload reports."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Entry, Knowledge


@dataclass(frozen=True)
class Changes:
    """What a reload changed, by entry id."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


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
