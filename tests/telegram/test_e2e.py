"""End to end: the real bot (`python -m bot run`, a subprocess) against a fake Bot API on 127.0.0.1.

One bot process serves the whole module (start-up is the slow part); each
test talks from its own user or chat id, so tests do not see each other's
replies. Expected texts come from the same knowledge folder the bot reads,
loaded in the test process, so the assertions follow the curated base.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
import yaml

from bot.core.answer import answer, answer_entry
from bot.core.engine import Engine, load_engine
from bot.core.models import Outcome

from conftest import KNOWLEDGE, ROOT
from fake_bot_api import BOT_USER, Call, FakeBotApi, Updates, sent_message
from telegram_html import assert_telegram_html

TOKEN = "123456789:AAE2e-Test_token_never_logged_0123456789"
ADMIN = 1001
FLOOD_LIMIT = 5
START_TIMEOUT = 30.0


@dataclass
class RunningBot:
    """The bot subprocess, the fake API it talks to, and the knowledge copy it reads."""

    api: FakeBotApi
    updates: Updates
    process: subprocess.Popen[bytes]
    knowledge_dir: Path
    data_dir: Path
    log: Path
    engine: Engine = field(repr=False)  # the same knowledge, loaded here for expected texts
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(50_000), repr=False)

    def new_user(self) -> int:
        return next(self._ids)

    def ask(self, text: str, lang: str | None = "fr", user: int | None = None) -> Call:
        """Send `text` in a private chat from a fresh user; the bot's (first) reply."""
        user = user or self.new_user()
        self.api.push(self.updates.private_text(user, text, lang))
        return self.api.wait_for("sendMessage", lambda c: c.chat_id == user and c.ok)[0]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_bot(api: FakeBotApi, tmp: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """`python -m bot run` with settings pointing at `api` and `tmp`, hermetic from any .env."""
    (tmp / "empty.env").write_text("", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items()
             if "proxy" not in k.lower() and k not in ("TELEGRAM_TOKEN", "ADMIN_IDS", "KNOWLEDGE_DIR", "DATA_DIR")}
    clean.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, ADMIN_IDS=f"{ADMIN}, 1002",
                 KNOWLEDGE_DIR=str(tmp / "knowledge"), DATA_DIR=str(tmp / "data"), FLOOD_LIMIT=str(FLOOD_LIMIT),
                 LOG_LEVEL="DEBUG", PYTHONUNBUFFERED="1")
    clean.update(env)
    log = open(tmp / "bot.log", "ab")  # noqa: SIM115 (lives as long as the bot process)
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--env-file", str(tmp / "empty.env"), *args],
                            cwd=ROOT, env=clean, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(5)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    tmp = tmp_path_factory.mktemp("e2e")
    shutil.copytree(KNOWLEDGE, tmp / "knowledge")
    with FakeBotApi(TOKEN) as api:
        process = start_bot(api, tmp)
        running = RunningBot(api, Updates(), process, tmp / "knowledge", tmp / "data", tmp / "bot.log",
                             load_engine(tmp / "knowledge"), itertools.count(50_000))
        try:
            # Ready once the command menus are set and polling has begun.
            api.wait_for("getUpdates", timeout=START_TIMEOUT)
            yield running
        finally:
            stop(process)


