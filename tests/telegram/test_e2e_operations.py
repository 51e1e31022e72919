"""End to end, on a bot process of its own each: reload, logs, stop, webhook, start-up failures."""

from __future__ import annotations

import json
import re
import shutil
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from botproc import ADMIN, TOKEN, RunningBot, plain, running_bot, start_bot, stop

from bot.ops.stats import DB_NAME

from conftest import KNOWLEDGE
from fake_bot_api import DROPPED, FakeBotApi, Updates


def edit_entry_answer(knowledge_dir: Path, entry_id: str, lang: str, new_answer: str) -> None:
    """Rewrite one entry's answer in the qa/ file that holds it."""
    for path in sorted((knowledge_dir / "qa").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("entries", []):
            if entry.get("id") == entry_id:
                entry["answer"][lang] = new_answer
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
                return
    raise AssertionError(f"entry {entry_id} not found in {knowledge_dir}")


def admin(bot: RunningBot, text: str) -> str:
    return plain(bot.send(bot.updates.private_text(ADMIN, text, "en"), ADMIN)[0].text)


def test_reload_by_an_admin_serves_the_new_answer_without_restart(tmp_path: Path) -> None:
    with running_bot(tmp_path) as bot:
        question = bot.engine.knowledge.entries["how-long"].questions["en"][0]
        edit_entry_answer(bot.knowledge_dir, "how-long", "en", "Reloaded answer, marker 4417.")
        text = admin(bot, "/reload")
        k = bot.engine.knowledge
        assert text.startswith(k.message("reload_done", "en").format(entries=len(k.entries), facts=len(k.facts),
                                                                      sources=len(k.sources)))
        assert f"{k.message('reload_changed', 'en')} how-long" in text
        assert plain(bot.ask(question, lang="en").text).startswith("Reloaded answer, marker 4417.")


def test_reload_with_broken_yaml_keeps_the_old_answers_and_says_where(tmp_path: Path) -> None:
    with running_bot(tmp_path) as bot:
        question = bot.engine.knowledge.entries["how-long"].questions["en"][0]
        before = plain(bot.ask(question, lang="en").text)
        (bot.knowledge_dir / "qa" / "zz-broken.yaml").write_text("entries:\n  - id: broken\n    topic: [unclosed\n", encoding="utf-8")
        assert re.search(r"qa/zz-broken\.yaml:\d+: ", admin(bot, "/reload"))
        assert plain(bot.ask(question, lang="en").text) == before


def test_reload_by_anyone_else_is_refused_changes_nothing_and_logs_no_user_id(tmp_path: Path) -> None:
    with running_bot(tmp_path) as bot:
        question = bot.engine.knowledge.entries["how-long"].questions["en"][0]
        before = plain(bot.ask(question, lang="en").text)
        edit_entry_answer(bot.knowledge_dir, "how-long", "en", "Should never be served, marker 9901.")
        intruder = bot.new_id()
        assert plain(bot.ask("/reload", lang="en", user=intruder).text) == bot.engine.knowledge.message("admin_only", "en")
        assert plain(bot.ask(question, lang="en").text) == before
        assert "refused /reload" in bot.output() and str(intruder) not in bot.output()


def test_a_debug_log_holds_no_user_id_question_text_token_or_secret(tmp_path: Path) -> None:
    with running_bot(tmp_path, LOG_LEVEL="DEBUG") as bot:
        user = bot.new_id()
        questions = ["Quand la VoIP a-t-elle été rétablie ?", "et pourquoi ?", "recette du couscous marker-77"]
        for question in questions:
            bot.ask(question, user=user)
        bot.ask("/stats", user=user)
        bot.send(bot.updates.callback(user, "v1:c:fr:when-restored", {"message_id": 1, "date": 0,
                 "chat": Updates.private_chat(user), "text": "x"}), user)
    output = bot.output()
    assert "DEBUG" in output, "the run did log at DEBUG"
    secret = TOKEN.split(":", 1)[1]
    leaked = [s for s in (TOKEN, secret, str(user), "couscous", "marker-77", "et pourquoi", "VoIP a-t-elle") if s in output]
    assert leaked == []


def test_sigterm_stops_cleanly_and_every_question_is_on_disk(tmp_path: Path) -> None:
    with running_bot(tmp_path) as bot:
        for question in ("quand la VoIP a-t-elle été rétablie ?", "voip", "🙂"):
            bot.ask(question)
        assert stop(bot.process) == 0
    output = bot.output()
    assert "stopped" in output
    with sqlite3.connect(bot.data_dir / DB_NAME) as db:
        rows = db.execute("SELECT outcome, user_hash FROM questions").fetchall()
    assert len(rows) == 3 and {"answered", "invalid"} <= {o for o, _ in rows}
    assert all(h and len(h) == 32 for _, h in rows)
    assert (bot.data_dir / DB_NAME).stat().st_mode & 0o077 == 0, "readable by its owner only"


def test_a_reply_lost_after_it_was_sent_is_not_sent_twice_and_the_admins_are_told(tmp_path: Path) -> None:
    with running_bot(tmp_path) as bot:
        user = bot.new_id()
        # Telegram takes the message in, then the connection drops before it answers.
        bot.api.fail_next("sendMessage", DROPPED, where=lambda p: str(p.get("chat_id")) == str(user))
        bot.api.push(bot.updates.private_text(user, "When was VoIP restored?", "en"))
        alert = bot.api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN and c.ok)[0]
        bot.api.wait_for("sendMessage", lambda c: c.chat_id == user and c.ok)  # the "something went wrong" notice
        answers = [c for c in bot.api.calls("sendMessage", lambda c: c.chat_id == user) if "November 2016" in plain(c.text)]
        assert [c.status for c in answers] == [DROPPED]
        assert "NetworkError" in plain(alert.text) or "Error" in plain(alert.text)
        assert str(user) not in plain(alert.text)


