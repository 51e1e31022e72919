"""End to end: the real bot process against a fake Bot API on 127.0.0.1, talking as users would.

One bot process serves this module (start-up is the slow part); every test
uses its own users and chats, so tests run in any order. Tests that change
the bot itself (reload, stop, webhook, logs) are in test_e2e_operations.py.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from botproc import ADMIN, FLOOD_LIMIT, RunningBot, plain, running_bot

from bot.core.answer import answer_entry
from bot.core.conversation import converse
from bot.core.models import Outcome
from bot.ops.stats import DB_NAME, user_hash

from fake_bot_api import BOT_USER, Updates, sent_message
from telegram_html import assert_telegram_html


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    with running_bot(tmp_path_factory.mktemp("e2e")) as running:
        yield running


def message_text(bot: RunningBot, key: str, lang: str) -> str:
    return bot.engine.knowledge.message(key, lang)


def expected(bot: RunningBot, question: str) -> str:
    """The lead of the answer the core gives to `question` opening a chat."""
    reply, _ = converse(question, bot.engine, None, 0.0)
    assert reply.answered, question
    return reply.text.split(". ")[0]


# --- answers --------------------------------------------------------------------------


def test_french_question_gets_the_date_and_its_sources_first(bot: RunningBot) -> None:
    reply = bot.ask("quand la VoIP a-t-elle été rétablie?", lang="fr")
    assert reply.params["parse_mode"] == "HTML"
    lead, sources = plain(reply.text).split("\n\n")[0].split("\n")
    assert "novembre 2016" in lead and sources.startswith("— HuffPost Maroc")
    assert reply.buttons()[0]["text"] == message_text(bot, "quotes_button", "fr")


def test_english_question_gets_english_whatever_the_users_setting(bot: RunningBot) -> None:
    text = plain(bot.ask("When was VoIP restored?", lang="fr").text)
    assert "November 2016" in text and "novembre" not in text.lower()


def test_arabic_question_gets_an_arabic_answer_with_the_november_date(bot: RunningBot) -> None:
    text = plain(bot.ask("متى عادت مكالمات سكايب في المغرب؟", lang="fr").text)
    assert "نوفمبر 2016" in text and "HuffPost" in text


def test_darija_in_latin_letters_gets_arabic(bot: RunningBot) -> None:
    text = plain(bot.ask("imta t7ellat skype f lmaghrib?", lang="fr").text)
    assert "نوفمبر 2016" in text


def test_a_follow_up_is_answered_in_context(bot: RunningBot) -> None:
    user = bot.new_id()
    bot.ask("Quand la VoIP a-t-elle été rétablie ?", user=user)
    follow_up = plain(bot.ask("et pourquoi ?", user=user).text)
    assert follow_up.startswith(expected(bot, "Pourquoi la VoIP a-t-elle été rétablie ?")) and "COP22" in follow_up


def test_a_topic_switch_answers_the_new_question(bot: RunningBot) -> None:
    user = bot.new_id()
    bot.ask("Quand la VoIP a-t-elle été rétablie ?", user=user)
    assert plain(bot.ask("C'est quoi #OpeUnlike ?", user=user).text).startswith(expected(bot, "C'est quoi #OpeUnlike ?"))


def test_a_follow_up_opening_a_chat_asks_for_the_whole_question(bot: RunningBot) -> None:
    reply = bot.ask("et pourquoi ?")
    assert plain(reply.text).startswith(message_text(bot, "clarify", "fr")) and reply.buttons()


def test_two_questions_back_to_back_are_answered_in_order_while_other_chats_go_on(bot: RunningBot) -> None:
    user, other = bot.new_id(), bot.new_id()
    # The first reply is slow to go out: the follow-up must still be read after it, and another chat not wait.
    bot.api.delay_next("sendMessage", 1.5, where=lambda p: str(p.get("chat_id")) == str(user))
    bot.api.push_many([bot.updates.private_text(user, "Quand la VoIP a-t-elle été rétablie ?"),
                       bot.updates.private_text(user, "et pourquoi ?")])
    elsewhere = bot.ask("Qui a décidé de bloquer la VoIP ?", user=other)
    first, second = bot.api.wait_for("sendMessage", lambda c: c.chat_id == user and c.ok, count=2)
    assert "novembre 2016" in plain(first.text) and "COP22" in plain(second.text)
    assert second.received_at >= first.at, "the follow-up waited for the answer it follows"
    assert elsewhere.at < first.at, "another chat was answered meanwhile"


def test_the_quote_button_shows_verbatim_passages_of_the_articles(bot: RunningBot, articles: Path) -> None:
    user = bot.new_id()
    reply = bot.ask("When was VoIP restored?", lang="en", user=user)
    quote_button = reply.buttons()[0]
    assert quote_button["callback_data"] == "v1:c:en:when-restored"
    press = bot.updates.callback(user, quote_button["callback_data"], sent_message(reply, Updates.private_chat(user)))
    shown = plain(bot.send(press, user)[0].text)
    quotes = re.findall(r"« (.+?) »\n", shown)
    assert quotes
    texts = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in articles.glob("0*.txt"))
    assert all(quote in texts for quote in quotes)
    assert "HuffPost Maroc" in shown


def test_a_suggestion_button_answers_the_suggested_question(bot: RunningBot) -> None:
    vague = next(q for q in ("voip", "blocage", "skype", "anrt", "whatsapp", "appels", "opérateurs", "block", "calls")
                 if converse(q, bot.engine, None, 0.0, "fr")[0].outcome is Outcome.SUGGESTED)
    user = bot.new_id()
    offered = bot.ask(vague, user=user)
    assert message_text(bot, "did_you_mean", "fr") in plain(offered.text)
    button = offered.buttons()[0]
    press = bot.updates.callback(user, button["callback_data"], sent_message(offered, Updates.private_chat(user)))
    answered = bot.send(press, user)[0]
    entry_id = button["callback_data"].rsplit(":", 1)[1]
    assert plain(answered.text).startswith(answer_entry(entry_id, bot.engine, "fr").text.split(". ")[0])
    assert bot.api.wait_for("answerCallbackQuery", lambda c: c.ok)


def test_a_pressed_question_starts_a_conversation(bot: RunningBot) -> None:
    user = bot.new_id()
    start = bot.ask("/start", user=user)
    when = next(b for b in start.buttons() if b["callback_data"].endswith(":when-restored"))
    bot.send(bot.updates.callback(user, when["callback_data"], sent_message(start, Updates.private_chat(user))), user)
    assert "COP22" in plain(bot.ask("et pourquoi ?", user=user).text)


def test_an_old_button_gets_a_polite_answer(bot: RunningBot) -> None:
    user = bot.new_id()
    reply = bot.ask("/start", user=user)
    press = bot.updates.callback(user, "q:fr:when-restored", sent_message(reply, Updates.private_chat(user)))
    bot.api.push(press)
    answered = bot.api.wait_for("answerCallbackQuery", lambda c: c.params.get("callback_query_id") == press["callback_query"]["id"])
    assert answered[0].params.get("text") == message_text(bot, "unavailable", "fr")


def test_sticker_photo_voice_location_get_a_text_only_reply(bot: RunningBot) -> None:
    for build in (bot.updates.sticker, bot.updates.photo, bot.updates.voice, bot.updates.location):
        user = bot.new_id()
        assert plain(bot.send(build(user, "en"), user)[0].text) == message_text(bot, "non_text", "en")


def test_an_empty_looking_message_asks_for_a_question(bot: RunningBot) -> None:
    reply = bot.ask("🙂 ?! …", lang="en")
    assert plain(reply.text).startswith(message_text(bot, "empty", "en")) and reply.buttons()


def test_a_5000_character_message_is_answered_on_its_start(bot: RunningBot) -> None:
    text = plain(bot.ask(("quand la VoIP a-t-elle été rétablie? " * 200)[:5000]).text)
    assert text.startswith(message_text(bot, "truncated", "fr")) and "novembre 2016" in text


def test_markup_in_a_question_is_not_interpreted(bot: RunningBot) -> None:
    reply = bot.ask("<b>quand</b> la <script>alert(1)</script> VoIP a-t-elle été rétablie? & <i>")
    assert_telegram_html(reply.text)
    assert "<script>" not in reply.text


def test_every_message_sent_is_valid_telegram_html(bot: RunningBot) -> None:
    sent = []
    for question in ("quand la VoIP a-t-elle été rétablie?", "متى عادت مكالمات سكايب؟", "who runs Maroc Telecom?",
                     "recette du couscous", "/sources", "/timeline", "/help", "/privacy", "et pourquoi ?"):
        user = bot.new_id()  # one user each: five messages a minute is the flood limit here
        bot.ask(question, user=user)
        sent += bot.replies(user)
    for call in sent:
        assert call.params.get("parse_mode") == "HTML"
        assert_telegram_html(call.text)
        assert len(call.text) <= 4096


# --- groups ---------------------------------------------------------------------------


def test_in_a_group_only_messages_addressed_to_the_bot_are_answered(bot: RunningBot) -> None:
    group, user = -bot.new_id(), bot.new_id()
    mention = f"@{BOT_USER['username']}"
    bot.api.push_many([bot.updates.group_text(group, user, "quand la VoIP a-t-elle été rétablie?"),
                       bot.updates.group_text(group, user, f"{mention} quand la VoIP a-t-elle été rétablie?"),
                       bot.updates.group_text(group, user, "et pourquoi ?"),
                       bot.updates.group_text(group, user, f"{mention} et pourquoi ?")])
    first, second = bot.api.wait_for("sendMessage", lambda c: c.chat_id == group, count=2)
    assert "novembre 2016" in plain(first.text) and "COP22" in plain(second.text)
    # Updates of a chat are answered in order: once the last is answered, the
    # two messages not addressed to the bot were read and left alone.
    assert len(bot.replies(group)) == 2


@pytest.mark.parametrize("how", ["reply", "ask", "ask-newline"])
def test_a_reply_to_the_bot_and_ask_are_answered(bot: RunningBot, how: str) -> None:
    group, user = -bot.new_id(), bot.new_id()
    if how == "reply":
        earlier = bot.updates.bot_message(Updates.group_chat(group), "…")
        update = bot.updates.group_text(group, user, "When was VoIP restored?", lang="en", reply_to=earlier)
    else:
        separator = "\n" if how == "ask-newline" else " "
        update = bot.updates.group_text(group, user, f"/ask@{BOT_USER['username']}{separator}When was VoIP restored?", lang="en")
    assert "November 2016" in plain(bot.send(update, group)[0].text)


# --- commands -------------------------------------------------------------------------


def test_commands_are_registered_in_every_language(bot: RunningBot) -> None:
    menus = {c.params.get("language_code"): c.params["commands"] for c in bot.api.calls("setMyCommands")}
    assert {"fr", "en", "ar", None} <= set(menus)
    assert [c["command"] for c in menus["ar"]] == ["start", "help", "ask", "sources", "timeline", "lang", "privacy", "forget"]
    assert menus["ar"][0]["description"] == message_text(bot, "cmd_start", "ar")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_start_welcomes_in_the_users_language_mentions_privacy_and_offers_examples(bot: RunningBot, lang: str) -> None:
    reply = bot.ask("/start", lang=lang)
    assert plain(reply.text) == message_text(bot, "welcome", lang) and "/privacy" in plain(reply.text)
    examples = [bot.engine.knowledge.entries[e].questions[lang][0] for e in bot.engine.knowledge.settings.examples]
    assert [b["text"] for b in reply.buttons()] == examples


def test_lang_sets_the_chats_reply_language(bot: RunningBot) -> None:
    user = bot.new_id()
    assert plain(bot.ask("/lang ar", user=user).text) == message_text(bot, "lang_set", "ar")
    assert "نوفمبر" in plain(bot.ask("quand la VoIP a-t-elle été rétablie ?", user=user).text)
    bot.ask("/lang auto", user=user)
    assert "novembre" in plain(bot.ask("quand la VoIP a-t-elle été rétablie ?", user=user).text)
    assert plain(bot.ask("/lang xx", user=user).text) == message_text(bot, "lang_usage", "fr")


def test_help_names_the_bot(bot: RunningBot) -> None:
    assert f"@{BOT_USER['username']}" in plain(bot.ask("/help", lang="en").text)


def test_sources_lists_every_article(bot: RunningBot) -> None:
    text = plain(bot.ask("/sources", lang="fr").text)
    assert all(s.title in text and s.outlet["fr"] in text for s in bot.engine.knowledge.sources.values())


def test_the_timeline_pages_through_dated_facts_in_the_readers_language(bot: RunningBot) -> None:
    user = bot.new_id()
    first = bot.ask("/timeline", lang="en", user=user)
    assert re.search(r"\b\d{1,2} January 2016\b", plain(first.text)) and not re.search(r"\d{4}-\d{2}", plain(first.text))
    next_page = first.buttons()[-1]
    assert next_page["callback_data"] == "v1:t:en:2"
    bot.api.push(bot.updates.callback(user, next_page["callback_data"], sent_message(first, Updates.private_chat(user))))
    edited = bot.api.wait_for("editMessageText", lambda c: str(c.params.get("chat_id")) == str(user))[0]
    assert "(2/" in plain(edited.text) and plain(edited.text) != plain(first.text)


def test_an_unknown_command_in_private_gets_help(bot: RunningBot) -> None:
    assert f"@{BOT_USER['username']}" in plain(bot.ask("/nonsense", lang="en").text)


# --- inline mode ----------------------------------------------------------------------


def test_inline_query_offers_personal_sourced_answer_cards(bot: RunningBot) -> None:
    update = bot.updates.inline_query(bot.new_id(), "when was voip restored", lang="en")
    bot.api.push(update)
    call = bot.api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == update["inline_query"]["id"])[0]
    results = call.params["results"]
    assert 1 <= len(results) <= 3 and str(call.params.get("is_personal")).lower() == "true"
    first = results[0]
    assert first["title"] == bot.engine.knowledge.entries["when-restored"].questions["en"][0]
    assert_telegram_html(first["input_message_content"]["message_text"])
    assert "November 2016" in plain(first["input_message_content"]["message_text"])


def test_inline_query_off_topic_offers_the_bot_instead(bot: RunningBot) -> None:
    update = bot.updates.inline_query(bot.new_id(), "recette du couscous aux sept légumes", lang="fr")
    bot.api.push(update)
    call = bot.api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == update["inline_query"]["id"])[0]
    assert call.params["results"] == [] and call.params["button"]["start_parameter"] == "inline"


# --- admin and privacy ------------------------------------------------------------------


def test_stats_for_an_admin_one_short_line_per_unanswered_question(bot: RunningBot) -> None:
    user = bot.new_id()
    bot.ask("quelle est la recette du couscous " + "aux sept légumes " * 20, user=user)
    assert plain(bot.ask("/stats", lang="en", user=user).text) == message_text(bot, "admin_only", "en")
    text = plain(bot.send(bot.updates.private_text(ADMIN, "/stats", "en"), ADMIN)[0].text)
    assert message_text(bot, "stats_since_start", "en") in text and message_text(bot, "stats_total", "en") in text
    unanswered = [line for line in text.splitlines() if " × " in line]
    assert unanswered and all(len(line) < 80 for line in unanswered)


def test_privacy_says_what_is_kept_and_for_how_long(bot: RunningBot) -> None:
    text = plain(bot.ask("/privacy", lang="en").text)
    assert "90 days" in text and "/forget" in text


def test_forget_deletes_the_users_recorded_questions(bot: RunningBot) -> None:
    user, other = bot.new_id(), bot.new_id()
    for who in (user, other):
        bot.ask("quand la VoIP a-t-elle été rétablie ?", user=who)
    reply = plain(bot.ask("/forget", lang="en", user=user).text)
    assert reply == message_text(bot, "forget_done", "en").format(count=1)
    key = (bot.data_dir.parent / "key" / "hash.key").read_bytes().strip()
    with sqlite3.connect(bot.data_dir / DB_NAME) as db:
        hashes = {h for (h,) in db.execute("SELECT DISTINCT user_hash FROM questions")}
    assert user_hash(key, user) not in hashes and user_hash(key, other) in hashes
    assert plain(bot.ask("/forget", lang="en", user=user).text) == message_text(bot, "forget_done", "en").format(count=0)


# --- robustness -------------------------------------------------------------------------


def test_a_flood_from_one_user_is_answered_politely_once_then_dropped(bot: RunningBot) -> None:
    group, user, other = -bot.new_id(), bot.new_id(), bot.new_id()
    mention = f"@{BOT_USER['username']}"
    bot.api.push_many([bot.updates.group_text(group, user, f"{mention} quand la VoIP a-t-elle été rétablie? {i}")
                       for i in range(FLOOD_LIMIT + 4)])
    # Another user's message last: once it is answered, every earlier one was read.
    bot.send(bot.updates.group_text(group, other, f"{mention} When was VoIP restored?", lang="en"), group,
             count=FLOOD_LIMIT + 2)
    replies = [plain(c.text) for c in bot.replies(group)]
    assert replies.count(message_text(bot, "flood", "fr")) == 1
    assert len(replies) == FLOOD_LIMIT + 2


def test_500_then_429_then_the_reply_still_arrives(bot: RunningBot) -> None:
    user = bot.new_id()
    bot.api.fail_next("sendMessage", 500, where=lambda p: str(p.get("chat_id")) == str(user))
    bot.api.fail_next("sendMessage", 429, retry_after=1, where=lambda p: str(p.get("chat_id")) == str(user))
    reply = bot.ask("When was VoIP restored?", lang="en", user=user)
    assert "November 2016" in plain(reply.text)
    statuses = [c.status for c in bot.api.calls("sendMessage", lambda c: c.chat_id == user)]
    assert statuses == [500, 429, 200]
    assert reply.received_at - bot.api.calls("sendMessage", lambda c: c.chat_id == user)[1].at >= 1.0, "retry_after honoured"
