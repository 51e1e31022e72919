"""The matcher: scores, ranking, and the evidence it weighs."""

from __future__ import annotations

import pytest

from bot.core.matcher import Index, build_index, match
from bot.core.models import Entry, MatcherWeights
from bot.core.normalize import build_lexicon, terms

QUESTIONS = {
    "when-restored": ["when was voip restored", "date of the lifting"],
    "who-decided": ["who decided the voip block", "which regulator ordered it"],
    "why-blocked": ["why was voip blocked", "the regulator's licence argument"],
}


WEIGHTS = MatcherWeights(recall_bias=2.0, overlap_share=0.8, entry_coverage=0.35, candidates=12, close_enough=80)


def _index(questions: dict[str, list[str]]) -> Index:
    entries = [Entry(id_, "t", {"en": tuple(qs)}, {"en": "..."}, ("f",)) for id_, qs in questions.items()]
    lexicon = build_lexicon(
        stopwords={"en": ["was", "the", "of", "it", "a", "is", "how", "do", "i", "on", "my", "s"]},
        synonyms={"restored": "restore", "lifting": "restore", "lifted": "restore", "blocked": "block"},
        variants={"en": [q for qs in questions.values() for q in qs]},
    )
    return build_index(entries, lexicon, WEIGHTS)


INDEX = _index(QUESTIONS)


def _best(question: str, index: Index = INDEX) -> tuple[str, float]:
    found = match(terms(question, index.lexicon), index)
    return found[0].entry_id, found[0].score


def test_a_variant_asked_as_is_scores_100() -> None:
    assert _best("When was VoIP restored?") == ("when-restored", 100.0)


@pytest.mark.parametrize("question, expected", [
    ("voip lifted when", "when-restored"),
    ("who ordered the block", "who-decided"),
    ("why did they block it", "why-blocked"),
])
def test_paraphrases_rank_their_entry_first(question: str, expected: str) -> None:
    assert _best(question)[0] == expected


def test_words_spread_over_an_entry_s_variants_count_for_it() -> None:
    # No single variant of "split" holds both words, and "single" has one
    # that does (diluted by two others); on variants alone "single" would
    # win, but "split" as a whole covers the question as well.
    index = _index({"split": ["alpha beta", "gamma delta"], "single": ["alpha gamma epsilon zeta"]})
    assert _best("alpha gamma", index)[0] == "split"


def test_words_no_entry_uses_pull_the_score_down() -> None:
    on_topic = _best("when was voip restored")[1]
    off_topic = _best("how do I install voip on my laptop")[1]
    assert off_topic < on_topic / 2


def test_no_terms_no_match() -> None:
    assert match((), INDEX) == []
    assert match(("zzz",), INDEX) == []


def test_scores_are_sorted_and_bounded() -> None:
    found = match(terms("who decided why voip was blocked and when was it restored", INDEX.lexicon), INDEX, limit=3)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)


def test_among_many_equal_candidates_the_closest_is_kept() -> None:
    # Thirty entries share "voip" with "voip meaning"; alphabetical order
    # would keep "a-00".."a-11" and drop "zz-meaning", whose variant is
    # closest to a one-word question.
    crowd = {f"a-{n:02}": [f"voip story part{n} extra{n}"] for n in range(30)}
    index = _index({**crowd, "zz-meaning": ["voip meaning"]})
    assert _best("voip", index)[0] == "zz-meaning"
