"""A Telegram Bot API stand-in on loopback, for end-to-end tests through the real
python-telegram-bot stack (HTTPXRequest, rate limiter, updater, handlers).

It serves `/bot<token>/<method>` over HTTP/1.1 with keep-alive: `getUpdates` long-polls a queue
the test fills, every other call is recorded and answered like Telegram would. `fail_every`
makes every n-th send fail (alternating 500 and 429 with `retry_after`), to test retries.

Faults per chat or at random, all before Telegram would have accepted the send (nothing is
recorded): `flood(chat, seconds)` answers 429 with `retry_after` to every send into that chat
until the time is over; `block(chat)` answers 403 (the person blocked the bot); `delay[chat]`
holds every answer into that chat for that many seconds; `fail_rate` fails that share of sends
(500, 502, 429 and dropped connections, from a seeded random generator). `lose_answer_rate`
accepts and records that share of sends but drops the answer: the window in which a retry
duplicates a message. Every recorded call
carries its time (`Call.at`, monotonic) for latency checks.

Faults for the serving tests: `chat_delay` (sends to a chat take seconds), `retry_after_chats`
(a chat answers 429 with `retry_after`), `drop_answer_every` (every n-th send is done but its
answer never comes back), and `getUpdates` behaves like Telegram with two pollers (the older
request gets `409 Conflict`) or with a webhook set (409 too).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Wegweiser", "username": "wegweiser_bot"}
SEND_METHODS = {"sendMessage", "copyMessage", "createForumTopic", "sendPhoto", "sendDocument"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class _Drop(Exception):
    """Close the connection without an answer."""


@dataclass
class BotApiStandIn:
    token: str = "123456:TEST-TOKEN"
    fail_every: int = 0
    calls: list[Call] = field(default_factory=list)
    # like Telegram: updates stay until a getUpdates with a higher offset confirms them, so a
    # poller that disconnects mid-request loses nothing
    pending: list[dict] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    can_create_topics: bool = True
    fail_rate: float = 0.0
    lose_answer_rate: float = 0.0  # accepted and recorded, but the answer never goes back
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    delay: dict[int, float] = field(default_factory=dict)
    failures: int = 0  # sends refused by `fail_rate`, `flood` or `block`
    _flooded: dict[int, tuple[float, int]] = field(default_factory=dict)
    _blocked: set[int] = field(default_factory=set)
    _server: asyncio.AbstractServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _send_count: int = 0
    port: int = 0
    chat_delay: dict[int, float] = field(default_factory=dict)
    # chat id → [retry_after seconds, how many more 429 answers]
    retry_after_chats: dict[int, list[int]] = field(default_factory=dict)
    drop_answer_every: int = 0
    dropped: int = 0
    conflicts: int = 0
    webhook_url: str | None = None
    _poller: object | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- what tests use -------------------------------------------------------------------

    def flood(self, chat_id: int, seconds: int) -> None:
        """Sends into this chat get 429 with `retry_after` until `seconds` have passed."""
        self._flooded[chat_id] = (time.monotonic() + seconds, seconds)

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: sends into their chat get 403."""
        self._blocked.add(chat_id)

    def push(self, update: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **update}
        self.pending.append(update)
        self._arrived.set()
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def message(
        self,
        user_id: int,
        text: str | None = None,
        language: str | None = "de",
        chat_id: int | None = None,
        thread_id: int | None = None,
        chat_type: str = "private",
        **extra: Any,
    ) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language:
            user["language_code"] = language
        chat = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
        if chat_type == "supergroup":
            chat["is_forum"] = True
            chat["title"] = "Advisers"
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "from": user,
            "chat": chat,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self.push({"message": message})
        return message["message_id"]

    def edit(self, user_id: int, message_id: int, text: str, language: str = "de") -> None:
        """The person edits one of their private messages."""
        user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": language}
        message = {
            "message_id": message_id,
            "date": int(time.time()) - 5,
            "edit_date": int(time.time()),
            "from": user,
            "chat": {"id": user_id, "type": "private"},
            "text": text,
        }
        self.push({"edited_message": message})

    def member_status(self, user_id: int, status: str) -> None:
        """A `my_chat_member` update: the person blocked ("kicked") or restarted the bot."""
        user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        self.push(
            {
                "my_chat_member": {
                    "chat": {"id": user_id, "type": "private", "first_name": "Test"},
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": BOT_USER},
                    "new_chat_member": {
                        "status": status,
                        "user": BOT_USER,
                        **({"until_date": 0} if status == "kicked" else {}),
                    },
                }
            }
        )

    def button(self, user_id: int, data: str, language: str | None = "de") -> None:
        user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language:
            user["language_code"] = language
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": BOT_USER,
            "text": "…",
        }
        self.push(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user,
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out; calls: {[c.method for c in self.calls][-30:]}")

    async def settle(self, quiet: float = 1.0, timeout: float = 30.0) -> None:
        """Wait until the queue is drained and no call arrived for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last = len(self.calls)
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if len(self.calls) != last:
                last, stable_since = len(self.calls), time.monotonic()
            elif not self.pending and time.monotonic() - stable_since >= quiet:
                return
        raise AssertionError("the bot did not settle")

    # -- HTTP -----------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = line.decode().partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                try:
                    status, payload = await self._dispatch(
                        path, headers.get("content-type", ""), body, reader.at_eof
                    )
                except _Drop:
                    break
                if status == 0:  # the send was done; its answer is lost on the way
                    break
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _dispatch(
        self, path: str, content_type: str, body: bytes, gone=lambda: False
    ) -> tuple[int, dict]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix) :]
        params = _parse(content_type, body)
        if method == "getUpdates":
            if self.webhook_url:
                self.conflicts += 1
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: can't use getUpdates method while webhook is active",
                }
            result = await self._get_updates(params)
            if result is None:
                self.conflicts += 1
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                }
            return 200, {"ok": True, "result": result}
        if method == "setWebhook":
            self.webhook_url = params.get("url") or None
        if method == "deleteWebhook":
            self.webhook_url = None
        if method == "createForumTopic" and not self.can_create_topics:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: not enough rights to create a topic",
            }
        if method in SEND_METHODS and "chat_id" in params:
            fault = await self._fault(int(params["chat_id"]), gone)
            if fault is not None:
                self.failures += 1
                return fault
        chat = _int(params.get("chat_id"))
        if method in SEND_METHODS and chat in self.chat_delay:
            await asyncio.sleep(self.chat_delay[chat])
        if method in SEND_METHODS and chat in self.retry_after_chats:
            seconds, left = self.retry_after_chats[chat]
            if left > 0:
                self.retry_after_chats[chat][1] -= 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                }
        self.calls.append(Call(method, params))
        lost = self.lose_answer_rate and self.rng.random() < self.lose_answer_rate
        if method in SEND_METHODS and lost:
            raise _Drop  # the one window: Telegram accepted it, the bot never hears so
        if method in SEND_METHODS and self.drop_answer_every:
            self._send_count += 1
            if self._send_count % self.drop_answer_every == 0:
                self.dropped += 1
                self._result(method, params)
                return 0, {}
        if method in SEND_METHODS and self.fail_every:
            self._send_count += 1
            if self._send_count % self.fail_every == 0:
                self.calls.pop()
                if (self._send_count // self.fail_every) % 2:
                    return 500, {
                        "ok": False,
                        "error_code": 500,
                        "description": "Internal Server Error",
                    }
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests",
                    "parameters": {"retry_after": 1},
                }
        return 200, {"ok": True, "result": self._result(method, params)}

    async def _fault(self, chat_id: int, gone) -> tuple[int, dict] | None:
        """The configured faults of a send into `chat_id`, each before acceptance (a client
        that gave up during a `delay` gets nothing accepted)."""
        if chat_id in self.delay:
            await asyncio.sleep(self.delay[chat_id])
            if gone():
                raise _Drop
        if chat_id in self._blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        until, seconds = self._flooded.get(chat_id, (0.0, 0))
        if time.monotonic() < until:
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {seconds}",
                "parameters": {"retry_after": seconds},
            }
        if self.fail_rate and self.rng.random() < self.fail_rate:
            kind = self.rng.randrange(4)
            if kind == 0:
                raise _Drop
            if kind == 1:
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
            code = 500 if kind == 2 else 502
            return code, {"ok": False, "error_code": code, "description": "Server Error"}
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict] | None:
        """Long poll; None when a newer getUpdates request took over (Telegram's 409)."""
        me = object()
        self._poller = me
        self._notify()
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        timeout = float(params.get("timeout", 0) or 0)
        deadline = time.monotonic() + max(timeout, 0.05)
        while True:
            changed = self._changed
            if self._poller is not me:
                return None
            if self.pending:
                return list(self.pending)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=remaining)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": True,
                "supports_inline_queries": False,
            }
        if method == "createForumTopic":
            return {
                "message_thread_id": next(self._ids),
                "name": params.get("name", ""),
                "icon_color": 7322096,
            }
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if "message_thread_id" in params:
                message["message_thread_id"] = int(params["message_thread_id"])
            return message
        if method == "copyMessage":
            return {"message_id": next(self._ids)}
        return True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in content_type:
        return json.loads(body)
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
