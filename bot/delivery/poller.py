"""Long polling with a leader lease: one `wegweiser run` polls, the others wait as hot standby.

The leader renews its lease in the database every third of `LEASE_SECONDS`; a standby takes
over once the lease has expired (a killed leader: within seconds). Updates are stored in the
inbox before the next `getUpdates` offset acknowledges them; while the database is down the
same batch is stored again and again, and nothing new is acknowledged. A `409 Conflict` (a
webhook still set, or a poller elsewhere) is logged as one line and waited out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.core import metrics
from bot.delivery.inbox import Inbox, kind_of
from bot.delivery.leases import NamedLease

log = logging.getLogger(__name__)

LEASE_NAME = "telegram-poller"


class Poller:
    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        lease: NamedLease,
        on_stored: Callable[[], None],
        allowed_updates: list[str],
        poll_timeout: float | None = None,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.lease = lease
        self.on_stored = on_stored
        self.allowed_updates = allowed_updates
        ttl = lease.ttl.total_seconds()
        # a poll never outlives the lease it was started under
        self.poll_timeout = poll_timeout if poll_timeout is not None else max(1.0, ttl / 2)
        self.leading = False
        self._valid_until = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: wait for the lease, then poll while holding it."""
        ttl = self.lease.ttl.total_seconds()
        announced_standby = False
        try:
            while not stop.is_set():
                if await self._renew():
                    if not self.leading:
                        log.info("this process now polls Telegram (leader)")
                        self.leading = True
                        announced_standby = False
                    await self._lead(stop)
                    continue
                if self.leading:
                    log.warning("lost the polling lease; waiting as standby")
                    self.leading = False
                if not announced_standby:
                    log.info("another process polls Telegram; waiting as hot standby")
                    announced_standby = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=ttl / 3)
        finally:
            if self.leading:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.lease.release(), timeout=3)
                self.leading = False

    async def _renew(self) -> bool:
        try:
            held = await self.lease.acquire()
        except Exception as exc:
            log.warning("polling lease: database unavailable (%s)", type(exc).__name__)
            return False
        if held:
            self._valid_until = time.monotonic() + self.lease.ttl.total_seconds()
        return held

    async def _lead(self, stop: asyncio.Event) -> None:
        ttl = self.lease.ttl.total_seconds()
        with contextlib.suppress(Exception):
            await self.bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        pause = 0.5
        renewed = time.monotonic()
        while not stop.is_set():
            if time.monotonic() - renewed >= ttl / 3:
                if not await self._renew():
                    return
                renewed = time.monotonic()
            # never poll past the lease's end: a standby may take over then
            timeout = min(self.poll_timeout, self._valid_until - time.monotonic() - 1.0)
            if timeout < 0:
                return
            try:
                batch = await self._get_updates(offset, timeout, stop)
            except Conflict:
                log.info("409 Conflict from getUpdates (another poller or a webhook); waiting")
                await _sleep(stop, 2.0)
                continue
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except NetworkError as exc:
                log.warning("getUpdates failed: %s", exc)
                await _sleep(stop, pause)
                pause = min(pause * 2, 10.0)
                continue
            pause = 0.5
            if batch is None:  # stopped while waiting
                return
            if not batch:
                continue
            if not await self._store(batch, stop):
                return  # stopped before storing: nothing of this batch is acknowledged
            offset = max(u["update_id"] for u in batch if isinstance(u, dict)) + 1

    async def _get_updates(
        self, offset: int | None, timeout: float, stop: asyncio.Event
    ) -> list[dict] | None:
        params: dict = {"timeout": int(timeout), "allowed_updates": self.allowed_updates}
        if offset is not None:
            params["offset"] = offset
        # the raw JSON (not PTB objects): what is stored is what Telegram sent
        poll = asyncio.ensure_future(
            self.bot._post("getUpdates", api_kwargs=params, read_timeout=timeout + 10)
        )
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if poll not in done:
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poll
            return None
        stopped.cancel()
        result = poll.result()
        return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]

    async def _store(self, batch: list[dict], stop: asyncio.Event) -> bool:
        pause = 0.5
        while True:
            try:
                new = await self.inbox.store(batch)
                break
            except Exception as exc:
                log.warning(
                    "could not store %s updates (%s: %s); not acknowledged, retrying",
                    len(batch),
                    type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "",
                )
                if await _sleep(stop, pause):
                    return False
                pause = min(pause * 2, 5.0)
        for raw in batch:
            metrics.UPDATES_RECEIVED.labels(kind_of(raw), "polling").inc()
        if new < len(batch):
            metrics.UPDATES_DUPLICATE.labels("polling").inc(len(batch) - new)
        self.on_stored()
        return True


async def _sleep(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep unless stopped; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()
