"""Write the everyday-word lists the spelling correction consults (bot/core/everyday/).

pyspellchecker ships word-frequency lists built from OpenSubtitles; this
keeps the words frequent enough to be everyday words (below the floor the
lists hold typos and rare forms that correction should fix), folded as
questions are, and long enough to be ever corrected. Run it after changing
the floor, the folding or pyspellchecker's version:

    python -m bot.quality.everyday
"""

from __future__ import annotations

import gzip
import json
import sys
from importlib import resources
from pathlib import Path

from ..core.normalize import MIN_CORRECTABLE, words

# Occurrences in the subtitles corpus from which a word counts as everyday.
FLOOR = 100
LANGUAGES = ("fr", "en", "ar")
FOLDER = Path(__file__).resolve().parent.parent / "core" / "everyday"


def everyday_list(lang: str, floor: int = FLOOR) -> list[str]:
    """The folded words of pyspellchecker's `lang` list seen at least `floor` times, sorted."""
    source = resources.files("spellchecker") / "resources" / f"{lang}.json.gz"
    counts: dict[str, int] = json.loads(gzip.decompress(source.read_bytes()))
    frequent = " ".join(w for w, n in counts.items() if n >= floor)
    return sorted({w for w in words(frequent) if len(w) >= MIN_CORRECTABLE})


def encode(found: list[str]) -> bytes:
    """A list as shipped: one word a line, gzip without a timestamp so the file is reproducible."""
    return gzip.compress(("\n".join(found) + "\n").encode("utf-8"), mtime=0)


def main() -> int:
    for lang in LANGUAGES:
        found = everyday_list(lang)
        (FOLDER / f"{lang}.txt.gz").write_bytes(encode(found))
        print(f"{lang}: {len(found)} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
