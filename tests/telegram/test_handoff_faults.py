"""Hand-off cases under faults, through python-telegram-bot and the Bot API stand-in: a flood of
messages inside a case, a NUL character both ways, an edit, /delete, a forged button, a person
who blocked the bot, the limit of cases per hour, and a database outage during a case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.dialogue.messages import Incoming
from bot.storage.models import (
    HandoffMessage,
    HandoffTicket,
    OutboxMessage,
    Person,
    UnansweredQuestion,
)
from tests.botapi_standin import BotApiStandIn
from tests.delivery.outage import Outage
from tests.telegram.running import standin_for, start_bot, stop_bot
from tests.telegram.test_handoff_e2e import ADVISERS, adviser_says, copies

# logic that is the same on both databases runs on SQLite only, to keep the suite's time
SQLITE_ONLY = pytest.mark.parametrize("services", ["sqlite"], indirect=True)


@pytest.fixture
async def env(services) -> AsyncIterator[tuple[BotApiStandIn, object, object]]:
    standin = await standin_for(
        services,
        adviser_chat_id=ADVISERS,
        # the advisers' group limit is tested in tests/delivery; here it would only wait
        outbox_group_per_minute=10_000,
        outbox_private_per_second=50.0,
    )
    application = await start_bot(services)
    yield standin, services, application
    await stop_bot(application)
    await standin.stop()


def topics_created(standin: BotApiStandIn) -> list[int]:
    """The thread ids of the topics created so far (from the summaries posted into them)."""
    threads = []
    for c in standin.sent(ADVISERS):
        thread = int(c.params.get("message_thread_id", 0))
        if "Fall W-" in c.params["text"] and thread not in threads:
            threads.append(thread)
    return threads


async def open_case(standin: BotApiStandIn, person: int, question: str) -> int:
    before = len(topics_created(standin))
    standin.message(person, question, language="de")
    standin.message(person, "/human", language="de")
    await standin.wait_for(lambda: len(topics_created(standin)) > before, timeout=15)
    return topics_created(standin)[-1]


def topic_texts(standin: BotApiStandIn, thread: int) -> list[str]:
    return [
        c.params["text"]
        for c in standin.sent(ADVISERS)
        if int(c.params.get("message_thread_id", 0)) == thread
    ]


async def test_flood_nul_edit_delete_and_a_forged_button(env) -> None:
    standin, services, application = env
    # a "talk to a person" button from an id that never wrote to the bot: no case, no topic
    standin.button(7777, "h")
    person = 1001
    thread = await open_case(standin, person, "Ich brauche Hilfe mit dem Jobcenter Bescheid")
    assert len(topics_created(standin)) == 1

    # 50 messages at 10 per second inside the case: the flood guard lets every one through
    ids = []
    for i in range(50):
        text = f"Teil {i}" if i != 7 else "Teil 7 mit\x00Nullzeichen"
        ids.append(standin.message(person, text, language="de"))
        await asyncio.sleep(0.1)
    await standin.wait_for(lambda: len(copies(standin, ADVISERS)) >= 50, timeout=20)
    relayed = [int(c.params["message_id"]) for c in copies(standin, ADVISERS)]
    assert relayed == ids  # all of them, in order, into the case topic
    assert all(int(c.params["message_thread_id"]) == thread for c in copies(standin, ADVISERS))
    assert not [c for c in standin.sent(person) if "many messages" in c.params["text"]]

    # an edit inside the case: an edit notice under the copy
    standin.edit(person, ids[3], "Teil 3, korrigiert")
    await standin.wait_for(
        lambda: any("korrigiert" in t for t in topic_texts(standin, thread)), timeout=10
    )
    notice = next(c for c in standin.sent(ADVISERS) if "korrigiert" in c.params["text"])
    assert "bearbeitet" in notice.params["text"]
    assert notice.params["reply_parameters"]["message_id"]  # under the copy in the topic

    # the adviser answers with a NUL too: it reaches the person
    adviser_says(standin, thread, "Guten Tag\x00, ich helfe Ihnen.")
    await standin.wait_for(lambda: len(copies(standin, person)) == 1, timeout=10)
    async with services.sessions() as session:
        contents = list(await session.scalars(select(HandoffMessage.content)))
    assert len(contents) == 51 and not any("\x00" in (c or "") for c in contents)
    assert "Teil 7 mitNullzeichen" in contents

    # /delete: the topic is told and closed; no chat id and no question text remain
    application.bot_data["adapter"].flood.forget(person)  # the burst is over
    standin.message(person, "/delete", language="de")
    await standin.wait_for(lambda: "del:yes" in str(standin.sent(person)[-1].params), timeout=10)
    standin.button(person, "del:yes")
    await standin.wait_for(
        lambda: any("gelöscht" in t for t in topic_texts(standin, thread)), timeout=10
    )
    await standin.wait_for(
        lambda: any(c.method == "closeForumTopic" for c in standin.calls), timeout=10
    )
    async with services.sessions() as session:
        assert not list(
            await session.scalars(select(OutboxMessage.id).where(OutboxMessage.chat_id == person))
        )
        assert not list(
            await session.scalars(select(OutboxMessage.id).where(OutboxMessage.chat_id == 7777))
        )
        questions = list(await session.scalars(select(UnansweredQuestion.text)))
        assert not any("Jobcenter Bescheid" in q for q in questions)
        tickets = list(await session.scalars(select(HandoffTicket)))
        assert len(tickets) == 1  # none for the forged button
        assert tickets[0].status == "closed" and tickets[0].close_reason == "deleted"
        people_ids = list(await session.scalars(select(Person.external_id)))
        assert person not in people_ids


@SQLITE_ONLY
async def test_blocked_person_closes_the_case_and_cases_per_hour_are_limited(env) -> None:
    standin, services, _ = env
    # blocked, seen on a send: the adviser's answer gets 403
    first = await open_case(standin, 1002, "Ich suche einen Sprachkurs")
    standin.block(1002)
    adviser_says(standin, first, "Hallo, wie kann ich helfen?")
    await standin.wait_for(
        lambda: any("blockiert" in t for t in topic_texts(standin, first)), timeout=10
    )
    # blocked, seen as my_chat_member "kicked"
    second = await open_case(standin, 1003, "Ich suche eine Wohnung")
    standin.member_status(1003, "kicked")
    await standin.wait_for(
        lambda: any("blockiert" in t for t in topic_texts(standin, second)), timeout=10
    )
    async with services.sessions() as session:
        reasons = list(await session.scalars(select(HandoffTicket.close_reason)))
    assert reasons == ["blocked", "blocked"]
    await standin.wait_for(
        lambda: len([c for c in standin.calls if c.method == "closeForumTopic"]) == 2, timeout=5
    )

    # at most HANDOFF_CASES_PER_HOUR (3) new cases per person and hour
    for _ in range(3):
        await open_case(standin, 1004, "Ich brauche Hilfe")
        standin.message(1004, "/end", language="de")
    # direct replies keep about 1 a second per private chat: wait for the third /end's
    # confirmation ("Sie haben das Gespräch … beendet"; the case's welcome names /end too)
    await standin.wait_for(
        lambda: sum("Sie haben das Gespräch" in c.params["text"] for c in standin.sent(1004)) == 3,
        timeout=30,
    )
    created = len(topics_created(standin))
    standin.message(1004, "/human", language="de")
    # instead: the answer for "no adviser reachable" (here it asks for the city first)
    await standin.wait_for(
        lambda: "erreichbar" in standin.sent(1004)[-1].params["text"], timeout=15
    )
    await standin.settle(quiet=0.5)
    assert len(topics_created(standin)) == created  # no fourth topic


@SQLITE_ONLY  # tests/delivery/test_outbox.py takes the outage on both databases
async def test_database_outage_during_a_case_loses_nothing_either_way(env) -> None:
    standin, services, application = env
    person = 1005
    thread = await open_case(standin, person, "Ich habe eine Frage zur Aufenthaltserlaubnis")
    await standin.settle(quiet=0.3)
    standin.delay[ADVISERS] = 0.5  # slow sends: some are under way when the database goes
    standin.delay[person] = 0.5
    ids = [standin.message(person, f"Frage {i}", language="de") for i in range(3)]
    for i in range(3):
        adviser_says(standin, thread, f"Antwort {i}")
    async with services.sessions() as session:  # wait until all six are queued
        for _ in range(100):
            queued = await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.kind == "copy").offset(5).limit(1)
            )
            if queued is not None:
                break
            await asyncio.sleep(0.05)
    outage = Outage(services.engine)
    await outage.begin()
    try:
        # relaying raises while the database is away (the update is then retried, not dropped)
        handoff = application.bot_data["handoff"]
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
            await handoff.from_adviser(
                chat_id=ADVISERS, thread_id=thread, message_id=1, text="x", adviser_id=9001
            )
        with pytest.raises(Exception):  # noqa: B017
            await application.bot_data["adapter"].service.handle(
                "telegram", person, Incoming("text", "Frage", chat_id=person, message_id=99999)
            )
        await asyncio.sleep(2.0)
    finally:
        outage.end()
    await standin.wait_for(
        lambda: len(copies(standin, ADVISERS)) == 3 and len(copies(standin, person)) == 3,
        timeout=20,
    )
    await asyncio.sleep(0.8)
    assert [int(c.params["message_id"]) for c in copies(standin, ADVISERS)] == ids
    assert len(copies(standin, person)) == 3  # each once
