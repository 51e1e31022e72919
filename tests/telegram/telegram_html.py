"""Check that a text is valid Telegram HTML, as the Bot API would parse it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style).
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "blockquote", "tg-spoiler", "span", "tg-emoji"}


class _Checker(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, f"tag <{tag}> is not Telegram HTML: {self.text!r}"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>: {self.text!r}"

    def handle_entityref(self, name: str) -> None:
        assert name in ("lt", "gt", "amp", "quot"), f"&{name}; is not a Telegram entity: {self.text!r}"


def assert_telegram_html(text: str) -> None:
    """`text` parses as Telegram HTML: known tags only, balanced, no stray '<' or '&'."""
    checker = _Checker(text)
    checker.feed(text)
    checker.close()
    assert not checker.open, f"unclosed {checker.open}: {text!r}"
    assert not re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text), f"bare '&': {text!r}"
    assert not re.search(r"<(?![a-z/-])", text), f"bare '<': {text!r}"
