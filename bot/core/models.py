"""Immutable value objects shared by the core: the knowledge base and a reply.

Everything here is built once (at load time or per question) and never
mutated, so a reload can swap a whole `Knowledge` while questions in flight
keep reading the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

Text = Mapping[str, str]
"""A string per language code ("fr", "en", "ar")."""

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """One article of the ground truth."""

    id: str
    file: str
    language: str
    sort_date: str
    outlet: Text
    date: Text
    title: str


@dataclass(frozen=True)
class Citation:
    """A fact's link to an article, with the verbatim quote that supports it."""

    source: str
    quote: str


@dataclass(frozen=True)
class Fact:
    """One checkable statement, in every language, with its citations."""

    id: str
    text: Text
    citations: tuple[Citation, ...]
    date: str | None = None
    disagrees_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A curated question with its variants and its sourced answer."""

    id: str
    topic: str
    questions: Mapping[str, tuple[str, ...]]
    answer: Text
    facts: tuple[str, ...]
    related: tuple[str, ...] = ()
    note: Text = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """Score bounds (0-100) that separate the three outcomes."""

    answer: float
    suggest: float
    margin: float


@dataclass(frozen=True)
class MatcherWeights:
    """How the matcher mixes its signals; calibrated together with the thresholds."""

    recall_bias: float  # beta squared of the F-measure: how much more recall counts than precision
    overlap_share: float  # share of term overlap in a variant's score; fuzzy similarity has the rest
    entry_coverage: float  # share of the question covered only by the entry's other variants, added
    candidates: int  # entries scored in full, among those sharing the most question weight


@dataclass(frozen=True)
class Settings:
    """Knowledge-level settings from settings.yaml."""

    languages: tuple[str, ...]
    default_language: str
    thresholds: Thresholds
    matcher: MatcherWeights
    max_question_chars: int
    max_suggestions: int
    max_related: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class LanguageData:
    """Stop words per language and synonyms (surface phrase -> canonical key)."""

    stopwords: Mapping[str, frozenset[str]]
    synonyms: Mapping[str, str]


@dataclass(frozen=True)
class Knowledge:
    """The whole validated knowledge base, as loaded from one folder."""

    sources: Mapping[str, Source]
    facts: Mapping[str, Fact]
    entries: Mapping[str, Entry]
    language: LanguageData
    messages: Mapping[str, Text]
    settings: Settings

    def sources_of(self, entry: Entry) -> tuple[Source, ...]:
        """The articles an entry's facts quote, oldest first, each once."""
        ids = {c.source for f in entry.facts for c in self.facts[f].citations}
        return tuple(sorted((self.sources[i] for i in ids), key=lambda s: (s.sort_date, s.id)))

    def timeline(self) -> tuple[Fact, ...]:
        """The dated facts, in date order (same-day facts in file order)."""
        return tuple(sorted((f for f in self.facts.values() if f.date), key=lambda f: f.date or ""))

    def local(self, texts: Mapping[str, T], lang: str) -> T:
        """`texts` in `lang`, else in the default language: the one fallback rule for every per-language value."""
        found = texts.get(lang)
        return found if found else texts[self.settings.default_language]

    def message(self, key: str, lang: str) -> str:
        """A UI string in `lang`, falling back to the default language."""
        return self.local(self.messages[key], lang)


class Outcome(str, Enum):
    """What the engine decided for one question."""

    ANSWERED = "answered"
    SUGGESTED = "suggested"
    ABSTAINED = "abstained"
    INVALID = "invalid"  # nothing to read: empty, only emoji or markup


@dataclass(frozen=True)
class Suggestion:
    """A question the bot can answer, offered as a follow-up or a 'did you mean'."""

    entry_id: str
    question: str


@dataclass(frozen=True)
class Reply:
    """The engine's answer to one question, before any rendering."""

    question: str
    lang: str
    outcome: Outcome
    score: float
    entry_id: str | None = None
    text: str = ""
    note: str = ""
    sources: tuple[Source, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    truncated: bool = False  # the question was cut to max_question_chars

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED
