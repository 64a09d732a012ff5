"""The outbox under load and faults, through the Bot API stand-in on loopback (no real Telegram).

    python benchmarks/outbox_lanes.py [--database-url URL]

Default database: a fresh SQLite file in a temporary folder; give a PostgreSQL URL
(`postgresql+asyncpg://…`, an empty database of your own) to measure that instead. Prints:

1. **Adviser → person while the group is saturated**: 60 messages into the advisers' group (20 a
   minute) and one adviser answer to a person every 0.5 s; latency of the answers.
2. **A 429-ing chat and a hanging chat**: one chat answers 429 `retry_after` 10, one takes 8 s
   per send; 50 other people get one message each at 10 a second. Their latency, compared with
   the same load without the two chats.
3. **Throughput** with Telegram's limits (30 a second; 600 messages) and with the limits lifted
   (2,000 messages), to 200 people.
4. **Duplicates**: 10 % of the sends are accepted but their answer is lost (the documented
   window), then 20 % fail before acceptance: duplicates per 100 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.delivery.outbox import Limits, OutboxWorker, enqueue  # noqa: E402
from bot.storage.database import create_engine, session_factory, upgrade_to_head  # noqa: E402
from tests.botapi_standin import BotApiStandIn  # noqa: E402

GROUP = -1001234567890
LIFTED = Limits(private_per_second=1000.0, group_per_minute=1_000_000, overall_per_second=1e6)


RUNS = iter(range(1, 1000))


async def fresh(url: str):
    """An empty database for each run (a new SQLite file, or the PostgreSQL schema wiped)."""
    if url.startswith("sqlite"):
        url = url.replace(".sqlite3", f"-{next(RUNS)}.sqlite3")
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade_to_head(engine)
    return engine, session_factory(engine)


async def put(sessions, chat_id: int, label: str) -> float:
    async with sessions() as session, session.begin():
        await enqueue(
            session,
            chat_id=chat_id,
            kind="text",
            direction="to_person" if chat_id > 0 else "to_advisers",
            payload={"text": label},
        )
    return time.monotonic()


def latency(standin: BotApiStandIn, queued: dict[str, float]) -> list[float]:
    seen = {c.params.get("text"): c.at for c in standin.calls if c.method == "sendMessage"}
    return [seen[label] - at for label, at in queued.items() if label in seen]


def summary(values: list[float]) -> str:
    if not values:
        return "none delivered"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return (
        f"n={len(values)} p50={statistics.median(values):.3f}s p95={p95:.3f}s max={values[-1]:.3f}s"
    )


class Run:
    def __init__(self, url: str, limits: Limits | None = None) -> None:
        self.url, self.limits = url, limits

    async def __aenter__(self):
        self.engine, self.sessions = await fresh(self.url)
        self.standin = BotApiStandIn()
        await self.standin.start()
        self.bot = Bot(self.standin.token, base_url=self.standin.base_url)
        self.worker = OutboxWorker(self.bot, self.sessions, limits=self.limits)
        self.task = asyncio.create_task(self.worker.run())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.worker.stop()
        self.task.cancel()
        await self.standin.stop()
        await self.engine.dispose()


async def group_saturated(url: str) -> None:
    async with Run(url) as run:
        for i in range(60):
            await put(run.sessions, GROUP, f"group {i}")
        queued = {}
        for i in range(20):
            label = f"answer {i}"
            queued[label] = await put(run.sessions, 5000 + i % 4, label)
            run.worker.kick()
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.5)
        print(
            f"1. adviser → person, group lane saturated: {summary(latency(run.standin, queued))};"
            f" group sent {len(run.standin.sent(GROUP))}/60 in 11.5 s (limit 20/min)"
        )


async def faulty_chats(url: str, with_faults: bool) -> list[float]:
    async with Run(url) as run:
        if with_faults:
            run.standin.flood(6001, 10)
            run.standin.delay[6002] = 8.0
            for i in range(3):
                await put(run.sessions, 6001, f"flooded {i}")
                await put(run.sessions, 6002, f"slow {i}")
            run.worker.kick()
        queued = {}
        for i in range(50):
            label = f"person {i}"
            queued[label] = await put(run.sessions, 7000 + i, label)
            run.worker.kick()
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        return latency(run.standin, queued)


async def throughput(url: str, limits: Limits | None, count: int) -> str:
    async with Run(url, limits) as run:
        async with run.sessions() as session, session.begin():
            for i in range(count):
                await enqueue(
                    session,
                    chat_id=8000 + i % 200,
                    kind="text",
                    direction="to_person",
                    payload={"text": f"t {i}"},
                )
        start = time.monotonic()
        run.worker.kick()
        while len(run.standin.sent()) < count and time.monotonic() - start < 180:
            await asyncio.sleep(0.1)
        took = time.monotonic() - start
        return f"{len(run.standin.sent())} messages in {took:.1f} s = {len(run.standin.sent()) / took:.1f}/s"


async def duplicates(url: str) -> str:
    async with Run(url, LIFTED) as run:
        run.standin.lose_answer_rate = 0.10
        run.standin.fail_rate = 0.20
        for i in range(100):
            await put(run.sessions, 9000 + i % 10, f"d {i}")
        run.worker.kick()
        start = time.monotonic()
        while (
            len({c.params["text"] for c in run.standin.sent()}) < 100
            and time.monotonic() - start < 120
        ):
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)
        counts = Counter(c.params["text"] for c in run.standin.sent())
        dups = sum(n - 1 for n in counts.values())
        return (
            f"{len(counts)}/100 delivered (each at least once), {dups} duplicates per 100 "
            f"({run.standin.failures} failures before acceptance, answers lost at 10 %)"
        )


async def main(url: str) -> None:
    print("database:", "SQLite (a temporary file)" if url.startswith("sqlite") else "PostgreSQL")
    await group_saturated(url)
    base = await faulty_chats(url, with_faults=False)
    faulty = await faulty_chats(url, with_faults=True)
    print(f"2. 50 people, no faulty chats:            {summary(base)}")
    print(f"   with a 429 (10 s) and an 8 s chat:     {summary(faulty)}")
    print(f"3. throughput, Telegram's limits kept:    {await throughput(url, None, 600)}")
    print(f"   throughput, limits lifted:             {await throughput(url, LIFTED, 2000)}")
    print(f"4. duplicates: {await duplicates(url)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        asyncio.run(main(url))
