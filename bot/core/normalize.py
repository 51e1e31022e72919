"""Turn free text into the terms the matcher compares.

The pipeline is the same for a user's question and for a curated variant:
fold (case, accents, apostrophes, markup, control characters; Arabic letter
forms, short vowels, tatweel and digits) -> words -> spelling correction
against the known vocabulary -> light stemming (Snowball's Arabic stemmer
for Arabic script, a suffix stripper for Latin letters) -> synonyms
(phrases to one canonical key, across languages and scripts) -> stop words
out. What is French, English, Arabic, Darija or a synonym comes from the
knowledge base (the `Lexicon`); this module only knows how to apply it.

Darija in Latin letters writes some sounds with digits ("3lach", "rj3at",
"7bsou"): such a word is a word, spelt and corrected like any other, while
"cop22", "4g" or "48h" stay what they are.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Apostrophes, hyphens and the like separate words ("l'ANRT", "a-t-elle").
_SEPARATORS = str.maketrans({c: " " for c in "'’‘`´ʼ-‐‑‒–—_/\\.,;:!?¿¡()[]{}<>«»\"“”„*#@&+=|~^%$؟،؛٪"})
# Arabic letters users type interchangeably. NFKD has already split hamza
# and madda off their carriers (أ إ آ ؤ ئ); what remains is folded here, with
# Arabic-Indic and Persian digits read as digits.
_ARABIC = str.maketrans({
    "ى": "ي", "ة": "ه", "ـ": "", "ء": "", "ٱ": "ا",
    **{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)},
})
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
# A digit standing for a letter in Darija: never two in a row ("cop22"),
# with at least two letters around ("3lach", "rj3at"; not "4g" or "48h").
_ARABIZI = re.compile(r"(?=(?:.*[a-z]){2})(?!.*\d\d)[a-z]*[235789][a-z235789]*")
_ARABIC_STEMMER = snowballstemmer.stemmer("arabic")
_TAG = re.compile(r"<[^<>]{0,200}>")
_WORD = re.compile(r"[^\W_]+")

# One light suffix stripper for both languages. It need not be linguistically
# right, only consistent: questions and variants go through the same one.
_SUFFIXES = (
    "issements", "issement", "ations", "ements", "ation", "ement", "ments", "ment",
    "ings", "ing", "ees", "ies", "ers", "ee", "es", "er", "ez", "ed", "ie", "is", "ir", "s", "e", "i",
)
_MIN_STEM = 4
# The synonym key whose phrases are dropped, as stop words are: phrases that
# would otherwise read as another key's ("i'd like" as "likes").
IGNORED = "ignore"
_MIN_ARABIC_STEM = 3
MIN_CORRECTABLE = 4
_MEMO_SIZE = 50_000  # corrections remembered, at most (a few MB)
# Edits allowed when correcting a word (optimal string alignment: a swap of
# two neighbouring letters is one edit): one up to 7 letters, two beyond.
_LONG_WORD = 8


# Mn: accents and Arabic short vowels; Cc/Cf: control characters and
# invisible direction marks that right-to-left text often carries. A table
# for the Basic Multilingual Plane (str.translate runs in C); the rare
# characters beyond it are checked one by one.
_DROPPED = ("Mn", "Cc", "Cf")
_DROP = {cp: None for cp in range(0x10000) if unicodedata.category(chr(cp)) in _DROPPED}


def fold(text: str) -> str:
    """Lowercase, accent-free text with markup and control characters removed."""
    text = unicodedata.normalize("NFKD", _TAG.sub(" ", text)).translate(_DROP)
    if not text.isascii() and max(text) > "\uffff":
        text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED)
    return text.casefold().translate(_ARABIC).translate(_SEPARATORS)


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return list(_words(text))


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    # Loading folds the same synonym phrases several times, and people ask the same questions.
    return tuple(_WORD.findall(fold(text)))


def is_arabic(word: str) -> bool:
    """Whether a folded word is written in Arabic script."""
    return _ARABIC_LETTER.match(word) is not None


def is_arabizi(word: str) -> bool:
    """Whether a folded word is Darija in Latin letters with digits for letters ("3lach", not "cop22")."""
    return _ARABIZI.fullmatch(word) is not None


def _spelt(word: str) -> bool:
    """A word that spelling correction and stemming may touch: letters, or Darija's digit-letters."""
    return word.isalpha() or is_arabizi(word)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str, clitics: tuple[str, ...] = ()) -> str:
    """A word's stem: for Arabic script, its first listed clitic off, then Snowball's Arabic stemmer;
    else one common ending off, keeping 4 letters."""
    if is_arabic(word):
        # Snowball stems "المكالمات" and "مكالمات" apart; without the article first, alike.
        for clitic in clitics:
            if word.startswith(clitic) and len(word) - len(clitic) >= _MIN_ARABIC_STEM:
                word = word[len(clitic) :]
                break
        return str(_ARABIC_STEMMER.stemWord(word)) if len(word) > _MIN_ARABIC_STEM else word
    if len(word) <= _MIN_STEM or not _spelt(word):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Lexicon:
    """What normalisation needs from the knowledge base, prepared once per load."""

    stopwords: frozenset[str]
    synonyms: Mapping[tuple[str, ...], str]  # stemmed phrase -> canonical key
    longest_synonym: int
    known: frozenset[str]  # every folded word a variant, synonym or stop word uses
    # Known words a misspelling may become, by (length, first letter).
    correctable: Mapping[tuple[int, str], tuple[str, ...]]
    language_words: Mapping[str, frozenset[str]]  # words seen only in one language
    # Everyday filler words (a general stop word list, less the exceptions
    # of language.yaml): they tell nothing of a question's focus, and are
    # never "corrected" into something else.
    filler_words: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()  # the synonyms' canonical keys
    clitics: tuple[str, ...] = ()  # Arabic prefixes stripped before stemming, longest first
    arabic_language: str | None = None  # the language of a message in Arabic script
    everyday: frozenset[str] = frozenset()  # real words of the languages, never taken for slips
    # Corrections already worked out, by (word, language): the same unknown
    # words come back (an entry's `also` words in every clone of a grown
    # base, people's favourite misspellings). A memo, bounded, not state.
    corrections: dict[tuple[str, str | None], str] = field(default_factory=dict, compare=False, repr=False)


