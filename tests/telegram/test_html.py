"""Telegram rendering: replies, keyboards and screens as Telegram HTML, laid out for a phone."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from bot.core import bidi
from bot.core.answer import answer_entry
from bot.core.engine import Engine
from bot.core.knowledge import lead_sentence
from bot.core.models import Citation, Outcome, Reply, Source, Suggestion
from bot.ops.stats import Counts, Summary, Unanswered
from bot.telegram import buttons
from bot.telegram import html as render
from bot.telegram.reload import load_checked

from conftest import KNOWLEDGE, write_mini
from telegram_html import assert_telegram_html

# What a phone shows before one has to scroll: the answer and its sources must fit in it.
FIRST_SCREEN = 600


@pytest.fixture
def mini(tmp_path: Path) -> Engine:
    """The small test base, with the project's messages (the Telegram strings included)."""
    folder = write_mini(tmp_path / "knowledge")
    shutil.copy(KNOWLEDGE / "messages.yaml", folder / "messages.yaml")
    return load_checked(folder)


def plain(html: str) -> str:
    return bidi.strip(unescape(re.sub(r"<[^>]+>", "", html)))


NASTY = "<b>bold</b> & <script>x</script> \"quoted\" 3 < 4. Then more."


def test_reply_html_escapes_everything_from_the_base(mini: Engine) -> None:
    source = Source("s", "f.txt", "fr", "2016-11-03", {"fr": NASTY, "en": NASTY}, {"fr": NASTY, "en": NASTY}, NASTY,
                    {"fr": NASTY, "en": NASTY})
    reply = Reply(NASTY, "fr", Outcome.ANSWERED, 100.0, "when-restored", text=NASTY, note=NASTY, sources=(source,),
                  related=(Suggestion("how-long", NASTY),), truncated=True)
    parts = render.reply_html(reply, mini.knowledge)
    for part in parts:
        assert_telegram_html(part)
    html = "\n\n".join(parts)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert parts[0].startswith("<i>")  # the truncation notice comes first


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_every_answer_and_its_sources_fit_the_first_screen(engine: Engine, lang: str) -> None:
    for entry_id in engine.knowledge.entries:
        reply = answer_entry(entry_id, engine, lang)
        shown = plain("\n\n".join(render.reply_html(reply, engine.knowledge)))
        first_screen = shown[:FIRST_SCREEN]
        assert lead_sentence(reply.text) in first_screen, entry_id
        assert all(engine.knowledge.local(s.short, lang) in first_screen for s in reply.sources), entry_id


def test_the_answer_comes_first_then_its_sources(engine: Engine) -> None:
    reply = answer_entry("when-restored", engine, "fr")
    head = render.reply_html(reply, engine.knowledge)[0]
    lead, sources = plain(head).split("\n")
    assert lead == lead_sentence(reply.text) and head.startswith("<b>")
    assert sources.startswith("— ") and "HuffPost Maroc" in sources


def test_under_an_answer_quotes_then_related_questions(engine: Engine) -> None:
    reply = answer_entry("when-restored", engine, "en")
    rows = render.reply_keyboard(reply, engine.knowledge).inline_keyboard  # type: ignore[union-attr]
    assert rows[0][0].text == "Quotes" and rows[0][0].callback_data == "v1:c:en:when-restored"
    assert [r[0].callback_data for r in rows[1:]] == [f"v1:q:en:{s.entry_id}" for s in reply.related]


def test_suggestions_become_question_buttons(mini: Engine) -> None:
    offered = (Suggestion("when-restored", "Quand ?"), Suggestion("how-long", "Combien de temps ?"))
    suggested = Reply("q", "fr", Outcome.SUGGESTED, 50.0, suggestions=offered)
    rows = render.reply_keyboard(suggested, mini.knowledge).inline_keyboard  # type: ignore[union-attr]
    assert [(r[0].text, r[0].callback_data) for r in rows] == [("Quand ?", "v1:q:fr:when-restored"),
                                                               ("Combien de temps ?", "v1:q:fr:how-long")]
    assert render.reply_keyboard(Reply("q", "fr", Outcome.ANSWERED, 90.0, "how-long"), mini.knowledge) is None


def test_quotes_are_verbatim_with_outlet_and_date(engine: Engine) -> None:
    reply = answer_entry("when-restored", engine, "ar")
    parts = render.quotes_html(reply.quotes, engine.knowledge, "ar")
    for part in parts:
        assert_telegram_html(part)
    shown = plain("\n\n".join(parts))
    for citation in reply.quotes:
        source = engine.knowledge.sources[citation.source]
        assert f"« {citation.quote} »" in shown and engine.knowledge.local(source.outlet, "ar") in shown


