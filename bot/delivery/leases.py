"""Named leases in the database: held by one process for seconds and renewed by its heartbeat.

A process that dies stops renewing, so its lease expires in `LEASE_SECONDS` and another process
takes over (the long-polling leader, the job runner on SQLite). A clean stop releases at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.models import Lease, utcnow


class NamedLease:
    def __init__(self, sessions: async_sessionmaker, name: str, owner: str, seconds: float):
        self.sessions = sessions
        self.name = name
        self.owner = owner
        self.ttl = dt.timedelta(seconds=seconds)

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another live process holds it."""
        now = utcnow()
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(Lease)
                .where(
                    Lease.name == self.name,
                    or_(Lease.owner == self.owner, Lease.owner.is_(None), Lease.expires_at < now),
                )
                .values(owner=self.owner, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                return True
            insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
            result = await session.execute(
                insert(Lease)
                .values(name=self.name, owner=self.owner, expires_at=now + self.ttl)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            return bool(result.rowcount)

    async def release(self) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.owner == self.owner)
                .values(owner=None, expires_at=utcnow())
                .execution_options(synchronize_session=False)
            )
