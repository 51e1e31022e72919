"""Score a question's terms against every entry's question variants.

Three signals, all on normalised terms:
- weighted overlap: how much of the question a variant covers and how much
  of the variant the question covers, each term weighted by how rare it is
  among entries (IDF). Words the knowledge base never uses weigh the most,
  which is what keeps "How do I install WhatsApp on my laptop?" away from a
  confident answer: "install" and "laptop" are covered by no entry;
- rapidfuzz's token_sort_ratio between the question and the variant, for
  what term sets miss (word order, near-misses the speller left alone);
- the entry as a whole: question words found in the entry's other variants
  add to its best variant's score. Users combine words that curators spread
  over several phrasings ("legal basis" in one, "ANRT decision" in another).

Candidates are first narrowed to the entries sharing a term with the
question, through an inverted index, so the cost grows with the number of
entries that could match, not with the size of the base.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from .models import Entry, MatcherWeights
from .normalize import Lexicon, terms

# What a filler term weighs, against an IDF of about 0.1 to 4: enough to
# keep its share of a match, too little to change which entry wins.
FILLER_WEIGHT = 0.05


@dataclass(frozen=True)
class Variant:
    """One question variant, normalised."""

    entry_id: str
    lang: str
    text: str
    terms: frozenset[str]
    joined: str
    weight: float


@dataclass(frozen=True)
class Index:
    """Everything matching needs, built once per knowledge load."""

    lexicon: Lexicon
    weights: MatcherWeights
    variants_by_entry: Mapping[str, tuple[Variant, ...]]
    lightest: Mapping[str, float]  # entry id -> weight of its tersest variant
    entries_by_term: Mapping[str, tuple[str, ...]]
    vocabulary: Mapping[str, frozenset[str]]  # entry id -> every term its questions use, and its key concepts
    idf: Mapping[str, float]
    unknown_idf: float


@dataclass(frozen=True)
class Match:
    """An entry's score for a question, with the variant that scored it."""

    entry_id: str
    score: float
    variant: Variant


def build_index(entries: Iterable[Entry], lexicon: Lexicon, weights: MatcherWeights) -> Index:
    """Normalise every variant and index entries by the terms they use."""
    entries = list(entries)
    normalised = {
        e.id: [(lang, q, terms(q, lexicon)) for lang, qs in e.questions.items() for q in qs] for e in entries
    }
    entries_by_term: dict[str, list[str]] = defaultdict(list)
    for entry_id, rows in normalised.items():
        for term in sorted({t for _, _, ts in rows for t in ts}):
            entries_by_term[term].append(entry_id)
    count = max(len(entries), 1)
    idf = {t: math.log(1 + count / len(ids)) for t, ids in entries_by_term.items()}
    # A word no entry uses is as telling as the rarest word there is.
    unknown_idf = math.log(1 + count)
    variants_by_entry = {
        entry_id: tuple(
            Variant(entry_id, lang, q, frozenset(ts), " ".join(sorted(ts)), sum(idf[t] for t in set(ts)))
            for lang, q, ts in rows
            if ts
        )
        for entry_id, rows in normalised.items()
    }
    lightest = {entry_id: min((v.weight for v in vs), default=0.0) for entry_id, vs in variants_by_entry.items()}
    vocabulary = {
        e.id: frozenset(t for _, _, ts in normalised[e.id] for t in ts) | frozenset(e.needs)
        | frozenset(t for phrase in e.also for t in terms(phrase, lexicon))
        for e in entries
    }
    return Index(lexicon, weights, variants_by_entry, lightest, {t: tuple(ids) for t, ids in entries_by_term.items()},
                 vocabulary, idf, unknown_idf)


def match(question_terms: tuple[str, ...], index: Index, limit: int = 5, fillers: Collection[str] = (),
          include: Collection[str] = ()) -> list[Match]:
    """The best-scoring entries for these terms, best first, scores 0-100.

    `fillers` (terms of everyday filler words) weigh almost nothing: a long,
    chatty question is not a worse match for what it asks. The entries in
    `include` are scored whatever their share of the question's terms.
    """
    if not question_terms:
        return []
    weights = {t: FILLER_WEIGHT if t in fillers else index.idf.get(t, index.unknown_idf) for t in question_terms}
    total = sum(weights.values())
    coverage: dict[str, float] = defaultdict(float)
    for term in question_terms:
        for entry_id in index.entries_by_term.get(term, ()):
            coverage[entry_id] += weights[term]
    # Among entries covering the question equally, the one with the tersest
    # variant is likeliest to match it closely ("voip" -> "what is voip").
    weights_ = index.weights
    candidates = sorted(coverage, key=lambda e: (-coverage[e], index.lightest[e], e))[: weights_.candidates]
    candidates += [e for e in include if e in coverage and e not in candidates]
    joined = " ".join(sorted(question_terms))
    question_set = frozenset(question_terms)
    matches = []
    for entry_id in candidates:
        # Each variant is scored once; ties go to the alphabetically last text, as before.
        score, _, best = max(
            ((_variant_score(question_set, weights, total, joined, v, weights_), v.text, v) for v in index.variants_by_entry[entry_id]),
            key=lambda scored: scored[:2],
        )
        extra = (coverage[entry_id] - sum(weights[t] for t in question_set & best.terms)) / total
        score = min(100.0, score + weights_.entry_coverage * 100 * extra)
        matches.append(Match(entry_id, round(score, 2), best))
    matches.sort(key=lambda m: (-m.score, m.entry_id))
    kept = matches[:limit]
    return kept + [m for m in matches[limit:] if m.entry_id in include]


def _variant_score(question: frozenset[str], weights: Mapping[str, float], total: float, joined: str, variant: Variant,
                   mix: MatcherWeights) -> float:
    shared = sum(weights[t] for t in question & variant.terms)
    if not shared:
        return 0.0
    recall = shared / total
    precision = shared / variant.weight
    beta2 = mix.recall_bias
    overlap = (1 + beta2) * precision * recall / (beta2 * precision + recall)
    similarity = fuzz.token_sort_ratio(joined, variant.joined) / 100
    return round(100 * (mix.overlap_share * overlap + (1 - mix.overlap_share) * similarity), 2)
