"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests and the load benchmark.

It speaks enough of the Bot API for python-telegram-bot to run a real bot
against it: getMe, getUpdates (long polling with offset and timeout),
sendMessage, editMessageText, answerCallbackQuery, answerInlineQuery,
setMyCommands, setWebhook/deleteWebhook/getWebhookInfo, close, logOut.
It records every call, lets a test push updates, wait for calls matching a
predicate, and make the next matching call fail (a 500, a 429 with
retry_after...). It runs an aiohttp server on its own event loop in a
background thread, so tests stay plain synchronous functions.

    with FakeBotApi(TOKEN) as api:
        api.push(updates.private_text(42, "hello"))
        reply = api.wait_for("sendMessage", lambda c: c.chat_id == 42)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "VoIP Maroc",
    "username": "voip_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
# A "status" for a call the server took in, then closed the connection on,
# unanswered: as when Telegram posts a message and the reply is lost.
DROPPED = 0
# Methods that just succeed with `true`.
TRUE_METHODS = {
    "answercallbackquery", "answerinlinequery", "setmycommands", "deletemycommands", "deletewebhook",
    "setwebhook", "close", "logout", "sendchataction", "editmessagereplymarkup", "deletemessage",
}


@dataclass(frozen=True)
class Call:
    """One request the bot made, as received."""

    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when it was answered
    status: int  # the HTTP status answered; DROPPED: the connection was closed unanswered
    received_at: float = 0.0  # time.perf_counter() when it arrived

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def ok(self) -> bool:
        return self.status == 200

    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    where: Callable[[dict[str, Any]], bool]
    delay: float = 0.0  # answer normally, this many seconds late (status 200)


@dataclass
class _Queue:
    updates: list[dict[str, Any]] = field(default_factory=list)
    served_at: dict[int, float] = field(default_factory=dict)


