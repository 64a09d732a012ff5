"""People, their conversation state, what they ask for, and deleting all of it.

Every function takes an open session inside a transaction; the caller decides its bounds. On
PostgreSQL the person's row is locked (`FOR UPDATE`) while a message is handled, so two bot
processes never interleave updates of one person's state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, overload

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    ConversationState,
    DemandEvent,
    Feedback,
    FollowUp,
    HandoffMessage,
    HandoffTicket,
    OutboxMessage,
    Person,
    UnansweredQuestion,
)
from bot.storage.text import clean, clean_json

UNANSWERED_TEXT_LIMIT = 500


@overload
async def person_for_update(
    session: AsyncSession,
    channel: str,
    external_id: int,
    now: dt.datetime,
    create: Literal[True] = True,
) -> Person: ...


@overload
async def person_for_update(
    session: AsyncSession, channel: str, external_id: int, now: dt.datetime, create: bool
) -> Person | None: ...


async def person_for_update(
    session: AsyncSession,
    channel: str,
    external_id: int,
    now: dt.datetime,
    create: bool = True,
) -> Person | None:
    """The person for this channel id, locked for this transaction; created on first contact
    unless `create` is false (then None for someone the bot has never heard from)."""
    query = (
        select(Person)
        .where(Person.channel == channel, Person.external_id == external_id)
        .with_for_update()
    )
    person = await session.scalar(query)
    if person is not None or not create:
        return person
    return await create_person(session, channel, external_id, now)


async def create_person(
    session: AsyncSession, channel: str, external_id: int, now: dt.datetime
) -> Person:
    """A new person, after `person_for_update(create=False)` found none in this transaction
    (saves looking again); the one another process created a moment ago on a race."""
    query = (
        select(Person)
        .where(Person.channel == channel, Person.external_id == external_id)
        .with_for_update()
    )
    try:
        async with session.begin_nested():
            person = Person(
                channel=channel, external_id=external_id, created_at=now, last_seen_at=now
            )
            session.add(person)
            await session.flush()
    except IntegrityError:  # another process created them a moment ago
        person = await session.scalar(query)
        assert person is not None
    return person


_NO_STATE = "wegweiser.no_state"  # session.info: people whose state row was found missing


async def load_state(session: AsyncSession, person: Person) -> dict[str, Any]:
    row = await session.get(ConversationState, person.id)
    if row is None:  # `save_state` then need not look again: the person row is locked
        session.info.setdefault(_NO_STATE, set()).add(person.id)
    return dict(row.state) if row is not None else {}


async def save_state(
    session: AsyncSession, person: Person, state: dict[str, Any], now: dt.datetime
) -> None:
    missing = session.info.get(_NO_STATE, set())
    if person.id in missing:
        missing.discard(person.id)
        row = None
    else:
        row = await session.get(ConversationState, person.id)
    if row is None:
        session.add(ConversationState(person_id=person.id, state=state, revision=1, updated_at=now))
    else:
        row.state = state
        row.revision += 1
        row.updated_at = now


async def record_demand(session: AsyncSession, data: dict[str, Any], now: dt.datetime) -> None:
    extra = dict(data.get("extra") or {})
    if data.get("kind"):
        extra["kind"] = data["kind"]
    session.add(
        DemandEvent(
            language=data["language"],
            action=data["action"],
            topics={"ids": list(data.get("topics") or []), **extra},
            city=data.get("city"),
            district=data.get("district"),
            created_at=now,
        )
    )


async def record_unanswered(
    session: AsyncSession,
    data: dict[str, Any],
    now: dt.datetime,
    person: Person | None = None,
) -> None:
    """A question for the gaps queue. It keeps a pseudonymous link to the asker only so that
    /delete can remove its text at once (the staff never see it)."""
    session.add(
        UnansweredQuestion(
            person_id=person.id if person is not None else None,
            language=data["language"],
            text=clean(str(data["text"]))[:UNANSWERED_TEXT_LIMIT],
            candidates=clean_json(
                {
                    "topics": list(data.get("candidates") or data.get("topics") or []),
                    "reason": data.get("reason") or "unclear",
                    **({"outside": data["outside"]} if data.get("outside") else {}),
                }
            ),
            created_at=now,
        )
    )


async def record_feedback(
    session: AsyncSession, person: Person, data: dict[str, Any], now: dt.datetime
) -> None:
    session.add(
        Feedback(
            person_id=person.id,
            offer_id=data["offer_id"],
            topic=data.get("topic"),
            helpful=bool(data["helpful"]),
            language=data["language"],
            created_at=now,
        )
    )


async def _wipe_case_contents(session: AsyncSession, ticket_ids: list[int]) -> None:
    if not ticket_ids:
        return
    await session.execute(
        update(HandoffMessage).where(HandoffMessage.ticket_id.in_(ticket_ids)).values(content=None)
    )
    await session.execute(
        update(HandoffTicket).where(HandoffTicket.id.in_(ticket_ids)).values(summary=None)
    )
    # queued copies and texts carry message ids and contents: cancel and empty them (the
    # system's own notes to the topic, such as "case closed", carry nothing personal and go)
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ticket_id.in_(ticket_ids),
            OutboxMessage.status == "pending",
            OutboxMessage.direction != "system",
        )
        .values(status="failed", last_error="person deleted their data")
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id.in_(ticket_ids), OutboxMessage.status != "pending")
        .values(payload={})
    )


async def delete_person(session: AsyncSession, person: Person) -> None:
    """Remove everything stored about a person: state, case contents, feedback links, pending
    follow-ups (and their queued question), their Telegram chat id in every outbox row, the
    texts of their unanswered questions, the person row. Cases stay as anonymous figures
    (times only) for the office's monitoring."""
    tickets = list(
        await session.scalars(select(HandoffTicket.id).where(HandoffTicket.person_id == person.id))
    )
    await _wipe_case_contents(session, tickets)
    await session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id.in_(tickets), HandoffTicket.status == "open")
        .values(status="closed", close_reason="deleted")
    )
    await session.execute(
        update(Feedback).where(Feedback.person_id == person.id).values(person_id=None)
    )
    await session.execute(delete(FollowUp).where(FollowUp.person_id == person.id))
    # no row keeps their Telegram chat id, sent ones included (0: "nobody")
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == person.external_id, OutboxMessage.status == "pending")
        .values(status="failed", last_error="person deleted their data")
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == person.external_id)
        .values(chat_id=0, payload={}, lease_until=None)
    )
    await session.execute(
        delete(UnansweredQuestion).where(UnansweredQuestion.person_id == person.id)
    )
    await session.execute(delete(ConversationState).where(ConversationState.person_id == person.id))
    await session.execute(delete(Person).where(Person.id == person.id))


async def purge_expired(
    session: AsyncSession, retention_days: int, now: dt.datetime
) -> dict[str, int]:
    """Apply the retention period: people silent for longer are deleted, old question texts and
    old case contents are removed."""
    cutoff = now - dt.timedelta(days=retention_days)
    stale = list(await session.scalars(select(Person).where(Person.last_seen_at < cutoff)))
    for person in stale:
        await delete_person(session, person)
    questions = await session.execute(
        delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff)
    )
    old_tickets = list(
        await session.scalars(
            select(HandoffTicket.id).where(
                HandoffTicket.closed_at.is_not(None), HandoffTicket.closed_at < cutoff
            )
        )
    )
    await _wipe_case_contents(session, old_tickets)
    return {
        "people": len(stale),
        "questions": questions.rowcount or 0,
        "cases": len(old_tickets),
    }
