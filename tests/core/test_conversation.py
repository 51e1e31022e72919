"""Conversations: follow-ups read against the previous answer, in the core."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.answer import read
from bot.core.conversation import Context, converse, is_follow_up, language_request
from bot.core.engine import Engine, build_engine
from bot.core.models import Outcome

MINUTE = 60.0


def chat(engine: Engine, *questions: str, gap: float = 10.0) -> list[tuple[str, str | None, str]]:
    """(outcome, entry, lang) of each reply, the questions sent one after the other in one chat."""
    context: Context | None = None
    replies = []
    for i, question in enumerate(questions):
        reply, context = converse(question, engine, context, now=i * gap)
        replies.append((reply.outcome.value, reply.entry_id, reply.lang))
    return replies


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("Quand la VoIP a-t-elle été rétablie ?", "et pourquoi ?", "why-restored"),
    ("Quand la VoIP a-t-elle été rétablie ?", "combien de temps ?", "how-long"),
    ("Qui a décidé de bloquer la VoIP ?", "et pourquoi ?", "why-blocked"),
    ("Qui est Amine Raguib ?", "sa vidéo a fait combien de vues ?", "amine-raguib"),
    ("Le patron de l'ANRT a-t-il été limogé ?", "il a été remplacé par qui ?", "anrt-director"),
    ("When was the ban lifted?", "and why?", "why-restored"),
    ("Qui a bloqué Skype ?", "ça a duré combien de temps ?", "how-long"),
    ("c'est quoi la COP22 ?", "et elle se passait où ?", "cop22"),  # "se passer", not "se passer de"
    ("Could people send WhatsApp messages during the block?", "could they at least send photos?",
     "messages-still-work"),  # "at least" is not "last" (how long)
    ("Combien de temps a duré le blocage ?", "tu as lu ça où ?", "sources-outlets"),
    # "end" is an everyday word, but one the curators use for a step: read alone, it says when.
    ("Was Morocco's ban on WhatsApp calls supposed to be temporary?", "so when did it end?", "when-restored"),
    ("Quelles applications étaient bloquées ?", "et pour ceux qui appelaient depuis l'étranger ?",
     "international-calls"),  # "ceux qui" is no "who?"
    ("What was the 48-hour boycott in January?", "who organised it?", "amine-raguib"),  # no organisation
    ("Quels sont les trois opérateurs ?", "on leur reprochait quoi ?", "operators-role"),
    ("What was #OpeUnlike?", "how bad did it get at the peak?", "opeunlike-peak"),
    ("Who replaced the head of ANRT?", "was that linked to VoIP coming back?", "why-restored"),
    # A French object pronoun next to its subject or auxiliary refers back: "la" is ANRT, "l'" the boycott.
    ("Qui a décidé de bloquer la VoIP ?", "qui la dirige ?", "anrt-head"),
    ("C'était quoi le boycott de janvier ?", "qui l'a lancé ?", "amine-raguib"),
    ("Que faisaient les opérateurs dans cette affaire ?", "pourquoi on les accusait ?", "operators-role"),
])
def test_a_follow_up_is_read_against_the_previous_answer(engine: Engine, first: str, follow_up: str, entry: str) -> None:
    assert chat(engine, first, follow_up)[1][:2] == ("answered", entry)


def test_the_same_follow_up_depends_on_what_came_before(engine: Engine) -> None:
    after_restored = chat(engine, "Quand la VoIP a-t-elle été rétablie ?", "et pourquoi ?")[1]
    after_blocked = chat(engine, "Qui a décidé de bloquer la VoIP ?", "et pourquoi ?")[1]
    assert after_restored[1] != after_blocked[1]


@pytest.mark.parametrize("opener", ["et pourquoi ?", "combien ?", "and who decided?", "il a été remplacé par qui ?",
                                    "quand ça ?", "et après ?", "remplacé par qui ?", "why tho",
                                    "et Imo ?", "and Skype?",  # naming the episode is not enough to stand alone
                                    "ce type a été viré ?", "that man got sacked?",  # who is "that man"?
                                    "sur quelle base ?", "what does that mean?",
                                    "how many signed it?", "elle a été signée par combien ?",  # signed what?
                                    "qui l'a lancé ?", "qui la dirige ?",
                                    "by how many people?", "signée par combien ?",  # by how many, of what?
                                    "did it work in the end?"])  # "in the end" is no end of the block
def test_a_follow_up_opening_a_chat_gets_the_clarifying_reply(engine: Engine, opener: str) -> None:
    reply, context = converse(opener, engine, None, now=0.0)
    assert reply.outcome is Outcome.CLARIFY and not reply.answered and context is None
    assert reply.suggestions, "it offers questions the bot can answer"


@pytest.mark.parametrize("question", ["who is Amine Raguib and what did he do?", "qui est Raguib et il a fait quoi ?"])
def test_a_pronoun_for_the_name_a_question_gives_opens_a_chat(engine: Engine, question: str) -> None:
    # "he" is the man the question names, not someone an answer named before.
    assert chat(engine, question)[0][:2] == ("answered", "amine-raguib")


@pytest.mark.parametrize(("question", "entry"), [("was it blocked for a year?", "how-long"),
                                               ("is it still blocked?", "still-blocked"),
                                               ("it lasted almost a year, right?", "how-long"),
                                               ("when did it come back?", "when-restored")])  # only the block comes back
def test_it_about_the_block_opens_a_chat(engine: Engine, question: str, entry: str) -> None:
    # "it" with the episode's own words is the block: no need to ask what it is.
    assert chat(engine, question)[0][:2] == ("answered", entry)


@pytest.mark.parametrize(("question", "entry"), [("The letter was signed by how many people?", "letter-anrt-president"),
                                               ("La pétition a été signée par combien de personnes ?", "petitions")])
def test_a_marked_first_message_naming_what_it_asks_about_stands_alone(engine: Engine, question: str, entry: str) -> None:
    assert chat(engine, question)[0][:2] == ("answered", entry)


def test_what_it_is_in_a_first_message_is_data(engine: Engine) -> None:
    knowledge = engine.knowledge
    marks = dataclasses.replace(knowledge.language.follow_up, of_the_block=frozenset())
    unsure = build_engine(dataclasses.replace(knowledge, language=dataclasses.replace(knowledge.language, follow_up=marks)))
    assert chat(engine, "when did it come back?")[0][:2] == ("answered", "when-restored")
    assert chat(unsure, "when did it come back?")[0][0] == "clarify"


def test_a_full_question_on_another_subject_ignores_the_context(engine: Engine) -> None:
    assert chat(engine, "When was the ban lifted?", "What is #OpeUnlike?")[1][:2] == ("answered", "opeunlike")


@pytest.mark.parametrize(("first", "second", "entry"), [
    ("Qui a décidé de bloquer la VoIP ?", "Combien de Marocains utilisent Internet ?", "internet-users"),
    ("Did the operators lose money because of WhatsApp?", "How many Moroccans use the internet?", "internet-users"),
])
def test_an_unmarked_question_answered_better_on_its_own_is_a_change_of_subject(
        engine: Engine, first: str, second: str, entry: str) -> None:
    # It names nothing of the episode, so only its scores tell it from a follow-up.
    assert chat(engine, first, second)[1][:2] == ("answered", entry)


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("Quelles applications étaient bloquées ?", "et Messenger aussi ?", "which-apps"),
    ("Qu'est-ce qu'on peut refaire depuis le déblocage ?", "et Viber aussi ?", "after-lifting"),
    # Naming something the question did not leaves the previous answer's neighbourhood.
    ("Quand la VoIP a-t-elle été rétablie ?", "et la COP22 dans tout ça ?", "cop22"),
])
def test_a_marked_follow_up_naming_the_episode_stays_in_context(engine: Engine, first: str, follow_up: str,
                                                                entry: str) -> None:
    assert chat(engine, first, follow_up)[1][:2] == ("answered", entry)


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("Who made the decision to block VoIP?", "and how long did it last?", "how-long"),
    ("Qui a pris la décision de bloquer la VoIP ?", "et ça a duré combien de temps ?", "how-long"),
])
def test_a_follow_up_leaves_the_neighbours_for_an_entry_far_ahead(engine: Engine, first: str, follow_up: str,
                                                                 entry: str) -> None:
    assert chat(engine, first, follow_up)[1][:2] == ("answered", entry)
    # The setting is what lets it out: never leaving, the neighbours win.
    stay = dataclasses.replace(engine.knowledge.settings, outscored_by=101.0)
    anchored = dataclasses.replace(engine, knowledge=dataclasses.replace(engine.knowledge, settings=stay))
    assert chat(anchored, first, follow_up)[1][1] != entry


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("Pouvait-on encore envoyer des messages sur WhatsApp ?", "et les appels vers l'étranger ?", "international-calls"),
    ("Les opérateurs perdaient combien d'argent à cause de WhatsApp ?",
     "et le Maroc, il a perdu combien avec ce blocage ?", "economic-loss"),
    # The scene ("quand ils ont débloqué") is the previous answer's; what follows is asked.
    ("La VoIP a été rétablie quand au Maroc ?", "quand ils ont débloqué, on pouvait refaire quoi exactement ?",
     "after-lifting"),
    ("what was the January boycott?", "when he posted his video, how many people watched it?", "amine-raguib"),
])
def test_a_follow_up_that_says_all_it_asks_is_read_on_its_own_words(engine: Engine, first: str, follow_up: str,
                                                                     entry: str) -> None:
    # In context, the previous question's words would pull it back to the previous entry.
    replies = chat(engine, first, follow_up)
    assert replies[0][1] != entry and replies[1][:2] == ("answered", entry)


def test_a_pronoun_after_a_question_naming_a_thing_is_that_thing_not_one_the_answer_named(engine: Engine) -> None:
    # The answer on COP22 names ANRT, but "la" is COP22, which no entry says who heads.
    assert chat(engine, "c'est quoi la COP22 ?", "qui la dirige ?")[1][0] != "answered"


def test_it_is_one_of_the_things_the_answer_named_not_all_at_once(engine: Engine) -> None:
    # The answer about who decided names ANRT and the three operators: "la" is ANRT.
    first, context = converse("Qui a décidé de bloquer la VoIP ?", engine, None, now=0.0)
    assert context is not None and {"anrt", "operator"} <= {*context.terms, *context.named}
    reply, _ = converse("et qui la dirige ?", engine, context, now=MINUTE)
    assert (first.entry_id, reply.outcome, reply.entry_id) == ("who-decided", Outcome.ANSWERED, "anrt-head")


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("Quand le blocage a-t-il commencé ?", "et pourquoi ?", "why-blocked"),
    ("Qui a ordonné le blocage de la VoIP ?", "and why?", "why-blocked"),
    ("combien de personnes ont signé la lettre au président de l'ANRT ?", "c'est qui ce président ?", "anrt-head"),
    ("Who signed the letter to the ANRT president?", "who's that president?", "anrt-head"),
    ("What does the acronym ANRT mean?", "who heads it?", "anrt-head"),  # "it" points back when it is all there is
    ("Qui est Amine Raguib ?", "il appelait à faire quoi ?", "boycott-january"),  # the call he made: the boycott
    ("What is ANRT short for?", "what was its role in the ban?", "who-decided"),  # "the ban" is the episode: no new word
    ("Qui a donné son feu vert au blocage ?", "sur quelle base ?", "anrt-justification"),  # a justification of what?
    # "quoi" only asks: the one thing said is January.
    ("Y a-t-il eu d'autres appels au boycott avant celui de janvier 2016 ?", "et celui de janvier, c'était quoi ?",
     "boycott-january"),
    # "ordered" alone is an everyday word; after the green light it is the decision.
    ("Who gave the operators the green light?", "and who ordered it, in fact?", "who-decided"),
    # Its one word is one the question just used: the same president, no mark needed.
    ("How many people signed the letter to the ANRT president?", "who is the president?", "anrt-head"),
    ("Les opérateurs, qui sont-ils ?", "ils ont commenté publiquement ?", "operators-statement"),
    # What they said and their justification are one step: the operators' own statement, not ANRT's.
    ("c'est qui les opérateurs ?", "ils ont dit quoi pour se défendre ?", "operators-statement"),
    ("What does VoIP mean?", "and which ones got blocked?", "which-apps"),
    # Naming the episode itself ("blocking Viber calls") is no new subject: "it" is still ANRT.
    ("What does ANRT stand for?", "what did it have to do with blocking Viber calls?", "who-decided"),
    ("Combien le blocage a-t-il coûté au Maroc ?", "et c'est encore bloqué aujourd'hui ?", "still-blocked"),
    ("Les opérateurs ont-ils réagi ?", "c'est lesquels déjà ?", "operators"),
])
def test_a_follow_up_saying_one_thing_goes_where_the_entry_s_follow_ups_say(engine: Engine, first: str, follow_up: str,
                                                                           entry: str) -> None:
    # Read with the previous question's words, each would get the previous
    # entry or one its words lean to ("ordered" is the operators' role too).
    replies = chat(engine, first, follow_up)
    previous = engine.knowledge.entries[str(replies[0][1])]
    assert entry in previous.follow_ups.values() and replies[1][:2] == ("answered", entry)


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    # Saying only frames what is asked about: money, after the communiqué, is the revenue argument...
    ("When did ANRT publish its communiqué?", "did it say anything about money?", "lost-revenue"),
    # ...but an actor of the episode is who speaks.
    ("Qui a donné le feu vert aux opérateurs pour bloquer la VoIP ?", "et les opérateurs, ils ont dit quoi ?",
     "operators-statement"),
])
def test_saying_frames_a_follow_up_about_a_topic_not_one_about_who_speaks(engine: Engine, first: str, follow_up: str,
                                                                         entry: str) -> None:
    assert chat(engine, first, follow_up)[1][:2] == ("answered", entry)


def test_several_words_each_a_step_to_the_same_entry_say_one_thing(engine: Engine) -> None:
    # What the communiqué said, and its justification: both steps lead to the justification.
    first, context = converse("Quand l'ANRT a-t-elle publié son communiqué ?", engine, None, now=0.0)
    reply, _ = converse("il disait quoi comme justification ?", engine, context, now=10.0)
    assert first.entry_id == "anrt-communiques" and reply.entry_id == "anrt-justification"
    assert reply.why is not None and reply.why.rule == "a follow-up the previous entry's follow_ups name"


def test_follow_ups_are_data(engine: Engine) -> None:
    knowledge = engine.knowledge
    started = knowledge.entries["when-blocked"]
    rewired = dataclasses.replace(started, follow_ups={**started.follow_ups, "why": "why-restored"})
    changed = build_engine(dataclasses.replace(knowledge, entries={**knowledge.entries, started.id: rewired}))
    assert chat(engine, "Quand le blocage a-t-il commencé ?", "et pourquoi ?")[1][1] == "why-blocked"
    assert chat(changed, "Quand le blocage a-t-il commencé ?", "et pourquoi ?")[1][1] == "why-restored"


@pytest.mark.parametrize("follow_up", ["les dates divergent ?", "why do the dates not match?"])
def test_a_follow_up_on_the_articles_disagreeing_gets_the_answer_that_says_so(engine: Engine, follow_up: str) -> None:
    # The entry's note says how they disagree.
    replies = chat(engine, "Quand la VoIP a-t-elle été rétablie ?", follow_up)
    assert replies[1][:2] == ("answered", "when-restored") and engine.knowledge.entries["when-restored"].note


def test_and_in_english_answers_the_previous_entry_in_english(engine: Engine) -> None:
    replies = chat(engine, "Qui est Amine Raguib ?", "and in English?")
    assert replies[1] == ("answered", "amine-raguib", "en")


def test_context_expires(engine: Engine) -> None:
    replies = chat(engine, "Quand la VoIP a-t-elle été rétablie ?", "et pourquoi ?",
                   gap=engine.knowledge.settings.context_seconds + MINUTE)
    assert replies[1][0] == "clarify"


def test_a_context_whose_entry_was_removed_by_a_reload_is_forgotten(engine: Engine) -> None:
    gone = Context("no-such-entry", ("restore",), "fr", at=0.0)
    assert converse("et pourquoi ?", engine, gone, now=1.0)[0].outcome is Outcome.CLARIFY


def test_an_unanswered_message_keeps_the_context(engine: Engine) -> None:
    replies = chat(engine, "Quand la VoIP a-t-elle été rétablie ?", "quelle est la recette du couscous ?", "et pourquoi ?")
    assert replies[1][0] != "answered" and replies[2][:2] == ("answered", "why-restored")


def test_the_conversation_keeps_its_language_for_a_message_that_does_not_tell(engine: Engine) -> None:
    context = Context("when-restored", ("restore",), "en", at=0.0)
    reply, _ = converse("COP22 ?", engine, context, now=1.0)
    assert reply.lang == "en"


@pytest.mark.parametrize(("message", "expected"), [
    ("et pourquoi ?", True),
    ("pourquoi ?", True),
    ("sa vidéo a fait combien de vues ?", True),
    ("and who decided?", True),
    ("Pour quelles raisons les appels ont-ils été débloqués ?", False),  # inversion, not a reference
    ("Il y avait déjà eu des appels au boycott avant ?", False),  # "il y avait" is "there was": no one
    ("Quand la VoIP a-t-elle été rétablie ?", False),
    ("bonjour", False),
    ("les dates divergent ?", True),  # the articles disagree about something the message does not name
    ("how did the operators there react?", True),
    ("what was its role?", True),
    ("what about texting?", True),  # an opener of two words
    ("what is VoIP?", False),
    ("was there a petition?", False),  # "there" as in "there was": no place referred to
    ("ما هي أسباب حجب المكالمات؟", False),  # "ما هي" is "what is": no one referred to
    ("شنو هو السبب ديالو؟", True),  # "ديالو", "his", is
    ("qui la dirige ?", True),  # "la" next to its subject is a pronoun
    ("qui dirige la campagne ?", False),  # "la" before a noun is an article
    ("c qui les operateurs ?", False),  # so it is right after "qui" when the episode's thing follows
    ("on les accusait de quoi ?", True),
    ("signed by how many?", True),  # a passive missing its subject
    ("The letter was signed by how many people?", True),  # marked, yet it names what it asks about
])
def test_what_marks_a_follow_up(engine: Engine, message: str, expected: bool) -> None:
    assert is_follow_up(read(message, engine), engine.knowledge) is expected


@pytest.mark.parametrize(("message", "lang"), [
    ("and in English?", "en"), ("en français stp", "fr"), ("in french please", "fr"),
    ("Is the English version of the article available?", None), ("pourquoi ?", None),
])
def test_language_requests(engine: Engine, message: str, lang: str | None) -> None:
    assert language_request(message, engine.knowledge) == lang


def test_context_is_a_frozen_value(engine: Engine) -> None:
    _, context = converse("Quand la VoIP a-t-elle été rétablie ?", engine, None, now=5.0)
    assert context is not None and context.entry_id == "when-restored" and context.at == 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.at = 6.0  # type: ignore[misc]


def test_a_follow_up_no_entry_answers_is_told_the_articles_do_not_say(engine: Engine) -> None:
    _, context = converse("What is VoIP Down?", engine, None, now=0.0)
    reply, after = converse("who made it?", engine, context, now=10.0)
    # Still about VoIP Down: not "I only know about the VoIP block".
    assert reply.outcome is Outcome.NOT_IN_ARTICLES and "VoIP Down" in reply.text
    assert after == context


@pytest.mark.parametrize(("first", "second"), [
    ("Quand la VoIP a-t-elle été rétablie ?", "Qui est le président de la France ?"),
    ("Quand la VoIP a-t-elle été rétablie ?", "Qui est le chef du gouvernement au Maroc ?"),
    ("C'est quoi #OpeUnlike ?", "How many people live in Morocco?"),
    ("Quand la VoIP a-t-elle été rétablie ?", "how far is marrakech from casablanca"),
    # "président" leads to ANRT's head after this answer, but only when it points back ("ce président").
    ("Qui a décidé de bloquer la VoIP ?", "Who is the president of Morocco?"),
])
def test_the_context_lends_no_subject_to_a_question_that_shows_no_mark(engine: Engine, first: str, second: str) -> None:
    # Answered alone they get no confident answer; after an answer, neither.
    assert chat(engine, first, second)[1][0] != "answered"
