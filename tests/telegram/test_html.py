"""Telegram rendering: replies, keyboards and lists as Telegram HTML, checked as tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.models import Outcome, Reply, Source, Suggestion
from bot.telegram import html as render
from bot.telegram.reload import load_checked

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
