"""The loaded brain: a validated knowledge base and the index built from it.

An `Engine` is immutable. Reloading builds a new one from the folder and the
caller swaps one reference, so questions in flight finish on the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import stopwordsiso

from .dictionary import everyday_words
from .knowledge import load_knowledge
from .matcher import Index, build_index
from .models import Knowledge
from .normalize import build_lexicon, words


def filler_words(knowledge: Knowledge) -> frozenset[str]:
    """Words that say nothing of a question's focus: the stopwords-iso lists of the base's languages,
    its own stop words and fillers, less the exceptions of language.yaml."""
    language = knowledge.language
    found = {w for lang in knowledge.settings.languages if stopwordsiso.has_lang(lang) for w in stopwordsiso.stopwords(lang)}
    found |= {w for ws in language.stopwords.values() for w in ws} | language.fillers
    return frozenset(" ".join(words(w)) for w in found) - language.not_fillers


@dataclass(frozen=True)
class Engine:
    """A knowledge base ready to answer questions."""

    knowledge: Knowledge
    index: Index
    # The keys some entry's `follow_ups` use: an everyday word meaning one of
    # them says something in a follow-up ("and who ordered it?").
    steps: frozenset[str] = frozenset()


def build_engine(knowledge: Knowledge) -> Engine:
    """Prepare the matcher's lexicon and index for a loaded knowledge base."""
    variants: dict[str, list[str]] = {}
    for entry in knowledge.entries.values():
        for lang, questions in entry.questions.items():
            variants.setdefault(lang, []).extend(questions)
    everyday = {lang: everyday_words(lang) for lang in knowledge.settings.languages}
    lexicon = build_lexicon(knowledge.language.stopwords, knowledge.language.synonyms, variants,
                            filler_words(knowledge), knowledge.language.clitics,
                            knowledge.language.scripts.get("arabic"), everyday)
    steps = frozenset(key for entry in knowledge.entries.values() for key in entry.follow_ups)
    return Engine(knowledge, build_index(knowledge.entries.values(), lexicon, knowledge.settings.matcher), steps)


def load_engine(folder: Path, articles: Path | None = None) -> Engine:
    """Load, validate and index `folder`; raises KnowledgeError with every problem."""
    return build_engine(load_knowledge(folder, articles))
