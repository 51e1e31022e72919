"""Logging for the long-running bot: secrets redacted from every line, users' data kept out.

The bot token is part of every Bot API URL, and several libraries log URLs:
python-telegram-bot logs its base URL at DEBUG and httpx logs every request
URL at INFO. Rather than trust each library, a filter on the output handler
rewrites every record (message, arguments and traceback) before it is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

REDACTED = "<redacted>"
LIBRARY_FLOORS = {
    "telegram": logging.INFO, "httpx": logging.WARNING, "httpcore": logging.WARNING, "hpack": logging.WARNING,
    "tornado": logging.WARNING, "asyncio": logging.INFO, "aiohttp": logging.WARNING,
}


class RedactingFilter(logging.Filter):
    """Replace each secret (and its URL-encoded form) with a placeholder."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = {v for s in secrets if s for v in (s, quote(s, safe=""), quote(s))}
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            # Format the traceback now, redacted; formatters reuse exc_text.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: str, secrets: Iterable[str], stream: TextIO = sys.stderr) -> None:
    """Send every log line, redacted, to `stream` at `level`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries log what passes through them: at DEBUG python-telegram-bot
    # prints whole updates (user ids, question texts) and requests, httpx
    # every URL (with the token). Whatever the bot's level, theirs stays at
    # INFO (telegram) or WARNING (HTTP): no user's data reaches the log.
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    logging.captureWarnings(True)