def plain(html: str) -> str:
    """What the user reads: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def message_text(engine: Engine, key: str, lang: str) -> str:
    return engine.knowledge.message(key, lang)


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


def some_entry(engine: Engine, avoid: str = "when-restored") -> str:
    return next(i for i in sorted(engine.knowledge.entries) if i != avoid)


# --- conversation -------------------------------------------------------------


def test_french_question_gets_the_date_and_a_source_in_french(bot: RunningBot) -> None:
    reply = bot.ask("quand la VoIP a-t-elle été rétablie?", lang="fr")
    expected = answer("quand la VoIP a-t-elle été rétablie?", bot.engine, "fr")
    assert expected.entry_id == "when-restored" and expected.lang == "fr"
    text = plain(reply.text)
    assert reply.params["parse_mode"] == "HTML"
    assert "novembre 2016" in text.lower()
    assert message_text(bot.engine, "sources_label", "fr") in text
    assert any(s.title in text and s.outlet["fr"] in text for s in expected.sources)
    assert message_text(bot.engine, "sources_label", "en") not in text


def test_english_question_gets_english(bot: RunningBot) -> None:
    reply = bot.ask("When was VoIP restored?", lang="fr")  # the words win over the user's setting
    text = plain(reply.text)
    assert "November 2016" in text
    assert message_text(bot.engine, "sources_label", "en") in text
    assert "novembre" not in text.lower()


def test_suggestion_button_answers_the_suggested_question(bot: RunningBot) -> None:
    vague = next(q for q in ("voip", "blocage", "skype", "anrt", "whatsapp", "appels", "opérateurs", "block", "calls")
                 if answer(q, bot.engine, "fr").outcome is Outcome.SUGGESTED)
    user = bot.new_user()
    offered = bot.ask(vague, user=user)
    assert message_text(bot.engine, "did_you_mean", "fr") in plain(offered.text)
    button = offered.buttons()[0]
    assert len(button["callback_data"].encode()) <= 64
    chat = Updates.private_chat(user)
    bot.api.push(bot.updates.callback(user, button["callback_data"], sent_message(offered, chat)))
    answered = bot.api.wait_for("sendMessage", lambda c: c.chat_id == user and c.ok, count=2)[1]
    entry_id = button["callback_data"].rsplit(":", 1)[1]
    expected = answer_entry(entry_id, bot.engine, "fr")
    assert plain(answered.text).startswith(expected.text)
    assert bot.api.wait_for("answerCallbackQuery", lambda c: c.ok)


def test_related_questions_come_as_buttons(bot: RunningBot) -> None:
    reply = bot.ask("quand la VoIP a-t-elle été rétablie?")
    expected = answer("quand la VoIP a-t-elle été rétablie?", bot.engine, "fr")
    assert [b["text"] for b in reply.buttons()] == [s.question for s in expected.related]
    assert all(b["callback_data"].startswith("q:fr:") for b in reply.buttons())


def test_sticker_photo_voice_location_get_a_text_only_reply(bot: RunningBot) -> None:
    expected = message_text(bot.engine, "non_text", "en")
    for build in (bot.updates.sticker, bot.updates.photo, bot.updates.voice, bot.updates.location):
        user = bot.new_user()
        bot.api.push(build(user, "en"))
        reply = bot.api.wait_for("sendMessage", lambda c, u=user: c.chat_id == u)[0]
        assert plain(reply.text) == expected


def test_empty_looking_message_asks_for_a_question(bot: RunningBot) -> None:
    reply = bot.ask("🙂 ?! …", lang="en")
    assert plain(reply.text).startswith(message_text(bot.engine, "empty", "en"))
    assert reply.buttons(), "example questions are offered as buttons"


def test_5000_character_message_is_answered_on_its_start(bot: RunningBot) -> None:
    question = ("quand la VoIP a-t-elle été rétablie? " * 200)[:5000]
    reply = bot.ask(question)
    expected = answer(question, bot.engine, "fr")
    assert expected.truncated
    text = plain(reply.text)
    assert text.startswith(message_text(bot.engine, "truncated", "fr"))
    assert expected.text in text


def test_markup_in_a_question_is_not_interpreted(bot: RunningBot) -> None:
    reply = bot.ask("<b>quand</b> la <script>alert(1)</script> VoIP a-t-elle été rétablie? & <i>")
    assert_telegram_html(reply.text)
    assert "<script>" not in reply.text


def test_group_message_without_mention_is_ignored_with_mention_answered(bot: RunningBot) -> None:
    group, user = -100_000 - bot.new_user(), bot.new_user()
    ignored = bot.updates.group_text(group, user, "quand la VoIP a-t-elle été rétablie?")
    mentioned = bot.updates.group_text(group, user, f"@{BOT_USER['username']} quand la VoIP a-t-elle été rétablie?")
    bot.api.push_many([ignored, mentioned])
    reply = bot.api.wait_for("sendMessage", lambda c: c.chat_id == group)[0]
    assert reply.params["reply_parameters"]["message_id"] == mentioned["message"]["message_id"]
    assert "novembre 2016" in plain(reply.text).lower()
    time.sleep(0.5)
    assert len(bot.api.calls("sendMessage", lambda c: c.chat_id == group)) == 1


@pytest.mark.parametrize("how", ["reply", "ask"])
def test_group_reply_to_the_bot_and_ask_command_are_answered(bot: RunningBot, how: str) -> None:
    group, user = -100_000 - bot.new_user(), bot.new_user()
    if how == "reply":
        earlier = bot.updates.bot_message(Updates.group_chat(group), "…")
        update = bot.updates.group_text(group, user, "When was VoIP restored?", lang="en", reply_to=earlier)
    else:
        update = bot.updates.group_text(group, user, f"/ask@{BOT_USER['username']} When was VoIP restored?", lang="en")
    bot.api.push(update)
    reply = bot.api.wait_for("sendMessage", lambda c: c.chat_id == group)[0]
    assert "November 2016" in plain(reply.text)


# --- commands -----------------------------------------------------------------


def test_commands_are_registered_in_french_and_english(bot: RunningBot) -> None:
    menus = {c.params.get("language_code"): c.params["commands"] for c in bot.api.calls("setMyCommands")}
    assert {"fr", "en"} <= set(menus)
    assert [c["command"] for c in menus["fr"]] == ["start", "help", "ask", "sources", "timeline"]
    assert menus["fr"][0]["description"] == message_text(bot.engine, "cmd_start", "fr")
    assert menus["en"][0]["description"] == message_text(bot.engine, "cmd_start", "en")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_start_welcomes_in_the_users_language_with_examples(bot: RunningBot, lang: str) -> None:
    reply = bot.ask("/start", lang=lang)
    assert plain(reply.text) == message_text(bot.engine, "welcome", lang)
    examples = [bot.engine.knowledge.entries[e].questions[lang][0] for e in bot.engine.knowledge.settings.examples]
    assert [b["text"] for b in reply.buttons()] == examples


def test_help_names_the_bot(bot: RunningBot) -> None:
    assert f"@{BOT_USER['username']}" in plain(bot.ask("/help", lang="en").text)


def test_sources_lists_every_article(bot: RunningBot) -> None:
    text = plain(bot.ask("/sources", lang="fr").text)
    sources = bot.engine.knowledge.sources.values()
    assert all(s.title in text and s.outlet["fr"] in text and s.date["fr"] in text for s in sources)


def test_timeline_lists_dated_facts_in_order(bot: RunningBot) -> None:
    user = bot.new_user()
    bot.ask("/timeline", lang="en", user=user)
    time.sleep(0.3)  # a long timeline may take several messages
    text = "\n".join(plain(c.text) for c in bot.api.calls("sendMessage", lambda c: c.chat_id == user))
    facts = bot.engine.knowledge.timeline()
    assert facts
    positions = [text.index(f.text["en"]) for f in facts]
    assert positions == sorted(positions)
    assert [d for d in re.findall(r"\d{4}(?:-\d{2}){0,2}", text) if d in {f.date for f in facts}] == [f.date for f in facts]


def test_unknown_command_in_private_gets_help(bot: RunningBot) -> None:
    assert f"@{BOT_USER['username']}" in plain(bot.ask("/nonsense", lang="en").text)


# --- inline mode --------------------------------------------------------------


def test_inline_query_offers_up_to_three_sourced_answer_cards(bot: RunningBot) -> None:
    update = bot.updates.inline_query(bot.new_user(), "when was voip restored", lang="en")
    bot.api.push(update)
    call = bot.api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == update["inline_query"]["id"])[0]
    results = call.params["results"]
    assert 1 <= len(results) <= 3
    first = results[0]
    assert first["type"] == "article" and first["title"] == bot.engine.knowledge.entries["when-restored"].questions["en"][0]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert_telegram_html(content["message_text"])
    assert "November 2016" in plain(content["message_text"])
    assert message_text(bot.engine, "sources_label", "en") in plain(content["message_text"])
    assert len({r["id"] for r in results}) == len(results)


def test_inline_query_off_topic_offers_the_bot_instead(bot: RunningBot) -> None:
    update = bot.updates.inline_query(bot.new_user(), "recette du couscous aux sept légumes", lang="fr")
    bot.api.push(update)
    call = bot.api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == update["inline_query"]["id"])[0]
    assert call.params["results"] == []
    assert call.params["button"]["start_parameter"] == "inline"


# --- admin --------------------------------------------------------------------


def test_reload_by_admin_serves_the_new_answer_without_restart(bot: RunningBot) -> None:
    entry_id = some_entry(bot.engine)
    question = bot.engine.knowledge.entries[entry_id].questions["en"][0]
    new_answer = "Reloaded answer, marker 4417."
    edit_entry_answer(bot.knowledge_dir, entry_id, "en", new_answer)
    reply = bot.ask("/reload", lang="en", user=ADMIN)
    text = plain(reply.text)
    k = bot.engine.knowledge
    done = message_text(bot.engine, "reload_done", "en").format(entries=len(k.entries), facts=len(k.facts), sources=len(k.sources))
    assert text.startswith(done)
    assert f"{message_text(bot.engine, 'reload_changed', 'en')} {entry_id}" in text
    assert plain(bot.ask(question, lang="en").text).startswith(new_answer)


def test_reload_with_broken_yaml_keeps_the_old_answers_and_says_where(bot: RunningBot) -> None:
    entry_id = some_entry(bot.engine)
    question = bot.engine.knowledge.entries[entry_id].questions["en"][0]
    before = plain(bot.ask(question, lang="en").text)
    broken = bot.knowledge_dir / "qa" / "zz-broken.yaml"
    broken.write_text("entries:\n  - id: broken\n    topic: [unclosed\n", encoding="utf-8")
    try:
        admin_chat_calls = len(bot.api.calls("sendMessage", lambda c: c.chat_id == ADMIN))
        bot.api.push(bot.updates.private_text(ADMIN, "/reload", "en"))
        reply = bot.api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, count=admin_chat_calls + 1)[-1]
        text = plain(reply.text)
        assert re.search(r"qa/zz-broken\.yaml:\d+: ", text), text
        assert plain(bot.ask(question, lang="en").text) == before
    finally:
        broken.unlink()


def test_reload_by_non_admin_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    entry_id = some_entry(bot.engine)
    question = bot.engine.knowledge.entries[entry_id].questions["en"][0]
    before = plain(bot.ask(question, lang="en").text)
    edit_entry_answer(bot.knowledge_dir, entry_id, "en", "Should never be served, marker 9901.")
    reply = bot.ask("/reload", lang="en")
    assert plain(reply.text) == message_text(bot.engine, "admin_only", "en")
    assert plain(bot.ask(question, lang="en").text) == before
    assert "refused /reload" in bot.output()


def test_stats_for_admin_and_refused_for_others(bot: RunningBot) -> None:
    assert plain(bot.ask("/stats", lang="en").text) == message_text(bot.engine, "admin_only", "en")
    admin_chat_calls = len(bot.api.calls("sendMessage", lambda c: c.chat_id == ADMIN))
    bot.api.push(bot.updates.private_text(ADMIN, "/stats", "en"))
    text = plain(bot.api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, count=admin_chat_calls + 1)[-1].text)
    assert message_text(bot.engine, "stats_since_start", "en") in text
    assert message_text(bot.engine, "stats_total", "en") in text
    asked = [int(n) for n in re.findall(r"(\d+) questions", text)]
    assert len(asked) == 2 and asked[0] >= 10 and asked[0] == asked[1]
    assert message_text(bot.engine, "stats_unanswered", "en") in text


# --- robustness ---------------------------------------------------------------


def test_flood_from_one_user_is_answered_politely_once_then_dropped(bot: RunningBot) -> None:
    user = bot.new_user()
    bot.api.push_many([bot.updates.private_text(user, f"quand la VoIP a-t-elle été rétablie? {i}", "fr")
                       for i in range(FLOOD_LIMIT + 4)])
    bot.api.wait_for("sendMessage", lambda c: c.chat_id == user, count=FLOOD_LIMIT + 1)
    time.sleep(0.5)
    replies = [plain(c.text) for c in bot.api.calls("sendMessage", lambda c: c.chat_id == user)]
    flood = message_text(bot.engine, "flood", "fr")
    assert replies.count(flood) == 1
    assert len(replies) == FLOOD_LIMIT + 1


def test_500_then_429_on_send_message_then_the_reply_still_arrives(bot: RunningBot) -> None:
    user = bot.new_user()
    bot.api.fail_next("sendMessage", 500, where=lambda p: str(p.get("chat_id")) == str(user))
    bot.api.fail_next("sendMessage", 429, retry_after=1, where=lambda p: str(p.get("chat_id")) == str(user))
    started = time.perf_counter()
    reply = bot.ask("When was VoIP restored?", lang="en", user=user)
    assert "November 2016" in plain(reply.text)
    statuses = [c.status for c in bot.api.calls("sendMessage", lambda c: c.chat_id == user)]
    assert statuses == [500, 429, 200]
    assert time.perf_counter() - started >= 1.0, "the retry_after was honoured"
    # ...and the bot still serves everyone else.
    assert "November 2016" in plain(bot.ask("When was VoIP restored?", lang="en").text)


def test_every_message_sent_is_valid_telegram_html(bot: RunningBot) -> None:
    sent = bot.api.calls("sendMessage", lambda c: c.ok)
    assert len(sent) > 20
    for call in sent:
        assert call.params.get("parse_mode") == "HTML"
        assert_telegram_html(call.text)
        assert len(call.text) <= 4096


def test_sigterm_stops_cleanly_keeps_stats_and_never_logs_the_token(bot: RunningBot) -> None:
    # Runs last: it stops the module's bot.
    assert stop(bot.process) == 0
    output = bot.output()
    assert "Application.stop() complete" in output or "stopped" in output
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in output and secret not in output
    assert "<redacted>" in output  # the DEBUG log did try to print the API URL
    with sqlite3.connect(bot.data_dir / "stats.sqlite3") as db:
        rows = db.execute("SELECT outcome, user_hash FROM questions").fetchall()
    assert len(rows) >= 10
    assert {"answered", "suggested", "invalid"} <= {o for o, _ in rows}
    assert all(h and str(ADMIN) not in h and len(h) == 32 for _, h in rows)


# --- webhook ------------------------------------------------------------------


def test_webhook_mode_checks_the_secret_and_answers(tmp_path: Path) -> None:
    import json
    import socket
    import urllib.error
    import urllib.request

    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    with FakeBotApi(TOKEN) as api:
        process = start_bot(api, tmp_path, "--webhook", url, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                            WEBHOOK_SECRET="s3cret-for-tests")
        try:
            registered = api.wait_for("setWebhook", timeout=START_TIMEOUT)[0]
            assert registered.params["url"] == url and registered.params["secret_token"] == "s3cret-for-tests"
            update = {"update_id": 1, **Updates().private_text(77, "When was VoIP restored?", "en")}

            def post(secret: str) -> int:
                request = urllib.request.Request(url, json.dumps(update).encode(), method="POST", headers={
                    "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
                for _ in range(50):  # the webhook server starts just after setWebhook
                    try:
                        with urllib.request.urlopen(request, timeout=5) as response:
                            return response.status
                    except urllib.error.HTTPError as exc:
                        return exc.code
                    except urllib.error.URLError:
                        time.sleep(0.1)
                raise AssertionError("webhook server never came up")

            assert post("wrong-secret") == 403
            assert post("s3cret-for-tests") == 200
            reply = api.wait_for("sendMessage", lambda c: c.chat_id == 77)[0]
            assert "November 2016" in plain(reply.text)
        finally:
            assert stop(process) == 0
        output = (tmp_path / "bot.log").read_text(encoding="utf-8")
        assert TOKEN not in output and "s3cret-for-tests" not in output


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
            reply = api.wait_for("sendMessage", lambda c: c.chat_id == 78, timeout=START_TIMEOUT)[0]
            assert "November 2016" in plain(reply.text)
            assert [c.status for c in api.calls("getMe")][:3] == [502, 502, 200]
        finally:
            assert stop(process) == 0


def test_a_refused_token_stops_with_one_line_and_exit_1(tmp_path: Path) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    with FakeBotApi("999:another-token") as api:
        process = start_bot(api, tmp_path, LOG_LEVEL="ERROR")
        assert process.wait(START_TIMEOUT) == 1
    output = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "error: TELEGRAM_TOKEN: refused by the Bot API" in output.splitlines()[-1]
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
