"""Benchmark of the core: per-question latency, load time, memory.

Run with `python -m bot bench`. It prints figures; it asserts nothing, since
timings on shared machines are too noisy for a pass/fail test. The grown
base clones every entry `scale - 1` times with variants whose words are
partly replaced by made-up ones, so the vocabulary and the index grow with
the base, as they would with real curation.
"""

from __future__ import annotations

import dataclasses
import random
import resource
import statistics
import time
from pathlib import Path

from ..core.answer import answer
from ..core.engine import Engine, build_engine, load_engine
from ..core.models import Entry, Knowledge
from .evaluate import read_questions

TARGETS = {"p99_real_ms": 2.0, "p99_grown_ms": 25.0, "load_s": 0.5, "rss_mb": 100.0}


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


def run_benchmark(folder: Path, eval_file: Path, scale: int, repeat: int) -> str:
    """Measure, and return the figures as printable lines."""
    questions = [q.text for q in read_questions(eval_file)]
    # Extra varieties the eval set lacks: huge, empty, emoji, right-to-left.
    questions += ["x " * 5000, "", "😀😀😀", "متى تم رفع الحظر عن الاتصالات؟"]
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
    lines = [
        f"questions: {len(questions)} distinct, {len(real)} timed on the real base, {len(big)} on the grown one",
        f"knowledge load (parse + validate + index), median of 5: {statistics.median(loads):.3f} s "
        f"(max {max(loads):.3f} s; target < {TARGETS['load_s']} s)",
        f"real base ({len(engine.knowledge.entries)} entries): p50 {_p(real, 50):.3f} ms, "
        f"p99 {_p(real, 99):.3f} ms, max {max(real):.3f} ms (target p99 < {TARGETS['p99_real_ms']} ms)",
        f"grown x{scale} ({len(grown.knowledge.entries)} entries, index built in {grown_build:.2f} s): "
        f"p50 {_p(big, 50):.3f} ms, p99 {_p(big, 99):.3f} ms, max {max(big):.3f} ms "
        f"(target p99 < {TARGETS['p99_grown_ms']} ms)",
        f"resident memory with the real base: {rss_real:.1f} MB (target < {TARGETS['rss_mb']:.0f} MB); "
        f"peak with the grown base too: {peak:.1f} MB",
    ]
    return "\n".join(lines)
