"""Benchmark of the core: per-question latency, load time, memory.

Run with `python -m bot bench`. It prints figures; it asserts nothing, since
timings on shared machines are too noisy for a pass/fail test, but
`bench --check` exits non-zero when a figure misses its target. The grown
base clones every entry `scale - 1` times with variants whose words are
partly replaced by made-up ones, so the vocabulary and the index grow with
the base, as they would with real curation.
"""

from __future__ import annotations

import dataclasses
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..core.answer import answer
from ..core.engine import Engine, build_engine, load_engine
from ..core.models import Entry, Knowledge
from ..ops.stats import REGROUP, StatsLog
from .evaluate import read_questions

TARGETS = {"p99_real_ms": 2.0, "p99_grown_ms": 25.0, "load_s": 0.5, "rss_mb": 100.0,
           "p99_record_ms": 1.0, "stats_summary_ms": 200.0}
STATS_ROWS = 1_000_000


def grow(knowledge: Knowledge, scale: int, seed: int = 2016) -> Knowledge:
    """`knowledge` with every entry cloned `scale - 1` times under new ids and words."""
    rng = random.Random(seed)
    entries: dict[str, Entry] = dict(knowledge.entries)
    for copy in range(1, scale):
        for entry in knowledge.entries.values():
            questions = {lang: tuple(_mutate(q, rng) for q in qs) for lang, qs in entry.questions.items()}
            clone = dataclasses.replace(entry, id=f"{entry.id}-x{copy}", questions=questions, related=())
            entries[clone.id] = clone
    return dataclasses.replace(knowledge, entries=entries)


def _mutate(question: str, rng: random.Random) -> str:
    words = question.split()
    for i in rng.sample(range(len(words)), k=max(1, len(words) // 3)):
        words[i] = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
    return " ".join(words)


def _latencies_ms(questions: list[str], engine: Engine, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        for question in questions:
            start = time.perf_counter()
            answer(question, engine)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


@dataclass(frozen=True)
class Figure:
    """One measured figure and its target."""

    name: str
    value: float
    target: float
    unit: str

    @property
    def met(self) -> bool:
        return self.value < self.target


def run_benchmark(folder: Path, eval_file: Path, scale: int, repeat: int, stats_rows: int = STATS_ROWS) -> tuple[str, list[Figure]]:
    """Measure; the figures as printable lines, and each with its target."""
    questions = [q.text for q in read_questions(eval_file)]
    # Extra varieties the eval set lacks: huge, empty, emoji, right-to-left, Darija in Latin letters.
    questions += ["x " * 5000, "", "😀😀😀", "متى تم رفع الحظر عن الاتصالات؟", "imta rj3at whatsapp f lmaghrib?"]
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        engine = load_engine(folder)
        loads.append(time.perf_counter() - start)
    answer("warm up", engine)
    real = _latencies_ms(questions, engine, repeat)
    rss_real = _rss_mb()
    start = time.perf_counter()
    grown = build_engine(grow(engine.knowledge, scale))
    grown_build = time.perf_counter() - start
    big = _latencies_ms(questions, grown, max(1, repeat // 4))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record_p99, summary_ms = _stats_figures(stats_rows)
    figures = [
        Figure("knowledge load (median of 5)", statistics.median(loads), TARGETS["load_s"], "s"),
        Figure("real base p99", _p(real, 99), TARGETS["p99_real_ms"], "ms"),
        Figure(f"grown x{scale} p99", _p(big, 99), TARGETS["p99_grown_ms"], "ms"),
        Figure("resident memory, real base", rss_real, TARGETS["rss_mb"], "MB"),
        Figure(f"stats record() at {stats_rows:,} rows, p99", record_p99, TARGETS["p99_record_ms"], "ms"),
        Figure(f"/stats summary at {stats_rows:,} rows", summary_ms, TARGETS["stats_summary_ms"], "ms"),
    ]
    lines = [
        f"questions: {len(questions)} distinct, {len(real)} timed on the real base, {len(big)} on the grown one",
        f"real base ({len(engine.knowledge.entries)} entries): p50 {_p(real, 50):.3f} ms, max {max(real):.3f} ms",
        f"grown x{scale} ({len(grown.knowledge.entries)} entries, index built in {grown_build:.2f} s): "
        f"p50 {_p(big, 50):.3f} ms, max {max(big):.3f} ms; peak memory with it too: {peak:.1f} MB",
        *(f"{f.name}: {f.value:.3f} {f.unit} (target < {f.target:g} {f.unit}){'' if f.met else '  MISSED'}" for f in figures),
    ]
    return "\n".join(lines), figures


def _stats_figures(rows: int) -> tuple[float, float]:
    """What a reply waits for to record its question (p99, ms), and a /stats summary (ms), on a log of `rows` rows."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stats.sqlite3"
        _fill_stats(path, rows)
        log = StatsLog(path, b"bench-key-0123456789")
        waits = []
        for i in range(5000):
            start = time.perf_counter()
            log.record(outcome="abstained" if i % 3 else "answered", lang="fr", question=f"question {i % 400}",
                       user_id=i % 1000)
            waits.append((time.perf_counter() - start) * 1000)
        log.flush()
        start = time.perf_counter()
        log.summary()
        summary_ms = (time.perf_counter() - start) * 1000
        log.close()
    return _p(waits, 99), summary_ms


def _fill_stats(path: Path, rows: int) -> None:
    """A log of `rows` questions over the last 80 days, written directly (fast), then opened to build its tables."""
    rng = random.Random(2016)
    outcomes = ("answered", "answered", "answered", "suggested", "abstained", "not_in_articles", "invalid")
    now = datetime.now(timezone.utc)
    log = StatsLog(path, b"bench-key-0123456789")
    log.close()
    db = sqlite3.connect(path)
    batch: list[tuple[object, ...]] = []
    for _ in range(rows):
        at = (now - timedelta(minutes=rng.randrange(80 * 24 * 60))).isoformat(timespec="milliseconds")
        question = f"question number {rng.randrange(20000)}"
        batch.append((at, f"{rng.randrange(50000):032x}", "private", "fr", rng.choice(outcomes), None, None, 50.0,
                      question, question))
        if len(batch) == 50_000:
            _insert(db, batch)
            batch = []
    _insert(db, batch)
    # The summary tables, as the writer would have kept them.
    db.execute("DELETE FROM daily")
    db.execute("INSERT INTO daily SELECT substr(asked_at, 1, 10), outcome, COUNT(*) FROM questions GROUP BY 1, 2")
    db.execute("DELETE FROM unanswered")
    db.execute(REGROUP.replace("AND folded = ? ", ""))
    db.commit()
    db.close()


def _insert(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    db.executemany("INSERT INTO questions (asked_at, user_hash, channel, lang, outcome, entry_id, candidate, score, question,"
                   " folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
