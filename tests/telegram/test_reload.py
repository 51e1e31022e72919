"""/reload's checks on a new base and its list of what changed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.core.changes import Changes, compare
from bot.core.engine import Engine, load_engine
from bot.core.knowledge import KnowledgeError
from bot.telegram.reload import load_checked

from conftest import KNOWLEDGE, write_mini


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """The small test base, with the project's messages (the Telegram strings included)."""
    folder = write_mini(tmp_path / "knowledge")
    shutil.copy(KNOWLEDGE / "messages.yaml", folder / "messages.yaml")
    return load_checked(folder)


def test_reload_diff_names_added_removed_and_changed_entries(engine: Engine) -> None:
    old = engine.knowledge
    entries = dict(old.entries)
    entries["how-long"] = dataclasses.replace(entries["how-long"], answer={"fr": "Onze mois.", "en": "Eleven months."})
    entries["new-one"] = dataclasses.replace(entries["how-long"], id="new-one")
    del entries["when-restored"]
    new = dataclasses.replace(old, entries=entries)
    assert compare(old, new) == Changes(("new-one",), ("when-restored",), ("how-long",))
    assert compare(old, old) == Changes((), (), ())


def test_reload_diff_sees_a_reworded_fact(engine: Engine) -> None:
    old = engine.knowledge
    facts = dict(old.facts)
    facts["ten-months"] = dataclasses.replace(facts["ten-months"], text={"fr": "Dix mois environ.", "en": "About ten months."})
    assert compare(old, dataclasses.replace(old, facts=facts)).changed == ("how-long",)


def test_a_base_without_the_bots_messages_is_refused(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "knowledge")  # the core's messages only
    load_engine(folder)
    with pytest.raises(KnowledgeError) as error:
        load_checked(folder)
    assert any(p.file == "messages.yaml" and "'welcome'" in p.reason for p in error.value.problems)


def test_a_message_with_a_bad_placeholder_is_refused(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "knowledge")
    text = (KNOWLEDGE / "messages.yaml").read_text(encoding="utf-8")
    (folder / "messages.yaml").write_text(text.replace("@{username}", "@{user_name}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_checked(folder)
    assert [p.reason for p in error.value.problems] == ["message 'help' (fr): bad placeholder 'user_name'"]
