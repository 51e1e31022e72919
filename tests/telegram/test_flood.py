"""The per-user flood limit, on a clock the test moves."""

from __future__ import annotations

import pytest

from bot.telegram.flood import FloodGate, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("times", "verdicts"),
    [
        ([0, 1, 2], "AAA"),
        ([0, 1, 2, 3, 4, 5], "AAAWDD"),
        ([0, 1, 2, 3, 60, 61], "AAAWAA"),  # the first message has left the minute
        ([0, 0, 0, 0, 30, 60.5], "AAAWDA"),
    ],
)
def test_flood_gate(times: list[float], verdicts: str) -> None:
    clock = Clock()
    gate = FloodGate(3, clock=clock)
    seen = ""
    for t in times:
        clock.now = t
        seen += {Verdict.ALLOW: "A", Verdict.WARN: "W", Verdict.DROP: "D"}[gate.check(7)]
    assert seen == verdicts
    assert gate.check(8) is Verdict.ALLOW  # users are counted apart


def test_flood_gate_forgets_idle_users() -> None:
    clock = Clock()
    gate = FloodGate(3, clock=clock)
    for user in range(5):
        gate.check(user)
    clock.now = 61
    gate.forget_idle()
    assert gate.check(99) is Verdict.ALLOW and len(gate._times) == 1
