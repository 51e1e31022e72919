"""Right-to-left text that reads correctly with Latin names, quotes and digits inside.

An Arabic reply names ANRT, WhatsApp or Maroc Telecom and quotes the French
articles verbatim. Left alone, the Unicode bidirectional algorithm can
reorder such runs and their punctuation ("(ANRT)" shown as ")ANRT("), and a
paragraph that starts with a Latin word is laid out left to right. So each
paragraph starts with a right-to-left mark, and each Latin run (a French
quote in « », a name, a phrase) is wrapped in a left-to-right isolate,
which Telegram and terminals lay out as one unit.
"""

from __future__ import annotations

import re

RLM = "\u200f"  # right-to-left mark: a strong RTL character that sets a paragraph's direction
LRI = "\u2066"  # left-to-right isolate
PDI = "\u2069"  # pop directional isolate

_LATIN = r"A-Za-z\u00c0-\u024f"
# A quote in guillemets with Latin letters in it, or a run of Latin words
# (with the digits, spaces and punctuation between them).
_LTR_RUN = re.compile(
    rf"«[^»\n]*[{_LATIN}][^»\n]*»"
    rf"|[{_LATIN}0-9#@][{_LATIN}0-9 .,:;'’\"&/+#@_-]*[{_LATIN}0-9]"
    rf"|[{_LATIN}]"
)


def isolate(text: str) -> str:
    """`text`, a right-to-left paragraph or several, with its left-to-right runs isolated."""
    return "\n".join(RLM + _LTR_RUN.sub(lambda m: LRI + m.group(0) + PDI, line) if line else line
                     for line in text.split("\n"))


def strip(text: str) -> str:
    """`text` without the marks `isolate` adds (for comparing what a reader sees)."""
    return text.translate({ord(c): None for c in (RLM, LRI, PDI)})