def test_webhook_mode_checks_the_secret_answers_and_never_logs_the_generated_secret(tmp_path: Path) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    with FakeBotApi(TOKEN) as api:
        process = start_bot(api, tmp_path, "--webhook", url, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
        try:
            registered = api.wait_for("setWebhook", timeout=30)[0]
            secret = registered.params["secret_token"]
            assert registered.params["url"] == url and len(secret) >= 32
            update = {"update_id": 1, **Updates().private_text(77, "When was VoIP restored?", "en")}

            def post(token: str) -> int:
                request = urllib.request.Request(url, json.dumps(update).encode(), method="POST", headers={
                    "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": token})
                deadline = time.monotonic() + 10
                while True:  # the webhook server starts just after setWebhook
                    try:
                        with urllib.request.urlopen(request, timeout=5) as response:
                            return response.status
                    except urllib.error.HTTPError as exc:
                        return exc.code
                    except urllib.error.URLError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)

            assert post("wrong-secret") == 403
            assert post(secret) == 200
            assert "November 2016" in plain(api.wait_for("sendMessage", lambda c: c.chat_id == 77)[0].text)
        finally:
            assert stop(process) == 0
        output = (tmp_path / "bot.log").read_text(encoding="utf-8")
        assert TOKEN not in output and secret not in output


def test_bot_api_down_at_start_and_failing_polls_do_not_kill_the_bot(tmp_path: Path) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with FakeBotApi(TOKEN) as api:
        for _ in range(2):
            api.fail_next("getMe", 502)
        api.fail_next("getUpdates", 500)
        api.fail_next("getUpdates", 429, retry_after=1)
        process = start_bot(api, tmp_path)
        try:
            api.push(Updates().private_text(78, "When was VoIP restored?", "en"))
            reply = api.wait_for("sendMessage", lambda c: c.chat_id == 78, timeout=30)[0]
            assert "November 2016" in plain(reply.text)
            assert [c.status for c in api.calls("getMe")][:3] == [502, 502, 200]
        finally:
            assert stop(process) == 0


def test_a_refused_token_stops_with_one_line_and_exit_1(tmp_path: Path) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with FakeBotApi("999:another-token") as api:
        process = start_bot(api, tmp_path, LOG_LEVEL="ERROR")
        assert process.wait(30) == 1
    output = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "error: TELEGRAM_TOKEN: refused by the Bot API" in output.splitlines()[-1]
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


@pytest.mark.parametrize("setting", ["HASH_KEY_FILE"])
def test_the_hash_key_cannot_live_in_the_data_folder(tmp_path: Path, setting: str) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with FakeBotApi(TOKEN) as api:
        process = start_bot(api, tmp_path, **{setting: str(tmp_path / "data" / "hash.key")})
        assert process.wait(30) == 2
    assert "HASH_KEY_FILE: must be outside DATA_DIR" in (tmp_path / "bot.log").read_text(encoding="utf-8")