def build_lexicon(
    stopwords: Mapping[str, Iterable[str]],
    synonyms: Mapping[str, str],
    variants: Mapping[str, Iterable[str]],
    fillers: Iterable[str] = (),
    clitics: tuple[str, ...] = (),
    arabic_language: str | None = None,
    everyday: Mapping[str, frozenset[str]] | None = None,
) -> Lexicon:
    """Prepare a Lexicon from stop words and synonyms (per language), all question variants, and filler words.

    `everyday` holds each language's everyday words (bot/core/dictionary.py).
    """
    everyday = everyday or {}
    all_stop = frozenset(w for ws in stopwords.values() for w in ws)
    clitics = tuple(sorted(clitics, key=len, reverse=True))
    stemmed = {tuple(stem(w, clitics) for w in phrase.split()): key for phrase, key in synonyms.items()}
    by_language: dict[str, set[str]] = {}
    for lang, texts in variants.items():
        found = by_language.setdefault(lang, set(stopwords.get(lang, ())))
        for text in texts:
            found.update(words(text))
    for lang, ws in stopwords.items():
        by_language.setdefault(lang, set()).update(ws)
    known = set(all_stop)
    for found in by_language.values():
        known |= found
    for phrase in synonyms:
        known.update(phrase.split())
    # A word tells a language only if no other language uses it, in the
    # variants or in everyday speech ("videos" is French and English).
    only_in = {
        lang: frozenset(ws - set().union(*(o for other, o in by_language.items() if other != lang),
                                         *(e for other, e in everyday.items() if other != lang)))
        for lang, ws in by_language.items()
    }
    # A filler is known (so "even" is never corrected to "event") but is no
    # correction target unless a variant or a synonym uses it too.
    filler_words = {w for f in fillers for w in words(f)}
    correctable: dict[tuple[int, str], list[str]] = {}
    for word in sorted(known):
        if len(word) >= MIN_CORRECTABLE and _spelt(word):
            correctable.setdefault((len(word), word[0]), []).append(word)
    return Lexicon(
        stopwords=all_stop,
        synonyms=stemmed,
        longest_synonym=max((len(p) for p in stemmed), default=1),
        known=frozenset(known | filler_words),  # fillers are never "corrected"
        correctable={bucket: tuple(ws) for bucket, ws in correctable.items()},
        language_words=only_in,
        filler_words=frozenset(filler_words),
        keys=frozenset(stemmed.values()),
        clitics=clitics,
        arabic_language=arabic_language,
        everyday=frozenset().union(*everyday.values()),
    )


def correct(word: str, lexicon: Lexicon, lang: str | None = None) -> str:
    """The known word closest to an unknown `word`, or `word` itself.

    Only whole-word slips are corrected: one edit (two for long words), and
    for four-letter words only a missing letter or a swap, since a changed
    letter there too often makes another real word ("cout" is not "tout").
    Candidates start with the word's first or second letter (the latter for
    the first two letters swapped): slips on the first letter are rare, and
    this keeps a lookup to a few small buckets however large the vocabulary.
    Words with digits are never corrected: "cop21" must not become "cop22";
    and an everyday word of the languages only into another ("loose" into
    "lose"), never into a name or a rare word: "mountain" is no slip of "Mountasir".
    A correction manufactures evidence, so two more limits: in a question
    of language `lang`, never into a word only another language uses
    ("debate" is not the French "debute"); and into a stop word, which would
    make the word vanish, only at one edit ("parliament" is not "parlaient").
    """
    if word in lexicon.known or len(word) < MIN_CORRECTABLE or not _spelt(word):
        return word
    memo = lexicon.corrections
    if (word, lang) not in memo:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[word, lang] = _closest(word, lexicon, lang)
    return memo[word, lang]


