"""Hand-off end to end: person → case topic → adviser → person, through python-telegram-bot and
the Bot API stand-in; a restart in the middle; an outbox that must survive failing sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.reporting.figures import case_line
from bot.storage.models import HandoffTicket, utcnow
from tests.botapi_standin import BotApiStandIn
from tests.telegram.running import standin_for, start_bot, stop_bot

ADVISERS = -1001234567890
ADVISER = 9001


@pytest.fixture
async def env(services) -> AsyncIterator[tuple[BotApiStandIn, object, list]]:
    standin = await standin_for(
        services,
        adviser_chat_id=ADVISERS,
    )
    apps = [await start_bot(services)]
    yield standin, services, apps
    await stop_bot(apps[-1])
    await standin.stop()


def topic_of(standin: BotApiStandIn) -> int:
    created = [c for c in standin.calls if c.method == "createForumTopic"]
    assert len(created) == 1, created
    thread = next(
        c
        for c in standin.calls
        if c.method == "sendMessage"
        and int(c.params["chat_id"]) == ADVISERS
        and "message_thread_id" in c.params
    )
    return int(thread.params["message_thread_id"])


def adviser_says(standin: BotApiStandIn, thread: int, text: str) -> None:
    standin.message(
        ADVISER, text, language="de", chat_id=ADVISERS, thread_id=thread, chat_type="supergroup"
    )


def copies(standin: BotApiStandIn, to_chat: int) -> list:
    return [
        c
        for c in standin.calls
        if c.method == "copyMessage" and int(c.params["chat_id"]) == to_chat
    ]


async def test_case_both_ways_with_restart_notes_offer_and_template(env) -> None:
    standin, services, apps = env
    person = 801
    standin.message(person, "بدي مساعدة بالجوب سنتر", language="ar")
    await standin.settle()
    standin.message(person, "/human", language="ar")
    await standin.settle()
    thread = topic_of(standin)
    summary = next(c for c in standin.sent(ADVISERS) if "Fall W-" in c.params["text"])
    assert "بدي مساعدة بالجوب سنتر" in summary.params["text"]  # the question as written
    assert "Arabisch" in summary.params["text"]
    name = next(c for c in standin.calls if c.method == "createForumTopic").params["name"]
    assert name.startswith("W-") and "ar" in name

    standin.message(person, "/human", language="ar")  # a second hand-off reuses the case
    await standin.settle()
    assert len([c for c in standin.calls if c.method == "createForumTopic"]) == 1

    standin.message(person, "عندي رسالة من الجوب سنتر", language="ar")
    await standin.settle()
    relayed = copies(standin, ADVISERS)
    assert len(relayed) == 1 and int(relayed[0].params["message_thread_id"]) == thread
    assert int(relayed[0].params["from_chat_id"]) == person
    bot_answers = len(standin.sent(person))

    # restart: a new application (another process would do the same) continues the case
    await stop_bot(apps.pop())
    apps.append(await start_bot(services))

    adviser_says(standin, thread, "Guten Tag, ich helfe Ihnen gern.")
    adviser_says(standin, thread, "#intern Person wirkt gestresst")
    adviser_says(standin, thread, "/template documents")
    adviser_says(standin, thread, "/offer jobcenter-magdeburg")
    await standin.settle()
    to_person = copies(standin, person)
    assert len(to_person) == 1 and int(to_person[0].params["from_chat_id"]) == ADVISERS
    texts_ = [c.params["text"] for c in standin.sent(person)[bot_answers:]]
    assert any("Gefahr" not in t and any("\u0600" <= ch <= "\u06ff" for ch in t) for t in texts_)
    arabic_name = services.knowledge.offers["jobcenter-magdeburg"].name["ar"]
    assert any(arabic_name in t for t in texts_)  # the offer card in the person's language
    assert not any("gestresst" in t for t in texts_)  # internal note stayed internal

    adviser_says(standin, thread, "/close")
    await standin.settle()
    async with services.sessions() as session:
        ticket = await session.scalar(select(HandoffTicket))
    assert ticket.status == "closed" and ticket.first_answer_at is not None
    assert any(c.method == "closeForumTopic" for c in standin.calls)
    assert len(standin.sent(person)) > len(texts_) + bot_answers - 1


async def test_outbox_delivers_everything_once_in_order_despite_failures(env) -> None:
    standin, _, _ = env
    person = 802
    standin.message(person, "/human", language="de")
    await standin.settle()
    thread = topic_of(standin)
    standin.fail_every = 5  # every fifth send fails: 500 and 429 (retry_after) in turn
    for i in range(8):
        standin.message(person, f"Nachricht {i}", language="de")
        adviser_says(standin, thread, f"Antwort {i}")
    await standin.wait_for(
        lambda: len(copies(standin, ADVISERS)) >= 8 and len(copies(standin, person)) >= 8,
        timeout=60,
    )
    await standin.settle(quiet=2.5, timeout=60)
    up = [int(c.params["message_id"]) for c in copies(standin, ADVISERS)]
    down = [int(c.params["message_id"]) for c in copies(standin, person)]
    assert len(up) == 8 and len(set(up)) == 8 and up == sorted(up)
    assert len(down) == 8 and len(set(down)) == 8 and down == sorted(down)


async def test_reminder_auto_close_office_hours_and_figures(env) -> None:
    standin, services, apps = env
    person = 803
    standin.message(person, "/human", language="uk")
    await standin.settle()
    topic_of(standin)
    handoff = apps[-1].bot_data["handoff"]
    later = utcnow() + dt.timedelta(minutes=services.settings.handoff_reminder_minutes + 1)
    await handoff.maintain(now=later)
    await apps[-1].bot_data["outbox"].deliver_due(now=later)
    assert any("Erinnerung" in c.params["text"] for c in standin.sent(ADVISERS))
    much_later = utcnow() + dt.timedelta(hours=services.settings.handoff_idle_close_hours + 1)
    await handoff.maintain(now=much_later)
    await apps[-1].bot_data["outbox"].deliver_due(now=much_later)
    last = standin.sent(person)[-1].params["text"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in last)  # told in Ukrainian
    async with services.sessions() as session:
        tickets = list((await session.scalars(select(HandoffTicket))).all())
    assert tickets[0].status == "closed" and tickets[0].close_reason == "idle"
    line = case_line(tickets)
    assert line.closing.n == 1 and line.first_answer.n == 0

    engine = await apps[-1].bot_data["adapter"].service.engine()
    from bot.i18n import texts

    sunday = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    assert handoff.office_hours_notice(engine, texts("de"), sunday) is not None
    assert "Montag" in handoff.office_hours_notice(engine, texts("de"), sunday)
    assert handoff.office_hours_notice(engine, texts("de"), monday) is None


async def test_bot_without_topic_rights_tells_the_person(env) -> None:
    standin, _, _ = env
    standin.can_create_topics = False
    standin.message(804, "I need migration counselling in Magdeburg, I am 35", language="en")
    await standin.settle()
    standin.message(804, "/human", language="en")
    await standin.settle(quiet=2.0)
    texts_ = [c.params["text"] for c in standin.sent(804)]
    assert any("adviser" in t.lower() for t in texts_)
    # the general counselling for what is known: an adult in Magdeburg → MBE there
    fallback = next(t for t in reversed(texts_) if "adviser" in t.lower())
    assert "<b>" in fallback and "MBE" in fallback


async def test_messages_outside_case_topics_are_ignored(env) -> None:
    standin, _, _ = env
    standin.message(
        ADVISER, "Hallo zusammen", language="de", chat_id=ADVISERS, chat_type="supergroup"
    )
    adviser_says(standin, 999999, "an wen geht das?")
    await standin.settle()
    assert not [c for c in standin.calls if c.method == "copyMessage"]
