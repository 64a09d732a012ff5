"""The outbox's lanes, leases and send-once bookkeeping, against the Bot API stand-in on
loopback, on SQLite and PostgreSQL: the group limit never delays a private chat, a chat
answering 429 or hanging never delays another, a stopped worker releases its leases, a dead
one's expire in seconds, 20 % failing sends plus a restart lose and duplicate nothing, and a
database outage is waited out."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update
from telegram import Bot

from bot.delivery import outbox
from bot.delivery.outbox import Limits, OutboxWorker, enqueue
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.storage.models import OutboxMessage, utcnow
from tests.botapi_standin import BotApiStandIn
from tests.delivery.outage import Outage

GROUP = -1001234567890
FAST = Limits(private_per_second=100.0, group_per_minute=100_000, overall_per_second=500.0)


@pytest.fixture
async def db(database_url: str):
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    yield engine, session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    standin = BotApiStandIn()
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    bot = Bot(standin.token, base_url=standin.base_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def put(sessions, chat_id: int, count: int, prefix: str) -> None:
    async with sessions() as session, session.begin():
        for i in range(count):
            await enqueue(
                session,
                chat_id=chat_id,
                kind="text",
                direction="to_person" if chat_id > 0 else "to_advisers",
                payload={"text": f"{prefix} {i}"},
            )


def texts_to(standin: BotApiStandIn, chat_id: int) -> list[str]:
    return [c.params["text"] for c in standin.sent(chat_id)]


def running(worker: OutboxWorker) -> asyncio.Task:
    return asyncio.create_task(worker.run())


async def test_group_limit_never_delays_a_private_chat(db, standin, bot) -> None:
    _, sessions = db
    worker = OutboxWorker(bot, sessions)  # Telegram's limits: 20/min per group
    await put(sessions, GROUP, 25, "group")
    await put(sessions, 501, 3, "private")
    start = time.monotonic()
    task = running(worker)
    try:
        await standin.wait_for(lambda: len(standin.sent(501)) == 3, timeout=5)
        private_done = max(c.at for c in standin.sent(501)) - start
        await standin.wait_for(lambda: len(standin.sent(GROUP)) == 20, timeout=5)
        await put(sessions, 502, 1, "later")  # the group lane is full; a new chat goes at once
        worker.kick()  # as the handler that queued it does
        queued = time.monotonic()
        await standin.wait_for(lambda: len(standin.sent(502)) == 1, timeout=5)
        later_latency = standin.sent(502)[0].at - queued
        await asyncio.sleep(1.0)
    finally:
        await worker.stop()
        task.cancel()
    assert private_done < 1.0, private_done
    assert later_latency < 0.5, later_latency
    assert len(standin.sent(GROUP)) == 20  # the 21st waits for the minute
    assert texts_to(standin, GROUP) == [f"group {i}" for i in range(20)]
    assert texts_to(standin, 501) == [f"private {i}" for i in range(3)]


async def test_a_429_chat_and_a_slow_chat_do_not_delay_the_others(db, standin, bot) -> None:
    _, sessions = db
    worker = OutboxWorker(bot, sessions)
    standin.flood(601, 10)  # answers 429 retry_after 10
    standin.delay[602] = 2.0  # every send takes 2 s
    for chat in (601, 602):
        await put(sessions, chat, 2, f"chat {chat}")
    others = list(range(610, 618))
    for chat in others:
        await put(sessions, chat, 2, f"chat {chat}")
    start, started = time.monotonic(), utcnow()
    task = running(worker)
    try:
        await standin.wait_for(lambda: all(len(standin.sent(c)) == 2 for c in others), timeout=5)
        first_wave = max(c.at for chat in others for c in standin.sent(chat)) - start
        # while the one chat still answers 429 and the other still hangs: one more each
        for chat in others:
            await put(sessions, chat, 1, f"again {chat}")
        worker.kick()
        queued = time.monotonic()
        await standin.wait_for(lambda: all(len(standin.sent(c)) == 3 for c in others), timeout=5)
        worst = max(standin.sent(chat)[-1].at for chat in others) - queued
        await standin.wait_for(lambda: len(standin.sent(602)) == 2, timeout=8)
    finally:
        await worker.stop()
        task.cancel()
    assert first_wave <= 2.0, first_wave  # connections being opened
    assert worst <= 0.5, worst  # the 429-ing and the slow chat added nothing
    assert not standin.sent(601)
    async with sessions() as session:
        flooded = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id == 601).order_by(OutboxMessage.id)
            )
        ).all()
    # the retry is scheduled on the row (10 s ahead), not slept; the second row waits behind
    assert flooded[0].attempts == 1 and flooded[0].last_error.startswith("429")
    assert flooded[0].due_at - started >= dt.timedelta(seconds=9.5)
    assert flooded[1].attempts == 0 and all(r.status == "pending" for r in flooded)


async def test_leases_are_short_released_on_stop_and_expire_when_dead(db, standin, bot) -> None:
    _, sessions = db
    standin.delay[701] = 1.5
    await put(sessions, 701, 2, "slow")
    first = OutboxWorker(bot, sessions)
    task = running(first)
    await asyncio.sleep(0.5)  # the first row is leased and its send under way
    async with sessions() as session:
        row = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    assert row.lease_until is not None
    assert row.lease_until - utcnow() <= dt.timedelta(seconds=15)
    await first.stop(grace=0.2)  # a stop cut short: the send is abandoned, the lease released
    task.cancel()
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert all(r.status == "pending" and r.lease_until is None for r in rows)

    del standin.delay[701]
    second = OutboxWorker(bot, sessions)  # the restarted process goes on at once
    assert await second.deliver_due() == 2
    await asyncio.sleep(1.2)  # the abandoned request has run out at the stand-in
    assert texts_to(standin, 701) == ["slow 0", "slow 1"]

    # a process that died holding a lease: the row waits for the lease, not for a minute
    await put(sessions, 702, 1, "orphan")
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == 702)
            .values(lease_until=utcnow() + outbox.LEASE)
        )
    assert await second.deliver_due() == 0
    assert await second.deliver_due(now=utcnow() + outbox.LEASE) == 1
    assert texts_to(standin, 702) == ["orphan 0"]


async def test_failing_sends_and_a_restart_lose_nothing_and_duplicate_nothing(
    db, standin, bot, monkeypatch
) -> None:
    """20 % of the sends fail before Telegram accepts them (500, 502, 429, dropped
    connections); the worker is restarted in the middle, as two workers sharing the outbox.
    Every message arrives once, in order."""
    _, sessions = db
    monkeypatch.setattr(outbox, "FIRST_BACKOFF", 0.25)  # the same schedule, faster
    standin.fail_rate = 0.2
    chats = [801, 802, 803, GROUP]
    for chat in chats:
        await put(sessions, chat, 10, f"m{chat}")
    first = OutboxWorker(bot, sessions, limits=FAST)
    task = running(first)
    await standin.wait_for(lambda: len(standin.calls) >= 16, timeout=10)
    await first.stop()
    task.cancel()
    # restarted as two processes sharing the outbox
    second = OutboxWorker(bot, sessions, limits=FAST)
    third = OutboxWorker(bot, sessions, limits=FAST)
    tasks = [running(second), running(third)]
    try:
        await standin.wait_for(lambda: sum(len(standin.sent(c)) for c in chats) >= 40, timeout=40)
        await asyncio.sleep(0.5)
    finally:
        for worker, task in zip((second, third), tasks, strict=True):
            await worker.stop()
            task.cancel()
    assert standin.failures >= 5  # the faults did happen
    for chat in chats:
        got = texts_to(standin, chat)
        assert got == [f"m{chat} {i}" for i in range(10)], (chat, got)
    counts = Counter(t for c in chats for t in texts_to(standin, c))
    assert max(counts.values()) == 1
    async with sessions() as session:
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {"sent": 40}


async def test_a_database_outage_is_waited_out_and_nothing_is_sent_twice(db, standin, bot) -> None:
    """Sends under way when the database goes away are recorded after it is back (not sent
    again); rows still queued are delivered after recovery, both to the advisers' group and
    to the person."""
    engine, sessions = db
    outage = Outage(engine)
    standin.delay[GROUP] = 0.6
    standin.delay[901] = 0.6
    await put(sessions, GROUP, 4, "to advisers")
    await put(sessions, 901, 4, "to person")
    worker = OutboxWorker(bot, sessions, limits=FAST)
    task = running(worker)
    try:
        await asyncio.sleep(0.3)  # first sends under way
        await outage.begin()
        await asyncio.sleep(2.0)
        assert outage.refused > 0 and not task.done()
        sent_during = len(standin.sent(GROUP)) + len(standin.sent(901))
        assert sent_during <= 2  # only what was under way when it went down
        outage.end()
        await standin.wait_for(
            lambda: len(standin.sent(GROUP)) == 4 and len(standin.sent(901)) == 4, timeout=15
        )
        await asyncio.sleep(0.8)
    finally:
        outage.end()
        await worker.stop()
        task.cancel()
    assert texts_to(standin, GROUP) == [f"to advisers {i}" for i in range(4)]
    assert texts_to(standin, 901) == [f"to person {i}" for i in range(4)]
    async with sessions() as session:
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {"sent": 8}
