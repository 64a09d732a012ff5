"""Telegram's overall limit is per bot: processes that send for it share it."""

from __future__ import annotations

import asyncio

from bot.delivery.sendshare import SendShare
from bot.storage.database import create_engine, session_factory, upgrade_to_head


async def test_live_processes_share_the_overall_limit(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(3)]
    await upgrade_to_head(engines[0])
    sessions = [session_factory(engine) for engine in engines]
    shares = [SendShare(30.0) for _ in engines]
    try:
        counts = [
            await share.beat(s, f"p{n}")
            for n, (share, s) in enumerate(zip(shares, sessions, strict=True))
        ]
        assert counts[-1] == 3
        for share, s in zip(shares, sessions, strict=True):
            await share.beat(s, "again")
        assert [share.rate for share in shares] == [10.0, 10.0, 10.0]
        assert abs(shares[0].pace.interval - 0.1) < 1e-9

        await shares[2].leave(sessions[2])  # a clean stop: its share goes to the others
        assert await shares[0].beat(sessions[0], "p0") == 2 and shares[0].rate == 15.0
    finally:
        for engine in engines:
            await engine.dispose()


async def test_the_heartbeat_ends_with_the_stop_and_leaves(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    share, other = SendShare(30.0), SendShare(30.0)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(share.run(sessions, "runner", stop))
        await asyncio.sleep(0.3)
        assert await other.beat(sessions, "other") == 2
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        assert await other.beat(sessions, "other") == 1
    finally:
        await engine.dispose()


async def test_pacing_follows_the_share() -> None:
    """Half the share: 10 sends take about twice as long as at the full rate."""
    share = SendShare(40.0)
    share.set_senders(2)  # 20/s here, bursts of 20
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(30):  # 20 in the burst, then 10 at 20/s
        await share.take()
    assert 0.4 <= loop.time() - start < 1.0
