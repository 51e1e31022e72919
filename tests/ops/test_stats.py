"""The question log: outcomes counted, unanswered questions grouped, users hashed, kept briefly, forgettable."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.ops.stats import (
    DB_NAME,
    Counts,
    StatsError,
    StatsLog,
    group_key,
    load_or_create_key,
    read_totals,
    read_unanswered,
)

from conftest import ROOT

KEY = b"test-key-0123456789"
START = datetime(2016, 11, 3, 10, 0, tzinfo=timezone.utc)


class Clock:
    """A fake clock the test moves: each reading one millisecond after the last."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> str:
        self.at += timedelta(milliseconds=1)
        return self.at.isoformat(timespec="milliseconds")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stats(tmp_path: Path, clock: Clock) -> Iterator[StatsLog]:
    log = StatsLog(tmp_path / DB_NAME, KEY, retention_days=90, clock=clock)
    yield log
    log.close()


ROWS = [
    ("answered", "when-restored", None, "quand la voip a-t-elle été rétablie ?"),
    ("answered", "when-restored", None, "When was VoIP restored?"),
    ("suggested", None, "how-long", "voip"),
    ("suggested", None, "how-long", "VoIP "),
    ("abstained", None, None, "recette du couscous"),
    ("abstained", None, None, "Recette  du COUSCOUS"),
    ("abstained", None, None, "Recette du couscous !"),
    ("not_in_articles", None, "operators", "qui dirige inwi"),
    ("invalid", None, None, "🙂"),
]


def fill(stats: StatsLog, rows: list[tuple[str, str | None, str | None, str]] = ROWS, user: int = 1000) -> None:
    for outcome, entry, candidate, question in rows:
        stats.record(outcome=outcome, lang="fr", question=question, score=50.0, entry_id=entry,
                     candidate=candidate, user_id=user)
    stats.flush()


def test_counts_by_outcome(stats: StatsLog) -> None:
    fill(stats)
    expected = Counts(asked=9, answered=2, suggested=2, not_in_articles=1, abstained=3, invalid=1)
    assert read_totals(stats.path) == expected
    assert stats.summary().since_start == expected


def test_unanswered_groups_repeats_most_frequent_first(stats: StatsLog) -> None:
    fill(stats)
    rows = read_unanswered(stats.path)
    assert [(r.count, r.outcome, r.candidate) for r in rows] == [
        (3, "abstained", None), (2, "suggested", "how-long"), (1, "not_in_articles", "operators")]
    assert group_key(rows[0].question) == "recette du couscous"
    assert read_unanswered(stats.path, limit=1) == rows[:1]


@pytest.mark.parametrize(
    ("question", "key"),
    [("Recette  du COUSCOUS", "recette du couscous"), (" VoIP\n", "voip"), ("Rétablie ?", "retablie"), ("rétablie", "retablie")],
)
def test_group_key_ignores_case_accents_and_punctuation(question: str, key: str) -> None:
    assert group_key(question) == key


def test_summary_since_start_and_total(tmp_path: Path, clock: Clock) -> None:
    first = StatsLog(tmp_path / DB_NAME, KEY, clock=clock)
    fill(first, ROWS[:4])
    first.close()
    second = StatsLog(tmp_path / DB_NAME, KEY, clock=clock)
    fill(second, ROWS[4:6])
    summary = second.summary(top=2)
    second.close()
    assert summary.total.asked == 6 and summary.since_start == Counts(asked=2, abstained=2)
    assert [u.count for u in summary.top_unanswered] == [2, 2]


def test_user_ids_are_stored_as_keyed_hashes(stats: StatsLog, tmp_path: Path) -> None:
    stats.record(outcome="answered", lang="en", question="q", user_id=123456789)
    stats.flush()
    stored = sqlite3.connect(tmp_path / DB_NAME).execute("SELECT user_hash FROM questions").fetchone()[0]
    assert "123456789" not in stored and len(stored) == 32
    assert stored == stats.user_hash(123456789)
    other = StatsLog(tmp_path / "other.sqlite3", b"another-key-0123456")
    assert other.user_hash(123456789) != stored
    other.close()


