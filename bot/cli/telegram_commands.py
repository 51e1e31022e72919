"""The Telegram commands of `python -m bot`: `run` (the bot) and `unanswered` (for curators).

bot/cli.py calls `register` to add them, and `run_from_env` for a plain
`python -m bot` when TELEGRAM_TOKEN is set. Each command is a thin shell:
read the settings once, then call the library.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

from ..ops.config import Config, ConfigError, load_config
from ..ops.stats import DB_NAME, StatsError, read_unanswered


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run` and `unanswered` to the main command line."""
    run = subparsers.add_parser("run", help="run the Telegram bot (long polling, or a webhook server)")
    run.add_argument("--webhook", metavar="URL", help="serve a webhook at this public https URL instead of polling")
    run.add_argument("--env-file", type=Path, help="read settings from this file (default: ./.env if present)")
    run.set_defaults(func=_run)

    unanswered = subparsers.add_parser("unanswered", help="questions the bot did not answer outright, most frequent first")
    unanswered.add_argument("--limit", type=int, default=None, help="show at most this many")
    unanswered.add_argument("--json", action="store_true", help="a JSON list instead of a table")
    unanswered.add_argument("--env-file", type=Path, help="read settings from this file (default: ./.env if present)")
    unanswered.set_defaults(func=_unanswered)


def run_from_env(env_file: Path | None = None, webhook: str | None = None, knowledge: Path | None = None) -> int:
    """Read the settings and run the bot until stopped; the process exit code."""
    overrides = {"KNOWLEDGE_DIR": str(knowledge)} if knowledge is not None else None
    try:
        config = load_config(env_file, overrides=overrides)
        if webhook is not None:
            _check_webhook(webhook)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from ..telegram.app import run  # the Telegram library loads only for this command

    return run(config, webhook)


def _run(args: argparse.Namespace) -> int:
    # --knowledge, when typed, wins over KNOWLEDGE_DIR from --env-file.
    return run_from_env(args.env_file, args.webhook, args.knowledge)


def _check_webhook(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"--webhook: '{url[:80]}' is not an http(s) URL")


def _unanswered(args: argparse.Namespace) -> int:
    try:
        config: Config = load_config(args.env_file, require_token=False)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = config.data_dir / DB_NAME
    if not path.is_file():
        print(f"No questions recorded yet ({path} does not exist).", file=sys.stderr)
        if args.json:
            print("[]")
        return 0
    try:
        rows = read_unanswered(path, args.limit)
    except StatsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Every recorded question was answered.")
        return 0
    print(f"{'times':>5}  {'outcome':<9}  {'closest entry':<24}  question")
    for row in rows:
        print(f"{row.count:>5}  {row.outcome:<9}  {row.candidate or '-':<24}  {row.question}")
    return 0
