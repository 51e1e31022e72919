"""Command line: `python -m bot [ask|console|check|eval|bench|run|unanswered]`.

Each command is a thin shell over a library call. With no command, the bot
runs on Telegram when TELEGRAM_TOKEN is set and as a local console otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..core.conversation import Context, converse
from ..core.engine import load_engine
from ..core.knowledge import KnowledgeError
from ..ops.config import DEFAULT_KNOWLEDGE, REPOSITORY, read_environment
from .console import run_console
from .jsonl import reply_json
from .plaintext import source_line, to_plain

# The evaluation sets live in the repository only; an installed wheel has none.
EVAL_FOLDER = REPOSITORY / "tests" / "eval"
DEFAULT_EVAL = EVAL_FOLDER / "questions.yaml"
# The sets `eval` reads by default (questions, then conversations), tuning sets before held-out ones.
EVAL_NAMES = ("questions.yaml", "tuning2.yaml", "tuning3.yaml", "tuning4.yaml", "tuning5.yaml", "adversarial.yaml",
              "holdout.yaml", "holdout2.yaml", "arabic_tuning.yaml", "arabic_tuning2.yaml", "arabic_tuning3.yaml",
              "arabic_tuning4.yaml", "arabic_tuning5.yaml", "arabic.yaml",
              *(f"conversations{n}.yaml" for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")),
              "conversations_holdout.yaml", "conversations_holdout2.yaml", "conversations_holdout3.yaml")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run one command, return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    # The environment (and ./.env) is read here once; commands get what they need from `args`.
    environment = read_environment()
    args.knowledge_dir = args.knowledge or Path(environment.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE)
    if args.func is None:
        args.func = _telegram if environment.get("TELEGRAM_TOKEN") else _default
    try:
        code: int = args.func(args)
        return code
    except KnowledgeError as exc:
        print(f"The knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`check | head`): no traceback, and none at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Answers questions about Morocco's 2016 VoIP block.")
    parser.set_defaults(func=None)
    parser.add_argument("--knowledge", type=Path,
                        help="knowledge folder (default: KNOWLEDGE_DIR from the environment or .env, else knowledge/)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question, or one per line of stdin with --json")
    ask.add_argument("question", nargs="?", help="the question; with --json and none, read stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question (see README)")
    ask.add_argument("--chats", action="store_true",
                     help="with --json: read CHAT_ID<TAB>QUESTION lines; lines sharing a chat id are one conversation")
    ask.add_argument("--lang", help="language hint for very short questions (fr, en, ar)")
    ask.set_defaults(func=_ask)

    console = commands.add_parser("console", help="interactive prompt on the same engine")
    console.add_argument("--lang", help="reply language (fr, en, ar; default: each question's own)")
    console.set_defaults(func=_console)

    check = commands.add_parser("check", help="validate the knowledge base; exit 1 with file:line: reason")
    check.add_argument("--articles", type=Path, help="the articles' folder: also check every quote against it")
    check.set_defaults(func=_check)

    evaluate = commands.add_parser("eval", help="accuracy on the evaluation sets")
    evaluate.add_argument("--file", type=Path, action="append",
                          help="evaluation questions (YAML); repeatable; default: the tuning and held-out sets")
    evaluate.add_argument("--verbose", action="store_true", help="list every miss of the tuning sets")
    evaluate.add_argument("--held-out-misses", action="store_true",
                          help="also list the held-out sets' misses (never read them to tune: they measure generalisation)")
    evaluate.set_defaults(func=_eval)

    bench = commands.add_parser("bench", help="latency, load time and memory figures")
    bench.add_argument("--scale", type=int, default=100, help="grow the base this many times too")
    bench.add_argument("--repeat", type=int, default=20, help="passes over the questions")
    bench.add_argument("--stats-rows", type=int, default=1_000_000, help="rows in the statistics log measured")
    bench.add_argument("--check", action="store_true", help="exit 1 if a figure misses its target")
    bench.set_defaults(func=_bench)

    try:
        from .telegram_commands import register
    except ImportError:  # the Telegram layer is optional for the core commands
        pass
    else:
        register(commands)
    return parser


def _telegram(args: argparse.Namespace) -> int:
    from .telegram_commands import run_from_env

    return run_from_env(knowledge=args.knowledge)


def _default(args: argparse.Namespace) -> int:
    print("No TELEGRAM_TOKEN set: starting the local console. "
          "To run the Telegram bot, set TELEGRAM_TOKEN (see .env.example) and run `python -m bot run`.")
    args.lang = None
    return _console(args)


def _ask(args: argparse.Namespace) -> int:
    engine = load_engine(args.knowledge_dir)
    knowledge = engine.knowledge
    if args.question is not None:
        reply, _ = converse(args.question, engine, None, 0.0, args.lang)
        print(json.dumps(reply_json(reply, knowledge), ensure_ascii=False) if args.json else to_plain(reply, knowledge))
        return 0
    if not args.json:
        print("ask: give a QUESTION, or use --json to read questions from stdin", file=sys.stderr)
        return 2
    # One question per line; with --chats, "CHAT_ID<TAB>QUESTION": lines of
    # one chat id are one conversation, in order.
    contexts: dict[str, Context | None] = {}
    for number, line in enumerate(sys.stdin):
        text = line.rstrip("\n")
        chat = None
        if args.chats:
            chat, tab, text = text.partition("\t")
            if not tab:
                print(f"ask --chats: line {number + 1} has no tab between the chat id and the question", file=sys.stderr)
                return 2
        reply, context = converse(text, engine, contexts.get(chat) if chat is not None else None, float(number), args.lang)
        if chat is not None:
            contexts[chat] = context
        shown = reply_json(reply, knowledge)
        if chat is not None:
            shown = {"chat": chat, **shown}
        print(json.dumps(shown, ensure_ascii=False), flush=True)
    return 0


def _console(args: argparse.Namespace) -> int:
    return run_console(load_engine(args.knowledge_dir), args.lang)


def _check(args: argparse.Namespace) -> int:
    engine = load_engine(args.knowledge_dir, args.articles)
    k = engine.knowledge
    variants = sum(len(qs) for e in k.entries.values() for qs in e.questions.values())
    checked = f", every quote found in {args.articles}" if args.articles else " (quotes not checked: give --articles)"
    print(f"OK: {len(k.sources)} sources, {len(k.facts)} facts, {len(k.entries)} entries, "
          f"{variants} question variants{checked}.")
    for source in k.sources.values():
        print(f"  {source.id}: {source_line(source, k, k.settings.default_language)}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from ..quality.evaluate import (
        HELD_OUT,
        NO_ANSWER,
        abstention_after_answers,
        evaluate,
        evaluate_conversations,
        format_conversation_report,
        format_report,
        is_conversation_set,
        read_conversations,
        read_set,
    )

    engine = load_engine(args.knowledge_dir)
    paths = args.file or [EVAL_FOLDER / name for name in EVAL_NAMES if (EVAL_FOLDER / name).is_file()]
    if not paths:
        print(f"No evaluation sets in {EVAL_FOLDER} (they live in the repository): give --file", file=sys.stderr)
        return 2
    for number, path in enumerate(paths):
        if is_conversation_set(path):
            role, conversations = read_conversations(path)
            show = args.held_out_misses if role == HELD_OUT else args.verbose
            print(("\n" if number else "") + f"== {path.name} ({role}, conversations)")
            print(format_conversation_report(evaluate_conversations(conversations, engine), verbose=show))
            continue
        evaluation = read_set(path)
        report = evaluate(list(evaluation.questions), engine)
        show = args.held_out_misses if evaluation.role == HELD_OUT else args.verbose
        print(("\n" if number else "") + f"== {evaluation.name} ({evaluation.role})")
        print(format_report(report, verbose=show))
        if any(q.expect in NO_ANSWER for q in evaluation.questions):
            print(f"  the same, right after an answer: {abstention_after_answers(list(evaluation.questions), engine)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ..quality.bench import run_benchmark

    report, figures = run_benchmark(args.knowledge_dir, DEFAULT_EVAL, scale=args.scale, repeat=args.repeat,
                                    stats_rows=args.stats_rows)
    print(report)
    missed = [f.name for f in figures if not f.met]
    if args.check and missed:
        print(f"missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0
