"""Everyday words of the bot's languages, which spelling correction never turns into names.

Correction turns an unknown word into the closest word the knowledge base
knows. That is right for a slip ("blocage" typed "blocge", "loose" for
"lose") and wrong when a real word the base does not use becomes a name or
a rare term: "mountain" is not a misspelt "Mountasir", and reading it so
would answer a question about Morocco's mountains with the ANRT's director.
A list of everyday words tells the cases apart: a word on it is a word, and
is corrected only into another such word.

The lists (`everyday/<lang>.txt.gz`, folded words, one a line) are derived
from pyspellchecker's word frequencies by `python -m bot.quality.everyday`;
see `everyday/README.md`.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=8)
def everyday_words(lang: str) -> frozenset[str]:
    """The folded everyday words of `lang` (none for a language without a list)."""
    data = resources.files(__package__) / "everyday" / f"{lang}.txt.gz"
    if not data.is_file():
        return frozenset()
    return frozenset(gzip.decompress(data.read_bytes()).decode("utf-8").split())
