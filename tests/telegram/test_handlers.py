"""The handlers' pure helpers; the handlers themselves are tested end to end (test_telegram_e2e.py)."""

from __future__ import annotations

import pytest

from bot.telegram.handlers import without_mention


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("@voip_test_bot quand ?", "quand ?"),
        ("quand ? @VOIP_TEST_BOT", "quand ?"),
        ("@voip_test_bots quand ?", "@voip_test_bots quand ?"),
    ],
)
def test_the_mention_is_taken_out_of_the_question(text: str, question: str) -> None:
    assert without_mention(text, "voip_test_bot") == question
