"""Quality gates on the evaluation sets.

`questions.yaml` is the tuning set: the issue's gates apply to it, and its
misses are what curators read when improving the matcher or the synonyms.
`holdout.yaml` was written later, by someone else, and is never read for
tuning: it measures how well that tuning generalises.
"""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.normalize import words
from bot.quality.evaluate import ABSTAIN, EvalReport, evaluate, read_questions

from conftest import ROOT

TUNING = read_questions(ROOT / "tests" / "eval" / "questions.yaml")
HOLDOUT = read_questions(ROOT / "tests" / "eval" / "holdout.yaml")
SETS = {"tuning": TUNING, "holdout": HOLDOUT}
ACCURACY_GOAL = 95.0
ABSTENTION_GOAL = 95.0
# The held-out set measured 91.0% (111/122) on 2026-11-23; this floor
# catches a change that helps the tuning set by hurting what it cannot see.
HOLDOUT_ACCURACY_FLOOR = 89.0


@pytest.fixture(scope="module")
def report(engine: Engine) -> EvalReport:
    return evaluate(TUNING, engine)


@pytest.fixture(scope="module")
def holdout_report(engine: Engine) -> EvalReport:
    return evaluate(HOLDOUT, engine)


@pytest.mark.parametrize("name", SETS)
def test_eval_set_has_the_required_shape(engine: Engine, name: str) -> None:
    questions = SETS[name]
    english = sum(q.lang == "en" for q in questions)
    off_topic = [q for q in questions if q.expect == ABSTAIN]
    assert len(questions) >= 150
    assert english / len(questions) >= 0.40
    assert len(off_topic) >= 30 and sum("adversarial" in q.tags for q in off_topic) >= 10
    assert {q.expect for q in questions} - {ABSTAIN} <= set(engine.knowledge.entries)


@pytest.mark.parametrize("name", SETS)
def test_no_eval_question_is_a_knowledge_base_variant(engine: Engine, name: str) -> None:
    variants = {_key(v) for e in engine.knowledge.entries.values() for vs in e.questions.values() for v in vs}
    leaked = [q.text for q in SETS[name] if _key(q.text) in variants]
    assert leaked == []


def test_the_held_out_set_shares_no_question_with_the_tuning_set() -> None:
    assert {_key(q.text) for q in HOLDOUT} & {_key(q.text) for q in TUNING} == set()


def test_top1_accuracy_is_at_least_95_percent(report: EvalReport) -> None:
    assert report.accuracy.percent >= ACCURACY_GOAL, f"top-1 accuracy {report.accuracy}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_accuracy_holds_in_each_language(report: EvalReport, lang: str) -> None:
    assert report.accuracy_in(lang).percent >= ACCURACY_GOAL, f"{lang}: {report.accuracy_in(lang)}"


def test_off_topic_abstention_is_at_least_95_percent(report: EvalReport) -> None:
    assert report.abstention.percent >= ABSTENTION_GOAL, f"abstention {report.abstention}"


def test_replies_come_in_the_question_language(report: EvalReport) -> None:
    assert report.language.percent >= ACCURACY_GOAL, f"language {report.language}"


def test_held_out_accuracy_does_not_fall_below_its_floor(holdout_report: EvalReport) -> None:
    assert holdout_report.accuracy.percent >= HOLDOUT_ACCURACY_FLOOR, f"held-out top-1 {holdout_report.accuracy}"


def test_held_out_off_topic_abstention_is_at_least_95_percent(holdout_report: EvalReport) -> None:
    assert holdout_report.abstention.percent >= ABSTENTION_GOAL, f"held-out abstention {holdout_report.abstention}"


def _key(text: str) -> str:
    return " ".join(words(text))
