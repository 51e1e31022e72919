"""Load the knowledge folder into a validated, immutable `Knowledge`.

Loading and checking are one pass: every problem found is collected with
its file and line, and the load fails with all of them at once (like a
linter), so a curator fixes a whole file in one go. `python -m bot check`
and the Telegram `/reload` both report exactly these problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import (
    Citation,
    Entry,
    Fact,
    FollowUpMarks,
    Knowledge,
    LanguageData,
    MatcherWeights,
    SceneMarks,
    Settings,
    Source,
    Text,
    Thresholds,
)
from .normalize import stem, words
from .yamlfile import Located, Path_, YamlProblem, read_located

# Messages the core composes replies with, and the placeholders each takes.
CORE_MESSAGES: dict[str, set[str]] = {
    "did_you_mean": set(), "abstain": set(), "empty": set(), "not_in_articles": {"things"},
    "truncated": set(), "note_label": set(), "sources_label": set(), "related_label": set(), "clarify": set(),
    "source_line": {"outlet", "date", "title"},
}
# Writing systems the normaliser can recognise, for language.yaml's `scripts`.
SCRIPTS = ("arabic",)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_QUOTE_CHARS = 300
# An answer opens with one sentence that carries the answer itself, short
# enough to read at a glance on a phone; details follow it.
MAX_LEAD_CHARS = 200
# A sentence ends at . ! ? or the Arabic question mark, unless the dot
# follows a lone capital (an initial, as in "Othman M.").
SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?؟](?=\s|$)")
MIN_VARIANTS = 5
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Ids travel in Telegram button payloads, which are capped at 64 bytes.
MAX_ID_CHARS = 40
DATE_PATTERN = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge folder, where a curator can find it."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


class KnowledgeError(Exception):
    """The knowledge folder has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Doc:
    """One YAML file being read: typed field access that records problems."""

    def __init__(self, name: str, located: Located, problems: list[Problem]) -> None:
        self.name = name
        self.located = located
        self.problems = problems

    def problem(self, path: Path_, reason: str) -> None:
        self.problems.append(Problem(self.name, self.located.line(path), reason))

    def mapping(self, value: Any, path: Path_, required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any]:
        """`value` as a mapping with exactly the known keys; {} if it is not one."""
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping with keys {', '.join(required)}")
            return {}
        required = tuple(required)
        known = set(required) | set(optional)
        for key in value:
            if key not in known:
                self.problem((*path, key), f"unknown key '{key}' (expected: {', '.join(sorted(known))})")
        for key in required:
            if key not in value:
                self.problem(path, f"missing key '{key}'")
        return value

    def text(self, value: Any, path: Path_) -> str | None:
        """`value` as a non-empty string, naming YAML 1.1's surprises."""
        if isinstance(value, str):
            if not value.strip():
                self.problem(path, "empty text")
                return None
            return value
        if isinstance(value, bool):
            self.problem(path, f"YAML read this as the boolean {str(value).lower()} "
                         "(yes/no/on/off are booleans in YAML 1.1): put the text in quotes")
        elif isinstance(value, (dt.date, dt.datetime)):
            self.problem(path, f"YAML read this as a date ({value}): put it in quotes")
        elif isinstance(value, (int, float)):
            self.problem(path, f"YAML read this as a number ({value}): put it in quotes")
        elif value is None:
            self.problem(path, "missing text")
        else:
            self.problem(path, "expected text")
        return None

    def ident(self, value: Any, path: Path_) -> str | None:
        text = self.text(value, path)
        if text is not None and not ID_PATTERN.match(text):
            self.problem(path, f"id '{text}' must be lowercase letters, digits and dashes")
            return None
        if text is not None and len(text) > MAX_ID_CHARS:
            self.problem(path, f"id '{text[:50]}' is {len(text)} characters; at most {MAX_ID_CHARS} (it travels in buttons)")
            return None
        return text

    def texts(self, value: Any, path: Path_) -> list[str]:
        """A list of texts; a single item is reported, not wrapped."""
        if not isinstance(value, list):
            self.problem(path, "expected a list")
            return []
        return [t for i, item in enumerate(value) if (t := self.text(item, (*path, i))) is not None]

    def per_language(self, value: Any, path: Path_, languages: tuple[str, ...], read: Callable[[Any, Path_], Any]) -> dict[str, Any]:
        """A mapping language -> value that must have every required language."""
        if not isinstance(value, dict):
            self.problem(path, f"expected one value per language ({', '.join(languages)})")
            return {}
        result = {}
        for lang, item in value.items():
            if not isinstance(lang, str):
                self.problem((*path, lang), f"language code {lang!r} is not text (YAML 1.1 reads no/on/off as booleans): quote it")
                continue
            read_value = read(item, (*path, lang))
            if read_value is not None:
                result[lang] = read_value
        for lang in languages:
            if lang not in value:
                self.problem(path, f"missing language '{lang}'")
        return result

    def items(self, key: str, item_keys: tuple[tuple[str, ...], tuple[str, ...]]) -> list[tuple[Path_, dict[str, Any]]]:
        """The list under top-level `key`, each item checked for its keys."""
        top = self.mapping(self.located.data, (), (key,))
        value = top.get(key)
        if not isinstance(value, list):
            if key in top:
                self.problem((key,), f"'{key}' must be a list")
            return []
        required, optional = item_keys
        return [((key, i), self.mapping(item, (key, i), required, optional)) for i, item in enumerate(value)]


