"""Compose a `Reply` for one message: read -> match -> judge relevance -> decide -> cite.

`answer()` is the core's entry point for a question read on its own (and
`conversation.converse()` for one read in a conversation). Both are pure (no
I/O, no clock, no global state) and never raise on any text, so every front
end (command line, console, Telegram) can call them directly.

The decision, in order (each reply's `why.rule` names the one that applied):
1. no words to read -> `invalid`, with example questions;
2. the best *relevant* entry (see relevance.py) scores at least
   `thresholds.answer` and leads the next relevant one by `margin` -> `answered`;
3. some entries cover every word of the question and its type, scoring at
   least `thresholds.suggest`, but none clears rule 2 -> `suggested` ("did you mean");
4. the question names the episode's actors or things (language.yaml's
   `episode`) but no entry answers its focus -> `not_in_articles`: "the
   articles don't say", with the closest questions;
5. otherwise -> `abstained`: off topic, with example questions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .engine import Engine
from .matcher import match
from .models import Citation, Entry, Judgement, Knowledge, LanguageData, Outcome, Reply, Suggestion, Why
from .normalize import Analysis, analyse, detect_language, words
from .relevance import judge, mentions, types_of

_COMMA = re.compile(r"[,،]")


@dataclass(frozen=True)
class Reading:
    """What the core read in one message, before matching."""

    question: str  # as received
    lang: str  # the reply language
    analysis: Analysis  # what it asks: without the scene it may set first
    mentions: tuple[str, ...]  # the episode's actors and things it names
    truncated: bool  # only its first max_question_chars were read
    # The curated concepts of a clause that sets the scene ("quand ça a été
    # levé, ..."): context, like a conversation's, not words to cover.
    scene: tuple[str, ...] = ()


def read(question: str, engine: Engine, lang_hint: str | None = None, reply_lang: str | None = None) -> Reading:
    """Read a message: its language, terms and fillers, and what of the episode it names.

    The reply is in the message's own language, unless `reply_lang` (a
    language the chat chose) says otherwise.
    """
    knowledge = engine.knowledge
    limit = knowledge.settings.max_question_chars
    text = question[:limit]
    lexicon = engine.index.lexicon
    written = detect_language(text, lexicon, knowledge.settings.languages, lang_hint)
    lang = reply_lang if reply_lang in knowledge.settings.languages else written
    analysis = analyse(text, lexicon, written)
    scene: tuple[str, ...] = ()
    parts = _scene(text, knowledge.language)
    if parts is not None:
        told, asked = (analyse(part, lexicon, written) for part in parts)
        # After the comma there must be a question: "quand la voip a été
        # rétablie, svp ?" and "quand elle a été rétablie, la voip ?" ask when.
        if any(t not in knowledge.language.context and t not in asked.fillers for t in asked.terms):
            # Only a curated concept is surely the episode's ("levé" is restore);
            # any other word of the scene still has to be answered for.
            concepts = lexicon.keys - knowledge.language.question_types
            scene = tuple(t for t in told.terms if t in concepts and t not in asked.terms)
            kept = tuple(t for t in told.terms if t not in scene)
            analysis = Analysis(tuple(dict.fromkeys((*asked.terms, *kept))), asked.fillers | (told.fillers & set(kept)))
    named = mentions((*analysis.terms, *scene), knowledge.language.episode)
    return Reading(question, lang, analysis, named, len(question) > limit, scene)


def _scene(text: str, language: LanguageData) -> tuple[str, str] | None:
    """The scene a message sets and the question after it ("quand il a posté sa vidéo, | elle a fait combien de vues ?")."""
    parts = _COMMA.split(text, maxsplit=1)
    if len(parts) < 2:
        return None
    head, rest = words(parts[0]), words(parts[1])
    openers = language.follow_up.openers
    start = next((i for i, w in enumerate(head) if w not in openers), len(head))
    for opener in language.scenes.openers:
        told = head[start + len(opener):]
        # "when did it start, how long did it last?" asks twice; "quand ça a
        # repris, et pourquoi ?" too; "quand, exactement ?" only once.
        if (tuple(head[start : start + len(opener)]) == opener and len(told) >= 2
                and told[0] not in language.scenes.questions and rest and rest[0] not in openers):
            return " ".join(told), parts[1]
    return None


def answer(question: str, engine: Engine, lang_hint: str | None = None) -> Reply:
    """Answer `question` read on its own, from the engine's knowledge, in the question's language."""
    return decide(read(question, engine, lang_hint), engine)


def decide(reading: Reading, engine: Engine, context_terms: Sequence[str] = (),
           prefer: Sequence[Collection[str]] = (), context_mentions: Sequence[str] = (),
           trust: bool = True) -> Reply:
    """The reply to a message already read.

    `context_terms` come from the conversation (the previous answer's key
    concepts): they count for matching and for an entry's key concepts, never
    as words the entry must cover, since the user did not write them.
    Among relevant entries, those of the first tier of `prefer` that has
    any come first (the previous answer and its neighbours); the entries of
    `prefer` are always judged, and with `trust` their key concepts are taken
    as named (a message that shows it follows up is about them).
    `context_mentions`, the episode's things a follow-up is about ("who
    made it?" after VoIP Down), make its "no" a "the articles don't say".
    """
    knowledge = engine.knowledge
    settings = knowledge.settings
    lang = reading.lang
    own = reading.analysis.terms
    if not own:
        # Nothing but stop words ("bonjour", "merci !", "ok?") is not a question
        # the bot failed to answer: invite one rather than say "I can't answer".
        return Reply(reading.question, lang, Outcome.INVALID, 0.0, text=knowledge.message("empty", lang),
                     suggestions=examples(knowledge, lang), truncated=reading.truncated,
                     why=Why((), (), (), (), "no words to read"))
    question_terms = tuple(dict.fromkeys((*own, *context_terms, *reading.scene)))
    language = knowledge.language
    # Filler words weigh next to nothing in matching; a synonym's key keeps its
    # weight even when its words are everyday ones ("come back" is "restore").
    noise = reading.analysis.fillers - engine.index.lexicon.keys
    preferred = frozenset().union(*prefer) if prefer else frozenset()
    found = match(question_terms, engine.index, limit=settings.matcher.candidates, fillers=noise, include=preferred)
    judged = judge(reading.analysis, question_terms, found, engine.index, knowledge.entries, language,
                   trusted=preferred if trust else frozenset())

    def why(rule: str) -> Why:
        return Why(question_terms, types_of(own, language.question_types), reading.mentions, judged, rule)

    thresholds = settings.thresholds
    best_score = judged[0].score if judged else 0.0
    relevant = [j for j in judged if j.relevant]
    tiers = [[j for j in relevant if j.entry_id in tier] for tier in prefer]
    contenders = next((tier for tier in tiers if tier), relevant)
    if contenders and relevant and relevant[0].score - contenders[0].score >= settings.outscored_by:
        # The conversation's favourites lose to an entry far ahead of them.
        contenders = relevant
    if contenders and contenders[0].score >= thresholds.answer:
        lead = contenders[0].score - (contenders[1].score if len(contenders) > 1 else 0.0)
        if lead >= thresholds.margin:
            entry = knowledge.entries[contenders[0].entry_id]
            return _answered(reading.question, entry, knowledge, lang, contenders[0].score, reading.truncated,
                             why("relevant entry above the answer threshold, ahead of the next by the margin"))
    # Every word of the question is one these entries use, for the kind of
    # answer it wants: a paraphrase the bot is unsure of, so it asks.
    close = [j for j in judged if not j.uncovered and j.type_ok and j.score >= thresholds.suggest]
    if close:
        return Reply(reading.question, lang, Outcome.SUGGESTED, best_score, text=knowledge.message("did_you_mean", lang),
                     suggestions=_suggestions(close, knowledge, lang), truncated=reading.truncated,
                     why=why("covered by entries, but not confidently enough to answer"))
    mentioned = reading.mentions or tuple(context_mentions)
    if mentioned:
        labels = ", ".join(dict.fromkeys(knowledge.local(language.episode[key], lang) for key in mentioned))
        nearest = [j for j in judged if j.score >= thresholds.suggest] or list(judged)
        return Reply(reading.question, lang, Outcome.NOT_IN_ARTICLES, best_score,
                     text=knowledge.message("not_in_articles", lang).format(things=labels),
                     suggestions=_suggestions(nearest, knowledge, lang) or examples(knowledge, lang),
                     truncated=reading.truncated, why=why("names the episode, but no entry answers what it asks"))
    return Reply(reading.question, lang, Outcome.ABSTAINED, best_score, text=knowledge.message("abstain", lang),
                 suggestions=examples(knowledge, lang), truncated=reading.truncated,
                 why=why("off topic: no relevant entry, and nothing of the episode named"))


def answer_entry(entry_id: str, engine: Engine, lang: str, reading: Reading | None = None, why: Why | None = None) -> Reply:
    """The reply for an entry chosen directly: a pressed suggestion button, or the message `reading` (`why` says why)."""
    entry = engine.knowledge.entries[entry_id]
    question = reading.question if reading else _suggestion(entry, lang).question
    return _answered(question, entry, engine.knowledge, lang, 100.0, reading.truncated if reading else False, why)


def nearest(reading: Reading, engine: Engine) -> tuple[Suggestion, ...]:
    """The questions closest to a message, for a reply that asks the user to say more."""
    terms = reading.analysis.terms
    found = match(terms, engine.index, limit=engine.knowledge.settings.max_suggestions) if terms else []
    floor = engine.knowledge.settings.thresholds.suggest
    close = [m for m in found if m.score >= floor]
    knowledge = engine.knowledge
    return tuple(_suggestion(knowledge.entries[m.entry_id], reading.lang) for m in close) or examples(knowledge, reading.lang)


def _answered(question: str, entry: Entry, knowledge: Knowledge, lang: str, score: float, truncated: bool,
              why: Why | None) -> Reply:
    settings = knowledge.settings
    return Reply(
        question, lang, Outcome.ANSWERED, score, entry.id,
        text=knowledge.local(entry.answer, lang),
        note=entry.note.get(lang, ""),
        sources=knowledge.sources_of(entry),
        related=tuple(_suggestion(knowledge.entries[r], lang) for r in entry.related[: settings.max_related]),
        quotes=quotes_of(entry, knowledge),
        truncated=truncated,
        why=why,
    )


def quotes_of(entry: Entry, knowledge: Knowledge) -> tuple[Citation, ...]:
    """The verbatim article quotes an answer rests on, each once, in the order of its facts."""
    return tuple(dict.fromkeys(c for f in entry.facts for c in knowledge.facts[f].citations))


def _suggestion(entry: Entry, lang: str) -> Suggestion:
    questions = entry.questions.get(lang) or next(iter(entry.questions.values()))
    return Suggestion(entry.id, questions[0])


def _suggestions(judged: Sequence[Judgement], knowledge: Knowledge, lang: str) -> tuple[Suggestion, ...]:
    limit = knowledge.settings.max_suggestions
    return tuple(_suggestion(knowledge.entries[j.entry_id], lang) for j in judged[:limit])


def examples(knowledge: Knowledge, lang: str) -> tuple[Suggestion, ...]:
    """The example questions of settings.yaml, in `lang`: offered when nothing matched, and at /start."""
    return tuple(_suggestion(knowledge.entries[e], lang) for e in knowledge.settings.examples)
