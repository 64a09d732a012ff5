"""The dialogue service: state in the database, events recorded, deletion."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.dialogue.messages import Incoming
from bot.dialogue.service import DialogueService
from bot.storage.models import ConversationState, DemandEvent, Feedback, Person, UnansweredQuestion


async def count(services, model) -> int:
    async with services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_state_survives_a_new_service_and_delete_removes_everything(services) -> None:
    first = DialogueService(services)
    replies = await first.handle(
        "telegram",
        2**40,
        Incoming("text", "ich suche einen deutschkurs in dresden", telegram_language="de"),
    )
    assert any(r.cards for r in replies)
    shown = [c.offer_id for r in replies for c in r.cards]
    await first.handle("telegram", 2**40, Incoming("button", "fb:language_course:1"))
    await first.handle("telegram", 2**40, Incoming("text", "wie wird das wetter"))

    second = DialogueService(services)  # e.g. another process, or after a restart
    replies = await second.handle("telegram", 2**40, Incoming("button", "more"))
    assert replies  # the state (shown offers) came from the database
    assert await count(services, DemandEvent) >= 1
    assert await count(services, Feedback) == len(shown)  # one mark per offer of the answer
    assert await count(services, UnansweredQuestion) == 1
    async with services.sessions() as session:
        person = await session.scalar(select(Person).where(Person.external_id == 2**40))
        assert person.consent_at is not None and person.language == "de"

    await second.handle("telegram", 2**40, Incoming("command", "delete"))
    replies = await second.handle("telegram", 2**40, Incoming("button", "del:yes"))
    assert replies and replies[0].text
    assert await count(services, Person) == 0
    assert await count(services, ConversationState) == 0
    async with services.sessions() as session:
        feedback = await session.scalar(select(Feedback))
        assert feedback.person_id is None  # the figure stays, the link is gone
    # the texts of the person's unanswered questions go at once too (issue 10)
    assert await count(services, UnansweredQuestion) == 0


async def test_handoff_without_advisers_gives_the_general_counselling_contact(services) -> None:
    service = DialogueService(services)
    replies = await service.handle(
        "telegram", 7, Incoming("command", "human", telegram_language="en")
    )
    assert replies[0].text and not any(r.cards for r in replies)  # first: which city?
    buttons = [b.data for r in replies for row in r.buttons for b in row]
    assert "c:magdeburg" in buttons and "h" not in buttons
    replies = await service.handle("telegram", 7, Incoming("button", "c:magdeburg"))
    cards = [c for r in replies for c in r.cards]
    assert cards and "migration_counselling" in services.knowledge.offers[cards[0].offer_id].topics
    assert all(services.knowledge.offers[c.offer_id].city in ("magdeburg", None) for c in cards)
    async with services.sessions() as session:
        requests = (
            await session.scalars(select(DemandEvent).where(DemandEvent.action == "handoff"))
        ).all()
    assert len(requests) == 1 and requests[0].topics["adviser"] is False  # staff see it
