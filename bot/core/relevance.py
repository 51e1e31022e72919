"""Decide whether a matched entry answers the question, not just shares its words.

The matcher ranks entries by lexical similarity, and similarity is not
relevance: "Who is the director of the FBI?" shares "who" and "director"
with the entry on ANRT's director. Besides a high enough score, an entry
answers a question only when three signals agree, each kept separate from
the synonyms that widen recall:

- coverage: every term of the question is one the entry's own questions use
  (in any language) or one of its key concepts. A term it never uses ("FBI",
  "population", "recipe") is the question's focus slipping elsewhere, however
  common the term is in the rest of the base;
- key concepts (`needs` in the entry's YAML): the question names at least one
  (the letter to ANRT's president needs ANRT, the letter or the petition,
  not just "president");
- question type (`asks`): when the question says what it wants (who, when,
  why, how many...), the entry answers that kind of question.

Everything here is explainable: each candidate's signals end up in the
reply's `why`, so a curator can see why the bot answered or did not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from .matcher import Index, Match
from .models import Entry, Judgement, LanguageData
from .normalize import Analysis

_ORDINAL = re.compile(r"(\d{1,3})(?:st|nd|rd|th|er|re|e|eme|ieme)?")


def judge(question: Analysis, question_terms: Sequence[str], matches: Sequence[Match], index: Index,
          entries: Mapping[str, Entry], language: LanguageData, trusted: Collection[str] = ()) -> tuple[Judgement, ...]:
    """Each matched entry's relevance signals, in the matches' order.

    `question` is what the user wrote; `question_terms` may add terms from
    the conversation, which count for key concepts but need no covering.
    The `trusted` entries' key concepts are taken as named: a follow-up
    ("sur quelle période ?") is about what the conversation is about.
    """
    question_types = language.question_types
    asked = {t for t in question.terms if t in question_types}
    # What an entry must cover: not the question's type (judged apart), not
    # the episode's own context, not everyday filler words.
    focus = [t for t in question.terms
             if t not in question_types and t not in language.context and t not in question.fillers and not _small_number(t)]
    judged = []
    for found in matches:
        entry = entries[found.entry_id]
        vocabulary = index.vocabulary[found.entry_id]
        judged.append(Judgement(
            entry_id=found.entry_id,
            score=found.score,
            uncovered=tuple(t for t in focus if t not in vocabulary),
            needs_met=not entry.needs or entry.id in trusted or any(t in entry.needs for t in question_terms),
            type_ok=not asked or (bool(asked & set(entry.asks)) and not (asked & language.exclusive_types) - set(entry.asks)),
            close=found.score >= index.weights.close_enough,
        ))
    return tuple(judged)


def _small_number(term: str) -> bool:
    """A day, a count or an ordinal ("2", "4th", "7e"): context the user cites, unlike a year ("1999")."""
    match = _ORDINAL.fullmatch(term)
    return match is not None and int(match[1]) <= 100


def types_of(question_terms: Sequence[str], question_types: frozenset[str]) -> tuple[str, ...]:
    """The question types (who, when...) among the question's terms, in order."""
    return tuple(t for t in question_terms if t in question_types)


def mentions(question_terms: Sequence[str], episode: Mapping[str, object]) -> tuple[str, ...]:
    """The episode's actors and things the question names (keys of language.yaml's `episode`)."""
    return tuple(t for t in question_terms if t in episode)
