"""Measure the engine on an evaluation set: accuracy, abstention, language.

An on-topic question counts as right only when the bot answers it outright
with the expected entry (a "did you mean" is not a right answer). An
off-topic question (`abstain`) counts as right when the bot gives no
confident answer; a near-episode one (`not_in_articles`) when the bot says
the articles don't say.

Each set's file says its `role`: a `tuning` set's misses are what curators
read to improve the base; a `held-out` set only measures how that tuning
generalises, so its misses are shown only on explicit request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.conversation import converse
from ..core.engine import Engine
from ..core.models import Outcome, Reply

ABSTAIN = "abstain"  # any reply but a confident answer
NOT_IN_ARTICLES = "not_in_articles"  # specifically "the articles don't say"
NO_ANSWER = (ABSTAIN, NOT_IN_ARTICLES)


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the evaluation set and what the bot should do with it."""

    text: str
    expect: str  # an entry id, or "abstain"
    lang: str
    tags: tuple[str, ...]


TUNING = "tuning"
HELD_OUT = "held-out"


@dataclass(frozen=True)
class EvalSet:
    """An evaluation set as read from its file."""

    name: str
    role: str  # TUNING or HELD_OUT
    questions: tuple[EvalQuestion, ...]


@dataclass(frozen=True)
class Result:
    question: EvalQuestion
    reply: Reply

    @property
    def correct(self) -> bool:
        expect = self.question.expect
        if expect == ABSTAIN:
            return not self.reply.answered
        if expect == NOT_IN_ARTICLES:
            return self.reply.outcome is Outcome.NOT_IN_ARTICLES
        return self.reply.answered and self.reply.entry_id == expect

    @property
    def confident(self) -> bool:
        return self.reply.answered


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
        return [r for r in self.results if r.question.expect not in NO_ANSWER]

    @property
    def accuracy(self) -> Rate:
        return self._rate(self.on_topic)

    def accuracy_in(self, lang: str) -> Rate:
        return self._rate([r for r in self.on_topic if r.question.lang == lang])

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(t for r in self.on_topic for t in r.question.tags)

    def accuracy_tagged(self, tag: str) -> Rate:
        return self._rate([r for r in self.on_topic if tag in r.question.tags])

    @property
    def abstention(self) -> Rate:
        """Off-topic and near-episode questions that got no confident answer."""
        off = [r for r in self.results if r.question.expect in NO_ANSWER]
        return Rate(sum(not r.confident for r in off), len(off))

    @property
    def not_in_articles(self) -> Rate:
        """Near-episode questions that got "the articles don't say"."""
        return self._rate([r for r in self.results if r.question.expect == NOT_IN_ARTICLES])

    @property
    def strict_abstention(self) -> Rate:
        """Off-topic questions that got a plain no (off topic, or the articles don't say), not even a "did you mean"."""
        off = [r for r in self.results if r.question.expect == ABSTAIN]
        return Rate(sum(r.reply.outcome in (Outcome.ABSTAINED, Outcome.NOT_IN_ARTICLES) for r in off), len(off))

    @property
    def language(self) -> Rate:
        return Rate(sum(r.reply.lang == r.question.lang for r in self.results), len(self.results))

    @property
    def languages(self) -> list[str]:
        return sorted({r.question.lang for r in self.results})


