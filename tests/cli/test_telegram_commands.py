"""`python -m bot run` and `python -m bot unanswered` as a user types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.stats import DB_NAME, StatsLog

from conftest import ROOT

TOKEN = "123456:never-printed_token"


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("TELEGRAM_TOKEN", "ADMIN_IDS", "DATA_DIR", "KNOWLEDGE_DIR", "FLOOD_LIMIT", "LOG_LEVEL")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
                          env={**clean, **env}, timeout=60)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "TELEGRAM_TOKEN"),
        ({"TELEGRAM_TOKEN": TOKEN, "ADMIN_IDS": "me"}, "ADMIN_IDS"),
        ({"TELEGRAM_TOKEN": TOKEN, "FLOOD_LIMIT": "lots"}, "FLOOD_LIMIT"),
        ({"TELEGRAM_TOKEN": TOKEN, "KNOWLEDGE_DIR": "nowhere"}, "KNOWLEDGE_DIR"),
    ],
)
def test_run_with_a_bad_setting_prints_one_line_and_exits_2(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_run_with_a_bad_webhook_url(tmp_path: Path) -> None:
    result = run("run", "--webhook", "not-a-url", env={"TELEGRAM_TOKEN": TOKEN}, cwd=tmp_path)
    assert result.returncode == 2 and "--webhook" in result.stderr


def test_unanswered_lists_grouped_questions(tmp_path: Path) -> None:
    stats = StatsLog(tmp_path / "data" / DB_NAME, b"k" * 16)
    for question in ("Recette du couscous", "recette du  couscous", "voip"):
        stats.record(outcome="abstained", lang="fr", question=question)
    stats.record(outcome="answered", lang="fr", question="quand ?", entry_id="when-restored")
    stats.close()
    table = run("unanswered", env={"DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert len(lines) == 3 and lines[1].split()[0] == "2" and "couscous" in lines[1].lower()
    listed = json.loads(run("unanswered", "--json", env={"DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path).stdout)
    assert [(r["count"], r["outcome"]) for r in listed] == [(2, "abstained"), (1, "abstained")]


def test_unanswered_on_a_damaged_file_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DB_NAME).write_text("not a database" * 100, encoding="utf-8")
    result = run("unanswered", env={"DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unanswered_before_any_question(tmp_path: Path) -> None:
    result = run("unanswered", env={"DATA_DIR": str(tmp_path / "empty")}, cwd=tmp_path)
    assert result.returncode == 0 and "No questions recorded yet" in result.stderr
    assert not (tmp_path / "empty").exists()