class FakeBotApi:
    """The server; see the module docstring."""

    def __init__(self, token: str, *, bot: dict[str, Any] | None = None, max_poll_wait: float = 1.0) -> None:
        self.token = token
        self.bot = bot or BOT_USER
        # getUpdates waits at most this long for an update, whatever timeout
        # the bot asks for, so a stopping bot is never held by a long poll.
        self.max_poll_wait = max_poll_wait
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._failures: list[_Failure] = []
        self._queue = _Queue()
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._listeners: list[Callable[[Call], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.port = 0

    # --- life cycle -------------------------------------------------------

    def start(self) -> FakeBotApi:
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Bot API server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)  # type: ignore[union-attr]
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- driving it from a test ------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for the bot's next getUpdates; returns its update_id."""
        return self.push_many([dict(update)])[0]

    def push_many(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queue several updates at once (they may come in one getUpdates answer)."""
        for update in updates:
            update.setdefault("update_id", next(self._update_ids))
            chat = (update.get("message") or {}).get("chat")
            if chat:
                # Remembered so that sendMessage answers carry the right chat type.
                self._chats[chat["id"]] = chat
        assert self._loop is not None, "start the server first"
        asyncio.run_coroutine_threadsafe(self._add_updates(updates), self._loop).result(5)
        return [int(u["update_id"]) for u in updates]

    def served_at(self, update_id: int) -> float | None:
        """When (perf_counter) the bot first received `update_id` in a getUpdates answer."""
        return self._queue.served_at.get(update_id)

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None,
                  where: Callable[[dict[str, Any]], bool] = lambda params: True) -> None:
        """Answer the next `method` call whose params match `where` with an error instead (DROPPED: no answer)."""
        with self._changed:
            self._failures.append(_Failure(method.lower(), status, retry_after, where))

    def delay_next(self, method: str, seconds: float, *, where: Callable[[dict[str, Any]], bool] = lambda params: True) -> None:
        """Answer the next `method` call whose params match `where` normally, but `seconds` late."""
        with self._changed:
            self._failures.append(_Failure(method.lower(), 200, None, where, delay=seconds))

    def calls(self, method: str | None = None, where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Every call so far, optionally only one method's and those matching `where`."""
        with self._changed:
            return [c for c in self._calls if _matches(c, method, where)]

    def wait_for(self, method: str | None = None, where: Callable[[Call], bool] | None = None, *,
                 count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The first `count` matching calls, waiting for them up to `timeout` seconds."""
        def found() -> list[Call]:
            return [c for c in self._calls if _matches(c, method, where)]

        with self._changed:
            if not self._changed.wait_for(lambda: len(found()) >= count, timeout):
                seen = [(c.method, c.params) for c in self._calls[-10:]]
                raise TimeoutError(f"no {count} {method or 'call'}(s) matching within {timeout}s; last calls: {seen}")
            return found()[:count]

    def listen(self, listener: Callable[[Call], None]) -> None:
        """Call `listener` (on the server thread) for every call as it arrives."""
        self._listeners.append(listener)

    # --- the server ---------------------------------------------------------

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        self._arrived = asyncio.Condition()
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _add_updates(self, updates: list[dict[str, Any]]) -> None:
        assert self._arrived is not None
        async with self._arrived:
            self._queue.updates.extend(updates)
            self._arrived.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        received = time.perf_counter()
        method = request.match_info["method"]
        params = await _params(request)
        failure = None
        if request.match_info["token"] != self.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif (failure := self._take_failure(method, params)) is not None and not failure.delay:
            status, body = failure.status, _error(failure.status, failure.retry_after)
            if status == DROPPED:
                # Taken in (a message would be posted), then the answer is lost.
                status, body = await self._answer(method.lower(), params)
                status = DROPPED
        else:
            if failure is not None:
                await asyncio.sleep(failure.delay)
            status, body = await self._answer(method.lower(), params)
        call = Call(method, params, time.perf_counter(), status, received)
        for listener in self._listeners:
            listener(call)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        if status == DROPPED:
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped on purpose")
        return web.json_response(body, status=status)

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        with self._changed:
            for failure in self._failures:
                if failure.method == method.lower() and failure.where(params):
                    self._failures.remove(failure)
                    return failure
        return None

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getme":
            return 200, {"ok": True, "result": self.bot}
        if method == "getupdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        if method == "sendmessage":
            return 200, {"ok": True, "result": self._sent_message(params)}
        if method == "editmessagetext":
            result: Any = True if params.get("inline_message_id") else self._sent_message(params)
            return 200, {"ok": True, "result": result}
        if method == "getwebhookinfo":
            return 200, {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}}
        if method == "getmycommands":
            return 200, {"ok": True, "result": []}
        if method in TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        assert self._arrived is not None and self._loop is not None
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        queue = self._queue
        async with self._arrived:
            # An offset confirms every update before it, as on Telegram.
            queue.updates = [u for u in queue.updates if u["update_id"] >= offset]
            if not queue.updates and wait > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._arrived.wait_for(lambda: bool(queue.updates)), wait)
            batch = queue.updates[:limit]
        now = time.perf_counter()
        for update in batch:
            queue.served_at.setdefault(update["update_id"], now)
        return batch

    def _sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        chat = self._chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "A group"}
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot,
            "text": params.get("text", ""),
        }
        if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
            message["reply_markup"] = params["reply_markup"]
        return message


def _matches(call: Call, method: str | None, where: Callable[[Call], bool] | None) -> bool:
    return (method is None or call.method.lower() == method.lower()) and (where is None or where(call))


def _error(status: int, retry_after: int | None) -> dict[str, Any]:
    descriptions = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": descriptions.get(status, "Error")}
    if retry_after is not None:
        body["description"] += f": retry after {retry_after}"
        body["parameters"] = {"retry_after": retry_after}
    return body


async def _params(request: web.Request) -> dict[str, Any]:
    """The call's parameters: python-telegram-bot posts a form whose objects are JSON strings."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
    elif request.can_read_body:
        raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    params = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


class Updates:
    """Builders for the updates Telegram would send; message ids are unique per builder."""

    def __init__(self, bot: dict[str, Any] | None = None) -> None:
        self.bot = bot or BOT_USER
        self._ids = itertools.count(100_000)

    @staticmethod
    def user(user_id: int, lang: str | None = "fr") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if lang:
            user["language_code"] = lang
        return user

    def message(self, chat: dict[str, Any], user_id: int, lang: str | None = "fr", **content: Any) -> dict[str, Any]:
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
                   "from": self.user(user_id, lang), **content}
        return {"message": message}

    @staticmethod
    def private_chat(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}

    @staticmethod
    def group_chat(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "group", "title": "VoIP talk"}

    def private_text(self, user_id: int, text: str, lang: str | None = "fr") -> dict[str, Any]:
        """A text message (or a /command) in a private chat."""
        return self.message(self.private_chat(user_id), user_id, lang, text=text, **_command_entities(text))

    def group_text(self, chat_id: int, user_id: int, text: str, lang: str | None = "fr",
                   reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A group message; "@<bot username>" in `text` is marked as a mention, as Telegram does."""
        entities = _command_entities(text).get("entities", [])
        mention = f"@{self.bot['username']}"
        if mention in text:
            entities.append({"type": "mention", "offset": _utf16_len(text[: text.index(mention)]), "length": _utf16_len(mention)})
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self.message(self.group_chat(chat_id), user_id, lang, **content)

    def bot_message(self, chat: dict[str, Any], text: str) -> dict[str, Any]:
        """A message as sent by the bot, for a user's reply to it."""
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": self.bot, "text": text}

    def sticker(self, user_id: int, lang: str | None = "fr") -> dict[str, Any]:
        sticker = {"file_id": "sticker-file", "file_unique_id": "sticker-u", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}
        return self.message(self.private_chat(user_id), user_id, lang, sticker=sticker)

    def photo(self, user_id: int, lang: str | None = "fr") -> dict[str, Any]:
        photo = [{"file_id": "photo-file", "file_unique_id": "photo-u", "width": 90, "height": 90}]
        return self.message(self.private_chat(user_id), user_id, lang, photo=photo)

    def voice(self, user_id: int, lang: str | None = "fr") -> dict[str, Any]:
        voice = {"file_id": "voice-file", "file_unique_id": "voice-u", "duration": 3}
        return self.message(self.private_chat(user_id), user_id, lang, voice=voice)

    def location(self, user_id: int, lang: str | None = "fr") -> dict[str, Any]:
        return self.message(self.private_chat(user_id), user_id, lang, location={"latitude": 33.57, "longitude": -7.59})

    def callback(self, user_id: int, data: str, message: dict[str, Any], lang: str | None = "fr") -> dict[str, Any]:
        """A press on an inline keyboard button under `message` (a message the bot sent)."""
        query = {"id": f"cb{next(self._ids)}", "from": self.user(user_id, lang), "chat_instance": "ci",
                 "data": data, "message": message}
        return {"callback_query": query}

    def inline_query(self, user_id: int, query: str, lang: str | None = "fr") -> dict[str, Any]:
        return {"inline_query": {"id": f"iq{next(self._ids)}", "from": self.user(user_id, lang), "query": query, "offset": ""}}


def sent_message(call: Call, chat: dict[str, Any]) -> dict[str, Any]:
    """The Message object for a recorded sendMessage, to build a reply or a button press on it."""
    message: dict[str, Any] = {"message_id": 1, "date": int(time.time()), "chat": chat, "from": BOT_USER, "text": call.text}
    if call.params.get("reply_markup"):
        message["reply_markup"] = call.params["reply_markup"]
    return message


def _command_entities(text: str) -> dict[str, Any]:
    if not text.startswith("/"):
        return {}
    command = text.split(maxsplit=1)[0]
    return {"entities": [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]}


def _utf16_len(text: str) -> int:
    # Telegram counts entity offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2
