"""Telegram's overall send limit is per bot, not per process: each live process takes a share.

Telegram accepts about 30 messages a second from one bot. With two `serve` processes each pacing
itself at 30, the bot would send up to 60 and collect 429s. So every process renews a lease
`sender:<owner>` every `HEARTBEAT` seconds; the unexpired sender leases are the processes sending
for this bot now, and each paces its overall sends at 30 / n. A process that dies stops renewing:
its lease expires within `TTL` and the others take over its share; a clean stop removes the lease
at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.delivery.leases import NamedLease
from bot.storage.models import Lease, utcnow

log = logging.getLogger(__name__)

PREFIX = "sender:"
HEARTBEAT = 2.0  # seconds between renewals
TTL = 6.0  # a sender lease not renewed for this long counts no more
FORGET = dt.timedelta(hours=1)  # expired sender rows older than this are deleted


class Pace:
    """A generic cell-rate limiter: `rate` per second with bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0
        self.tolerance = 0.0
        self.tat = 0.0
        self.paused_until = 0.0
        self.set_rate(rate, burst)

    def set_rate(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = self.interval * (max(1, burst) - 1)

    async def take(self) -> None:
        while True:
            now = asyncio.get_running_loop().time()
            if self.paused_until > now:
                await asyncio.sleep(self.paused_until - now)
                continue
            tat = max(self.tat, now)
            if tat - now > self.tolerance:
                await asyncio.sleep(tat - now - self.tolerance)
                continue
            self.tat = tat + self.interval
            return

    def pause(self, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self.paused_until = max(self.paused_until, now + seconds)


class SendShare:
    """This process's share of the bot's overall limit: a `Pace` at `overall / senders`."""

    def __init__(self, overall: float = 30.0) -> None:
        self.overall = overall
        self.senders = 1
        self.pace = Pace(overall, int(overall))
        self._lease: NamedLease | None = None

    @property
    def rate(self) -> float:
        return self.overall / self.senders

    def set_senders(self, count: int) -> None:
        count = max(1, count)
        if count != self.senders:
            self.senders = count
            self.pace.set_rate(self.rate, int(self.rate))
            log.info("send share: %d processes send for this bot; %.1f/s here", count, self.rate)

    async def take(self) -> None:
        await self.pace.take()

    def pause(self, seconds: float) -> None:
        self.pace.pause(seconds)

    async def beat(self, sessions: async_sessionmaker, owner: str) -> int:
        """Renew this process's lease and count the live senders (this one included)."""
        if self._lease is None:
            self._lease = NamedLease(sessions, PREFIX + owner, owner, TTL)
        await self._lease.acquire()
        now = utcnow()
        async with sessions() as session, session.begin():
            count = await session.scalar(
                select(func.count())
                .select_from(Lease)
                .where(Lease.name.like(PREFIX + "%"), Lease.expires_at > now)
            )
            await session.execute(
                delete(Lease).where(Lease.name.like(PREFIX + "%"), Lease.expires_at < now - FORGET)
            )
        self.set_senders(int(count or 1))
        return self.senders

    async def run(self, sessions: async_sessionmaker, owner: str, stop: asyncio.Event) -> None:
        """Heartbeat until `stop` is set, then leave. A database outage keeps the last share."""
        warned = False
        while not stop.is_set():
            try:
                await self.beat(sessions, owner)
                warned = False
            except Exception as exc:
                if not warned:
                    log.warning(
                        "send share: cannot renew (%s); keeping %d sender(s)", exc, self.senders
                    )
                    warned = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT)
        await self.leave(sessions)

    async def leave(self, sessions: async_sessionmaker) -> None:
        """Remove this process's lease: the others take over its share at their next beat."""
        if self._lease is None:
            return
        name, self._lease = self._lease.name, None
        try:
            async with sessions() as session, session.begin():
                await session.execute(delete(Lease).where(Lease.name == name))
        except Exception as exc:  # it expires within TTL on its own
            log.warning("send share: could not remove the lease: %s", exc)
