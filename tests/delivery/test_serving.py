"""Serving through the real application and the Bot API stand-in: chats handled concurrently
and each in order, a slow or rate-limited chat holding nobody else back, and a database outage
while receiving that loses and acknowledges nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.storage.models import InboxUpdate
from tests.botapi_standin import BotApiStandIn
from tests.telegram.running import standin_for, start_bot, stop_bot

PRIVACY = "Was ich speichere"  # the answer to /privacy (one message)
HELP = "Schreiben Sie Ihre Frage"  # the answer to /help (one message)


@pytest.fixture
async def standin(services) -> AsyncIterator[BotApiStandIn]:
    standin = await standin_for(
        services,
        lease_seconds=3.0,
    )
    yield standin
    await standin.stop()


def texts_to(standin: BotApiStandIn, chat: int) -> list[str]:
    return [c.params.get("text", "") for c in standin.sent(chat)]


def first_reply_at(standin: BotApiStandIn, chat: int) -> float:
    return standin.sent(chat)[0].at


async def test_chats_in_order_concurrently_slow_or_429_chats_and_a_database_outage(
    services, standin
) -> None:
    application = await start_bot(services)
    try:
        slow, limited, others = 9001, 9002, list(range(9100, 9110))
        standin.chat_delay[slow] = 1.5  # every send to this chat takes 1.5 s
        standin.retry_after_chats[limited] = [2, 1]  # this chat answers 429, retry after 2 s
        for chat in [slow, limited, *others]:
            standin.message(chat, "/privacy")
        for chat in [slow, limited, *others]:
            standin.message(chat, "/help")
        pushed = time.monotonic()
        await standin.wait_for(lambda: all(len(standin.sent(c)) >= 2 for c in others), 20)
        others_done = max(standin.sent(c)[1].at for c in others) - pushed
        await standin.wait_for(lambda: len(standin.sent(slow)) >= 2, 20)
        await standin.wait_for(lambda: len(standin.sent(limited)) >= 2, 20)
        for chat in [slow, limited, *others]:
            replies = texts_to(standin, chat)
            assert len(replies) == 2, (chat, replies)  # each answered once
            assert replies[0].startswith(PRIVACY) and replies[1].startswith(HELP)  # in order
        # the slow chat's 3 s and the 429's 2 s delayed nobody else
        assert others_done < 1.4, others_done
        assert first_reply_at(standin, limited) - pushed >= 1.9  # it did wait for its 429
        await database_down_while_receiving(services, standin, application)
    finally:
        await stop_bot(application)


class FlakySessions:
    """A session factory that fails like an unreachable database while `down`."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.down = False
        self.refused = 0

    def __call__(self, *args, **kwargs):
        if self.down:
            self.refused += 1
            raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))
        return self.sessions(*args, **kwargs)


async def database_down_while_receiving(services, standin, application) -> None:
    """Nothing is acknowledged that is not stored; all is handled after the recovery."""
    serving = application.bot_data["serving"]
    flaky = FlakySessions(serving.inbox.sessions)
    serving.inbox.sessions = flaky  # the poller stores through this inbox
    try:
        standin.message(9201, "/privacy")
        await standin.wait_for(lambda: len(standin.sent(9201)) == 1, 15)
        flaky.down = True
        for chat in (9202, 9203, 9204):
            standin.message(chat, "/privacy")
        await standin.wait_for(lambda: flaky.refused >= 3, 10)
        # not stored, so not acknowledged: Telegram still holds all three
        assert len(standin.pending) == 3 and not standin.sent(9202)
        flaky.down = False
        await standin.wait_for(lambda: all(len(standin.sent(c)) == 1 for c in (9202, 9203)), 15)
        await standin.wait_for(lambda: len(standin.sent(9204)) == 1, 15)
        await standin.settle(quiet=1.0)
        assert all(len(standin.sent(c)) == 1 for c in (9201, 9202, 9203, 9204))
        async with services.sessions() as session:
            stored = await session.scalar(select(func.count(InboxUpdate.id)))
        assert stored == 2 * 12 + 4
    finally:
        serving.inbox.sessions = flaky.sessions