def load_knowledge(folder: Path, articles: Path | None = None) -> Knowledge:
    """Read and validate `folder`; raise KnowledgeError listing every problem.

    With `articles` (the seeds folder), every quote must also be found
    verbatim (white space aside) in the article its source names.
    """
    problems: list[Problem] = []
    if not folder.is_dir():
        raise KnowledgeError([Problem(str(folder), None, "knowledge folder not found")])

    def read(name: str) -> _Doc | None:
        path = folder / name
        if not path.is_file():
            problems.append(Problem(name, None, "file not found"))
            return None
        try:
            return _Doc(name, read_located(path), problems)
        except YamlProblem as exc:
            problems.append(Problem(name, exc.line, exc.reason))
            return None

    settings_doc = read("settings.yaml")
    settings = _settings(settings_doc) if settings_doc else None
    languages = settings.languages if settings else ("fr", "en")
    sources_doc = read("sources.yaml")
    sources = _sources(sources_doc, languages) if sources_doc else {}
    facts_doc = read("facts.yaml")
    facts = _facts(facts_doc, languages, sources, articles) if facts_doc else {}
    qa_files = sorted((folder / "qa").glob("*.yaml")) if (folder / "qa").is_dir() else []
    if not qa_files:
        problems.append(Problem("qa/", None, "no Q&A files (qa/*.yaml)"))
    entries: dict[str, Entry] = {}
    entry_docs: dict[str, tuple[_Doc, Path_]] = {}
    for path in qa_files:
        doc = read(f"qa/{path.name}")
        if doc:
            _entries(doc, languages, facts, entries, entry_docs)
    language_doc = read("language.yaml")
    extra_docs = [doc for path in sorted((folder / "language.d").glob("*.yaml"))
                  if (folder / "language.d").is_dir() and (doc := read(f"language.d/{path.name}"))]
    language = _language([language_doc, *extra_docs], languages) if language_doc else LanguageData({}, {})
    messages_doc = read("messages.yaml")
    messages = _messages(messages_doc, languages) if messages_doc else {}

    _check_references(entries, entry_docs, settings, settings_doc, language)
    _check_variants(entries, entry_docs, language)
    _check_relevance_keys(entries, entry_docs, language)
    if problems or settings is None:
        raise KnowledgeError(problems)
    return Knowledge(sources, facts, entries, language, messages, settings)


# settings.yaml sections of numbers: key -> (lowest, highest, whole number?).
_THRESHOLDS = {"answer": (0, 100, False), "suggest": (0, 100, False), "margin": (0, 100, False)}
_MATCHER = {"recall_bias": (0.01, 100, False), "overlap_share": (0, 1, False), "entry_coverage": (0, 1, False),
            "candidates": (1, 1000, True), "close_enough": (0, 101, False)}
_LIMITS = {"max_question_chars": (1, 100_000, True), "max_suggestions": (1, 20, True), "max_related": (1, 20, True),
           "timeline_page": (1, 50, True)}
