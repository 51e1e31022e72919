"""What a button sends back: short, versioned keys, one kind per handler pattern.

Telegram refuses callback data over 64 bytes and hands back whatever a
button carried, possibly from an old message: so every key starts with a
version, each kind has its own `CallbackQueryHandler` pattern, and a key
that no longer parses (or names an entry a reload removed) gets a polite
answer, not an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
QUESTION = "q"  # answer an entry:      v1:q:<lang>:<entry id>
QUOTES = "c"  # show an entry's quotes:  v1:c:<lang>:<entry id>
TIMELINE = "t"  # a /timeline screen:    v1:t:<lang>:<page>
KINDS = (QUESTION, QUOTES, TIMELINE)
MAX_BYTES = 64
_KEY = re.compile(rf"{VERSION}:([a-z]):([a-z]{{2,3}}):([a-z0-9-]{{1,48}})")


def pattern(kind: str) -> str:
    """The `CallbackQueryHandler` pattern of one kind of button."""
    return rf"^{VERSION}:{kind}:"


@dataclass(frozen=True)
class Pressed:
    """A parsed button key."""

    kind: str
    lang: str
    value: str  # an entry id, or a page number


def pack(kind: str, lang: str, value: str | int) -> str | None:
    """A button's key, or None if it would not fit Telegram's limit."""
    data = f"{VERSION}:{kind}:{lang}:{value}"
    return data if len(data.encode("utf-8")) <= MAX_BYTES else None


def unpack(data: str | None) -> Pressed | None:
    """The key a button sent back, or None for a stale or foreign one."""
    match = _KEY.fullmatch(data or "")
    if match is None or match[1] not in KINDS:
        return None
    return Pressed(match[1], match[2], match[3])
