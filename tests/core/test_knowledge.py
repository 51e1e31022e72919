"""Loading and validating the knowledge folder: every problem with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.knowledge import KnowledgeError, Problem, load_knowledge

from conftest import KNOWLEDGE, MINI, write_mini


def problems_for(tmp_path: Path, articles: Path | None = None, **files: str) -> list[Problem]:
    folder = write_mini(tmp_path / "k", **files)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder, articles)
    return caught.value.problems


def test_real_knowledge_base_passes_with_quotes_checked(articles: Path) -> None:
    knowledge = load_knowledge(KNOWLEDGE, articles)
    assert len(knowledge.sources) == 5
    assert {s.file for s in knowledge.sources.values()} == {p.name for p in articles.glob("0*.txt")}


def test_mini_base_loads(mini: Path) -> None:
    knowledge = load_knowledge(mini)
    assert set(knowledge.entries) == {"when-restored", "how-long"}
    sources = knowledge.sources_of(knowledge.entries["when-restored"])
    assert [s.id for s in sources] == ["huffpost-2016-11", "blog-2016-11"]


FACTS = MINI["facts.yaml"]
QA = MINI["qa/restoration.yaml"]
SOURCES = MINI["sources.yaml"]

# (file to override, its new text, file reported, line reported, words of the reason)
BROKEN = [
    ("facts_yaml", FACTS.replace(', en: "The block lasted ten months."}', "}"), "facts.yaml", 17, "missing language 'en'"),
    ("facts_yaml", FACTS.replace("""            sources:
              - source: blog-2016-11
                quote: "Un blocage long de dix mois"
