"""Telegram rendering, flood gate and reload diff: pure functions, checked as tables."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.engine import Engine, load_engine
from bot.knowledge import KnowledgeError
from bot.models import Outcome, Reply, Source, Suggestion
from bot.telegram import render
from bot.telegram.flood import FloodGate, Verdict
from bot.telegram.handlers import without_mention
from bot.telegram.reload import Changes, compare, load_checked
from conftest import KNOWLEDGE, write_mini
from telegram_html import assert_telegram_html


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """The small test base, with the project's messages (the Telegram strings included)."""
    folder = write_mini(tmp_path / "knowledge")
    shutil.copy(KNOWLEDGE / "messages.yaml", folder / "messages.yaml")
    return load_checked(folder)


NASTY = "<b>bold</b> & <script>x</script> \"quoted\" 3 < 4"


def test_reply_html_escapes_everything_from_the_base(engine: Engine) -> None:
    source = Source("s", "f.txt", "fr", "2016-11-03", {"fr": NASTY, "en": NASTY}, {"fr": NASTY, "en": NASTY}, NASTY)
    reply = Reply(NASTY, "fr", Outcome.ANSWERED, 100.0, "when-restored", text=NASTY, note=NASTY, sources=(source,),
                  related=(Suggestion("how-long", NASTY),), truncated=True)
    html = render.reply_html(reply, engine.knowledge)
    assert_telegram_html(html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith("<i>")  # the truncation notice comes first


@pytest.mark.parametrize(
    ("entry_id", "lang", "data"),
    [
        ("when-restored", "fr", "q:fr:when-restored"),
        ("how-long", "en", "q:en:how-long"),
        ("x" * 59, "fr", "q:fr:" + "x" * 59),  # exactly 64 bytes
        ("x" * 60, "fr", None),  # one byte too many for Telegram
    ],
)
def test_callback_data_fits_64_bytes(entry_id: str, lang: str, data: str | None) -> None:
    assert render.callback_data(entry_id, lang) == data
    if data is not None:
        assert render.parse_callback(data) == (lang, entry_id)


@pytest.mark.parametrize("data", [None, "", "q:fr", "x:fr:when-restored", "q:fr:Bad Id", "q:french:a"])
def test_foreign_callback_data_is_ignored(data: str | None) -> None:
    assert render.parse_callback(data) is None


def test_buttons_for_suggestions_and_for_related(engine: Engine) -> None:
    offered = (Suggestion("when-restored", "Quand ?"), Suggestion("how-long", "Combien de temps ?"))
    suggested = Reply("q", "fr", Outcome.SUGGESTED, 50.0, suggestions=offered)
    answered = Reply("q", "en", Outcome.ANSWERED, 90.0, "when-restored", related=offered[1:])
    rows = render.reply_keyboard(suggested).inline_keyboard  # type: ignore[union-attr]
    assert [(r[0].text, r[0].callback_data) for r in rows] == [("Quand ?", "q:fr:when-restored"), ("Combien de temps ?", "q:fr:how-long")]
    assert [r[0].callback_data for r in render.reply_keyboard(answered).inline_keyboard] == ["q:en:how-long"]  # type: ignore[union-attr]
    assert render.reply_keyboard(Reply("q", "fr", Outcome.ANSWERED, 90.0, "how-long")) is None


@pytest.mark.parametrize(
    ("code", "lang"),
    [("fr", "fr"), ("en", "en"), ("en-US", "en"), ("fr-CA", "fr"), ("de", "fr"), ("", "fr"), (None, "fr")],
)
def test_ui_language_from_telegram_language_code(engine: Engine, code: str | None, lang: str) -> None:
    assert render.ui_lang(code, engine.knowledge) == lang


def test_split_message_keeps_each_message_under_the_limit_and_whole_paragraphs() -> None:
    parts = [f"<b>{i}</b> " + "x" * 1000 for i in range(10)]
    messages = render.split_message(parts, limit=4096)
    assert len(messages) == 3 and all(len(m) <= 4096 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(parts)
    huge = render.split_message(["<b>" + "a &amp; b " * 1000 + "</b>"], limit=500)
    assert len(huge) == 1 and len(huge[0]) <= 500
    assert_telegram_html(huge[0])


def test_sources_and_timeline_are_valid_html(engine: Engine) -> None:
    for lang in ("fr", "en"):
        assert_telegram_html(render.sources_html(engine.knowledge, lang))
        for part in render.timeline_html(engine.knowledge, lang):
            assert_telegram_html(part)


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


def test_reload_diff_names_added_removed_and_changed_entries(engine: Engine) -> None:
    old = engine.knowledge
    entries = dict(old.entries)
    entries["how-long"] = dataclasses.replace(entries["how-long"], answer={"fr": "Onze mois.", "en": "Eleven months."})
    entries["new-one"] = dataclasses.replace(entries["how-long"], id="new-one")
    del entries["when-restored"]
    new = dataclasses.replace(old, entries=entries)
    assert compare(old, new) == Changes(("new-one",), ("when-restored",), ("how-long",))
    assert compare(old, old) == Changes((), (), ())


def test_reload_diff_sees_a_reworded_fact(engine: Engine) -> None:
    old = engine.knowledge
    facts = dict(old.facts)
    facts["ten-months"] = dataclasses.replace(facts["ten-months"], text={"fr": "Dix mois environ.", "en": "About ten months."})
    assert compare(old, dataclasses.replace(old, facts=facts)).changed == ("how-long",)


def test_a_base_without_the_bots_messages_is_refused(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "knowledge")  # the core's messages only
    load_engine(folder)
    with pytest.raises(KnowledgeError) as error:
        load_checked(folder)
    assert any(p.file == "messages.yaml" and "'welcome'" in p.reason for p in error.value.problems)


def test_a_message_with_a_bad_placeholder_is_refused(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "knowledge")
    text = (KNOWLEDGE / "messages.yaml").read_text(encoding="utf-8")
    (folder / "messages.yaml").write_text(text.replace("@{username}", "@{user_name}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_checked(folder)
    assert [p.reason for p in error.value.problems] == ["message 'help' (fr): bad placeholder 'user_name'"]


def test_flood_gate_forgets_idle_users() -> None:
    clock = Clock()
    gate = FloodGate(3, clock=clock)
    for user in range(5):
        gate.check(user)
    clock.now = 61
    gate.forget_idle()
    assert gate.check(99) is Verdict.ALLOW and len(gate._times) == 1
