"""The follow-up service: `schedule`, `due(now)`, `send_due(now)` and `record`.

* `schedule` keeps one pending follow-up per person (a newer answer replaces an older pending
  one), due `FOLLOWUP_DAYS` after the answer.
* `send_due` turns due follow-ups into a message in the person's language with three buttons,
  queued in the outbox (delivered with retries like every other message), and marks them asked.
* `record` checks that the follow-up belongs to the person who pressed the button, writes one
  outcome per offer (offer, topic, language, day; no person) and deletes the follow-up.
* Asked follow-ups nobody answered are deleted after `UNANSWERED_AFTER`; `/delete` and the
  retention purge delete a person's follow-ups with everything else (`bot.storage.people`).

The clock is injectable (`clock`), so tests move time forward instead of waiting days.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.outbox import enqueue
from bot.dialogue import followup as wording
from bot.dialogue.cards import localized
from bot.dialogue.html import reply_html
from bot.i18n import texts
from bot.knowledge.model import Knowledge
from bot.storage.models import FollowUp, FollowUpOutcome, Person, utcnow

log = logging.getLogger(__name__)

OUTCOMES = ("helped", "not_helped", "unreached")
UNANSWERED_AFTER = dt.timedelta(days=14)
BATCH = 100


def keyboard(reply) -> dict:
    """The reply's buttons as Bot API `reply_markup` (stored with the outbox row)."""
    return {
        "inline_keyboard": [
            [{"text": b.label[:64], "callback_data": b.data} for b in row] for row in reply.buttons
        ]
    }


class FollowUpService:
    def __init__(
        self,
        sessions: async_sessionmaker,
        days: int,
        knowledge: Callable[[], Knowledge | None],
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.days = days
        self.knowledge = knowledge  # the live directory, for offer names in the question
        self.clock = clock

    # -- the dialogue's port ----------------------------------------------------------------

    async def schedule(
        self, session: AsyncSession, person: Person, data: dict, now: dt.datetime
    ) -> None:
        offers = [str(o) for o in data.get("offers") or []][:3]
        if not offers or not data.get("topic") or self.days <= 0:
            return
        await session.execute(
            delete(FollowUp).where(FollowUp.person_id == person.id, FollowUp.status == "pending")
        )
        session.add(
            FollowUp(
                person_id=person.id,
                status="pending",
                topic=str(data["topic"])[:64],
                offers={"ids": offers},
                language=str(data.get("language") or person.language or "de")[:8],
                due_at=now + dt.timedelta(days=self.days),
                created_at=now,
            )
        )

    async def record(
        self,
        session: AsyncSession,
        person: Person,
        followup_id: int,
        outcome: str,
        now: dt.datetime,
    ) -> bool:
        if outcome not in OUTCOMES:
            return False
        row = await session.get(FollowUp, followup_id)
        if row is None or row.person_id != person.id or row.status != "asked":
            return False
        for offer_id in (row.offers or {}).get("ids", []):
            session.add(
                FollowUpOutcome(
                    offer_id=offer_id,
                    topic=row.topic,
                    outcome=outcome,
                    language=row.language,
                    # the day only: the exact moment could tie an answer to a chat
                    created_at=now.replace(hour=12, minute=0, second=0, microsecond=0),
                )
            )
        await session.delete(row)
        return True

    # -- the periodic job ---------------------------------------------------------------------

    async def due(self, now: dt.datetime | None = None) -> list[FollowUp]:
        now = now or self.clock()
        async with self.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(FollowUp)
                        .where(FollowUp.status == "pending", FollowUp.due_at <= now)
                        .order_by(FollowUp.due_at)
                        .limit(BATCH)
                    )
                ).all()
            )

    async def send_due(self, now: dt.datetime | None = None) -> int:
        """Queue the question of every due follow-up; returns how many were queued."""
        now = now or self.clock()
        knowledge = self.knowledge()
        sent = 0
        async with self.sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(FollowUp)
                    .where(FollowUp.status == "pending", FollowUp.due_at <= now)
                    .order_by(FollowUp.due_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                person = await session.get(Person, row.person_id)
                if person is None or person.channel != "telegram":
                    await session.delete(row)
                    continue
                t = texts(row.language)
                names = [
                    localized(knowledge.offers[o].name, t.language)
                    if knowledge and o in knowledge.offers
                    else o
                    for o in (row.offers or {}).get("ids", [])
                ]
                reply = wording.question(t, row.id, names)
                await enqueue(
                    session,
                    chat_id=person.external_id,
                    kind="text",
                    direction="to_person",
                    payload={"text": reply_html(reply), "reply_markup": keyboard(reply)},
                )
                row.status, row.asked_at = "asked", now
                sent += 1
            await session.execute(
                delete(FollowUp).where(
                    FollowUp.status == "asked", FollowUp.asked_at < now - UNANSWERED_AFTER
                )
            )
        if sent:
            log.info("follow-up questions queued: %s", sent)
        return sent
