"""The persistent outbox: every hand-off message (and every follow-up question, every staff
digest) is written to the database first and delivered from there, so a crash, a 429, a network
error or a database outage never loses one.

* Lanes: every destination chat is a lane. Only the oldest pending row of a lane may go, so a
  chat's messages keep their order; lanes are delivered concurrently (at most `MAX_IN_FLIGHT`
  sends at a time), so the advisers' group waiting for its limit, a chat answering 429 or a
  chat whose sends hang never holds another chat back.
* Telegram's limits, counted from the rows sent (the database is shared, so several processes
  count together): about 1 message a second per private chat (short bursts of
  `PRIVATE_BURST`), 20 a minute per group; 30 a second overall, shared by the processes that
  send for the bot (`bot.delivery.sendshare`).
* Retries are scheduled, never slept: 429 sets the row's `due_at` to `retry_after`, 5xx and
  network errors back off (1 s, 2 s, 4 s … up to 5 minutes); the lane simply is not due until
  then. A permanent error (400, 403) marks the row failed and is reported to `on_failure`
  (403 in a private chat: the person blocked the bot; the lane's other rows fail with it).
* Leases: a claimed row is leased for `LEASE` (15 s). Claiming uses `FOR UPDATE SKIP LOCKED` on
  PostgreSQL, so several processes share the outbox; a clean stop waits briefly for sends under
  way and then releases its leases, so a restart never stalls a lane; a dead process's lease
  expires within seconds.
* Once: a row is marked sent in its own transaction right after Telegram accepted it; if the
  database is unreachable at that moment the bookkeeping is retried (the lane stays held by this
  process). A send is repeated only when Telegram accepted it but its answer never arrived (or
  the process died in between): the one window, documented in the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.delivery.sendshare import SendShare
from bot.storage.models import HandoffMessage, HandoffTicket, OutboxMessage, utcnow
from bot.storage.text import clean_json

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=15)
SEND_TIMEOUT = 10.0  # a send that hangs longer is given up and retried (well inside the lease)
FIRST_BACKOFF = 1.0  # 5xx and network errors: 1 s, 2 s, 4 s … up to MAX_BACKOFF
MAX_BACKOFF = 300.0
MAX_IN_FLIGHT = 16  # concurrent sends (lanes) per process
CLAIM_LIMIT = MAX_IN_FLIGHT  # lanes claimed per round
PRIVATE_BURST = 3  # a private chat may get this many at once, then about one a second
IDLE_WAIT = 1.0  # look for due rows at least this often
STOP_GRACE = 3.0  # a clean stop waits this long for sends under way


@dataclass(frozen=True)
class Limits:
    """Telegram's send limits as the outbox keeps them."""

    private_per_second: float = 1.0
    group_per_minute: int = 20
    overall_per_second: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            private_per_second=settings.outbox_private_per_second,
            group_per_minute=settings.outbox_group_per_minute,
            overall_per_second=settings.outbox_per_second,
        )

    def window(self, chat_id: int) -> tuple[int, float]:
        """(how many sends, within how many seconds) a lane allows."""
        if chat_id < 0:  # groups and channels have negative ids
            return self.group_per_minute, 60.0
        return PRIVATE_BURST, PRIVATE_BURST / self.private_per_second


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
    """Queue a message in the caller's transaction (delivered once that commits)."""
    row = OutboxMessage(
        ticket_id=ticket_id,
        direction=direction,
        kind=kind,
        chat_id=chat_id,
        payload=clean_json(payload),
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
    """A row that can never be delivered (the bot may not create topics, the person blocked
    the bot, the topic was deleted …)."""

    row_id: int
    ticket_id: int | None
    kind: str
    error: str
    chat_id: int = 0
    direction: str = ""
    forbidden: bool = False  # 403: in a private chat, the person blocked the bot


FailureHandler = Callable[[Failure], Awaitable[None]]


class _Window:
    """The overall limit of this process: at most `count` sends within any one second."""

    def __init__(self, rate: float) -> None:
        self.count = max(1, int(rate))
        self.times: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.times and now - self.times[0] >= 1.0:
                    self.times.popleft()
                if len(self.times) < self.count:
                    self.times.append(now)
                    return
                await asyncio.sleep(self.times[0] + 1.0 - now)


def sending_bot(bot: Bot) -> tuple[Bot, HTTPXRequest]:
    """The outbox's own bot for `bot`'s token and server: without python-telegram-bot's rate
    limiter (its 429 handling pauses every request of the process for `retry_after`; the outbox
    schedules the retry per row instead and keeps the limits itself), and with a connection
    pool wide enough for its concurrent lanes."""
    base = bot.base_url
    if base.endswith(bot.token):
        base = base[: -len(bot.token)]
    file_base = bot.base_file_url
    if file_base.endswith(bot.token):
        file_base = file_base[: -len(bot.token)]
    request = HTTPXRequest(
        connection_pool_size=MAX_IN_FLIGHT + 4,
        read_timeout=SEND_TIMEOUT,
        write_timeout=SEND_TIMEOUT,
        connect_timeout=5.0,
        pool_timeout=SEND_TIMEOUT,
    )
    return Bot(bot.token, base_url=base, base_file_url=file_base, request=request), request


class OutboxWorker:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker,
        on_failure: FailureHandler | None = None,
        limits: Limits | None = None,
        share: SendShare | None = None,
    ) -> None:
        self.bot, self._request = sending_bot(bot)
        self.share = share or SendShare()
        self.sessions = sessions
        self.on_failure = on_failure
        self.limits = limits or Limits()
        self._overall = _Window(self.limits.overall_per_second)
        self._lanes: dict[int, int] = {}  # chat id → row id in flight (this process)
        self._leased: set[int] = set()  # rows leased by this process and not yet settled
        self._tasks: dict[int, asyncio.Task] = {}  # row id → its delivery
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._wake = asyncio.Event()
        self._stopping = False
        self._outage_logged = False
        self._loop_done = asyncio.Event()
        self._loop_done.set()  # no loop running

    # -- the loop -------------------------------------------------------------------------

    def kick(self) -> None:
        """Something was queued: look at once."""
        self._wake.set()

    async def run(self, kick: asyncio.Event | None = None) -> None:
        """Deliver until `stop()`: claim the lanes that may send now, send each in its own task,
        and look again when a send finished, something was queued (`kick`), a retry or a lane
        window is due, or after `IDLE_WAIT`. A database outage is waited out, not fatal."""
        self._stopping = False
        self._loop_done.clear()
        try:
            await self._loop(kick)
        finally:
            self._loop_done.set()

    async def _loop(self, kick: asyncio.Event | None) -> None:
        while not self._stopping:
            wait = IDLE_WAIT
            try:
                wait = await self._round(utcnow())
                if self._outage_logged:
                    log.warning("outbox: database reachable again; delivering")
                    self._outage_logged = False
            except Exception as exc:  # the database is unreachable: try again shortly
                if not self._outage_logged:
                    log.warning("outbox: cannot read the outbox (%s); retrying", exc)
                    self._outage_logged = True
            await self._sleep(kick, wait)

    async def _sleep(self, kick: asyncio.Event | None, seconds: float) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait())]
        if kick is not None:
            waiters.append(asyncio.ensure_future(kick.wait()))
        try:
            await asyncio.wait(waiters, timeout=max(seconds, 0.01), return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()
        if kick is not None:
            kick.clear()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """A clean stop: no new claims, sends under way get `grace` seconds, then every lease
        of this process is released so another process (or the restarted one) goes on at once."""
        self._stopping = True
        self._wake.set()
        # the loop ends after its current round: never cancelled inside a transaction
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._loop_done.wait(), timeout=grace)
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for task in self._tasks.values():
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.release()
        with contextlib.suppress(Exception):
            await self._request.shutdown()

    async def release(self) -> None:
        """Give up this process's leases (rows claimed but not sent)."""
        held = sorted(self._leased)
        self._leased.clear()
        if not held:
            return
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(held), OutboxMessage.status == "pending")
                    .values(lease_until=None)
                )
        except Exception as exc:  # the leases expire on their own within seconds
            log.warning("outbox: could not release %d lease(s): %s", len(held), exc)

    async def deliver_due(self, now: dt.datetime | None = None) -> int:
        """Send everything that may go now (with `now` as the clock for due times) and wait for
        it; returns how many were sent. For jobs and tests; the bot uses `run`."""
        sent = 0
        while True:
            claimed = await self._claim(now or utcnow())
            if not claimed:
                pending = list(self._tasks.values())
                if not pending:
                    return sent
                await asyncio.wait(pending)
                continue
            tasks = [self._start(row_id, chat) for row_id, chat in claimed]
            sent += sum(await asyncio.gather(*tasks))

    async def _round(self, now: dt.datetime) -> float:
        """Claim and start what may go; returns the seconds until the next look."""
        if len(self._tasks) >= MAX_IN_FLIGHT:
            return IDLE_WAIT
        claimed = await self._claim(now)
        for row_id, chat in claimed:
            self._start(row_id, chat)
        if claimed and len(self._tasks) < MAX_IN_FLIGHT:
            return 0.0  # lanes may have come free meanwhile: look again at once
        return await self._next_due(now)

    def _start(self, row_id: int, chat_id: int) -> asyncio.Task:
        task = asyncio.create_task(self._deliver_in_lane(row_id, chat_id))
        self._tasks[row_id] = task
        return task

    async def _deliver_in_lane(self, row_id: int, chat_id: int) -> int:
        try:
            async with self._slots:
                sent = await self._deliver(row_id)
            self._leased.discard(row_id)  # settled: sent, retry scheduled or failed
            return sent
        finally:
            self._tasks.pop(row_id, None)
            if self._lanes.get(chat_id) == row_id:
                del self._lanes[chat_id]
            self._wake.set()

    # -- claiming -------------------------------------------------------------------------

    async def _claim(self, now: dt.datetime) -> list[tuple[int, int]]:
        """Lease the head row of every lane that may send now; returns (row id, chat id)."""
        room = min(CLAIM_LIMIT, MAX_IN_FLIGHT - len(self._tasks))
        if self._stopping or room <= 0:
            return []
        async with self.sessions() as session, session.begin():
            # the head (oldest pending row) of every lane, if it is due and free and not one of
            # this process's lanes under way; SKIP LOCKED: another process is at it
            free = OutboxMessage.lease_until.is_(None) | (OutboxMessage.lease_until <= now)
            heads = (
                select(func.min(OutboxMessage.id))
                .where(OutboxMessage.status == "pending")
                .group_by(OutboxMessage.chat_id)
            )
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(heads),
                    OutboxMessage.status == "pending",
                    OutboxMessage.due_at <= now,
                    free,
                )
                .order_by(OutboxMessage.id)
                .limit(room * 4)  # some lanes may be at their limit: look a little further
                .with_for_update(skip_locked=True)
            )
            if self._lanes:
                query = query.where(OutboxMessage.chat_id.not_in(list(self._lanes)))
            rows = (await session.scalars(query)).all()
            if not rows:
                return []
            allowed = await self._lanes_open(session, [r.chat_id for r in rows], now)
            claimed = []
            for row in rows:
                if row.chat_id not in allowed or row.chat_id in self._lanes:
                    continue
                if len(claimed) == room:
                    break
                # compare-and-set: on SQLite (no row locks) another worker may have taken or
                # sent the row since it was read; only the one whose update hits leases it
                taken = await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.status == "pending",
                        free,
                    )
                    .values(lease_until=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount != 1:
                    continue
                self._lanes[row.chat_id] = row.id
                self._leased.add(row.id)
                claimed.append((row.id, row.chat_id))
        return claimed

    async def _lanes_open(
        self, session: AsyncSession, chats: list[int], now: dt.datetime
    ) -> set[int]:
        """The chats whose window of recent sends has room (counted from the database, so
        every process sharing it counts together)."""
        since = now - dt.timedelta(seconds=60)
        recent = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.sent_at).where(
                    OutboxMessage.chat_id.in_(chats),
                    OutboxMessage.status == "sent",
                    OutboxMessage.sent_at > since,
                )
            )
        ).all()
        open_ = set()
        for chat in chats:
            count, seconds = self.limits.window(chat)
            start = now - dt.timedelta(seconds=seconds)
            if sum(1 for c, at in recent if c == chat and at > start) < count:
                open_.add(chat)
        return open_

    async def _next_due(self, now: dt.datetime) -> float:
        """Seconds until a pending row falls due (capped at `IDLE_WAIT`)."""
        async with self.sessions() as session:
            due = await session.scalar(
                select(func.min(OutboxMessage.due_at)).where(
                    OutboxMessage.status == "pending", OutboxMessage.due_at > now
                )
            )
        if due is None:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.01, (_aware(due) - now).total_seconds()))

    # -- one row --------------------------------------------------------------------------

    async def _deliver(self, row_id: int) -> int:
        try:
            async with self.sessions() as session:
                row = await session.get(OutboxMessage, row_id)
                if row is None or row.status != "pending":
                    return 0
                ticket = await session.get(HandoffTicket, row.ticket_id) if row.ticket_id else None
                kind, chat_id, payload = row.kind, row.chat_id, dict(row.payload)
                thread_id = ticket.thread_id if ticket is not None else None
        except Exception as exc:  # database gone: the lease expires, the row is retried
            log.warning("outbox row %s: cannot load it (%s)", row_id, exc)
            return 0
        try:
            if payload.get("in_topic") and thread_id is None:
                raise _NotYet("the case topic does not exist yet")
            # this process's share of the bot's overall limit (other processes send too)
            self._overall.count = max(1, int(self.limits.overall_per_second / self.share.senders))
            await self._overall.take()
            result = await asyncio.wait_for(
                self._send(kind, chat_id, payload, thread_id), SEND_TIMEOUT + 2
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            await self._retry(row_id, seconds, f"429 retry after {seconds}s")
            return 0
        except Forbidden as exc:
            await self._fail(row_id, str(exc), forbidden=True)
            return 0
        except BadRequest as exc:
            await self._fail(row_id, str(exc))
            return 0
        except (TimedOut, NetworkError, _NotYet, TimeoutError) as exc:  # 5xx too
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
            reply_to = payload.get("reply_to")
            return await self.bot.send_message(
                chat_id,
                payload["text"],
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None,
                reply_parameters=(
                    ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                    if reply_to
                    else None
                ),
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
        """Telegram accepted the send: record it. Until this commits, a lost record means a
        duplicate, so a database outage here is waited out (the lane stays held)."""
        pause = 0.5
        while True:
            try:
                await asyncio.shield(self._record_sent(row_id, kind, result))
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    log.error("outbox row %s sent but not recorded: %s", row_id, exc)
                    return
                log.warning("outbox row %s sent; recording it failed (%s), retrying", row_id, exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _record_sent(self, row_id: int, kind: str, result: Any) -> None:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            if row is None:
                return
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
        try:
            async with self.sessions() as session, session.begin():
                row = await session.get(OutboxMessage, row_id)
                if row is None:
                    return
                row.attempts += 1
                wait = (
                    seconds
                    if seconds is not None
                    else min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** (row.attempts - 1))
                )
                row.due_at = utcnow() + dt.timedelta(seconds=wait)
                row.lease_until = None
                row.last_error = error[:300]
        except Exception as exc:  # the lease expires in seconds; the row is retried then
            log.warning("outbox row %s: could not schedule the retry (%s)", row_id, exc)
            return
        log.info("outbox row %s: retry in %.1fs (%s)", row_id, wait, error)

    async def _fail(self, row_id: int, error: str, *, forbidden: bool = False) -> None:
        try:
            async with self.sessions() as session, session.begin():
                row = await session.get(OutboxMessage, row_id)
                if row is None:
                    return
                row.status, row.lease_until, row.last_error = "failed", None, error[:300]
                row.attempts += 1
                failure = Failure(
                    row.id,
                    row.ticket_id,
                    row.kind,
                    error,
                    chat_id=row.chat_id,
                    direction=row.direction,
                    forbidden=forbidden,
                )
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
                # a private chat that refuses the bot refuses the rest of its lane too
                if forbidden and row.chat_id > 0:
                    await session.execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.chat_id == row.chat_id,
                            OutboxMessage.status == "pending",
                        )
                        .values(status="failed", last_error="the person blocked the bot")
                    )
        except Exception as exc:  # retried after the lease expires
            log.warning("outbox row %s: could not record the failure (%s)", row_id, exc)
            return
        log.error("outbox row %s (%s) failed for good: %s", row_id, failure.kind, error)
        if self.on_failure is not None:
            try:
                await self.on_failure(failure)
            except Exception:
                log.exception("outbox: handling the failure of row %s failed", row_id)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class _NotYet(Exception):
    """The row depends on something not delivered yet."""