@pytest.mark.parametrize(("iso", "lang", "shown"), [
    ("2016-01-04", "fr", "4 janvier 2016"), ("2016-11-03", "en", "3 November 2016"), ("2016-02", "fr", "février 2016"),
    ("2016", "en", "2016"), ("2016-11-04", "ar", "4 نوفمبر 2016"),
])
def test_timeline_dates_read_in_the_readers_language(engine: Engine, iso: str, lang: str, shown: str) -> None:
    assert render.readable_date(iso, engine.knowledge, lang) == shown


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_timeline_is_a_screen_at_a_time_with_buttons_to_page(engine: Engine, lang: str) -> None:
    pages = render.timeline_pages(engine.knowledge)
    assert len(pages) >= 2 and sum(len(p) for p in pages) == len(engine.knowledge.timeline())
    first, keyboard = render.timeline_html(engine.knowledge, lang, 1)
    last, back = render.timeline_html(engine.knowledge, lang, len(pages))
    assert_telegram_html(first)
    assert len(plain(first)) < 1500, "a phone screen, not one long block"
    assert not re.search(r"\d{4}-\d{2}", plain(first)), "dates in words, not ISO"
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == [f"v1:t:{lang}:2"]  # type: ignore[union-attr]
    assert [b.callback_data for b in back.inline_keyboard[0]] == [f"v1:t:{lang}:{len(pages) - 1}"]  # type: ignore[union-attr]
    assert f"({len(pages)}/{len(pages)})" in plain(last)


def test_stats_show_one_short_line_per_unanswered_question(engine: Engine) -> None:
    long = "une question très longue " * 30
    summary = Summary(Counts(asked=1, suggested=1), Counts(asked=3, suggested=1, abstained=2),
                      (Unanswered(long, 2, "abstained", None, "2016"), Unanswered("voip", 1, "suggested", "overview", "2016")))
    html = render.stats_html(summary, engine.knowledge, "fr")
    assert_telegram_html(html)
    lines = plain(html).splitlines()
    assert "suggestions : 1" in plain(html) and "1 suggestions" not in plain(html)
    assert [line for line in lines if " × " in line] == [f"2 × {long.strip()[:render.MAX_STATS_QUESTION_CHARS - 1].rstrip()}…",
                                                         "1 × voip"]


def test_arabic_replies_isolate_latin_names_and_french_quotes(engine: Engine) -> None:
    reply = answer_entry("when-restored", engine, "ar")
    html = "\n\n".join(render.reply_html(reply, engine.knowledge))
    assert html.startswith("<b>" + bidi.RLM)
    assert f"{bidi.LRI}« immédiatement »{bidi.PDI}" in html
    french = "\n\n".join(render.reply_html(answer_entry("when-restored", engine, "fr"), engine.knowledge))
    assert bidi.RLM not in french and bidi.LRI not in french


@pytest.mark.parametrize(
    ("code", "lang"),
    [("fr", "fr"), ("en", "en"), ("en-US", "en"), ("fr-CA", "fr"), ("ar", "ar"), ("de", "fr"), ("", "fr"), (None, "fr")],
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


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_sources_list_every_article(engine: Engine, lang: str) -> None:
    parts = render.sources_html(engine.knowledge, lang)
    for part in parts:
        assert_telegram_html(part)
    shown = plain("\n".join(parts))
    assert all(s.title in shown and engine.knowledge.local(s.outlet, lang) in shown for s in engine.knowledge.sources.values())


def test_citations_render_as_the_base_gives_them(engine: Engine) -> None:
    quotes = (Citation("blog-2016-11", "x < y & z"),)
    assert "« x &lt; y &amp; z »" in render.quotes_html(quotes, engine.knowledge, "fr")[1]


@pytest.mark.parametrize(("kind", "lang", "value", "data"), [
    (buttons.QUESTION, "fr", "when-restored", "v1:q:fr:when-restored"),
    (buttons.QUOTES, "ar", "how-long", "v1:c:ar:how-long"),
    (buttons.TIMELINE, "en", 3, "v1:t:en:3"),
    (buttons.QUESTION, "fr", "x" * 56, "v1:q:fr:" + "x" * 56),  # exactly 64 bytes
    (buttons.QUESTION, "fr", "x" * 57, None),  # one byte too many for Telegram
])
def test_button_keys_fit_64_bytes_and_read_back(kind: str, lang: str, value: str | int, data: str | None) -> None:
    assert buttons.pack(kind, lang, value) == data
    if data is not None and len(str(value)) <= 48:
        pressed = buttons.unpack(data)
        assert pressed is not None and (pressed.kind, pressed.lang, pressed.value) == (kind, lang, str(value))


@pytest.mark.parametrize("data", [None, "", "q:fr:when-restored", "v1:x:fr:when-restored", "v1:q:fr:Bad Id", "v1:q:french:a",
                                  "v0:q:fr:when-restored"])
def test_stale_or_foreign_button_keys_read_as_nothing(data: str | None) -> None:
    assert buttons.unpack(data) is None
