"""The inbox's database operations on SQLite and PostgreSQL: stored once, cleaned, claimed per
chat in order, leases that expire in seconds, retries scheduled by time."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.delivery.inbox import Inbox
from bot.delivery.leases import NamedLease
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.storage.models import InboxUpdate


def message(update_id: int, chat: int, text: str = "hallo") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private", "first_name": "Anna", "username": "anna"},
            "from": {"id": chat, "is_bot": False, "first_name": "Anna", "last_name": "B."},
            "text": text,
        },
    }


async def test_stored_once_cleaned_claimed_per_chat_in_order_leases_expire(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    one = Inbox(sessions, "one", lease_seconds=3)
    two = Inbox(sessions, "two", lease_seconds=3)
    try:
        assert await one.store([message(1, 10, "a\x00b"), message(2, 10), message(3, 20)]) == 3
        assert await two.store([message(1, 10), message(3, 20)]) == 0  # redelivered: known

        first = await one.claim(10)
        assert sorted(c.update_id for c in first) == [1, 3]  # one row per chat, the oldest
        text = next(c for c in first if c.update_id == 1).payload["message"]
        assert text["text"] == "ab" and "username" not in text["chat"]
        assert text["from"]["first_name"] != "Anna" and "last_name" not in text["from"]
        assert await two.claim(10) == []  # chat 10's next row waits; chat 20 is leased

        await one.done(first[0].id)
        follow = await two.claim(10)
        assert [c.update_id for c in follow] == [2]  # in order, by whoever is free

        # a retry is scheduled, not slept; the chat's later rows wait behind it
        await two.retry(follow[0].id, 0, "OperationalError")
        assert await one.claim(10, chat=10) == []

        leader = NamedLease(sessions, "poller", "a", seconds=3)
        standby = NamedLease(sessions, "poller", "b", seconds=3)
        assert await leader.acquire() and await leader.acquire()  # renewing is fine
        assert not await standby.acquire()

        # a process that died keeps nothing for long: its leases expire in seconds
        await asyncio.sleep(3.2)
        taken = await two.claim(10)
        assert 3 in [c.update_id for c in taken]
        assert await standby.acquire()  # the standby polls now
        assert not await leader.acquire()
        await standby.release()  # a clean stop hands over at once
        assert await leader.acquire()
        async with sessions() as session:
            done = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == 1))
        assert done.status == "done" and done.payload is None  # wiped once handled
        assert done.chat_key == 0  # no Telegram id stays behind
    finally:
        await engine.dispose()
