"""Record every question's outcome in SQLite, for `/stats` and for curators, privately and briefly.

One row per question: time, outcome, matched entry, score, language, the
question text, and a keyed hash of the asker (HMAC-SHA256 with a key kept
apart from the data), so counts of distinct users are possible but
Telegram ids never reach the disk. Rows older than the retention period are
purged when the log opens and then daily; `forget` deletes one user's rows.
The files are readable by their owner only.

Writing never makes a reply wait: `record` puts the row on a queue and
returns, and one writer thread commits rows in batches (WAL mode, so
`python -m bot unanswered` and `/stats` read while it writes). `/stats`
reads small tables the writer keeps up to date (counts per day and outcome,
unanswered questions grouped), never the whole log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import queue
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..core.normalize import words

logger = logging.getLogger(__name__)

DB_NAME = "stats.sqlite3"
# Questions are stored for curators to read; a pasted novel is not a question.
MAX_STORED_CHARS = 1000
UNANSWERED = ("abstained", "not_in_articles", "suggested", "clarify")
OUTCOMES = ("answered", "suggested", "not_in_articles", "abstained", "clarify", "invalid")
PURGE_EVERY = timedelta(days=1)
# Rows written in one transaction, at most: a burst is one commit, not hundreds.
BATCH = 500
OWNER_ONLY = 0o600

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,      -- ISO 8601, UTC, milliseconds
    user_hash TEXT,
    channel TEXT NOT NULL,       -- private, group, button...
    lang TEXT NOT NULL,
    outcome TEXT NOT NULL,       -- answered, suggested, not_in_articles, abstained, clarify, invalid
    entry_id TEXT,               -- the answered entry
    candidate TEXT,              -- the best suggestion, when not answered
    score REAL NOT NULL,
    question TEXT NOT NULL,
    folded TEXT NOT NULL         -- the question's folded words: groups repeats
);
CREATE INDEX IF NOT EXISTS questions_time ON questions (asked_at);
CREATE INDEX IF NOT EXISTS questions_user ON questions (user_hash);
CREATE INDEX IF NOT EXISTS questions_unanswered ON questions (folded) WHERE outcome IN
    ('abstained', 'not_in_articles', 'suggested', 'clarify');
-- Counts per day and outcome: no personal data, kept for the totals.
CREATE TABLE IF NOT EXISTS daily (
    day TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, outcome)
);
-- Unanswered questions grouped by their folded words, for /stats and curators.
CREATE TABLE IF NOT EXISTS unanswered (
    folded TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    n INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    candidate TEXT,
    last_asked TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_top ON unanswered (n DESC, last_asked DESC);
"""

# Rebuild the grouped rows of some folded keys from the log (after a purge or a forget).
REGROUP = f"""
INSERT OR REPLACE INTO unanswered (folded, question, n, outcome, candidate, last_asked)
SELECT folded, MIN(question), COUNT(*), MAX(outcome), MAX(candidate), MAX(asked_at) FROM questions
WHERE outcome IN ({", ".join(repr(o) for o in UNANSWERED)}) AND folded = ? GROUP BY folded
"""


class StatsError(Exception):
    """The statistics file cannot be read; str() is one line for a person."""


@dataclass(frozen=True)
class Counts:
    """Questions by outcome over some period."""

    asked: int = 0
    answered: int = 0
    suggested: int = 0
    not_in_articles: int = 0
    abstained: int = 0
    clarify: int = 0
    invalid: int = 0

    @classmethod
    def of(cls, by_outcome: dict[str, int]) -> Counts:
        known = {o: by_outcome.get(o, 0) for o in OUTCOMES}
        return cls(asked=sum(by_outcome.values()), **known)


@dataclass(frozen=True)
class Unanswered:
    """One question (folded) that was not answered outright, with how often."""

    question: str
    count: int
    outcome: str
    candidate: str | None
    last_asked: str


@dataclass(frozen=True)
class Summary:
    """What `/stats` shows."""

    since_start: Counts
    total: Counts
    top_unanswered: tuple[Unanswered, ...]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def group_key(question: str) -> str:
    """The grouping key of a question: its folded words (case, accents and punctuation ignored)."""
    return " ".join(words(question))


def load_or_create_key(path: Path) -> bytes:
    """The hashing key in `path`, generated (readable by the owner only) on first use."""
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32).encode("ascii")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    return key


