"""Read a message in its conversation: follow-ups against the previous answer.

People talk to the bot: after "Quand la VoIP a-t-elle été débloquée ?" they
send "et pourquoi ?". `converse()` takes the conversation's `Context` (the
last answered entry, the words of the question it answered, its language,
when) and returns the reply with the new context. It stays pure: the caller
keeps contexts and passes the time.

A message is a follow-up when it names nothing of the episode and either has
no words of its own beyond a question type ("pourquoi ?", "combien ?"),
opens with a conjunction ("et qui a décidé ?"), refers back to someone
("il a été remplacé par qui ?", "sa vidéo", "qui l'a lancé ?"), or has only words that ask
about someone it does not name ("remplacé par qui ?"); the words for these are data
(language.yaml's `follow_up`). A follow-up is read with the previous
question's words added, preferring the previous entry and its related
entries, unless it says one thing only: then the previous entry's
`follow_ups` (data) say where it goes ("et pourquoi ?" after when the block
began: why it was blocked). A follow-up with no context gets a clarifying
reply, never an answer, and so does a first message saying "it" of
something other than the block ("how many signed it?"; "when did it come
back?" can only be the block). "And in English?" re-answers the previous entry in that language.
A message naming the episode's actors or things is a question of its own
unless it is marked ("et Skype aussi ?"); any other message that answers
better on its own words than in context is read alone: a change of subject,
or a follow-up that says all it asks ("et les appels vers l'étranger ?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answer import Reading, answer_entry, decide, nearest, read
from .engine import Engine
from .models import Knowledge, Outcome, Reply, Why
from .normalize import words
from .relevance import types_of

_INVERSION = re.compile(r"-(?:t-)?(?:il|ils|elle|elles|on)\b|\bil y (?:a|avait|aura|aurait)\b")


@dataclass(frozen=True)
class Context:
    """What a conversation remembers of its last answer."""

    entry_id: str
    terms: tuple[str, ...]  # the answered question's own words (terms) that the entry covers
    lang: str
    at: float  # when, in the caller's clock (seconds)
    named: tuple[str, ...] = ()  # the episode's actors and things the answer names


def context_of(reply: Reply, engine: Engine, now: float) -> Context:
    """The context an answer leaves: what a follow-up to it is read with."""
    assert reply.entry_id is not None
    knowledge = engine.knowledge
    vocabulary = engine.index.vocabulary[reply.entry_id]
    types = knowledge.language.question_types
    own = reply.why.terms if reply.why else ()
    # A pressed button has no words: its entry's key concepts stand for them.
    covered = tuple(t for t in own if t in vocabulary and t not in types) or knowledge.entries[reply.entry_id].needs[:1]
    named = tuple(t for t in read(reply.text, engine, reply_lang=reply.lang).mentions if t not in covered)
    return Context(reply.entry_id, covered, reply.lang, now, named)


def converse(question: str, engine: Engine, context: Context | None, now: float, lang_hint: str | None = None,
             reply_lang: str | None = None) -> tuple[Reply, Context | None]:
    """The reply to `question` in a conversation whose last answer is `context`, and the context after it.

    `lang_hint` decides the language of a message that does not tell (after
    the conversation's own language); `reply_lang`, a language the chat
    chose, is the reply's whatever the message's.
    """
    knowledge = engine.knowledge
    live = _live(context, knowledge, now)
    reading = read(question, engine, live.lang if live else lang_hint, reply_lang)
    switch = language_request(question, knowledge)
    if switch is not None:
        if live is None:
            return clarify(reading, engine, switch), None
        reply = answer_entry(live.entry_id, engine, switch)
        return reply, Context(live.entry_id, live.terms, switch, now, live.named)
    if live is None:
        reply = decide(reading, engine)
        own = _own(reading, knowledge)
        # A question naming the episode says enough to stand alone, unless
        # names are all it says ("et Imo ?"): "who is Amine Raguib and what
        # did he do?" asks who, and "he" is the man it names.
        asked = types_of(reading.analysis.terms, knowledge.language.question_types)
        bare = not reading.mentions or (set(own) <= set(reading.mentions) and not asked)
        # "that guy got fired?" points at someone only an answer could have
        # named, and "how many signed it?" at something; "is it still
        # blocked?" and "when did it come back?" say what "it" is: the block.
        block = knowledge.language.context | knowledge.language.follow_up.of_the_block
        pointing = (not reading.mentions and not set(reading.analysis.terms) & block
                    and _pointing(reading, knowledge, neutral=True))
        if bare and (is_follow_up(reading, knowledge) or pointing) and not (reply.answered and len(own) >= 2):
            # Nothing to follow, and too little to stand alone: ask, never guess.
            return clarify(reading, engine), None
    elif reading.mentions and not _marked(reading, knowledge) and not _about_it(reading, knowledge):
        # It names the episode's actors or things and shows no mark of
        # continuing ("et Skype aussi ?"): a question of its own.
        reply = decide(reading, engine)
    else:
        reply = _in_context(reading, engine, live)
    if reply.answered and reply.entry_id is not None:
        return reply, context_of(reply, engine, now)
    # Not answered: the conversation still refers to its last answer.
    return reply, live


def _in_context(reading: Reading, engine: Engine, live: Context) -> Reply:
    """A message read after an answer: one that names nothing of the episode, or that shows it continues.

    A message that answers better on its own words than in context stands
    alone: a change of subject, or a follow-up that says all it asks ("et
    les appels vers l'étranger ?"). Otherwise, read with the previous
    question's words, it is a follow-up if that lands on the previous entry
    or a neighbour of it ("signée par combien ?" after the letter to ANRT's
    president); failing that, with one of the things the answer named
    ("et qui la dirige ?" after an answer naming ANRT and the operators:
    "la" is one of them, not all at once), which come second because an
    answer names more than was asked. A follow-up naming something the
    question did not ("et la COP22 dans tout ça ?") looks beyond the
    neighbours. A follow-up gets the best the context allows, and when
    nothing answers it, "the articles don't say" about the conversation's
    subject.
    """
    knowledge = engine.knowledge
    near = neighbours(live.entry_id, knowledge)
    marked = is_follow_up(reading, knowledge)
    own = _own(reading, knowledge)
    following = _curated(reading, engine, live, marked)
    if following is not None:
        why = Why(reading.analysis.terms, types_of(reading.analysis.terms, knowledge.language.question_types),
                  reading.mentions, (), "a follow-up the previous entry's follow_ups name")
        return answer_entry(following, engine, reading.lang, reading, why)
    # An everyday word that means a key the curators use for a step says
    # enough, with a question type, to be read on its own words too ("so when
    # did it end?"); without one it asks nothing new ("what did she say?").
    asked = types_of(reading.analysis.terms, knowledge.language.question_types)
    steps = asked and _said(reading, engine, live)
    alone = decide(reading, engine) if own or steps or not marked else None
    if alone is not None and not (marked or own):
        # Unmarked, and nothing of its own to ask ("what time is it in New
        # York?"): the context cannot supply its subject.
        return alone
    # A follow-up no entry answers is still about the conversation's subject:
    # "the articles don't say", not "I only know about the VoIP block".
    episode = knowledge.language.episode
    about = [t for t in live.terms if t in episode] or list(live.named[:1]) if marked else []
    new = [m for m in reading.mentions if m not in live.terms]
    prefer = () if new else (near,)
    # Only a message that shows it follows up is taken to be about the
    # previous answer's subject; an unmarked one ("Qui est le président de
    # la France ?") must name what its answer needs, context or not.
    followed = decide(reading, engine, context_terms=live.terms, prefer=prefer, context_mentions=about, trust=marked)
    if alone is not None and alone.answered and alone.score >= followed.score:
        # Its own words answer it better than the context does: a change of
        # subject, or a follow-up that says all it asks.
        return alone
    if followed.answered and followed.entry_id in near:
        return followed
    if alone is not None and not marked:
        # Unmarked, and its question's words found nothing near: it stands
        # alone (what the previous answer named is for follow-ups only).
        return alone
    # The things in the order the answer names them: the first is what it is
    # about. Only when the question named none itself: after "c'est quoi la
    # COP22 ?", "qui la dirige ?" is about COP22, not ANRT that the answer names.
    named = () if set(live.terms) & set(episode) - knowledge.language.context else live.named
    referents = [decide(reading, engine, context_terms=(*live.terms, thing), prefer=(near,), context_mentions=about)
                 for thing in named]
    found = [reply for reply in referents if reply.answered]
    nearby = [reply for reply in found if reply.entry_id in near]
    if nearby:
        return nearby[0]
    if followed.answered or not found:
        return followed
    return max(found, key=lambda reply: reply.score)


def _curated(reading: Reading, engine: Engine, live: Context, marked: bool) -> str | None:
    """The entry the previous answer's `follow_ups` give a message that says one thing or only asks.

    "et pourquoi ?" after when the block began wants why it was blocked, not
    what the previous question's words lean to ("when did it start?"); "c'est
    qui ce président ?" after the letter to ANRT's president wants ANRT's
    head. Where to go next is the curators' call, so it is data.
    """
    knowledge = engine.knowledge
    asked = types_of(reading.analysis.terms, knowledge.language.question_types)
    wanted = knowledge.entries[live.entry_id].follow_ups
    said = _said(reading, engine, live)
    # "what did it say about money?" asks about money: saying only frames it.
    # "et les opérateurs, ils ont dit quoi ?" asks what they said: an actor of
    # the episode is who speaks, not what about.
    language = knowledge.language
    framed = set(said) & language.follow_up.framing
    topic = [t for t in said if t not in framed and t not in language.episode]
    said = [t for t in said if t not in framed] if framed and topic else said
    if len(said) == 1 and (marked or _pointing(reading, knowledge, neutral=True) or said[0] in live.terms):
        # One thing, and a sign it is the answer's ("c'est qui ce président ?",
        # or "who was the president?" right after the letter to the
        # president), not a question of its own ("Who is the president of
        # Morocco?" after who decided).
        keys = said
    elif not said and marked:
        keys = list(asked)
    elif said and marked and len({wanted.get(t) for t in said}) == 1 and said[0] in wanted:
        # Several words, each a step to the same entry ("elle disait quoi
        # pour justifier ?" after the communiqué: what it said, its
        # justification): one thing said in several words.
        keys = said[:1]
    else:
        return None
    for key in keys:
        target = wanted.get(key)
        answers = knowledge.entries[target].asks if target else ()
        # The curated entry must answer the kind of question asked.
        if target is not None and (key in asked or not asked or not answers or set(asked) & set(answers)):
            return target
    return None


def _said(reading: Reading, engine: Engine, live: Context) -> list[str]:
    """What a follow-up says beyond asking: its terms that are not a question type, filler or the episode's."""
    knowledge = engine.knowledge
    types = knowledge.language.question_types
    wanted = knowledge.entries[live.entry_id].follow_ups
    fillers = reading.analysis.fillers
    # An everyday word says nothing, unless it means a key the curators use
    # for a step ("and who ordered it?" after the green light is about the
    # decision; "ils ont dit quoi ?" asks what someone said; "quoi" is no step).
    # The episode's own words (VoIP, the block, January) say nothing new after
    # an answer about it, nor do words that only ask ("c'était quoi ?"),
    # unless the curators made one a step ("the January one", "which ones?").
    unsaid = knowledge.language.follow_up.asking | knowledge.language.context
    return [t for t in dict.fromkeys(reading.analysis.terms)
            if t not in types and (t not in unsaid or t in wanted) and (t not in fillers or t in engine.steps)]


def is_follow_up(reading: Reading, knowledge: Knowledge) -> bool:
    """Whether a message shows it continues a conversation (see the module's docstring)."""
    own = _own(reading, knowledge)
    # "bonjour" has no words to read, "et après ?" has: the mark tells them apart.
    # "remplacé par qui ?" has a word of its own, but one about someone unnamed.
    # "how far is Marrakech from Casablanca" has only everyday words, but
    # more than a bare question ("pourquoi exactement ?") would.
    predicates = knowledge.language.follow_up.predicates
    types = knowledge.language.question_types
    everyday = [t for t in reading.analysis.terms if t not in types and t not in own]
    bare = bool(reading.analysis.terms) and len(everyday) <= 1
    return _marked(reading, knowledge) or (bare and all(t in predicates for t in own))


def _marked(reading: Reading, knowledge: Knowledge) -> bool:
    """Whether a message opens with a conjunction or refers back ("et...", "il...", "...aussi")."""
    # French inversion ("ont-ils", "a-t-elle") is no reference to anyone, nor is "il y a".
    folded = words(_INVERSION.sub(" ", reading.question.casefold()))
    marks = knowledge.language.follow_up
    if folded and (folded[0] in marks.openers or any(tuple(folded[: len(p)]) == p for p in marks.opener_phrases)):
        return True
    # Nor is a pronoun in a phrase that only asks ("ما هي", "chno howa": "what is").
    for phrase in marks.not_references:
        folded = _without(folded, phrase)
    return any(w in marks.back_references for w in folded) or any(
        tuple(folded[i : i + len(p)]) == p and not _names(folded[i + len(p) : i + len(p) + 1], knowledge)
        for p in marks.back_reference_phrases for i in range(len(folded)))


def _names(following: list[str], knowledge: Knowledge) -> bool:
    """Whether the word after a pronoun phrase names the episode's thing: then "la" was its article."""
    # "c'est qui les opérateurs ?" asks who they are; "qui les a bloqués ?" refers back.
    language = knowledge.language
    return bool(following) and language.synonyms.get(following[0]) in language.episode


def _pointing(reading: Reading, knowledge: Knowledge, neutral: bool = False) -> bool:
    """Whether a message points at something with a demonstrative ("ce président", "that guy"), or with "it"."""
    marks = knowledge.language.follow_up
    folded = words(reading.question)
    for phrase in marks.not_references:
        folded = _without(folded, phrase)
    return any(w in marks.demonstratives or (neutral and w in marks.neutral) for w in folded)


def _about_it(reading: Reading, knowledge: Knowledge) -> bool:
    """Whether a message names only the episode itself and says "it" ("what did it have to do with the ban?")."""
    # "the WhatsApp ban" is the conversation's subject, not a new one; "it"
    # is then the answer's subject. "that" may be the thing just named
    # ("was that linked to VoIP coming back?"): the message's own words decide.
    neutral = knowledge.language.follow_up.neutral
    return set(reading.mentions) <= knowledge.language.context and any(w in neutral for w in words(reading.question))


def _without(folded: list[str], phrase: tuple[str, ...]) -> list[str]:
    """`folded` with every occurrence of the word sequence `phrase` taken out."""
    kept: list[str] = []
    i = 0
    while i < len(folded):
        if tuple(folded[i : i + len(phrase)]) == phrase:
            i += len(phrase)
        else:
            kept.append(folded[i])
            i += 1
    return kept


def _own(reading: Reading, knowledge: Knowledge) -> list[str]:
    """The message's own content terms: not its question type, not filler."""
    types = knowledge.language.question_types
    return [t for t in reading.analysis.terms if t not in types and t not in reading.analysis.fillers]


def language_request(question: str, knowledge: Knowledge) -> str | None:
    """The language a message asks the previous answer in ("and in English?"), if that is all it asks."""
    folded = words(question)
    marks = knowledge.language.follow_up
    for lang, phrases in knowledge.language.language_requests.items():
        for phrase in phrases:
            size = len(phrase)
            for start in range(len(folded) - size + 1):
                if tuple(folded[start : start + size]) == phrase:
                    rest = folded[:start] + folded[start + size :]
                    if all(w in marks.openers or w in marks.politeness for w in rest):
                        return lang
    return None


def clarify(reading: Reading, engine: Engine, lang: str | None = None) -> Reply:
    """The reply to a follow-up with nothing to follow: ask for the whole question, with the closest ones."""
    knowledge = engine.knowledge
    lang = lang or reading.lang
    return Reply(reading.question, lang, Outcome.CLARIFY, 0.0, text=knowledge.message("clarify", lang),
                 suggestions=nearest(reading, engine), truncated=reading.truncated,
                 why=Why(reading.analysis.terms, (), reading.mentions, (), "a follow-up with no previous answer"))


def neighbours(entry_id: str, knowledge: Knowledge) -> frozenset[str]:
    """An entry, the entries it relates to, and those that relate to it: where a follow-up looks first."""
    entry = knowledge.entries[entry_id]
    pointing = {e.id for e in knowledge.entries.values() if entry_id in e.related}
    return frozenset({entry_id, *entry.related, *pointing})


def _live(context: Context | None, knowledge: Knowledge, now: float) -> Context | None:
    """The context if it has not expired and its entry still exists (a reload may remove it)."""
    if context is None or context.entry_id not in knowledge.entries:
        return None
    return context if 0 <= now - context.at <= knowledge.settings.context_seconds else None
