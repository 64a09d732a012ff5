"""Periodic jobs (retention purge, hand-off reminders and idle cases, referral follow-ups, the
staff digest) run by one instance at a time.

On PostgreSQL the runner holds `pg_try_advisory_lock` on its own connection while the jobs run
(a dead process's connection closes and the lock goes with it); on SQLite a lease row does the
same. Each job's next due time lives in the database too (`leases` rows named `job:<name>`), so
a daily job runs daily however many instances start and stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.delivery.leases import NamedLease
from bot.storage.models import Lease, utcnow

log = logging.getLogger(__name__)

JOBS_LOCK_KEY = 0x5765_6A62  # "Wejb": the advisory lock of the job runner
TICK_SECONDS = 30.0


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[], Awaitable[object]]


class JobRunner:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker,
        owner: str,
        lease_seconds: float,
        jobs: list[Job],
        after: Callable[[], None] | None = None,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.jobs = jobs
        self.after = after  # e.g. wake the outbox: maintenance may have queued messages
        self.tick = tick
        self.postgres = engine.dialect.name == "postgresql"
        self.lease = NamedLease(sessions, "job-runner", owner, max(lease_seconds, tick * 2))
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="job-runner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not self.postgres:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.lease.release(), timeout=3)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log.warning("job runner: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.tick)

    async def run_once(self) -> list[str]:
        """Run every due job if this instance gets the lock; returns the names run."""
        if self.postgres:
            async with self.engine.connect() as connection:
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": JOBS_LOCK_KEY}
                )
                await connection.commit()
                if not got:
                    return []
                try:
                    return await self._due_jobs()
                finally:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:k)"), {"k": JOBS_LOCK_KEY}
                    )
                    await connection.commit()
        if not await self.lease.acquire():
            return []
        return await self._due_jobs()

    async def _due_jobs(self) -> list[str]:
        ran = []
        for job in self.jobs:
            now = utcnow()
            name = f"job:{job.name}"
            async with self.sessions() as session:
                row = await session.scalar(select(Lease).where(Lease.name == name))
            if row is not None and row.expires_at > now:
                continue
            try:
                await job.run()
                ran.append(job.name)
            except Exception:
                log.exception("job %s failed", job.name)
            async with self.sessions() as session, session.begin():
                row = await session.get(Lease, name)
                if row is None:
                    session.add(Lease(name=name, owner=None, expires_at=now + job.every))
                else:
                    row.expires_at = now + job.every
        if ran and self.after is not None:
            self.after()
        return ran
