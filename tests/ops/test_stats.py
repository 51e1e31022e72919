"""The question log: outcomes counted, unanswered questions grouped, users hashed, writes durable."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.ops.stats import DB_NAME, KEY_NAME, Counts, Stats, group_key, load_or_create_key

from conftest import ROOT

KEY = b"test-key-0123456789"


@pytest.fixture
def stats(tmp_path: Path) -> Stats:
    times = itertools.count(1)
    # A fake clock: ISO-like strings that sort in the order written.
    return Stats(tmp_path / DB_NAME, KEY, clock=lambda: f"2016-11-03T10:00:{next(times):06d}")


ROWS = [
    ("answered", "when-restored", None, "quand la voip a-t-elle été rétablie ?"),
    ("answered", "when-restored", None, "When was VoIP restored?"),
    ("suggested", None, "how-long", "voip"),
    ("suggested", None, "how-long", "VoIP "),
    ("abstained", None, None, "recette du couscous"),
    ("abstained", None, None, "Recette  du COUSCOUS"),
    ("abstained", None, None, "Recette du couscous"),
    ("abstained", None, None, "météo à rabat"),
    ("invalid", None, None, "🙂"),
]


def fill(stats: Stats, rows: list[tuple[str, str | None, str | None, str]] = ROWS) -> None:
    for i, (outcome, entry, candidate, question) in enumerate(rows):
        stats.record(outcome=outcome, lang="fr", question=question, score=50.0, entry_id=entry,
                     candidate=candidate, user_id=1000 + i % 3)


def test_counts_by_outcome(stats: Stats) -> None:
    fill(stats)
    assert stats.counts() == Counts(asked=9, answered=2, suggested=2, abstained=4, invalid=1)


def test_unanswered_groups_repeats_most_frequent_first(stats: Stats) -> None:
    fill(stats)
    rows = stats.unanswered()
    assert [(r.count, r.outcome, r.candidate) for r in rows] == [(3, "abstained", None), (2, "suggested", "how-long"), (1, "abstained", None)]
    assert group_key(rows[0].question) == "recette du couscous"
    assert rows[2].question == "météo à rabat"
    assert stats.unanswered(limit=1) == rows[:1]


@pytest.mark.parametrize(
    ("question", "key"),
    [("Recette  du COUSCOUS", "recette du couscous"), (" VoIP\n", "voip"), ("Rétablie ?", "retablie"), ("rétablie", "retablie")],
)
def test_group_key_ignores_case_accents_and_punctuation(question: str, key: str) -> None:
    assert group_key(question) == key


def test_summary_since_start_and_total(tmp_path: Path) -> None:
    times = itertools.count(1)
    clock = lambda: f"2016-11-03T10:00:{next(times):06d}"  # noqa: E731
    first = Stats(tmp_path / DB_NAME, KEY, clock=clock)
    fill(first, ROWS[:4])
    first.close()
    second = Stats(tmp_path / DB_NAME, KEY, clock=clock)
    fill(second, ROWS[4:6])
    summary = second.summary(top=2)
    assert summary.total.asked == 6 and summary.since_start.asked == 2
    assert summary.since_start == Counts(asked=2, abstained=2)
    assert [u.count for u in summary.top_unanswered] == [2, 2]


def test_user_ids_are_stored_as_keyed_hashes(stats: Stats, tmp_path: Path) -> None:
    stats.record(outcome="answered", lang="en", question="q", user_id=123456789)
    stored = sqlite3.connect(tmp_path / DB_NAME).execute("SELECT user_hash FROM questions").fetchone()[0]
    assert "123456789" not in stored and len(stored) == 32
    assert stored == stats.user_hash(123456789)
    assert Stats(tmp_path / "other.sqlite3", b"another-key-0123456").user_hash(123456789) != stored


def test_long_questions_are_stored_cut(stats: Stats) -> None:
    stats.record(outcome="abstained", lang="en", question="x" * 5000)
    assert len(stats.unanswered()[0].question) == 1000


def test_hash_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "data")
    assert load_or_create_key(tmp_path / "data") == key and len(key) == 64
    assert (tmp_path / "data" / KEY_NAME).stat().st_mode & 0o077 == 0


def test_concurrent_writers_lose_nothing(stats: Stats) -> None:
    def write(n: int) -> None:
        for i in range(50):
            stats.record(outcome="answered", lang="fr", question=f"{n}-{i}", user_id=n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stats.counts().asked == 400


def test_recorded_rows_survive_sigterm(tmp_path: Path) -> None:
    script = (
        "import sys, os, signal, time\n"
        "from pathlib import Path\n"
        "from bot.ops.stats import Stats\n"
        f"s = Stats(Path({str(tmp_path / DB_NAME)!r}), b'k' * 16)\n"
        "for i in range(25): s.record(outcome='answered', lang='fr', question=str(i))\n"
        "print('written', flush=True)\n"
        "time.sleep(30)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None and process.stdout.readline().strip() == "written"
    process.send_signal(signal.SIGTERM)
    process.wait(10)
    assert Stats(tmp_path / DB_NAME).counts().asked == 25


def test_a_reader_sees_a_running_writer(stats: Stats, tmp_path: Path) -> None:
    fill(stats)
    reader = Stats(tmp_path / DB_NAME)  # as `python -m bot unanswered` opens it, no key
    assert len(reader.unanswered()) == 3
    with pytest.raises(ValueError):
        reader.record(outcome="answered", lang="fr", question="q", user_id=1)
