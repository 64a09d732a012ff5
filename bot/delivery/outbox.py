"""The persistent outbox: every hand-off message is written to the database first and delivered
from there, so a crash, a 429 or a network error never loses one.

* In order: per chat, only the oldest undelivered row is sent; later rows wait for it.
* Retries: 429 waits `retry_after`, 5xx and network errors back off (1 s, 2 s, 4 s … up to 5
  minutes); a permanent error (400, 403) marks the row failed and is reported to the caller.
* Once: a row is leased before sending and marked sent in its own transaction right after
  Telegram accepted it, so several processes can share the outbox and a retry resends only what
  Telegram did not accept.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.storage.models import HandoffMessage, HandoffTicket, OutboxMessage, utcnow

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)
MAX_BACKOFF = 300.0
BATCH = 50


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    direction: str,
    ticket_id: int | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        ticket_id=ticket_id,
        direction=direction,
        kind=kind,
        chat_id=chat_id,
        payload=payload,
        status="pending",
        attempts=0,
        due_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


@dataclass
class Failure:
    """A row that can never be delivered (e.g. the bot may not create topics)."""

    row_id: int
    ticket_id: int | None
    kind: str
    error: str


FailureHandler = Callable[[Failure], Awaitable[None]]


class OutboxWorker:
    def __init__(
        self, bot: Bot, sessions: async_sessionmaker, on_failure: FailureHandler | None = None
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.on_failure = on_failure

    async def deliver_due(self, now: dt.datetime | None = None) -> int:
        """Send every row that is due and first in its chat; returns how many were sent."""
        sent = 0
        while True:
            batch = await self._claim(now or utcnow())
            if not batch:
                return sent
            for row_id in batch:
                sent += await self._deliver(row_id)

    async def _claim(self, now: dt.datetime) -> list[int]:
        async with self.sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status == "pending")
                    .order_by(OutboxMessage.id)
                    .limit(BATCH * 4)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            blocked: set[int] = set()
            claimed: list[int] = []
            for row in rows:
                if row.chat_id in blocked:
                    continue
                blocked.add(row.chat_id)  # only the oldest row of a chat may go now
                leased = row.lease_until is not None and row.lease_until > now
                if row.due_at > now or leased:
                    continue
                row.lease_until = now + LEASE
                claimed.append(row.id)
                if len(claimed) == BATCH:
                    break
            return claimed

    async def _deliver(self, row_id: int) -> int:
        async with self.sessions() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status != "pending":
                return 0
            ticket = await session.get(HandoffTicket, row.ticket_id) if row.ticket_id else None
            kind, chat_id, payload = row.kind, row.chat_id, dict(row.payload)
            thread_id = ticket.thread_id if ticket is not None else None
        try:
            if payload.get("in_topic") and thread_id is None:
                raise _NotYet("the case topic does not exist yet")
            result = await self._send(kind, chat_id, payload, thread_id)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            await self._retry(row_id, seconds, f"429 retry after {seconds}s")
            return 0
        except (BadRequest, Forbidden) as exc:
            await self._fail(row_id, str(exc))
            return 0
        except (TimedOut, NetworkError, _NotYet) as exc:  # NetworkError covers 5xx answers
            await self._retry(row_id, None, f"{type(exc).__name__}: {exc}")
            return 0
        await self._done(row_id, kind, result)
        return 1

    async def _send(
        self, kind: str, chat_id: int, payload: dict[str, Any], thread_id: int | None
    ) -> Any:
        topic = {"message_thread_id": thread_id} if payload.get("in_topic") else {}
        if kind == "text":
            markup = payload.get("reply_markup")
            return await self.bot.send_message(
                chat_id,
                payload["text"],
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None,
                **topic,
            )
        if kind == "copy":
            return await self.bot.copy_message(
                chat_id, payload["from_chat_id"], payload["message_id"], **topic
            )
        if kind == "create_topic":
            return await self.bot.create_forum_topic(chat_id, payload["name"][:128])
        if kind == "close_topic":
            return await self.bot.close_forum_topic(chat_id, payload["thread_id"])
        raise ValueError(f"unknown outbox kind {kind!r}")

    async def _done(self, row_id: int, kind: str, result: Any) -> None:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            message_id = getattr(result, "message_id", None)
            row.status, row.sent_at, row.lease_until = "sent", now, None
            row.sent_message_id = message_id
            row.attempts += 1
            if kind == "create_topic" and row.ticket_id is not None:
                ticket = await session.get(HandoffTicket, row.ticket_id)
                if ticket is not None:
                    ticket.thread_id = result.message_thread_id
            mapping_id = row.payload.get("mapping_id")
            if mapping_id:
                column = (
                    HandoffMessage.adviser_message_id
                    if row.direction == "to_advisers"
                    else HandoffMessage.person_message_id
                )
                await session.execute(
                    update(HandoffMessage)
                    .where(HandoffMessage.id == mapping_id)
                    .values({column: message_id})
                )

    async def _retry(self, row_id: int, seconds: float | None, error: str) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.attempts += 1
            wait = seconds if seconds is not None else min(MAX_BACKOFF, 2.0 ** (row.attempts - 1))
            row.due_at = utcnow() + dt.timedelta(seconds=wait)
            row.lease_until = None
            row.last_error = error[:300]
        log.info("outbox row %s: retry in %.1fs (%s)", row_id, wait, error)

    async def _fail(self, row_id: int, error: str) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.status, row.lease_until, row.last_error = "failed", None, error[:300]
            row.attempts += 1
            failure = Failure(row.id, row.ticket_id, row.kind, error)
            # rows of the same case behind this one cannot be delivered either
            if row.kind == "create_topic" and row.ticket_id is not None:
                await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.ticket_id == row.ticket_id,
                        OutboxMessage.status == "pending",
                        OutboxMessage.direction == "to_advisers",
                    )
                    .values(status="failed", last_error="case topic could not be created")
                )
        log.error("outbox row %s (%s) failed for good: %s", row_id, failure.kind, error)
        if self.on_failure is not None:
            await self.on_failure(failure)


class _NotYet(Exception):
    """The row depends on something not delivered yet."""