_CONVERSATION = {"context_minutes": (0, 24 * 60, False), "max_chats": (1, 10_000_000, True),
                 "outscored_by": (0, 101, False)}


def _settings(doc: _Doc) -> Settings | None:
    data = doc.mapping(doc.located.data, (), ("languages", "thresholds", "matcher", *_LIMITS, "examples", "conversation"),
                       ("right_to_left",))
    right_to_left = tuple(doc.texts(data["right_to_left"], ("right_to_left",))) if "right_to_left" in data else ()
    languages = tuple(doc.texts(data.get("languages"), ("languages",)))
    thresholds = _numbers(doc, data.get("thresholds"), ("thresholds",), _THRESHOLDS)
    matcher = _numbers(doc, data.get("matcher"), ("matcher",), _MATCHER)
    limits = _numbers(doc, data, (), _LIMITS, whole_document=True)
    conversation = _numbers(doc, data.get("conversation"), ("conversation",), _CONVERSATION)
    if thresholds and thresholds["suggest"] > thresholds["answer"]:
        doc.problem(("thresholds",), "'suggest' must not be above 'answer'")
    examples = tuple(doc.texts(data.get("examples"), ("examples",)))
    if not languages:
        doc.problem(("languages",), "at least one language is required")
    if not languages or thresholds is None or matcher is None or limits is None or conversation is None:
        return None
    return Settings(
        languages=languages,
        default_language=languages[0],
        thresholds=Thresholds(**thresholds),
        matcher=MatcherWeights(**matcher),  # type: ignore[arg-type]
        max_question_chars=int(limits["max_question_chars"]),
        max_suggestions=int(limits["max_suggestions"]),
        max_related=int(limits["max_related"]),
        examples=examples,
        right_to_left=right_to_left,
        timeline_page=int(limits["timeline_page"]),
        context_seconds=60.0 * conversation["context_minutes"],
        max_chats=int(conversation["max_chats"]),
        outscored_by=conversation["outscored_by"],
    )


def _numbers(doc: _Doc, value: Any, path: Path_, spec: Mapping[str, tuple[float, float, bool]],
             whole_document: bool = False) -> dict[str, float] | None:
    """The numbers `spec` names, each checked for range; None if any is missing or wrong."""
    section = value if whole_document else doc.mapping(value, path, tuple(spec))
    found: dict[str, float] = {}
    for key, (low, high, whole) in spec.items():
        number = section.get(key) if isinstance(section, dict) else None
        kind = "a whole number" if whole else "a number"
        if isinstance(number, bool) or not isinstance(number, (int, float)) or (whole and not isinstance(number, int)) \
                or not low <= number <= high:
            doc.problem((*path, key), f"'{key}' must be {kind} from {low:g} to {high:g}")
        else:
            found[key] = number
    return found if len(found) == len(spec) else None


