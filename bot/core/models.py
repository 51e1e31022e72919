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
    short: Text  # outlet and date in a few words, for a reply's compact source line


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
    # The question types it answers (who, when, why...): a question of
    # another type is not answered by it, however many words it shares.
    asks: tuple[str, ...] = ()
    # Its key concepts: a question must name at least one of them to get
    # this answer outright ("president" alone is not the letter to ANRT's).
    needs: tuple[str, ...] = ()
    # Words a question about it may use though its questions don't: they
    # count as covered ("juridique" for the ANRT's justification).
    also: tuple[str, ...] = ()
    # After this answer, where a follow-up saying one thing goes, by question
    # type or synonym key ("et pourquoi ?" after when the block began: why it
    # was blocked; "c'est qui ce président ?" after the letter: ANRT's head).
    follow_ups: Mapping[str, str] = field(default_factory=dict)


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
    # From this score up, a question this close to one of the entry's
    # questions may have one word the entry does not cover (a slip, an aside).
    close_enough: float = 101.0


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
    right_to_left: tuple[str, ...] = ()  # languages written right to left
    timeline_page: int = 6  # dated facts per /timeline screen
    context_seconds: float = 600.0  # how long a conversation remembers its last answer
    max_chats: int = 10_000  # conversations remembered at once, the most recent
    outscored_by: float = 10.0  # a follow-up leaves the previous answer's neighbours for an entry this far ahead


@dataclass(frozen=True)
class FollowUpMarks:
    """Folded words that show a message continues a conversation."""

    openers: frozenset[str] = frozenset()  # "et", "and": a message opening with one continues
    back_references: frozenset[str] = frozenset()  # "il", "sa", "his": someone already named
    politeness: frozenset[str] = frozenset()  # "please", "stp": words around a request
    predicates: frozenset[str] = frozenset()  # synonym keys ("replace") that, alone, ask about someone unnamed
    # Phrases (folded words) whose pronoun refers to no one: "ما هي" is "what is".
    not_references: frozenset[tuple[str, ...]] = frozenset()
    # "ce", "that": "c'est qui ce président ?" points at something the answer named.
    demonstratives: frozenset[str] = frozenset()
    # "it", "ça": they point back only in a message that says one thing ("who
    # runs it?"); "was it permanent?" stands alone about the block.
    neutral: frozenset[str] = frozenset()
    # Openers of more than one word ("what about", "et pour"), as folded word sequences.
    opener_phrases: frozenset[tuple[str, ...]] = frozenset()
    # Synonym keys that only ask ("quoi", "which"): they say nothing of what a follow-up is about.
    asking: frozenset[str] = frozenset()
    # Synonym keys whose subject can only be the block ("restore"): "when did it come back?"
    # says what "it" is, where "how many signed it?" does not.
    of_the_block: frozenset[str] = frozenset()
    # Back-references of more than one word, as folded word sequences: a
    # French object pronoun is one only next to its verb or subject ("qui
    # l'a lancé ?", "on les accusait"), where "la" alone is an article.
    back_reference_phrases: frozenset[tuple[str, ...]] = frozenset()
    # Synonym keys that frame what a follow-up asks ("what did it say about
    # money?"): said with another step, the other one says where it goes.
    framing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SceneMarks:
    """Folded words that open a clause setting the scene before a question ("quand il a posté sa vidéo, ...")."""

    # "quand", "when", "une fois": a message opening with one, then a comma,
    # sets a scene first. Longest first, so "now that" is tried before "now".
    openers: tuple[tuple[str, ...], ...] = ()
    # Words right after an opener that make its clause a question of its own
    # ("when did it start, ..."; "quand est-ce que ...").
    questions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LanguageData:
    """Stop words per language, synonyms (surface phrase -> canonical key), and what some keys mean."""

    stopwords: Mapping[str, frozenset[str]]
    synonyms: Mapping[str, str]
    # Keys that say what kind of answer a question wants (who, when, why...).
    question_types: frozenset[str] = frozenset()
    # Types a question of which only an entry asking them answers, whatever
    # other type the question has ("how do I..." is never answered by a "who").
    exclusive_types: frozenset[str] = frozenset()
    # Keys that name the episode's own actors and things, with a label per
    # language: a question naming one is near the episode even when no
    # entry answers it ("Who runs Maroc Telecom?").
    episode: Mapping[str, Text] = field(default_factory=dict)
    # Keys and words that name the episode itself (VoIP, calls, the apps, the
    # year): context in a question, never its focus, so an entry need not use them.
    context: frozenset[str] = frozenset()
    # Words a general stop word list calls filler, but that can carry what a
    # question asks ("next", "become", "most"): they must be covered.
    not_fillers: frozenset[str] = frozenset()
    # More filler words, per language, than the general list has ("guy", "u").
    fillers: frozenset[str] = frozenset()
    follow_up: FollowUpMarks = FollowUpMarks()
    # Arabic prefixes (the article and its compounds) stripped before stemming.
    clitics: tuple[str, ...] = ()
    # Folded phrases that ask for the previous answer in a language ("in english").
    language_requests: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # A writing system and the language a message written in it is in ({"arabic": "ar"}).
    scripts: Mapping[str, str] = field(default_factory=dict)
    scenes: SceneMarks = SceneMarks()


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
    NOT_IN_ARTICLES = "not_in_articles"  # about the episode's actors or things, but no article answers it
    ABSTAINED = "abstained"
    CLARIFY = "clarify"  # a follow-up ("et pourquoi ?") with no previous answer to follow
    INVALID = "invalid"  # nothing to read: empty, only emoji or markup


@dataclass(frozen=True)
class Suggestion:
    """A question the bot can answer, offered as a follow-up or a 'did you mean'."""

    entry_id: str
    question: str


@dataclass(frozen=True)
class Judgement:
    """One candidate entry for a question, with the signals that decide whether it answers it."""

    entry_id: str
    score: float  # lexical similarity, 0-100
    uncovered: tuple[str, ...]  # question terms the entry never uses: its focus may be elsewhere
    needs_met: bool  # the question names one of the entry's key concepts
    type_ok: bool  # the question's type (who, when...) is one the entry answers, or it has none
    close: bool = False  # scored so high that one uncovered word is tolerated

    @property
    def relevant(self) -> bool:
        """Whether this entry answers what was asked, whatever its score."""
        covered = not self.uncovered or (self.close and len(self.uncovered) == 1)
        return covered and self.needs_met and self.type_ok


@dataclass(frozen=True)
class Why:
    """How the engine decided: what it read in the question and how each candidate fared."""

    terms: tuple[str, ...]  # the question's terms, after normalisation
    types: tuple[str, ...]  # its question types (who, when...)
    mentions: tuple[str, ...]  # the episode's actors and things it names
    candidates: tuple[Judgement, ...]  # best first
    rule: str  # the rule that decided the outcome, in a few words


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
    quotes: tuple[Citation, ...] = ()  # the verbatim article quotes an answer rests on
    truncated: bool = False  # the question was cut to max_question_chars
    why: Why | None = None

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED
