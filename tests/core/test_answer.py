"""The core's entry point on a small knowledge base: outcomes, language, citations, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.plaintext import to_plain
from bot.core.answer import answer, answer_entry, read
from bot.core.engine import Engine, load_engine
from bot.core.models import Outcome
from bot.core.relevance import types_of


@pytest.fixture
def mini_engine(mini: Path) -> Engine:
    return load_engine(mini)


@pytest.mark.parametrize("question, entry, lang", [
    ("quand la VoIP a-t-elle été rétablie?", "when-restored", "fr"),
    ("When was VoIP restored?", "when-restored", "en"),
    ("voip retablie c quand", "when-restored", "fr"),
    ("skype calls restored when", "when-restored", "en"),
    ("combien de temps a duré le blocage", "how-long", "fr"),
    ("how long did the ban last", "how-long", "en"),
])
def test_answers_in_the_question_language(mini_engine: Engine, question: str, entry: str, lang: str) -> None:
    reply = answer(question, mini_engine)
    assert (reply.outcome, reply.entry_id, reply.lang) == (Outcome.ANSWERED, entry, lang)
    assert reply.text == mini_engine.knowledge.entries[entry].answer[lang]


def test_answer_cites_the_sources_of_its_facts_and_their_disagreement(mini_engine: Engine) -> None:
    reply = answer("quand la VoIP a-t-elle été rétablie?", mini_engine)
    assert [s.id for s in reply.sources] == ["huffpost-2016-11", "blog-2016-11"]
    assert reply.note == "Les sources divergent : 3 ou 4 novembre."
    plain = to_plain(reply, mini_engine.knowledge)
    assert plain.startswith("Début novembre 2016.\n— HuffPost Maroc, vers le 3 nov. 2016 · Un blog, nov. 2016")
    assert "À noter : Les sources divergent" in plain
    assert [(q.source, q.quote) for q in reply.quotes] == [
        ("huffpost-2016-11", "Jeudi 3 novembre, à quatre jours de l'ouverture de la COP22"),
        ("blog-2016-11", "L’annonce, faite le 4 novembre par l’ANRT")]
    assert "Voir aussi :\n- Combien de temps a duré le blocage ?" in plain


def test_answer_without_disagreement_has_no_note(mini_engine: Engine) -> None:
    reply = answer("How long did the block last?", mini_engine)
    assert reply.note == "" and [s.id for s in reply.sources] == ["blog-2016-11"]


@pytest.mark.parametrize("question", [
    "How do I install WhatsApp on my laptop?",
    "Combien coûte un forfait Inwi ?",
    "recette du tajine",
])
def test_off_topic_gets_no_confident_answer(mini_engine: Engine, question: str) -> None:
    reply = answer(question, mini_engine)
    assert not reply.answered
    assert reply.suggestions, "an unsure reply offers questions it can answer"


@pytest.mark.parametrize("question, outcome", [
    ("", Outcome.INVALID),
    ("   \n\t ", Outcome.INVALID),
    ("😀🎉👍", Outcome.INVALID),
    ("\x00\x07\x1b[31m", Outcome.ABSTAINED),  # "31m" survives as a word; it matches nothing
    ("<b></b><i></i>", Outcome.INVALID),
    ("**__~~``**", Outcome.INVALID),
    ("c'est le", Outcome.INVALID),  # stop words only: no question to answer
    ("it was the", Outcome.INVALID),
    ("متى تم رفع الحظر؟", Outcome.ABSTAINED),
    ("\u202equand la voip a-t-elle été rétablie\u202c", Outcome.ANSWERED),  # right-to-left override marks
    ("<b>quand</b> la <i>VoIP</i> a-t-elle été <a href='x'>rétablie</a>", Outcome.ANSWERED),
])
def test_bad_input_gets_a_reply_never_an_exception(mini_engine: Engine, question: str, outcome: Outcome) -> None:
    reply = answer(question, mini_engine)
    assert reply.outcome is outcome
    assert reply.text


def test_huge_question_is_read_on_its_start(mini_engine: Engine) -> None:
    # Only the start is read: the unknown word far beyond the limit is never seen.
    reply = answer("quand la VoIP a-t-elle été rétablie? " * 20 + "couscous " * 1500, mini_engine)
    assert reply.truncated and reply.answered and reply.entry_id == "when-restored"
    assert to_plain(reply, mini_engine.knowledge).startswith("Message tronqué.")


def test_short_question_follows_the_hint(mini_engine: Engine) -> None:
    assert answer("VoIP ?", mini_engine, lang_hint="en").lang == "en"
    assert answer("VoIP ?", mini_engine, lang_hint="fr-FR").lang == "fr"


def test_answer_entry_answers_a_pressed_suggestion(mini_engine: Engine) -> None:
    reply = answer_entry("how-long", mini_engine, "en")
    assert (reply.entry_id, reply.text, reply.question) == ("how-long", "Ten months.", "How long did the block last?")


def test_answer_is_pure(mini_engine: Engine) -> None:
    first = answer("when was voip restored", mini_engine)
    assert answer("when was voip restored", mini_engine) == first


def test_timeline_lists_dated_facts_in_order(mini_engine: Engine) -> None:
    assert [f.id for f in mini_engine.knowledge.timeline()] == ["letter-3-november", "announced-4-november"]


@pytest.mark.parametrize(("question", "scene", "kept"), [
    # The scene's curated concepts are context; what it asks comes after the comma.
    ("quand ça a été levé, ça avait coûté combien au pays ?", ("restore",), ()),
    ("et quand ils ont débloqué, on pouvait refaire quoi exactement ?", ("restore",), ()),
    ("une fois la voip rétablie, les opérateurs ont dit quoi ?", ("voip", "restore"), ()),
    # Its other words are still the question's: nothing vouches for them.
    ("When the king visited Russia, who decided the ban?", ("othercountry",), ("king", "visit")),
])
def test_a_clause_setting_the_scene_is_context_not_what_is_asked(engine: Engine, question: str,
                                                                 scene: tuple[str, ...], kept: tuple[str, ...]) -> None:
    reading = read(question, engine)
    assert reading.scene == scene
    assert "when" not in types_of(reading.analysis.terms, engine.knowledge.language.question_types)
    assert set(kept) <= set(reading.analysis.terms)


@pytest.mark.parametrize("question", [
    "when did it start, how long did it last?",  # two questions
    "quand la voip a-t-elle été rétablie, et pourquoi ?",
    "quand a-t-elle été rétablie, la voip ?",
    "When was the boycott of Maroc Telecom, Inwi and Meditel?",
    "quand, exactement ?",
    # Nothing asked after the comma: the opener was the question.
    "quand la voip a été rétablie, svp ?",
    "when they unblocked it, exactly?",
    "quand elle a été rétablie, la voip ?",
])
def test_a_question_word_opening_a_question_sets_no_scene(engine: Engine, question: str) -> None:
    reading = read(question, engine)
    assert reading.scene == ()
    assert "when" in types_of(reading.analysis.terms, engine.knowledge.language.question_types)


def test_a_scene_is_matched_as_context(engine: Engine) -> None:
    # Without the scene, the block's cost misses "levé"; with it, "quand" is no question of time.
    reply = answer("quand ça a été levé, ça avait coûté combien au pays ?", engine)
    assert (reply.outcome, reply.entry_id) == (Outcome.ANSWERED, "economic-loss")
