"""Everyday words: the word lists that keep spelling correction from inventing names."""

from __future__ import annotations

from bot.core.dictionary import everyday_words


def test_everyday_words_are_folded_words_of_the_languages_asked() -> None:
    french = everyday_words("fr")
    assert {"retablissement", "montagne", "telephone"} <= french  # accents folded away
    assert "mountain" not in french and "mountain" in everyday_words("en")


def test_arabic_words_are_folded_like_questions() -> None:
    # Hamza forms fold to a bare alef, as in normalize.fold.
    assert "الاعلان" in everyday_words("ar")


def test_a_language_without_a_list_adds_nothing() -> None:
    assert everyday_words("xx") == frozenset()


def test_rare_words_and_names_are_not_everyday() -> None:
    assert not {"mountasir", "raguib", "opeunlike"} & (everyday_words("fr") | everyday_words("en") | everyday_words("ar"))
