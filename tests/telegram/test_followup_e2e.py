"""The referral follow-up end to end through python-telegram-bot and the Bot API stand-in: an
answer, the consent question, the follow-up after the delay (a controllable clock instead of
seven days), the three outcomes, and /delete in between."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.storage.models import FollowUp, FollowUpOutcome, OutboxMessage, utcnow
from tests.botapi_standin import BotApiStandIn
from tests.telegram.running import standin_for, start_bot, stop_bot
from tests.telegram.test_bot_e2e import assert_valid_html, buttons_of

QUESTION = "Ich suche einen Deutschkurs in Magdeburg"


@pytest.fixture
async def bot(services) -> AsyncIterator[tuple[BotApiStandIn, object, object]]:
    standin = await standin_for(services)
    application = await start_bot(services)
    yield standin, services, application
    await stop_bot(application)
    await standin.stop()


async def _ask_and_consent(standin: BotApiStandIn, user: int, consent: str = "fc:1") -> None:
    standin.message(user, QUESTION, language="de")
    await standin.settle()
    sent = standin.sent(user)
    assert len(sent) == 1  # the consent question sits in the answer's own message
    assert buttons_of(sent[-1])[-2:] == ["fc:1", "fc:0"]
    assert "7 Tagen" in sent[-1].params["text"]
    standin.button(user, consent)
    await standin.settle()


async def _later(application, days: float = 7.1) -> None:
    """The maintenance job, run with a clock `days` ahead, then the outbox."""
    followups = application.bot_data["followup"]
    followups.clock = lambda: utcnow() + dt.timedelta(days=days)
    await followups.send_due()
    await application.bot_data["outbox"].deliver_due()


async def _count(services, model, *where) -> int:
    async with services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_consent_follow_up_and_the_three_outcomes(bot) -> None:
    standin, services, application = bot
    for user in (901, 902, 903):
        await _ask_and_consent(standin, user)
        assert "Ich frage Sie in 7 Tagen" in standin.sent(user)[-1].params["text"]
    assert await _count(services, FollowUp, FollowUp.status == "pending") == 3

    # a second answer replaces the pending follow-up; the consent question is not asked again
    standin.message(901, "Ich brauche eine Schuldnerberatung in Magdeburg", language="de")
    await standin.settle()
    assert "fc:1" not in buttons_of(standin.sent(901)[-1])
    assert await _count(services, FollowUp) == 3

    await _later(application, days=3)  # not due yet
    assert not [c for c in standin.sent() if "fu:" in " ".join(buttons_of(c))]

    await _later(application)
    questions = {}
    for user in (901, 902, 903):
        question = standin.sent(user)[-1]
        assert_valid_html(question.params["text"])
        assert "Haben Sie die Stelle erreicht?" in question.params["text"]
        data = buttons_of(question)
        assert len(data) == 3 and all(d.startswith("fu:") for d in data)
        questions[user] = data
    assert "Schuldner" in standin.sent(901)[-1].params["text"]  # the newer answer

    for user, index, expected in (
        (901, 2, "unreached"),
        (902, 0, "helped"),
        (903, 1, "not_helped"),
    ):
        standin.button(user, questions[user][index])
        await standin.settle()
        assert "Danke" in standin.sent(user)[-1].params["text"]
        assert await _count(services, FollowUpOutcome, FollowUpOutcome.outcome == expected) >= 1
    assert await _count(services, FollowUp) == 0
    # one outcome row per offer shown, no person anywhere in the table
    assert {c.name for c in FollowUpOutcome.__table__.columns} == {
        "id",
        "offer_id",
        "topic",
        "outcome",
        "language",
        "created_at",
    }
    async with services.sessions() as session:
        topics = set((await session.scalars(select(FollowUpOutcome.topic))).all())
    assert topics == {"debt_counselling", "language_course"}

    # a forged or repeated answer is not counted twice
    before = await _count(services, FollowUpOutcome)
    standin.button(902, questions[902][0])
    standin.button(903, questions[901][0])  # someone else's follow-up
    await standin.settle()
    assert await _count(services, FollowUpOutcome) == before
    assert "abgelaufen" in standin.sent(903)[-1].params["text"]


async def test_no_consent_means_no_follow_up(bot) -> None:
    standin, services, _application = bot
    await _ask_and_consent(standin, 911, consent="fc:0")
    assert "nicht nach" in standin.sent(911)[-1].params["text"]
    standin.message(911, QUESTION, language="de")
    await standin.settle()
    assert "fc:1" not in buttons_of(standin.sent(911)[-1])  # asked once only
    assert await _count(services, FollowUp) == 0


async def test_delete_in_between_removes_the_pending_follow_up(bot) -> None:
    standin, services, application = bot
    await _ask_and_consent(standin, 921)
    assert await _count(services, FollowUp) == 1
    standin.message(921, "/delete", language="de")
    await standin.settle()
    standin.button(921, "del:yes")
    await standin.settle()
    assert await _count(services, FollowUp) == 0
    before = len(standin.sent(921))
    await _later(application)
    await standin.settle()
    assert len(standin.sent(921)) == before  # nothing is asked after /delete


async def test_delete_cancels_a_queued_question(services) -> None:
    """A follow-up question still waiting in the outbox is cancelled and emptied by /delete."""
    from bot.delivery.outbox import enqueue
    from bot.storage import people

    now = utcnow()
    async with services.sessions() as session, session.begin():
        person = await people.person_for_update(session, "telegram", 931, now)
        await enqueue(
            session, chat_id=931, kind="text", direction="to_person", payload={"text": "?"}
        )
        await people.delete_person(session, person)
    async with services.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    # cancelled, emptied, and no longer carrying the person's chat id
    assert [(r.status, r.payload, r.chat_id) for r in rows] == [("failed", {}, 0)]