def read_set(path: Path) -> EvalSet:
    """An evaluation set from its YAML file (`role` defaults to tuning)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    role = str(data.get("role", TUNING))
    if role not in (TUNING, HELD_OUT):
        raise ValueError(f"{path.name}: role must be {TUNING} or {HELD_OUT}, not {role!r}")
    questions = tuple(
        EvalQuestion(str(row["q"]), str(row["expect"]), str(row["lang"]), tuple(row.get("tags") or ()))
        for row in data["questions"]
    )
    return EvalSet(path.name, role, questions)


def read_questions(path: Path) -> list[EvalQuestion]:
    """The questions of the evaluation set in `path`."""
    return list(read_set(path).questions)


def evaluate(questions: list[EvalQuestion], engine: Engine) -> EvalReport:
    """Ask every question as the first message of a chat (no language hint: the text alone must tell)."""
    return EvalReport(tuple(Result(q, converse(q.text, engine, None, now=0.0)[0]) for q in questions))


# Tags of evaluation questions reported apart: writing habits, and the three
# ways Arabic is written (Modern Standard Arabic, Darija in Arabic script and
# in Latin letters).
SUBSETS = {"typo": "typo", "noaccent": "no-accent", "keyword": "keyword", "msa": "MSA",
           "darija_ar": "Darija (Arabic script)", "darija_latin": "Darija (Latin letters)"}
ALWAYS_SHOWN = ("typo", "noaccent", "keyword")


def format_report(report: EvalReport, verbose: bool = False) -> str:
    """The figures a person reads, and with `verbose` every miss."""
    lines = [f"questions: {len(report.results)} ({len(report.on_topic)} on topic)",
             f"top-1 accuracy (answered with the expected entry): {report.accuracy}"]
    lines += [f"  {lang}: {report.accuracy_in(lang)}" for lang in report.languages]
    lines += [f"  {label} subset: {report.accuracy_tagged(tag)}" for tag, label in SUBSETS.items()
              if tag in report.tags or tag in ALWAYS_SHOWN]
    lines += [f"off-topic abstention (no confident answer): {report.abstention}",
              f"  of which a plain no (no did-you-mean either): {report.strict_abstention}",
              f"near-episode questions told 'the articles don't say': {report.not_in_articles}",
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


# --- conversations -------------------------------------------------------------

FOLLOWUP, SWITCH, OPENER = "followup", "switch", "opener"
CLARIFY = "clarify"
# Seconds between two turns of an evaluated conversation: well within the
# context's lifetime, as a person typing would be.
TURN_SECONDS = 20.0


@dataclass(frozen=True)
class Turn:
    text: str
    expect: str  # an entry id, or "clarify"
    reply_lang: str | None


@dataclass(frozen=True)
class Conversation:
    kind: str  # FOLLOWUP, SWITCH or OPENER
    lang: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class TurnResult:
    conversation: Conversation
    position: int  # 0 for the opening turn
    reply: Reply

    @property
    def turn(self) -> Turn:
        return self.conversation.turns[self.position]

    @property
    def correct(self) -> bool:
        turn = self.turn
        if turn.expect == CLARIFY:
            return self.reply.outcome is Outcome.CLARIFY
        lang = turn.reply_lang or self.conversation.lang
        return self.reply.answered and self.reply.entry_id == turn.expect and self.reply.lang == lang


@dataclass(frozen=True)
class ConversationReport:
    results: tuple[TurnResult, ...]

    def _rate(self, kind: str, later: bool) -> Rate:
        picked = [r for r in self.results if r.conversation.kind == kind and (r.position > 0) == later]
        return Rate(sum(r.correct for r in picked), len(picked))

    @property
    def follow_ups(self) -> Rate:
        """Follow-up turns answered with the expected entry, in the expected language."""
        return self._rate(FOLLOWUP, later=True)

    @property
    def switches(self) -> Rate:
        """Second questions on another subject answered with their own entry."""
        return self._rate(SWITCH, later=True)

    @property
    def openers(self) -> Rate:
        """Follow-ups that open a chat, given the clarifying reply."""
        return self._rate(OPENER, later=False)

    @property
    def openers_unanswered(self) -> Rate:
        """Follow-ups that open a chat and got no confident answer."""
        picked = [r for r in self.results if r.conversation.kind == OPENER]
        return Rate(sum(not r.reply.answered for r in picked), len(picked))

    @property
    def first_turns(self) -> Rate:
        """The standalone questions that open follow-up and switch conversations."""
        picked = [r for r in self.results if r.position == 0 and r.conversation.kind != OPENER]
        return Rate(sum(r.correct for r in picked), len(picked))


def is_conversation_set(path: Path) -> bool:
    """Whether the evaluation file holds conversations (played turn by turn) rather than questions."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and "conversations" in data


def read_conversations(path: Path) -> tuple[str, tuple[Conversation, ...]]:
    """The role and conversations of a conversation set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    conversations = tuple(
        Conversation(str(c["kind"]), str(c["lang"]), tuple(
            Turn(str(t["q"]), str(t["expect"]), str(t["reply_lang"]) if t.get("reply_lang") else None) for t in c["turns"]))
        for c in data["conversations"]
    )
    return str(data.get("role", TUNING)), conversations


def evaluate_conversations(conversations: Sequence[Conversation], engine: Engine) -> ConversationReport:
    """Play each conversation through `converse()`, turn by turn, as one chat."""
    results = []
    for conversation in conversations:
        context = None
        for position, turn in enumerate(conversation.turns):
            reply, context = converse(turn.text, engine, context, now=position * TURN_SECONDS)
            results.append(TurnResult(conversation, position, reply))
    return ConversationReport(tuple(results))


def format_conversation_report(report: ConversationReport, verbose: bool = False) -> str:
    """The figures a person reads, and with `verbose` every missed turn."""
    lines = [f"follow-ups answered in context (top-1, right language): {report.follow_ups}",
             f"topic switches answered on their own: {report.switches}",
             f"follow-ups opening a chat given the clarifying reply: {report.openers}",
             f"  of which no confident answer: {report.openers_unanswered}",
             f"first questions of the conversations: {report.first_turns}"]
    misses = [r for r in report.results if not r.correct]
    if verbose and misses:
        lines.append("misses:")
        for r in misses:
            got = r.reply.entry_id if r.reply.answered else r.reply.outcome.value
            before = r.conversation.turns[r.position - 1].text if r.position else ""
            lines.append(f"  [{r.conversation.kind} {r.conversation.lang}] {before!r} -> {r.turn.text!r}: "
                         f"expected {r.turn.expect}, got {got} [{r.reply.lang}]")
    return "\n".join(lines)


def abstention_after_answers(questions: list[EvalQuestion], engine: Engine) -> Rate:
    """Off-topic and near-episode questions sent right after an answer that get no confident answer.

    The context must not lend its subject to a question that has none of
    its own: each such question follows, in turn, each example question of
    settings.yaml (asked in the question's language), as a second message.
    """
    knowledge = engine.knowledge
    off = [q for q in questions if q.expect in NO_ANSWER]
    unanswered = total = 0
    for question in off:
        for entry_id in knowledge.settings.examples:
            opening = knowledge.local(knowledge.entries[entry_id].questions, question.lang)[0]
            _, context = converse(opening, engine, None, now=0.0)
            reply, _ = converse(question.text, engine, context, now=TURN_SECONDS)
            unanswered += not reply.answered
            total += 1
    return Rate(unanswered, total)
