"""The evaluation itself: what it reads, what it plays, what it reports."""

from __future__ import annotations

from pathlib import Path

from bot.core.engine import Engine
from bot.quality.evaluate import (
    ABSTAIN,
    EvalQuestion,
    abstention_after_answers,
    evaluate,
    format_report,
    is_conversation_set,
)


def test_a_conversation_set_is_told_from_a_question_set(tmp_path: Path) -> None:
    conversations = tmp_path / "c.yaml"
    conversations.write_text('role: tuning\nconversations:\n  - kind: "opener"\n    lang: "fr"\n    turns: []\n', encoding="utf-8")
    questions = tmp_path / "q.yaml"
    questions.write_text('role: tuning\nquestions: []\n', encoding="utf-8")
    assert is_conversation_set(conversations) and not is_conversation_set(questions)


def test_arabic_kinds_are_reported_only_for_sets_that_have_them(engine: Engine) -> None:
    arabic = [EvalQuestion("متى عادت مكالمات سكايب في المغرب؟", "when-restored", "ar", ("msa",))]
    french = [EvalQuestion("Quand la VoIP a-t-elle été rétablie ?", "when-restored", "fr", ())]
    assert "MSA subset: 100.0% (1/1)" in format_report(evaluate(arabic, engine))
    assert "MSA subset" not in format_report(evaluate(french, engine))


def test_off_topic_questions_follow_each_example_question(engine: Engine) -> None:
    off_topic = [EvalQuestion("Quelle est la recette du couscous ?", ABSTAIN, "fr", ()),
                 EvalQuestion("Who is the director of the FBI?", ABSTAIN, "en", ()),
                 EvalQuestion("Quand la VoIP a-t-elle été rétablie ?", "when-restored", "fr", ())]  # on topic: not played
    rate = abstention_after_answers(off_topic, engine)
    assert rate.total == 2 * len(engine.knowledge.settings.examples) and rate.right == rate.total
