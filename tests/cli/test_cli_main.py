"""The command line, run as a user runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import MINI, ROOT, write_mini


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS`, from an empty folder unless `cwd` is given (so no stray .env is read)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_TOKEN", "KNOWLEDGE_DIR")}
    with tempfile.TemporaryDirectory() as empty:
        return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                              cwd=cwd or empty, env={**full_env, **(env or {})}, timeout=60)


def test_ask_french_question_answers_in_french_with_date_and_source() -> None:
    result = run("ask", "quand la VoIP a-t-elle été rétablie?")
    assert result.returncode == 0, result.stderr
    assert "novembre" in result.stdout and "— HuffPost Maroc" in result.stdout


def test_ask_english_question_answers_in_english() -> None:
    result = run("ask", "When was VoIP restored in Morocco?")
    assert result.returncode == 0, result.stderr
    assert "November" in result.stdout and "— HuffPost Maroc" in result.stdout


def test_ask_json_one_question_has_the_documented_keys() -> None:
    reply = json.loads(run("ask", "--json", "who ordered the ban").stdout)
    assert set(reply) >= {"question", "answered", "outcome", "lang", "text", "answer", "sources", "score", "entry",
                          "suggestions", "related", "quotes", "why"}
    assert reply["answer"] and reply["answer"].split(";")[0] in reply["text"] and reply["related"]
    assert reply["why"]["candidates"][0]["entry"] == "who-decided" and reply["why"]["rule"]
    assert all(set(q) == {"source_id", "text"} for q in reply["quotes"]) and reply["quotes"]
    assert reply["lang"] == "en" and reply["answered"] is True and reply["entry"] == "who-decided"
    assert all(set(s) == {"id", "outlet", "title", "date"} for s in reply["sources"]) and reply["sources"]


def test_ask_json_reads_stdin_line_by_line_in_order() -> None:
    questions = ["quand la VoIP a-t-elle été rétablie?", "", "How do I install WhatsApp on my laptop?", "c koi #OpeUnlike"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert [r["answered"] for r in rows] == [True, False, False, True]
    assert rows[2]["entry"] is None and rows[2]["suggestions"]


def test_ask_without_question_or_json_is_a_usage_error() -> None:
    result = run("ask")
    assert result.returncode == 2 and "give a QUESTION" in result.stderr


def test_main_job_without_token_is_the_console() -> None:
    result = run(stdin="when was voip restored\n\nc koi opeunlike\n")
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_TOKEN set" in result.stdout
    assert "November" in result.stdout and "#OpeUnlike" in result.stdout
    assert result.stdout.count("— ") >= 2, "each answer names its sources"


def test_ask_json_chats_reads_conversations() -> None:
    lines = "c1\tQuand la VoIP a-t-elle été rétablie ?\nc1\tet pourquoi ?\nc2\tet pourquoi ?\n"
    rows = [json.loads(line) for line in run("ask", "--json", "--chats", stdin=lines).stdout.splitlines()]
    assert [(r["chat"], r["outcome"], r["entry"], r["lang"]) for r in rows] == [
        ("c1", "answered", "when-restored", "fr"), ("c1", "answered", "why-restored", "fr"), ("c2", "clarify", None, "fr")]
    assert "COP22" in rows[1]["answer"]


def test_ask_json_chats_needs_a_tab() -> None:
    result = run("ask", "--json", "--chats", stdin="just a question\n")
    assert result.returncode == 2 and "no tab" in result.stderr


def test_console_follows_up_shows_quotes_and_switches_language() -> None:
    result = run("console", stdin="Quand la VoIP a-t-elle été rétablie ?\net pourquoi ?\nquote\n:lang en\nquand ?\n")
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("\n\n")
    assert "COP22" in result.stdout and "« Le déblocage de la VoIP n'intervient pas par hasard. »" in result.stdout
    assert "reply language: en" in result.stdout and answers[-2] != ""


def test_console_keeps_the_conversation_language_for_wordless_messages() -> None:
    result = run("console", stdin="when was voip restored\n\n")
    assert result.returncode == 0, result.stderr
    assert "I couldn't find a question" in result.stdout
    assert "Je n'ai pas trouvé" not in result.stdout


def test_main_job_reads_the_token_from_dot_env(tmp_path: Path) -> None:
    # A malformed token stops the bot before any network call, which shows
    # that .env was read and the Telegram bot, not the console, was started.
    (tmp_path / ".env").write_text("TELEGRAM_TOKEN=not-a-token\n", encoding="utf-8")
    result = run(stdin="", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_TOKEN: does not look like a bot token" in result.stderr
    assert "No TELEGRAM_TOKEN set" not in result.stdout and "not-a-token" not in result.stderr + result.stdout


def test_knowledge_dir_from_dot_env_is_used_by_the_core_commands(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KNOWLEDGE_DIR=no-such-folder\n", encoding="utf-8")
    assert run("check", cwd=tmp_path).returncode == 1
    assert run("--knowledge", str(ROOT / "knowledge"), "check", cwd=tmp_path).returncode == 0


def test_check_passes_on_the_real_base_with_articles(articles: Path) -> None:
    result = run("check", "--articles", str(articles))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 5 sources")


def test_check_fails_with_file_line_and_reason(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "k", qa__restoration_yaml=MINI["qa/restoration.yaml"].replace('en: "Ten months."', "en: no"))
    result = run("--knowledge", str(folder), "check")
    assert result.returncode == 1
    assert "qa/restoration.yaml:16: YAML read this as the boolean false" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_prints_the_figures() -> None:
    sets = ROOT / "tests" / "eval"
    result = run("eval", "--file", str(sets / "questions.yaml"), "--file", str(sets / "holdout.yaml"),
                 "--file", str(sets / "arabic.yaml"), "--file", str(sets / "conversations.yaml"))
    assert result.returncode == 0, result.stderr
    for label in ("== questions.yaml (tuning)", "== holdout.yaml (held-out)", "top-1 accuracy", "  fr:", "  en:",
                  "typo subset", "off-topic abstention", "the same, right after an answer", "Darija (Latin letters) subset",
                  "== conversations.yaml (tuning, conversations)", "follow-ups answered in context"):
        assert label in result.stdout
    assert "misses:" not in result.stdout  # neither --verbose nor --held-out-misses


@pytest.mark.parametrize("argv", [["bench", "--scale", "2", "--repeat", "1"]])
def test_bench_prints_latency_load_and_memory(argv: list[str]) -> None:
    result = run(*argv)
    assert result.returncode == 0, result.stderr
    for label in ("knowledge load", "p50", "p99", "resident memory"):
        assert label in result.stdout


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `ask ... | head -1`: the pipe closes while the bot still writes.
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_TOKEN", "KNOWLEDGE_DIR")}
    questions = "".join(f"c{i}\tQuand la VoIP a-t-elle été rétablie ?\n" for i in range(400))
    with tempfile.TemporaryDirectory() as empty:
        bot = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--json", "--chats"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=empty, env=env)
        assert bot.stdin is not None and bot.stdout is not None and bot.stderr is not None
        bot.stdin.write(questions.encode())
        bot.stdin.close()
        assert bot.stdout.readline()
        bot.stdout.close()
        assert bot.wait(timeout=60) == 141
        assert b"Traceback" not in bot.stderr.read()
