"""Telegram's send limits, kept per chat: about 1 message a second in a private chat (bursts of
5 allowed), 20 a minute in a group (bursts of 20), 30 a second overall (shared by all processes
of the bot: `bot.delivery.sendshare`).

Unlike PTB's `AIORateLimiter`, a 429 for one chat pauses only that chat: a rate-limited or slow
chat never holds another back. A 429 without a chat pauses everything, as Telegram asks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

from bot.core import metrics
from bot.delivery import journal
from bot.delivery.sendshare import Pace, SendShare

LIMITED = {
    "sendMessage",
    "copyMessage",
    "copyMessages",
    "forwardMessage",
    "sendPhoto",
    "sendDocument",
    "sendVoice",
    "sendAudio",
    "sendVideo",
    "sendLocation",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "createForumTopic",
}


class ChatRateLimiter(BaseRateLimiter[dict]):
    """Per-chat pacing. A caller that schedules its own retries (the outbox) passes
    `rate_limit_args={"max_retries": 0}` and gets a 429 back at once."""

    def __init__(
        self, *, enabled: bool = True, max_retries: int = 3, share: SendShare | None = None
    ) -> None:
        self.enabled = enabled
        self.max_retries = max_retries
        self.overall = share or SendShare()  # the bot's 30/s, shared with the other processes
        self.chats: dict[int, Pace] = {}
        self._swept = time.monotonic()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat(self, chat_id: int) -> Pace:
        pace = self.chats.get(chat_id)
        if pace is None:
            # bursts as Telegram tolerates them (and as PTB's AIORateLimiter allows a group)
            pace = Pace(1.0, 5) if chat_id > 0 else Pace(20 / 60, 20)
            self.chats[chat_id] = pace
            now = time.monotonic()
            if now - self._swept > 60:  # forget chats idle for a minute
                self._swept = now
                for key in [k for k, p in self.chats.items() if max(p.tat, p.paused_until) < now]:
                    self.chats.pop(key, None)
        return pace

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _chat_id(data)
        limited = self.enabled and endpoint in LIMITED
        retries = (rate_limit_args or {}).get("max_retries", self.max_retries)
        for attempt in range(retries + 1):
            if limited:
                if chat_id is not None:
                    await self._chat(chat_id).take()
                await self.overall.take()
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                metrics.SEND_ERRORS.labels("429").inc()
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                # later sends to the chat wait too (all sends, for a 429 without a chat)
                if chat_id is not None:
                    self._chat(chat_id).pause(seconds + 0.1)
                else:
                    self.overall.pause(seconds + 0.1)
                if attempt == retries:
                    raise
                if not limited:
                    await asyncio.sleep(seconds + 0.1)
                continue
            except TelegramError as exc:
                metrics.SEND_ERRORS.labels(_status(exc)).inc()
                raise
            if endpoint in LIMITED:
                await journal.sent()
            return result
        raise AssertionError("unreachable")


def _chat_id(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # a channel username


def _status(exc: TelegramError) -> str:
    if isinstance(exc, Forbidden):
        return "403"
    if isinstance(exc, Conflict):
        return "409"
    if isinstance(exc, BadRequest):
        return "400"
    if isinstance(exc, TimedOut):
        return "timeout"
    return "network"