def _sources(doc: _Doc, languages: tuple[str, ...]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    keys = (("id", "file", "language", "sort_date", "outlet", "date", "title", "short"), ())
    for path, item in doc.items("sources", keys):
        source_id = doc.ident(item.get("id"), (*path, "id"))
        fields = {k: doc.text(item.get(k), (*path, k)) for k in ("file", "language", "sort_date", "title")}
        outlet = doc.per_language(item.get("outlet"), (*path, "outlet"), languages, doc.text)
        date = doc.per_language(item.get("date"), (*path, "date"), languages, doc.text)
        short = doc.per_language(item.get("short"), (*path, "short"), languages, doc.text)
        if fields["sort_date"] and not DATE_PATTERN.match(fields["sort_date"]):
            doc.problem((*path, "sort_date"), "sort_date must look like 2016-01-04, 2016-01 or 2016")
        if source_id is None or None in fields.values():
            continue
        if source_id in sources:
            doc.problem((*path, "id"), f"duplicate source id '{source_id}'")
            continue
        sources[source_id] = Source(source_id, outlet=outlet, date=date, short=short, **fields)  # type: ignore[arg-type]
    return sources


def _facts(doc: _Doc, languages: tuple[str, ...], sources: dict[str, Source], articles: Path | None) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    article_text = _ArticleCache(articles)
    keys = (("id", "text", "sources"), ("date", "disagrees_with"))
    for path, item in doc.items("facts", keys):
        fact_id = doc.ident(item.get("id"), (*path, "id"))
        text = doc.per_language(item.get("text"), (*path, "text"), languages, doc.text)
        date = None
        if "date" in item:
            date = doc.text(item["date"], (*path, "date"))
            if date and not DATE_PATTERN.match(date):
                doc.problem((*path, "date"), "date must look like 2016-01-04, 2016-01 or 2016")
        citations = []
        raw_sources = item.get("sources")
        if not isinstance(raw_sources, list) or not raw_sources:
            doc.problem((*path, "sources"), "a fact needs at least one source")
            raw_sources = []
        for i, raw in enumerate(raw_sources):
            cpath = (*path, "sources", i)
            cite = doc.mapping(raw, cpath, ("source", "quote"))
            source_id = doc.text(cite.get("source"), (*cpath, "source"))
            quote = doc.text(cite.get("quote"), (*cpath, "quote"))
            if source_id is None or quote is None:
                continue
            if source_id not in sources:
                doc.problem((*cpath, "source"), f"unknown source '{source_id}'")
                continue
            if len(quote) > MAX_QUOTE_CHARS:
                doc.problem((*cpath, "quote"), f"quote is {len(quote)} characters; at most {MAX_QUOTE_CHARS}")
            body = article_text.get(sources[source_id].file)
            if body is not None and _squash(quote) not in body:
                doc.problem((*cpath, "quote"), f"quote not found in article {sources[source_id].file}")
            elif articles is not None and body is None:
                doc.problem((*cpath, "source"), f"article file {sources[source_id].file} not found in {articles}")
            citations.append(Citation(source_id, quote))
        disagrees = tuple(doc.texts(item["disagrees_with"], (*path, "disagrees_with"))) if "disagrees_with" in item else ()
        if fact_id is None:
            continue
        if fact_id in facts:
            doc.problem((*path, "id"), f"duplicate fact id '{fact_id}'")
            continue
        facts[fact_id] = Fact(fact_id, text, tuple(citations), date, disagrees)
    for fact in facts.values():
        for other in fact.disagrees_with:
            if other not in facts:
                doc.problem(("facts",), f"fact '{fact.id}' disagrees_with unknown fact '{other}'")
    return facts


def _entries(doc: _Doc, languages: tuple[str, ...], facts: dict[str, Fact], entries: dict[str, Entry],
             where: dict[str, tuple[_Doc, Path_]]) -> None:
    keys = (("id", "topic", "questions", "answer", "facts"), ("related", "note", "asks", "needs", "also", "follow_ups"))
    for path, item in doc.items("entries", keys):
        entry_id = doc.ident(item.get("id"), (*path, "id"))
        topic = doc.text(item.get("topic"), (*path, "topic"))
        questions = doc.per_language(item.get("questions"), (*path, "questions"), languages, doc.texts)
        for lang, variants in questions.items():
            if len(variants) < MIN_VARIANTS:
                doc.problem((*path, "questions", lang), f"{len(variants)} '{lang}' questions; at least {MIN_VARIANTS}")
        answer = doc.per_language(item.get("answer"), (*path, "answer"), languages, doc.text)
        for lang, text in answer.items():
            if len(lead := lead_sentence(text)) > MAX_LEAD_CHARS:
                doc.problem((*path, "answer", lang), f"the answer's first sentence is {len(lead)} characters; "
                            f"open with a sentence of at most {MAX_LEAD_CHARS} that carries the answer")
        fact_ids = tuple(doc.texts(item.get("facts"), (*path, "facts")))
        if not fact_ids and "facts" in item:
            doc.problem((*path, "facts"), "an answer must be built from at least one fact")
        for i, fact_id in enumerate(fact_ids):
            if fact_id not in facts:
                doc.problem((*path, "facts", i), f"unknown fact '{fact_id}'")
        related = tuple(doc.texts(item["related"], (*path, "related"))) if "related" in item else ()
        asks = tuple(doc.texts(item["asks"], (*path, "asks"))) if "asks" in item else ()
        needs = tuple(doc.texts(item["needs"], (*path, "needs"))) if "needs" in item else ()
        also = tuple(doc.texts(item["also"], (*path, "also"))) if "also" in item else ()
        note = doc.per_language(item["note"], (*path, "note"), languages, doc.text) if "note" in item else {}
        follow_ups = _follow_ups(doc, item["follow_ups"], (*path, "follow_ups")) if "follow_ups" in item else {}
        cited = [f for f in fact_ids if f in facts]
        disputed = [f for f in cited if facts[f].disagrees_with]
        # A disputed fact needs the note even when its rival is not cited:
        # the reader must learn that another article says otherwise.
        if not note and disputed:
            doc.problem((*path, "facts"), f"fact '{disputed[0]}' is disputed by another article's fact "
                        f"({', '.join(facts[disputed[0]].disagrees_with)}): the entry needs a 'note' saying so")
        if entry_id is None or topic is None:
            continue
        if entry_id in entries:
            doc.problem((*path, "id"), f"duplicate entry id '{entry_id}' (also in {where[entry_id][0].name})")
            continue
        entries[entry_id] = Entry(entry_id, topic, {k: tuple(v) for k, v in questions.items()}, answer, fact_ids, related, note,
                                  asks, needs, also, follow_ups)
        where[entry_id] = (doc, path)


def _follow_ups(doc: _Doc, value: Any, path: Path_) -> dict[str, str]:
    """An entry's `follow_ups`: question type or synonym key -> entry id (both checked once all is read)."""
    if not isinstance(value, dict):
        doc.problem(path, "expected a mapping: question type or synonym key -> entry id")
        return {}
    found = {}
    for key, item in value.items():
        if not isinstance(key, str):
            doc.problem((*path, key), f"key {key!r} is not text (YAML 1.1 reads no/on/off as booleans): quote it")
        elif (target := doc.text(item, (*path, key))) is not None:
            found[key] = target
    return found


# Sections a language.d/*.yaml file may add to: lists appended to language.yaml's.
ADDITIONS = ("stopwords", "synonyms", "fillers", "follow_up", "language_requests", "clitics")


def _language(docs: list[_Doc], languages: tuple[str, ...]) -> LanguageData:
    """language.yaml, with what each language.d/*.yaml adds to its lists (one file per language, say)."""
    optional = ("question_types", "exclusive_types", "episode", "context", "not_fillers", "fillers", "follow_up",
                "language_requests", "clitics", "scripts", "scenes")
    main = docs[0]
    data = main.mapping(main.located.data, (), ("stopwords", "synonyms"), optional)
    parts = [(main, data)] + [(d, d.mapping(d.located.data, (), (), ADDITIONS)) for d in docs[1:]]
    stop: dict[str, list[str]] = {}
    for doc, section in parts:
        if "stopwords" in section:
            for lang, found in doc.per_language(section["stopwords"], ("stopwords",), (), doc.texts).items():
                stop.setdefault(lang, []).extend(found)
    for lang in languages:
        if lang not in stop:
            main.problem(("stopwords",), f"missing language '{lang}' (here or in a language.d/ file)")
    clitics = tuple(sorted({w for doc, section in parts if "clitics" in section
                            for w in words(" ".join(doc.texts(section["clitics"], ("clitics",))))}, key=len, reverse=True))
    synonyms: dict[str, str] = {}
    stemmed: dict[tuple[str, ...], tuple[str, str]] = {}
    for doc, section in parts:
        _synonyms(doc, section.get("synonyms", {}) if doc is not main else section.get("synonyms"), clitics, synonyms, stemmed,
                  known=None if doc is main else set(synonyms.values()))
    keys = set(synonyms.values())
    question_types = main.texts(data["question_types"], ("question_types",)) if "question_types" in data else []
    for i, key in enumerate(question_types):
        if key not in keys:
            main.problem(("question_types", i), f"question type '{key}' is not a synonym key")
    exclusive = main.texts(data["exclusive_types"], ("exclusive_types",)) if "exclusive_types" in data else []
    for i, key in enumerate(exclusive):
        if key not in question_types:
            main.problem(("exclusive_types", i), f"'{key}' is not one of question_types")
    episode: dict[str, Text] = {}
    raw_episode = data.get("episode", {})
    if not isinstance(raw_episode, dict):
        main.problem(("episode",), "expected a mapping: synonym key -> label per language")
        raw_episode = {}
    for key, labels in raw_episode.items():
        if key not in keys:
            main.problem(("episode", key), f"'{key}' is not a synonym key")
            continue
        episode[key] = main.per_language(labels, ("episode", key), languages, main.text)
    # "qu'est-ce" as a stop word means each of its words is one.
    stopwords = {k: frozenset(w for phrase in v for w in words(phrase)) for k, v in stop.items()}
    context = main.texts(data["context"], ("context",)) if "context" in data else []
    not_fillers = main.texts(data["not_fillers"], ("not_fillers",)) if "not_fillers" in data else []
    fillers: set[str] = set()
    for doc, section in parts:
        if "fillers" not in section:
            continue
        for lang, phrases in doc.per_language(section["fillers"], ("fillers",), (), doc.texts).items():
            for i, phrase in enumerate(phrases):
                # Fillers are looked up word by word: "fin de compte" would make "compte" one.
                if len(words(phrase)) != 1:
                    doc.problem(("fillers", lang, i), f"a filler is one word, not '{phrase}'")
                fillers.update(words(phrase))
    follow_up = [_follow_up(doc, section.get("follow_up")) for doc, section in parts]
    for (doc, _), marks in zip(parts, follow_up, strict=True):
        for key in sorted(marks.predicates - keys):
            doc.problem(("follow_up", "predicates"), f"'{key}' is not a synonym key")
        for key in sorted(marks.asking - keys):
            doc.problem(("follow_up", "asking"), f"'{key}' is not a synonym key")
        for key in sorted(marks.of_the_block - keys):
            doc.problem(("follow_up", "of_the_block"), f"'{key}' is not a synonym key")
        for key in sorted(marks.framing - keys):
            doc.problem(("follow_up", "framing"), f"'{key}' is not a synonym key")
    requests: dict[str, tuple[tuple[str, ...], ...]] = {}
    for doc, section in parts:
        for lang, phrases in _language_requests(doc, section.get("language_requests"), languages).items():
            requests[lang] = requests.get(lang, ()) + phrases
    return LanguageData(stopwords, synonyms, frozenset(question_types), frozenset(exclusive), episode, frozenset(context),
                        frozenset(" ".join(words(w)) for w in not_fillers), frozenset(fillers),
                        FollowUpMarks(*(frozenset().union(*(getattr(f, field) for f in follow_up))
                                        for field in ("openers", "back_references", "politeness", "predicates",
                                                      "not_references", "demonstratives", "neutral",
                                                      "opener_phrases", "asking", "of_the_block",
                                                      "back_reference_phrases", "framing"))),
                        clitics, requests, _scripts(main, data.get("scripts"), languages), _scenes(main, data.get("scenes")))


def _synonyms(doc: _Doc, raw: Any, clitics: tuple[str, ...], synonyms: dict[str, str],
              stemmed: dict[tuple[str, ...], tuple[str, str]], known: set[str] | None) -> None:
    """Read one file's synonyms into `synonyms`; an addition file may only extend keys `known` already."""
    if not isinstance(raw, dict):
        doc.problem(("synonyms",), "expected a mapping: canonical word -> list of phrases")
        return
    for key, phrases in raw.items():
        path = ("synonyms", key)
        canonical = doc.text(key, path)
        if canonical is None:
            continue
        if known is not None and canonical not in known:
            doc.problem(path, f"'{canonical}' is not a synonym key of language.yaml (an addition extends existing keys)")
            continue
        for i, phrase in enumerate(doc.texts(phrases, path)):
            folded = " ".join(words(phrase))
            if not folded:
                doc.problem((*path, i), f"phrase '{phrase}' has no words")
            elif synonyms.get(folded, canonical) != canonical:
                doc.problem((*path, i), f"'{phrase}' is already a synonym of '{synonyms[folded]}'")
            elif (clash := stemmed.setdefault(tuple(stem(w, clitics) for w in folded.split()), (phrase, canonical)))[1] != canonical:
                # Matching compares stems: two phrases that stem alike cannot lead to two keys.
                doc.problem((*path, i), f"'{phrase}' reads the same as '{clash[0]}' (a synonym of '{clash[1]}') once stemmed")
            else:
                synonyms[folded] = canonical


def _scripts(doc: _Doc, value: Any, languages: tuple[str, ...]) -> dict[str, str]:
    if value is None:
        return {}
    found = doc.mapping(value, ("scripts",), (), SCRIPTS)
    scripts = {}
    for script, lang in found.items():
        if doc.text(lang, ("scripts", script)) is not None and lang not in languages:
            doc.problem(("scripts", script), f"'{lang}' is not a language of settings.yaml")
        elif isinstance(lang, str):
            scripts[script] = lang
    return scripts


def _scenes(doc: _Doc, value: Any) -> SceneMarks:
    """language.yaml's `scenes`: the openers of a scene-setting clause, and the words that make it a question."""
    if value is None:
        return SceneMarks()
    data = doc.mapping(value, ("scenes",), ("openers",), ("questions",))
    openers = doc.per_language(data["openers"], ("scenes", "openers"), (), doc.texts) if "openers" in data else {}
    questions = doc.per_language(data["questions"], ("scenes", "questions"), (), doc.texts) if "questions" in data else {}
    return SceneMarks(tuple(sorted({tuple(words(p)) for ps in openers.values() for p in ps if words(p)}, key=lambda p: (-len(p), p))),
                      frozenset(w for ws in questions.values() for phrase in ws for w in words(phrase)))


def _follow_up(doc: _Doc, value: Any) -> FollowUpMarks:
    if value is None:
        return FollowUpMarks()
    data = doc.mapping(value, ("follow_up",), (), ("openers", "back_references", "politeness", "predicates",
                                                    "not_references", "demonstratives", "neutral", "asking",
                                                    "of_the_block", "framing"))

    def folded(key: str) -> frozenset[str]:
        per_language = doc.per_language(data[key], ("follow_up", key), (), doc.texts) if key in data else {}
        if key in ("demonstratives", "neutral"):
            # Looked up word by word: "ce dernier" would make "dernier" point back in "le dernier jour".
            for lang, phrases in per_language.items():
                for i, phrase in enumerate(phrases):
                    if len(words(phrase)) != 1:
                        doc.problem(("follow_up", key, lang, i), f"one word each, not '{phrase}'")
        return frozenset(w for ws in per_language.values() for phrase in ws for w in words(phrase))

    predicates = frozenset(doc.texts(data["predicates"], ("follow_up", "predicates"))) if "predicates" in data else frozenset()
    asking = frozenset(doc.texts(data["asking"], ("follow_up", "asking"))) if "asking" in data else frozenset()
    of_the_block = frozenset(doc.texts(data["of_the_block"], ("follow_up", "of_the_block"))) \
        if "of_the_block" in data else frozenset()
    framing = frozenset(doc.texts(data["framing"], ("follow_up", "framing"))) if "framing" in data else frozenset()
    phrases = doc.per_language(data["not_references"], ("follow_up", "not_references"), (), doc.texts) \
        if "not_references" in data else {}
    not_references = frozenset(tuple(words(p)) for ps in phrases.values() for p in ps if words(p))
    openers = doc.per_language(data["openers"], ("follow_up", "openers"), (), doc.texts) if "openers" in data else {}
    opening = [tuple(words(p)) for ps in openers.values() for p in ps if words(p)]
    references = doc.per_language(data["back_references"], ("follow_up", "back_references"), (), doc.texts) \
        if "back_references" in data else {}
    referring = [tuple(words(p)) for ps in references.values() for p in ps if words(p)]
    return FollowUpMarks(frozenset(p[0] for p in opening if len(p) == 1), frozenset(p[0] for p in referring if len(p) == 1),
                         folded("politeness"), predicates, not_references, folded("demonstratives"), folded("neutral"),
                         frozenset(p for p in opening if len(p) > 1), asking, of_the_block,
                         frozenset(p for p in referring if len(p) > 1), framing)


def _language_requests(doc: _Doc, value: Any, languages: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    if value is None:
        return {}
    requests = doc.per_language(value, ("language_requests",), (), doc.texts)
    for lang in requests:
        if lang not in languages:
            doc.problem(("language_requests", lang), f"'{lang}' is not a language of settings.yaml")
    return {lang: tuple(tuple(words(p)) for p in phrases if words(p)) for lang, phrases in requests.items() if lang in languages}


def _messages(doc: _Doc, languages: tuple[str, ...]) -> dict[str, Text]:
    data = doc.mapping(doc.located.data, (), ("messages",))
    raw = data.get("messages")
    if not isinstance(raw, dict):
        doc.problem(("messages",), "expected a mapping: message key -> text per language")
        return {}
    messages: dict[str, Text] = {key: doc.per_language(value, ("messages", key), languages, doc.text) for key, value in raw.items()}
    for key, placeholders in CORE_MESSAGES.items():
        if key not in messages:
            doc.problem(("messages",), f"missing message '{key}' (every reply needs it)")
            continue
        for lang, text in messages[key].items():
            found = set(PLACEHOLDER.findall(text))
            if found != placeholders:
                doc.problem(("messages", key, lang), f"message '{key}' must use exactly the placeholders "
                            f"{', '.join('{' + p + '}' for p in sorted(placeholders)) or 'none'}")
    return messages


def _check_references(entries: dict[str, Entry], where: dict[str, tuple[_Doc, Path_]], settings: Settings | None,
                      settings_doc: _Doc | None, language: LanguageData) -> None:
    question_types = language.question_types
    keys = question_types | set(language.synonyms.values())
    for entry in entries.values():
        doc, path = where[entry.id]
        for i, other in enumerate(entry.related):
            if other not in entries:
                doc.problem((*path, "related", i), f"unknown related entry '{other}'")
            elif other == entry.id:
                doc.problem((*path, "related", i), "an entry cannot be related to itself")
        for kind, other in entry.follow_ups.items():
            if kind not in keys:
                doc.problem((*path, "follow_ups", kind), f"'{kind}' is neither a question type nor a synonym key of language.yaml")
            elif other not in entries:
                doc.problem((*path, "follow_ups", kind), f"unknown entry '{other}'")
            elif kind in question_types and entries[other].asks and kind not in entries[other].asks:
                # The answer must be one its relevance rules would give that type.
                doc.problem((*path, "follow_ups", kind), f"entry '{other}' does not ask '{kind}'")
    if settings and settings_doc:
        for i, example in enumerate(settings.examples):
            if example not in entries:
                settings_doc.problem(("examples", i), f"unknown entry '{example}'")


def _check_variants(entries: dict[str, Entry], where: dict[str, tuple[_Doc, Path_]], language: LanguageData) -> None:
    """One question must lead to one entry: no variant under two entries."""
    seen: dict[str, str] = {}
    for entry in entries.values():
        doc, path = where[entry.id]
        for lang, variants in entry.questions.items():
            for i, variant in enumerate(variants):
                key = " ".join(words(variant))
                owner = seen.setdefault(key, entry.id)
                if owner != entry.id:
                    doc.problem((*path, "questions", lang, i), f"question '{variant}' is also under entry '{owner}'")


def lead_sentence(text: str) -> str:
    """The first sentence of an answer: what a reader sees first."""
    end = SENTENCE_END.search(text)
    return text[: end.end()] if end else text


def _check_relevance_keys(entries: dict[str, Entry], where: dict[str, tuple[_Doc, Path_]], language: LanguageData) -> None:
    """`asks` must be declared question types; each of `needs` a term the entry's own questions can produce."""
    keys = set(language.synonyms.values())
    for entry in entries.values():
        doc, path = where[entry.id]
        for i, kind in enumerate(entry.asks):
            if kind not in language.question_types:
                doc.problem((*path, "asks", i), f"'{kind}' is not a question type of language.yaml "
                            f"({', '.join(sorted(language.question_types)) or 'none declared'})")
        own = {stem(w, language.clitics) for variants in entry.questions.values() for v in variants for w in words(v)}
        for i, need in enumerate(entry.needs):
            if need not in keys and need not in own:
                doc.problem((*path, "needs", i), f"'{need}' is neither a synonym key nor a word of this entry's questions")


def _squash(text: str) -> str:
    return " ".join(text.split())


class _ArticleCache:
    """Article texts by file name, read once per load, white space folded."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.texts: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        if self.folder is None:
            return None
        if name not in self.texts:
            path = self.folder / name
            self.texts[name] = _squash(path.read_text(encoding="utf-8")) if path.is_file() else None
        return self.texts[name]