""", "            sources: []\n"), "facts.yaml", 18, "at least one source"),
    ("facts_yaml", FACTS.replace("Un blocage long de dix mois", "Un blocage long de onze mois"), "facts.yaml", 20, "quote not found"),
    ("facts_yaml", FACTS.replace("source: blog-2016-11\n                quote: \"Un", "source: nowhere\n                quote: \"Un"), "facts.yaml", 19, "unknown source 'nowhere'"),
    ("facts_yaml", FACTS.replace("id: ten-months", "id: letter-3-november"), "facts.yaml", 16, "duplicate fact id"),
    ("facts_yaml", FACTS.replace('date: "2016-11-04"', "date: 2016-11-04"), "facts.yaml", 10, "read this as a date"),
    ("facts_yaml", FACTS.replace("            disagrees_with: [letter-3-november]\n", "            disagrees_with: [letter-3-november]\n            verified: true\n"), "facts.yaml", 16, "unknown key 'verified'"),
    ("qa__restoration_yaml", QA.replace('en: "Ten months."', "en: no"), "qa/restoration.yaml", 16, "boolean false"),
    ("qa__restoration_yaml", QA.replace("facts: [ten-months]", "facts: [eleven-months]"), "qa/restoration.yaml", 17, "unknown fact 'eleven-months'"),
    ("qa__restoration_yaml", QA.replace("related: [how-long]", "related: [how-short]"), "qa/restoration.yaml", 10, "unknown related entry 'how-short'"),
    ("qa__restoration_yaml", QA.replace("related: [how-long]", "related: [how-long]\n            follow_ups: {duration: how-short}"), "qa/restoration.yaml", 11, "unknown entry 'how-short'"),
    ("qa__restoration_yaml", QA.replace("related: [how-long]", "related: [how-long]\n            follow_ups: {why: how-long}"), "qa/restoration.yaml", 11, "'why' is neither a question type nor a synonym key"),
    ("qa__restoration_yaml", QA.replace("related: [how-long]", "related: [how-long]\n            follow_ups: {no: how-long}"), "qa/restoration.yaml", 11, "key False is not text"),
    ("qa__restoration_yaml", QA.replace('"was it blocked for long"', '"When was VoIP restored?"'), "qa/restoration.yaml", 15, "also under entry 'when-restored'"),
    ("qa__restoration_yaml", QA.replace("            note: {fr: \"Les sources divergent : 3 ou 4 novembre.\", en: \"The sources disagree: 3 or 4 November.\"}\n", ""), "qa/restoration.yaml", 8, "needs a 'note'"),
    ("qa__restoration_yaml", QA.replace('"durée du blocage", ', ""), "qa/restoration.yaml", 14, "at least 5"),
    ("qa__restoration_yaml", QA.replace("id: how-long", "id: when-restored"), "qa/restoration.yaml", 11, "duplicate entry id"),
    ("qa__restoration_yaml", QA.replace("id: how-long", "id: " + "how-long-" * 5 + "x"), "qa/restoration.yaml", 11, "at most 40 (it travels in buttons)"),
    ("qa__restoration_yaml", QA.replace("  - id: how-long\n", "  - id: how-long\n      topic: [oops\n"), "qa/restoration.yaml", 13, "invalid YAML"),
    ("qa__restoration_yaml", QA.replace("            topic: restoration\n            questions:\n              fr: [\"Combien", "            topic: restoration\n            topic: again\n            questions:\n              fr: [\"Combien"), "qa/restoration.yaml", 13, "duplicate key 'topic'"),
    ("sources_yaml", SOURCES.replace('sort_date: "2016-11-05"', "sort_date: 5 Nov"), "sources.yaml", 13, "sort_date must look like"),
    ("settings_yaml", MINI["settings.yaml"].replace("examples: [when-restored]", "examples: [when-blocked]"), "settings.yaml", 9, "unknown entry 'when-blocked'"),
    ("settings_yaml", MINI["settings.yaml"].replace("overlap_share: 0.8", "overlap_share: 1.5"), "settings.yaml", 3, "'overlap_share' must be a number from 0 to 1"),
    ("settings_yaml", MINI["settings.yaml"].replace("candidates: 12", "candidates: 2.5"), "settings.yaml", 3, "'candidates' must be a whole number"),
    ("language_yaml", MINI["language.yaml"].replace("block: [blocage,", "block: [restored, blocage,"), "language.yaml", 6, "already a synonym of 'restore'"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        follow_up: {predicates: [block, replace]}\n        stopwords:"), "language.yaml", 1, "'replace' is not a synonym key"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        follow_up: {asking: [quoi]}\n        stopwords:"), "language.yaml", 1, "'quoi' is not a synonym key"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        follow_up: {of_the_block: [unblock]}\n        stopwords:"), "language.yaml", 1, "'unblock' is not a synonym key"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        follow_up: {framing: [tell]}\n        stopwords:"), "language.yaml", 1, "'tell' is not a synonym key"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        follow_up: {demonstratives: {fr: [ce dernier]}}\n        stopwords:"), "language.yaml", 1, "one word each, not 'ce dernier'"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        fillers: {fr: [genre, fin de compte]}\n        stopwords:"), "language.yaml", 1, "a filler is one word, not 'fin de compte'"),
    ("language_yaml", MINI["language.yaml"].replace("        stopwords:", "        scenes: {questions: {en: [did]}}\n        stopwords:"), "language.yaml", 1, "openers"),
    ("settings_yaml", MINI["settings.yaml"].replace("outscored_by: 10", "outscored_by: -1"), "settings.yaml", 4, "'outscored_by' must be a number from 0 to 101"),
]


@pytest.mark.parametrize("override, text, file, line, reason", BROKEN, ids=[b[4] for b in BROKEN])
def test_problem_is_reported_with_file_and_line(tmp_path: Path, request: pytest.FixtureRequest, override: str, text: str,
                                               file: str, line: int, reason: str) -> None:
    assert text != MINI[override.replace("__", "/").replace("_yaml", ".yaml")], "the test's edit did not apply"
    # Only a quote's presence in its article needs the articles themselves.
    articles = request.getfixturevalue("articles") if reason == "quote not found" else None
    problems = problems_for(tmp_path, articles, **{override: text})
    assert any(p.file == file and p.line == line and reason in p.reason for p in problems), "\n".join(map(str, problems))


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        facts_yaml=FACTS.replace(', en: "The block lasted ten months."}', "}"),
        qa__restoration_yaml=QA.replace("related: [how-long]", "related: [nope]"),
    )
    assert {p.file for p in problems} == {"facts.yaml", "qa/restoration.yaml"}


def test_missing_folder_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="knowledge folder not found"):
        load_knowledge(tmp_path / "nowhere")


def test_quotes_unchecked_without_articles(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "k", facts_yaml=FACTS.replace("dix mois", "onze mois"))
    assert "ten-months" in load_knowledge(folder).facts


def test_a_follow_up_must_go_to_an_entry_that_answers_its_type(tmp_path: Path) -> None:
    typed = MINI["language.yaml"].replace("        synonyms:", "        question_types: [when, duration]\n        synonyms:")
    qa = QA.replace("related: [how-long]", "related: [how-long]\n            follow_ups: {when: how-long}").replace(
        "related: [when-restored]", "related: [when-restored]\n            asks: [duration]")
    problems = problems_for(tmp_path, language_yaml=typed, qa__restoration_yaml=qa)
    assert [(p.file, p.line, p.reason) for p in problems] == [("qa/restoration.yaml", 11, "entry 'how-long' does not ask 'when'")]
