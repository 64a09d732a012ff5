"""Periodic jobs run by one instance at a time (advisory lock on PostgreSQL, a lease row on
SQLite), and at their interval however many instances there are."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.delivery.jobs import Job, JobRunner
from bot.storage.database import create_engine, session_factory, upgrade_to_head


async def test_two_instances_run_a_job_once_per_interval(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(2)]
    await upgrade_to_head(engines[0])
    runs: list[str] = []

    def job(name: str):
        async def run() -> None:
            runs.append(name)
            await asyncio.sleep(0.3)  # long enough for the other instance to try meanwhile

        return Job("purge", dt.timedelta(hours=1), run)

    runners = [
        JobRunner(engine, session_factory(engine), f"i{n}", 5.0, [job(f"i{n}")])
        for n, engine in enumerate(engines)
    ]
    try:
        first = await asyncio.gather(*(r.run_once() for r in runners))
        assert sorted(len(ran) for ran in first) == [0, 1] and len(runs) == 1
        again = await asyncio.gather(*(r.run_once() for r in runners))
        assert again == [[], []] and len(runs) == 1  # not due for another hour
    finally:
        for runner in runners:
            await runner.stop()
        for engine in engines:
            await engine.dispose()
