"""The shipped everyday-word lists are what their generator writes today."""

from __future__ import annotations

import gzip

import pytest

from bot.quality.everyday import FOLDER, LANGUAGES, encode, everyday_list


@pytest.mark.parametrize("lang", LANGUAGES)
def test_shipped_list_matches_its_source(lang: str) -> None:
    shipped = gzip.decompress((FOLDER / f"{lang}.txt.gz").read_bytes()).decode("utf-8").split()
    assert shipped == everyday_list(lang), "run: python -m bot.quality.everyday"


def test_lists_are_reproducible_files() -> None:
    # No timestamp inside: regenerating unchanged lists changes no byte.
    assert encode(["a", "b"]) == encode(["a", "b"])
