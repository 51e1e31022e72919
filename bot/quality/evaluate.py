"""Measure the engine on an evaluation set: accuracy, abstention, language.

An on-topic question counts as right only when the bot answers it outright
with the expected entry (a "did you mean" is not a right answer). An
off-topic question counts as right when the bot gives no confident answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.answer import answer
from ..core.engine import Engine
from ..core.models import Outcome, Reply

ABSTAIN = "abstain"


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the evaluation set and what the bot should do with it."""

    text: str
    expect: str  # an entry id, or "abstain"
    lang: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    question: EvalQuestion
    reply: Reply

    @property
    def correct(self) -> bool:
        if self.question.expect == ABSTAIN:
            return not self.reply.answered
        return self.reply.answered and self.reply.entry_id == self.question.expect


@dataclass(frozen=True)
class Rate:
    right: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 100.0

    def __str__(self) -> str:
        return f"{self.percent:5.1f}% ({self.right}/{self.total})"


@dataclass(frozen=True)
class EvalReport:
    results: tuple[Result, ...]

    def _rate(self, results: list[Result]) -> Rate:
        return Rate(sum(r.correct for r in results), len(results))

    @property
    def on_topic(self) -> list[Result]:
        return [r for r in self.results if r.question.expect != ABSTAIN]

    @property
    def accuracy(self) -> Rate:
        return self._rate(self.on_topic)

    def accuracy_in(self, lang: str) -> Rate:
        return self._rate([r for r in self.on_topic if r.question.lang == lang])

    def accuracy_tagged(self, tag: str) -> Rate:
        return self._rate([r for r in self.on_topic if tag in r.question.tags])

    @property
    def abstention(self) -> Rate:
        return self._rate([r for r in self.results if r.question.expect == ABSTAIN])

    @property
    def strict_abstention(self) -> Rate:
        """Off-topic questions that got the plain "I can't answer", not even a suggestion."""
        off = [r for r in self.results if r.question.expect == ABSTAIN]
        return Rate(sum(r.reply.outcome is Outcome.ABSTAINED for r in off), len(off))

    @property
    def language(self) -> Rate:
        return Rate(sum(r.reply.lang == r.question.lang for r in self.results), len(self.results))

    @property
    def languages(self) -> list[str]:
        return sorted({r.question.lang for r in self.results})


def read_questions(path: Path) -> list[EvalQuestion]:
    """The evaluation set from its YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        EvalQuestion(str(row["q"]), str(row["expect"]), str(row["lang"]), tuple(row.get("tags") or ()))
        for row in data["questions"]
    ]


def evaluate(questions: list[EvalQuestion], engine: Engine) -> EvalReport:
    """Ask every question (no language hint: the text alone must tell)."""
    return EvalReport(tuple(Result(q, answer(q.text, engine)) for q in questions))


def format_report(report: EvalReport, verbose: bool = False) -> str:
    """The figures a person reads, and with `verbose` every miss."""
    lines = [f"questions: {len(report.results)} ({len(report.on_topic)} on topic)",
             f"top-1 accuracy (answered with the expected entry): {report.accuracy}"]
    lines += [f"  {lang}: {report.accuracy_in(lang)}" for lang in report.languages]
    lines += [f"  typo subset: {report.accuracy_tagged('typo')}",
              f"  no-accent subset: {report.accuracy_tagged('noaccent')}",
              f"  keyword subset: {report.accuracy_tagged('keyword')}",
              f"off-topic abstention (no confident answer): {report.abstention}",
              f"  of which plain abstain (no suggestion either): {report.strict_abstention}",
              f"reply language as expected: {report.language}"]
    misses = [r for r in report.results if not r.correct]
    if verbose and misses:
        lines.append("misses:")
        for r in misses:
            got = r.reply.entry_id if r.reply.answered else r.reply.outcome.value
            offered = ", ".join(s.entry_id for s in r.reply.suggestions[:3])
            lines.append(f"  [{r.question.lang}] {r.question.text!r}: expected {r.question.expect}, "
                         f"got {got} ({r.reply.score:.0f}) [{offered}]")
    return "\n".join(lines)
