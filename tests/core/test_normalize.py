"""Normalisation: folding, stemming, synonyms, spelling, language detection."""

from __future__ import annotations

import pytest

from bot.core.dictionary import everyday_words
from bot.core.normalize import build_lexicon, correct, detect_language, fold, stem, terms, words

LEXICON = build_lexicon(
    stopwords={"fr": ["la", "a", "t", "elle", "ete", "le", "de", "c"], "en": ["the", "was", "did", "exactly"]},
    synonyms={"retablie": "restore", "restored": "restore", "voix sur ip": "voip", "koi": "what", "quoi": "what",
              "blocage": "block", "ban": "block", "quand": "when", "when": "when"},
    variants={"fr": ["Quand la VoIP a-t-elle été rétablie ?", "c'est quoi le blocage", "opérateurs marocains",
                     "le coût"],
              "en": ["When was VoIP restored?", "who ordered the ban", "Moroccan operators", "still blocked"]},
)


@pytest.mark.parametrize("text, expected", [
    ("Rétablie", "retablie"),
    ("l’ANRT", "l anrt"),
    ("a-t-elle", "a t elle"),
    ("<b>VoIP</b>", " voip "),
    ("ÇA\u200fVA", "cava"),  # a right-to-left mark is dropped, not kept as a letter
    ("إلغاء", "الغا"),  # Arabic hamza forms fold to the bare alef
])
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("#OpeUnlike c koi?", ["opeunlike", "c", "koi"]),
    ("😀😀", []),
    ("  \t\n", []),
    ("COP22!!!", ["cop22"]),
])
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize("forms", [
    ["retablie", "retabli", "retablir", "retablis", "retablissement"],
    ["bloque", "bloquee", "bloquees", "bloquer"],
    ["restored", "restore", "restoring"],
    ["operateur", "operateurs"],
    ["signature", "signatures"],
])
def test_stem_merges_inflections(forms: list[str]) -> None:
    assert len({stem(f) for f in forms}) == 1


@pytest.mark.parametrize("question, expected", [
    ("Quand la VoIP a-t-elle été rétablie ?", ("when", "voip", "restore")),
    ("when was voip restored", ("when", "voip", "restore")),
    ("appels en voix sur IP", ("appel", "en", "voip")),
    ("c koi le blocage", ("what", "block")),
    ("who ordered the ban", ("who", "order", "block")),
    ("operatuers marocains", ("operateur", "marocain")),  # misspelling corrected
    ("cop21", ("cop21",)),  # never corrected: digits
])
def test_terms(question: str, expected: tuple[str, ...]) -> None:
    assert terms(question, LEXICON) == expected


@pytest.mark.parametrize("word, expected", [
    ("operatuers", "operateurs"),  # two letters swapped: one edit
    ("retablei", "retablie"),
    ("exaclty", "exactly"),  # a stop word is a fine correction: it is then dropped
    ("stil", "still"),  # four letters: a missing letter is corrected...
    ("tout", "tout"),  # ...a changed one is not ("cout" is known, "tout" is not it)
    ("blokced", "blocked"),
    ("vlocked", "vlocked"),  # a slip on the first letter is left alone...
    ("lbocked", "blocked"),  # ...but not the first two swapped
    ("bl", "bl"),  # too short to guess
    ("cop21", "cop21"),  # digits: never
    ("zzzzzzzz", "zzzzzzzz"),  # nothing close
])
def test_correct(word: str, expected: str) -> None:
    assert correct(word, LEXICON) == expected


# A base that knows a name close to an everyday word, and an everyday verb.
NAMED = build_lexicon(stopwords={"en": ["the", "is"]}, synonyms={}, variants={"en": ["Who is Mountasir?", "did they lose"]},
                      everyday={"en": everyday_words("en"), "fr": everyday_words("fr")})


@pytest.mark.parametrize("word, expected", [
    ("mountain", "mountain"),  # an everyday word: never turned into a name
    ("mountassir", "mountasir"),  # a misspelt name still is
    ("loose", "lose"),  # an everyday word may become another
])
def test_an_everyday_word_is_never_corrected_into_a_name(word: str, expected: str) -> None:
    assert correct(word, NAMED) == expected



@pytest.mark.parametrize("question, hint, expected", [
    ("Quand la VoIP a-t-elle été rétablie ?", None, "fr"),
    ("When was VoIP restored?", None, "en"),
    ("who ordered the ban", "fr", "en"),  # the text wins over the hint
    ("VoIP", "en-US", "en"),  # nothing in the text: the hint decides
    ("VoIP", "fr", "fr"),
    ("VoIP", None, "fr"),  # no clue at all: the first language
    ("VoIP", "de", "fr"),  # a hint for a language we do not speak is ignored
])
def test_detect_language(question: str, hint: str | None, expected: str) -> None:
    assert detect_language(question, LEXICON, ("fr", "en"), hint) == expected


def test_a_word_both_languages_use_every_day_tells_neither() -> None:
    # "vidéos" is only in the French variants, but English speakers write "videos" too.
    lexicon = build_lexicon(stopwords={"fr": ["les"], "en": ["the"]}, synonyms={},
                            variants={"fr": ["les vidéos", "pourquoi"], "en": ["the photos", "why"]},
                            everyday={"en": everyday_words("en"), "fr": everyday_words("fr")})
    assert detect_language("videos ?", lexicon, ("fr", "en"), hint="en") == "en"
    assert detect_language("videos ?", lexicon, ("fr", "en"), hint="fr") == "fr"
    assert detect_language("pourquoi ?", lexicon, ("fr", "en"), hint="en") == "fr"