def _closest(word: str, lexicon: Lexicon, lang: str | None) -> str:
    everyday = word in lexicon.everyday
    edits = 2 if len(word) >= _LONG_WORD else 1
    foreign = [ws for other, ws in lexicon.language_words.items() if lang is not None and other != lang]
    # Among equally close candidates, a content word beats a stop word and
    # the same first letter beats another ("letre" is "lettre", not "etre").
    best: tuple[int, bool, bool, str] | None = None
    for size in range(len(word) - edits, len(word) + edits + 1):
        for initial in dict.fromkeys(word[:2]):
            choices = lexicon.correctable.get((size, initial), ())
            for candidate, distance, _ in process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None):
                if not _plausible(word, candidate) or any(candidate in ws for ws in foreign):
                    continue
                if everyday and candidate not in lexicon.everyday:
                    continue
                stop = candidate in lexicon.stopwords
                if stop and distance > 1:
                    continue
                key = (int(distance), stop, candidate[0] != word[0], candidate)
                if best is None or key < best:
                    best = key
    return best[3] if best else word


def _plausible(word: str, candidate: str) -> bool:
    return len(word) > MIN_CORRECTABLE or len(candidate) > len(word) or sorted(candidate) == sorted(word)


@dataclass(frozen=True)
class Analysis:
    """A text's terms, and which of them are mere filler."""

    terms: tuple[str, ...]
    # Terms made only of everyday filler words ("guy", "really", "thing"):
    # they say nothing of what the question is about.
    fillers: frozenset[str]


def analyse(text: str, lexicon: Lexicon, lang: str | None = None) -> Analysis:
    """The matcher's terms for `text` (corrected, stemmed, synonyms merged, stop words out), with its fillers."""
    folded = [correct(w, lexicon, lang) for w in words(text)]
    stems = [stem(w, lexicon.clitics) for w in folded]
    result: list[str] = []
    not_filler: set[str] = set()
    i = 0
    while i < len(stems):
        for size in range(min(lexicon.longest_synonym, len(stems) - i), 0, -1):
            key = lexicon.synonyms.get(tuple(stems[i : i + size]))
            if key == IGNORED:
                # A phrase that only looks like a key's ("i'd like" is no "likes"): dropped.
                i += size
                break
            if key is not None:
                result.append(key)
                # A curated phrase means its key even when made of everyday
                # words ("how much is a" is "cost"); a lone everyday word does not.
                if size > 1 or folded[i] not in lexicon.filler_words:
                    not_filler.add(key)
                i += size
                break
        else:
            if folded[i] not in lexicon.stopwords:
                result.append(stems[i])
                if folded[i] not in lexicon.filler_words:
                    not_filler.add(stems[i])
            i += 1
    found = tuple(dict.fromkeys(result))
    return Analysis(found, frozenset(found) - not_filler)


def terms(text: str, lexicon: Lexicon, lang: str | None = None) -> tuple[str, ...]:
    """The matcher's terms for `text`: corrected, stemmed, synonyms merged, stop words out."""
    return analyse(text, lexicon, lang).terms


def detect_language(text: str, lexicon: Lexicon, languages: tuple[str, ...], hint: str | None = None) -> str:
    """The language of `text` among `languages`, by words only one language uses.

    A tie (say a one-word question such as "COP22") goes to the caller's
    hint, such as a Telegram user's language code "fr-FR", then to the first
    language.
    """
    found = words(text)
    # A script tells at once: a message mostly in Arabic letters is Arabic.
    arabic = sum(is_arabic(w) for w in found)
    if lexicon.arabic_language in languages and arabic and arabic * 2 >= len(found):
        return lexicon.arabic_language
    counts = {lang: 0 for lang in languages}
    for word in found:
        for lang in languages:
            if word in lexicon.language_words.get(lang, ()):
                counts[lang] += 1
    hinted = (hint or "").split("-")[0].lower()
    best = max(counts.values(), default=0)
    leaders = [lang for lang in languages if counts[lang] == best]
    if len(leaders) == 1 and best > 0:
        return leaders[0]
    if hinted in leaders:
        return hinted
    return leaders[0] if leaders else languages[0]