def test_long_questions_are_stored_cut(stats: StatsLog) -> None:
    stats.record(outcome="abstained", lang="en", question="x" * 5000)
    stats.flush()
    assert len(read_unanswered(stats.path)[0].question) == 1000


def test_the_hash_key_is_generated_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "config" / "hash.key"
    key = load_or_create_key(path)
    assert load_or_create_key(path) == key and len(key) == 64
    assert path.stat().st_mode & 0o077 == 0


def test_the_log_is_readable_by_its_owner_only(stats: StatsLog) -> None:
    fill(stats)
    for path in stats.path.parent.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path.name


def test_rows_past_retention_are_purged_when_the_log_opens(tmp_path: Path) -> None:
    old = Clock(START - timedelta(days=200))
    log = StatsLog(tmp_path / DB_NAME, KEY, retention_days=90, clock=old)
    fill(log)
    log.close()
    reopened = StatsLog(tmp_path / DB_NAME, KEY, retention_days=90, clock=Clock())
    reopened.close()
    assert sqlite3.connect(tmp_path / DB_NAME).execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 0
    assert read_unanswered(tmp_path / DB_NAME) == []
    assert read_totals(tmp_path / DB_NAME).asked == 9, "the counts, which hold nothing personal, stay"


def test_forget_deletes_one_users_rows_and_their_unanswered_questions(stats: StatsLog) -> None:
    fill(stats, ROWS, user=1)
    fill(stats, ROWS[4:5], user=2)
    assert stats.forget(1).result(10) == len(ROWS)
    rows = read_unanswered(stats.path)
    assert [(r.question, r.count) for r in rows] == [("recette du couscous", 1)]
    assert stats.forget(1).result(10) == 0


def test_concurrent_writers_lose_nothing(stats: StatsLog) -> None:
    def write(n: int) -> None:
        for i in range(50):
            stats.record(outcome="answered", lang="fr", question=f"{n}-{i}", user_id=n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.flush()
    assert read_totals(stats.path).asked == 400


def test_recorded_rows_survive_sigterm(tmp_path: Path) -> None:
    script = (
        "import time\n"
        "from pathlib import Path\n"
        "from bot.ops.stats import StatsLog\n"
        f"s = StatsLog(Path({str(tmp_path / DB_NAME)!r}), b'k' * 16)\n"
        "for i in range(25): s.record(outcome='answered', lang='fr', question=str(i))\n"
        "s.flush()\n"
        "print('written', flush=True)\n"
        "time.sleep(30)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None and process.stdout.readline().strip() == "written"
    process.send_signal(signal.SIGTERM)
    process.wait(10)
    assert read_totals(tmp_path / DB_NAME).asked == 25


def test_a_reader_sees_a_running_writer(stats: StatsLog) -> None:
    fill(stats)
    assert len(read_unanswered(stats.path)) == 3


def test_a_log_written_before_the_summary_tables_is_backfilled(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, user_hash TEXT, channel TEXT NOT NULL,"
               " lang TEXT NOT NULL, outcome TEXT NOT NULL, entry_id TEXT, candidate TEXT, score REAL NOT NULL,"
               " question TEXT NOT NULL, folded TEXT NOT NULL)")
    at = START.isoformat(timespec="milliseconds")
    db.executemany("INSERT INTO questions (asked_at, channel, lang, outcome, score, question, folded)"
                   " VALUES (?, 'private', 'fr', ?, 0, ?, ?)",
                   [(at, "abstained", "couscous", "couscous"), (at, "abstained", "Couscous", "couscous"),
                    (at, "answered", "quand ?", "quand")])
    db.commit()
    db.close()
    StatsLog(tmp_path / DB_NAME, KEY, clock=Clock()).close()
    assert read_totals(tmp_path / DB_NAME) == Counts(asked=3, answered=1, abstained=2)
    assert [(r.count, r.outcome) for r in read_unanswered(tmp_path / DB_NAME)] == [(2, "abstained")]


@pytest.mark.parametrize("content", [b"", b"this is not a database, just text" * 100])
def test_a_damaged_file_is_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(content)
    with pytest.raises(StatsError, match=DB_NAME):
        read_unanswered(path)


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StatsError, match="no such statistics file"):
        read_totals(tmp_path / DB_NAME)
