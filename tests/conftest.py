"""Shared fixtures: the real knowledge base, and a small one written per test."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from bot.core.engine import Engine, load_engine

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
ARTICLES = ROOT.parent / "shared" / "seeds"
ARTICLE_FILES = ("000_d012eb170c08cfde.txt", "001_da789747566dc1b6.txt", "002_79fa7b554eb78556.txt",
                 "003_f70b084bae0bcde5.txt", "004_34dcbceec08874c8.txt")


@pytest.fixture(scope="session")
def articles() -> Path:
    """The five articles, for tests that check quotes against them; skipped in a clone without them."""
    if not all((ARTICLES / name).is_file() for name in ARTICLE_FILES):
        pytest.skip(f"the articles are not in {ARTICLES}: clone the project beside shared/seeds to check quotes")
    return ARTICLES


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The project's real knowledge base, loaded once for the session."""
    return load_engine(KNOWLEDGE)


MINI = {
    "settings.yaml": """
        languages: [fr, en]
        thresholds: {answer: 70, suggest: 45, margin: 4}
        matcher: {recall_bias: 2.0, overlap_share: 0.8, entry_coverage: 0.35, candidates: 12, close_enough: 80}
        conversation: {context_minutes: 10, max_chats: 100, outscored_by: 10}
        max_question_chars: 500
        max_suggestions: 3
        max_related: 3
        timeline_page: 6
        examples: [when-restored]
    """,
    "sources.yaml": """
        sources:
          - id: huffpost-2016-11
            file: 004_34dcbceec08874c8.txt
            language: fr
            sort_date: "2016-11-03"
            outlet: {fr: "HuffPost Maroc", en: "HuffPost Maroc"}
            date: {fr: "vers le 3 novembre 2016", en: "around 3 November 2016"}
            title: "La VoIP (enfin) rétablie au Maroc"
            short: {fr: "HuffPost Maroc, vers le 3 nov. 2016", en: "HuffPost Maroc, c. 3 Nov 2016"}
          - id: blog-2016-11
            file: 003_f70b084bae0bcde5.txt
            language: fr
            sort_date: "2016-11-05"
            outlet: {fr: "Un blog", en: "A blog"}
            date: {fr: "après le 4 novembre 2016", en: "after 4 November 2016"}
            title: "Les appels vocaux par messageries internet rétablis au Maroc"
            short: {fr: "Un blog, nov. 2016", en: "A blog, Nov 2016"}
    """,
    "facts.yaml": """
        facts:
          - id: letter-3-november
            date: "2016-11-03"
            text: {fr: "Le 3 novembre, l'ANRT a écrit aux opérateurs.", en: "On 3 November, ANRT wrote to the operators."}
            sources:
              - source: huffpost-2016-11
                quote: "Jeudi 3 novembre, à quatre jours de l'ouverture de la COP22"
            disagrees_with: [announced-4-november]
          - id: announced-4-november
            date: "2016-11-04"
            text: {fr: "L'annonce a été faite le 4 novembre.", en: "The announcement was made on 4 November."}
            sources:
              - source: blog-2016-11
                quote: "L’annonce, faite le 4 novembre par l’ANRT"
            disagrees_with: [letter-3-november]
          - id: ten-months
            text: {fr: "Le blocage a duré dix mois.", en: "The block lasted ten months."}
            sources:
              - source: blog-2016-11
                quote: "Un blocage long de dix mois"
    """,
    "qa/restoration.yaml": """
        entries:
          - id: when-restored
            topic: restoration
            questions:
              fr: ["Quand la VoIP a-t-elle été rétablie ?", "date du déblocage", "depuis quand skype remarche", "voip retablie quand", "c'est quand la fin du blocage"]
              en: ["When was VoIP restored?", "date the ban was lifted", "when did skype calls come back", "voip unblocked when", "end of the block date"]
            answer: {fr: "Début novembre 2016.", en: "In early November 2016."}
            facts: [letter-3-november, announced-4-november]
            note: {fr: "Les sources divergent : 3 ou 4 novembre.", en: "The sources disagree: 3 or 4 November."}
            related: [how-long]
          - id: how-long
            topic: restoration
            questions:
              fr: ["Combien de temps a duré le blocage ?", "durée du blocage", "ça a bloqué pendant combien de mois", "blocage voip duree", "le blocage a duré longtemps ?"]
              en: ["How long did the block last?", "duration of the ban", "how many months was it blocked", "voip block length", "was it blocked for long"]
            answer: {fr: "Dix mois.", en: "Ten months."}
            facts: [ten-months]
            related: [when-restored]
    """,
    "language.yaml": """
        stopwords:
          fr: [le, la, les, de, du, a, t, elle, il, ce, est, c, ca, au]
          en: [the, a, was, did, is, it, of, for]
        synonyms:
          restore: [rétablir, rétablie, débloquer, déblocage, restored, unblocked, lifted, come back, remarche, fin du blocage, end of the block]
          block: [blocage, bloquer, ban, block, blocked]
          when: [quand, when, date, depuis quand]
          duration: [combien de temps, how long, durée, duration, length, pendant combien]
    """,
    "messages.yaml": """
        messages:
          source_line: {fr: "{outlet}, {date} : « {title} »", en: "{outlet}, {date}: \\"{title}\\""}
          sources_label: {fr: "Sources :", en: "Sources:"}
          note_label: {fr: "À noter :", en: "Note:"}
          did_you_mean: {fr: "Vouliez-vous dire :", en: "Did you mean:"}
          not_in_articles: {fr: "Les articles ne le disent pas ({things}).", en: "The articles don't say ({things})."}
          clarify: {fr: "De quoi parlez-vous ?", en: "What are you referring to?"}
          abstain: {fr: "Je ne sais pas.", en: "I don't know."}
          empty: {fr: "Pas de question.", en: "No question."}
          truncated: {fr: "Message tronqué.", en: "Message cut."}
          related_label: {fr: "Voir aussi :", en: "See also:"}
    """,
}


def write_mini(folder: Path, **overrides: str) -> Path:
    """A small valid knowledge folder in `folder`; `overrides` replace files by name."""
    files = {**MINI, **{k.replace("__", "/").replace("_yaml", ".yaml"): v for k, v in overrides.items()}}
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small valid knowledge folder, fresh for each test."""
    return write_mini(tmp_path / "knowledge")


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    """A copy of the real knowledge folder that a test may edit."""
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))
