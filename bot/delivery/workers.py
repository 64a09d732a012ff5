"""Handling the inbox: one task per chat, many chats at once, each chat in order.

A dispatcher claims the oldest due row of up to `INBOX_WORKERS` chats; each chat's task handles
its row, then claims that chat's next row, until the chat has nothing due. A slow chat (a send
that takes seconds, a 429 for that chat) only holds its own task. A failure of the database is
retried later by `due_at` (the chat's later updates wait behind it; other chats go on); a
heartbeat keeps the leases of rows being handled; a stop drains for a bounded time and gives
the remaining leases back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.core import metrics
from bot.delivery import journal
from bot.delivery.inbox import MAX_ATTEMPTS, Claimed, Inbox
from bot.delivery.logs import bind
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

DISPATCH_INTERVAL = 0.5
DONE_PATIENCE = 300.0  # how long a finished update waits for the database to record it


class RetryLater(Exception):
    """The handler could not finish for a passing reason (the database); try again later."""


def is_transient(exc: BaseException) -> bool:
    """Errors after which the same update may well succeed later: the database went away."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, ConnectionError, OSError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return type(exc).__module__.startswith("asyncpg") and "Connection" in type(exc).__name__


Handler = Callable[[Claimed], Awaitable[None]]


class InboxProcessor:
    def __init__(self, inbox: Inbox, handle: Handler, workers: int) -> None:
        self.inbox = inbox
        self.handle = handle
        self.workers = workers
        self._chats: dict[int, asyncio.Task] = {}
        self._held: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task] = []

    def wake(self) -> None:
        """Something was stored: look now instead of at the next interval."""
        self._wake.set()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._dispatch(), name="inbox-dispatch"),
            asyncio.create_task(self._heartbeat(), name="inbox-heartbeat"),
        ]

    async def stop(self, grace: float) -> None:
        """Stop claiming; let the chats being handled finish for at most `grace` seconds;
        cancel the rest and give their leases back (their rows stay in the inbox)."""
        self._stopping = True
        self._wake.set()
        running = list(self._chats.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            released = await asyncio.wait_for(self.inbox.release(), timeout=5)
            if released:
                log.info("left %s updates in the inbox for the next process", released)
        except Exception as exc:  # the leases then expire in seconds
            log.warning("could not release inbox leases: %s", exc)

    # -- loops ----------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while not self._stopping:
            free = self.workers - len(self._chats)
            claimed: list[Claimed] = []
            if free > 0:
                try:
                    claimed = await self.inbox.claim(free, busy=self._chats.keys())
                except Exception as exc:
                    log.warning("inbox claim failed (retrying): %s", _short(exc))
                    await asyncio.sleep(1.0)
                    continue
            for item in claimed:
                if self._stopping:
                    break
                self._chats[item.chat_key] = asyncio.create_task(
                    self._chat(item), name=f"inbox-chat-{item.chat_key}"
                )
            if claimed and len(claimed) == free:
                continue  # more may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=DISPATCH_INTERVAL)
            self._wake.clear()

    async def _heartbeat(self) -> None:
        interval = self.inbox.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self.inbox.renew(set(self._held))
            except Exception as exc:
                log.warning("inbox lease renewal failed: %s", _short(exc))
            metrics.INBOX_WORKERS_BUSY.set(len(self._chats))

    async def _chat(self, item: Claimed | None) -> None:
        chat = item.chat_key if item else 0
        try:
            while item is not None:
                self._held.add(item.id)
                try:
                    await self._one(item)
                finally:
                    self._held.discard(item.id)
                if self._stopping:
                    return
                try:
                    more = await self.inbox.claim(1, chat=chat)
                except Exception as exc:
                    log.warning("inbox claim failed (retrying): %s", _short(exc))
                    return
                item = more[0] if more else None
        finally:
            self._chats.pop(chat, None)
            self._wake.set()

    async def _one(self, item: Claimed) -> None:
        with bind(update_id=item.update_id, person=item.chat_key):
            started = time.monotonic()
            status, error = "done", None
            attempt = journal.Attempt(lambda: self.inbox.replied(item.id))
            token = journal.current.set(attempt)
            try:
                if item.replied:
                    log.info("answered before the last attempt was cut off; not again")
                else:
                    await self.handle(item)
            except RetryLater as exc:
                if item.attempts + 1 < MAX_ATTEMPTS:
                    try:
                        wait = await self.inbox.retry(item.id, item.attempts, str(exc))
                        log.warning("update will be retried in %.0fs: %s", wait, _short(exc))
                    except Exception as again:  # the lease expires; it is claimed again
                        log.warning("could not schedule a retry: %s", _short(again))
                    metrics.UPDATES_HANDLED.labels(item.kind, "retry").inc()
                    return
                status, error = "failed", str(exc)
            except Exception as exc:
                log.exception("update could not be handled")
                status, error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                journal.current.reset(token)
            await self._record(item, status, error)
            metrics.UPDATES_HANDLED.labels(item.kind, status).inc()
            metrics.HANDLING_SECONDS.labels(item.kind).observe(time.monotonic() - started)
            metrics.UPDATE_AGE_SECONDS.observe((utcnow() - item.received_at).total_seconds())

    async def _record(self, item: Claimed, status: str, error: str | None) -> None:
        """Mark the row handled, waiting out a database outage (else it would be handled, and
        answered, again)."""
        deadline = time.monotonic() + DONE_PATIENCE
        pause = 0.5
        while True:
            try:
                await self.inbox.done(item.id, status, error)
                return
            except Exception as exc:
                if time.monotonic() > deadline or not is_transient(exc):
                    log.error("could not record update as handled: %s", _short(exc))
                    return
                log.warning("recording a handled update failed (retrying): %s", _short(exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
