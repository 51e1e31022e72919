"""Load benchmark: many users asking the real bot at once, through the fake Bot API on 127.0.0.1.

Starts `python -m bot run` against tests/fake_bot_api.py, then plays USERS
users who each ask QUESTIONS questions, one after the other: a user asks,
waits for the reply, pauses (think time), asks the next. Users arrive spread
over --ramp seconds. The latency of a question is measured on the server,
from the moment getUpdates handed the update to the bot to the moment the
bot's sendMessage arrived.

    .venv/bin/python benchmarks/load.py                # 200 users x 5 questions
    .venv/bin/python benchmarks/load.py --ramp 0 --think 0 0   # a burst: saturation, not users

Exit code 0 when the targets hold (median < 50 ms, p99 < 200 ms, none lost).
"""

from __future__ import annotations

import argparse
import heapq
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "telegram"))
sys.path.insert(0, str(ROOT))

from bot.core.engine import load_engine  # noqa: E402

from fake_bot_api import Call, FakeBotApi, Updates  # noqa: E402

TOKEN = "123456789:BENCH-token_not_real_0123456789abcdef"
TARGET_MEDIAN_MS = 50.0
TARGET_P99_MS = 200.0


def questions(knowledge: Path) -> list[tuple[str, str]]:
    """Every curated question variant with its language: realistic phrasings the bot should answer."""
    engine = load_engine(knowledge)
    return [(q, lang) for e in engine.knowledge.entries.values() for lang, qs in e.questions.items() for q in qs]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="questions per user")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which users arrive")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"),
                        help="pause between reading a reply and asking again, drawn uniformly (s)")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the last replies")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    pool = questions(args.knowledge)
    updates = Updates()
    with tempfile.TemporaryDirectory() as tmp_name, FakeBotApi(TOKEN) as api:
        tmp = Path(tmp_name)
        shutil.copytree(args.knowledge, tmp / "knowledge")
        (tmp / "empty.env").write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, KNOWLEDGE_DIR=str(tmp / "knowledge"),
                   DATA_DIR=str(tmp / "data"), HASH_KEY_FILE=str(tmp / "key" / "hash.key"), LOG_LEVEL="WARNING",
                   ADMIN_IDS="")
        log = open(tmp / "bot.log", "wb")  # noqa: SIM115 (lives as long as the bot process)
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--env-file", str(tmp / "empty.env")],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            api.wait_for("getUpdates", timeout=30)
            replies: queue.Queue[tuple[int, float]] = queue.Queue()

            def on_call(call: Call) -> None:
                if call.method == "sendMessage" and call.ok and call.chat_id is not None:
                    replies.put((call.chat_id, call.at))

            api.listen(on_call)
            first_user = 10_000
            due = [(time.perf_counter() + rng.uniform(0, args.ramp), first_user + u) for u in range(args.users)]
            heapq.heapify(due)
            left = {first_user + u: args.questions for u in range(args.users)}
            waiting: dict[int, int] = {}  # user -> update id of their unanswered question
            latencies: list[float] = []
            asked = 0
            started = time.perf_counter()
            deadline = None
            while due or waiting:
                now = time.perf_counter()
                while due and due[0][0] <= now:
                    _, user = heapq.heappop(due)
                    text, lang = rng.choice(pool)
                    waiting[user] = api.push(updates.private_text(user, text, lang))
                    left[user] -= 1
                    asked += 1
                if not due and deadline is None:
                    deadline = now + args.timeout
                if deadline is not None and now > deadline:
                    break
                try:
                    chat, at = replies.get(timeout=max(0.0, min(0.01, due[0][0] - now)) if due else 0.05)
                except queue.Empty:
                    continue
                update_id = waiting.pop(chat, None)
                if update_id is None:
                    continue  # a second message for one question would land here; none is expected
                served = api.served_at(update_id)
                if served is not None:
                    latencies.append((at - served) * 1000)
                if left[chat] > 0:
                    heapq.heappush(due, (time.perf_counter() + rng.uniform(*args.think), chat))
            wall = time.perf_counter() - started
        finally:
            bot.terminate()
            bot.wait(15)
            log.close()

    answered = len(latencies)
    lost = asked - answered
    median = statistics.median(latencies) if latencies else float("nan")
    p99 = percentile(latencies, 99) if latencies else float("nan")
    print(f"{args.users} users x {args.questions} questions, arriving over {args.ramp:g} s, "
          f"thinking {args.think[0]:g}-{args.think[1]:g} s between a reply and their next question")
    print(f"asked {asked}, answered {answered}, lost {lost}, in {wall:.1f} s ({answered / wall:.0f} replies/s)")
    if latencies:
        print(f"latency update served -> reply received: median {median:.1f} ms, p90 {percentile(latencies, 90):.1f} ms, "
              f"p99 {p99:.1f} ms, max {max(latencies):.1f} ms")
    ok = lost == 0 and asked == args.users * args.questions and median < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS
    print(f"targets (median < {TARGET_MEDIAN_MS:g} ms, p99 < {TARGET_P99_MS:g} ms, none lost): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