def user_hash(key: bytes, user_id: int) -> str:
    """The keyed hash that stands for a Telegram user id."""
    return hmac.new(key, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a committed row survives a killed process; only a
    # power cut may lose the last transactions.
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _owner_only(path: Path) -> None:
    """Create `path` readable by its owner only, or make it so."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY))
    path.chmod(OWNER_ONLY)


class StatsLog:
    """The question log: `record` and `forget` from handlers, `summary` and `unanswered` for people."""

    def __init__(self, path: Path, hash_key: bytes | None, retention_days: int = 90,
                 clock: Callable[[], str] = now_iso) -> None:
        """Open (creating if needed) the log at `path`, purge what is past retention, start the writer."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _owner_only(path)
        self.path = path
        self._key = hash_key
        self._clock = clock
        self._retention = timedelta(days=retention_days)
        self._since_start: Counter[str] = Counter()
        self._counting = threading.Lock()
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        try:
            self._db = _connect(path)
            self._db.executescript(SCHEMA)
            self._backfill()
        except sqlite3.DatabaseError as exc:
            raise StatsError(f"{path}: not a usable statistics file ({exc})") from None
        for suffix in ("-wal", "-shm"):
            if (extra := path.with_name(path.name + suffix)).exists():
                extra.chmod(OWNER_ONLY)
        self.purge()
        self._last_purge = datetime.now(timezone.utc)
        self._writer = threading.Thread(target=self._write_forever, name="stats-writer", daemon=True)
        self._writer.start()

    # --- writing: from any thread, never waiting ----------------------------------

    def user_hash(self, user_id: int) -> str:
        """The keyed hash that stands for a Telegram user id."""
        if not self._key:
            raise ValueError("no hash key: open the log with one to record users")
        return user_hash(self._key, user_id)

    def record(self, *, outcome: str, lang: str, question: str, score: float = 0.0, entry_id: str | None = None,
               candidate: str | None = None, user_id: int | None = None, channel: str = "private") -> None:
        """Queue one question's outcome; the writer commits it within moments."""
        text = question[:MAX_STORED_CHARS]
        row = (self._clock(), self.user_hash(user_id) if user_id is not None else None, channel, lang, outcome,
               entry_id, candidate, round(float(score), 2), text, group_key(text))
        with self._counting:
            self._since_start[outcome] += 1
        self._queue.put(("row", row))

    def forget(self, user_id: int) -> Future[int]:
        """Delete every row of one user (after the rows already queued); the future gives how many."""
        done: Future[int] = Future()
        self._queue.put(("forget", (self.user_hash(user_id), done)))
        return done

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is committed."""
        done: Future[int] = Future()
        self._queue.put(("flush", done))
        done.result(timeout)

    def close(self) -> None:
        """Commit what is queued, stop the writer, close the file."""
        if self._writer.is_alive():
            self._queue.put(("stop", None))
            self._writer.join(timeout=30)
        self._db.close()

    def _write_forever(self) -> None:
        while True:
            try:
                kind, item = self._queue.get(timeout=60)
            except queue.Empty:
                self._purge_if_due()
                continue
            batch = [(kind, item)]
            while len(batch) < BATCH and kind == "row":
                try:
                    kind, item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append((kind, item))
            if not self._apply(batch):
                return
            self._purge_if_due()

    def _apply(self, batch: list[tuple[str, Any]]) -> bool:
        """Commit a batch of queued work; False once told to stop."""
        rows = [item for kind, item in batch if kind == "row"]
        try:
            if rows:
                self._insert(rows)
        except sqlite3.Error:
            # Losing statistics must not stop the bot; the error is logged without the rows.
            logger.exception("could not record %d question(s) in %s", len(rows), self.path)
        for kind, item in batch:
            if kind == "forget":
                hashed, done = item
                try:
                    done.set_result(self._forget(hashed))
                except sqlite3.Error as exc:
                    done.set_exception(exc)
            elif kind == "flush":
                item.set_result(0)
            elif kind == "stop":
                return False
        return True

    def _insert(self, rows: list[tuple[object, ...]]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO questions (asked_at, user_hash, channel, lang, outcome, entry_id, candidate, score,"
                " question, folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.executemany(
                "INSERT INTO daily (day, outcome, n) VALUES (?, ?, 1)"
                " ON CONFLICT (day, outcome) DO UPDATE SET n = n + 1", [(str(r[0])[:10], r[4]) for r in rows])
            self._db.executemany(
                "INSERT INTO unanswered (folded, question, n, outcome, candidate, last_asked) VALUES (?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (folded) DO UPDATE SET n = n + 1, outcome = MAX(outcome, excluded.outcome),"
                " candidate = COALESCE(excluded.candidate, candidate), last_asked = excluded.last_asked",
                [(r[9], r[8], r[4], r[6], r[0]) for r in rows if r[4] in UNANSWERED])

    def _forget(self, hashed: str) -> int:
        return self._delete("user_hash = ?", hashed)

    def _delete(self, where: str, value: str) -> int:
        """Delete the questions `where` (a constant condition with one placeholder) says, and regroup what they were in."""
        with self._db:
            self._db.execute("BEGIN")
            keys = [k for (k,) in self._db.execute(
                f"SELECT DISTINCT folded FROM questions WHERE {where} AND outcome IN ({_marks(UNANSWERED)})",
                (value, *UNANSWERED))]
            deleted: int = self._db.execute(f"DELETE FROM questions WHERE {where}", (value,)).rowcount
            self._regroup(keys)
        return deleted

    # --- retention ----------------------------------------------------------------

    def purge(self) -> int:
        """Delete the rows older than the retention period; how many."""
        cutoff = (datetime.fromisoformat(self._clock()) - self._retention).isoformat(timespec="milliseconds")
        deleted = self._delete("asked_at < ?", cutoff)
        if deleted:
            logger.info("purged %d question(s) older than %d days", deleted, self._retention.days)
        return deleted

    def _purge_if_due(self) -> None:
        now = datetime.now(timezone.utc)
        if now - self._last_purge >= PURGE_EVERY:
            self._last_purge = now
            try:
                self.purge()
            except sqlite3.Error:
                logger.exception("could not purge %s", self.path)

    def _regroup(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._db.execute("DELETE FROM unanswered WHERE folded = ?", (key,))
            self._db.execute(REGROUP, (key,))

    def _backfill(self) -> None:
        """Fill the summary tables of a log written before they existed."""
        if self._db.execute("SELECT 1 FROM daily LIMIT 1").fetchone() or \
                not self._db.execute("SELECT 1 FROM questions LIMIT 1").fetchone():
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO daily SELECT substr(asked_at, 1, 10), outcome, COUNT(*) FROM questions"
                             " GROUP BY 1, 2")
            self._db.execute(REGROUP.replace("AND folded = ? ", ""))

    # --- reading: from any thread -------------------------------------------------

    def summary(self, top: int = 5) -> Summary:
        """Counts since this log was opened and in total, and the most frequent unanswered questions."""
        with self._counting:
            since_start = Counts.of(dict(self._since_start))
        return Summary(since_start, read_totals(self.path), tuple(read_unanswered(self.path, top)))


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def _reader(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StatsError(f"{path}: no such statistics file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        db.execute("SELECT 1 FROM daily LIMIT 1")
        return db
    except sqlite3.DatabaseError as exc:
        raise StatsError(f"{path}: not a readable statistics file ({exc})") from None


def read_totals(path: Path) -> Counts:
    """Questions by outcome, all time (what the log holds or held), from the daily counts."""
    db = _reader(path)
    try:
        return Counts.of(dict(db.execute("SELECT outcome, SUM(n) FROM daily GROUP BY outcome").fetchall()))
    except sqlite3.DatabaseError as exc:
        raise StatsError(f"{path}: not a readable statistics file ({exc})") from None
    finally:
        db.close()


def read_unanswered(path: Path, limit: int | None = None) -> list[Unanswered]:
    """Questions not answered outright, grouped, most frequent first."""
    db = _reader(path)
    try:
        query = "SELECT question, n, outcome, candidate, last_asked FROM unanswered WHERE n > 0 ORDER BY n DESC, last_asked DESC"
        rows = db.execute(query + (" LIMIT ?" if limit is not None else ""), (limit,) if limit is not None else ()).fetchall()
    except sqlite3.DatabaseError as exc:
        raise StatsError(f"{path}: not a readable statistics file ({exc})") from None
    finally:
        db.close()
    return [Unanswered(q, n, outcome, candidate, last) for q, n, outcome, candidate, last in rows]
