"""The dialogue service: loads a person's state from the database, runs the engine, records what
the engine reported, saves the state, all in one transaction per message.

Adapters (Telegram, console) call `handle` and render the replies. The engine and matcher are
rebuilt when another process imported a newer knowledge version.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import metrics
from bot.dialogue import followup
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.messages import Event, Incoming, Reply
from bot.dialogue.state import ConversationState
from bot.i18n import texts
from bot.matching.matcher import Matcher
from bot.services import Services
from bot.storage import people
from bot.storage.knowledge_store import knowledge_version_number
from bot.storage.models import Person, utcnow

log = logging.getLogger(__name__)

# The CPU work of a turn (normalisation, matching, embedding) runs here, off the event loop, so
# the loop keeps receiving and sending while one person's question is matched. Two threads:
# the embedding model releases the GIL, and the machines we target have two cores.
CPU = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wegweiser-dialogue")


async def off_loop(function, /, *args, **kwargs):
    """Run CPU-bound `function` in the dialogue threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(CPU, functools.partial(function, *args, **kwargs))


class HandoffPort(Protocol):
    """Where a hand-off request goes (the advisers' group, or nowhere)."""

    async def relay_from_person(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        incoming: Incoming,
        now: dt.datetime,
    ) -> bool:
        """While a case is open: pass the message on to the advisers; True when done so."""

    async def end_from_person(
        self, session: AsyncSession, person: Person, state: ConversationState, now: dt.datetime
    ) -> list[Reply]:
        """The person ends the case (/end)."""

    async def request(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        event: Event,
        now: dt.datetime,
    ) -> list[Reply] | None:
        """Open or reuse a case and return the replies for the person; None when no adviser
        is reachable (the service then gives the general counselling contact)."""

    async def person_deleted(self, session: AsyncSession, person: Person, now: dt.datetime) -> None:
        """The person deletes their data: close their case and tell the advisers."""


class FollowUpPort(Protocol):
    """Where referral follow-ups are scheduled and their answers recorded."""

    async def schedule(
        self, session: AsyncSession, person: Person, data: dict, now: dt.datetime
    ) -> None:
        """One pending follow-up for this answer (replacing an older pending one)."""

    async def record(
        self,
        session: AsyncSession,
        person: Person,
        followup_id: int,
        outcome: str,
        now: dt.datetime,
    ) -> bool:
        """Record the person's answer without them; False when the question is unknown."""


class DialogueService:
    def __init__(
        self,
        services: Services,
        handoff: HandoffPort | None = None,
        followup: FollowUpPort | None = None,
    ) -> None:
        self.services = services
        self.handoff = handoff
        self.followup = followup  # set where people can be reached later (Telegram)
        self._engine: DialogueEngine | None = None
        self._engine_version = -1

    async def engine(self) -> DialogueEngine:
        """The engine for the newest knowledge version (checked on every message: one cheap
        query, so an import by staff reaches every running process)."""
        async with self.services.sessions() as session:
            version = await knowledge_version_number(session)
        if version != self.services.knowledge_version:
            await self.services.refresh_knowledge()
        if self._engine is None or self._engine_version != self.services.knowledge_version:
            knowledge = self.services.knowledge
            assert knowledge is not None, "services opened without knowledge"
            matcher = await off_loop(
                Matcher, knowledge, self.services.semantic, self.services.embeddings
            )
            self._engine = DialogueEngine(
                knowledge, matcher, retention_days=self.services.settings.retention_days
            )
            self._engine_version = self.services.knowledge_version
        return self._engine

    async def handle(
        self, channel: str, external_id: int, incoming: Incoming, now: dt.datetime | None = None
    ) -> list[Reply]:
        now = now or utcnow()
        engine = await self.engine()
        async with self.services.sessions() as session, session.begin():
            person = await people.person_for_update(
                session, channel, external_id, now, create=False
            )
            # a button can only come from a message the bot sent: one from someone it never
            # heard of (a forged update) is answered like any button, but opens no case
            may_hand_off = person is not None or incoming.kind != "button"
            if person is None:
                person = await people.create_person(session, channel, external_id, now)
            state = ConversationState.from_dict(await people.load_state(session, person))
            early = await self._handoff_first(session, person, state, incoming, now)
            if early is not None:
                person.last_seen_at = now
                await people.save_state(session, person, state.to_dict(), now)
                return early
            days = self.services.settings.followup_days
            can_follow_up = self.followup is not None and channel == "telegram"
            output = await off_loop(
                engine.handle, state, incoming, now, follow_up_days=days if can_follow_up else 0
            )
            replies = list(output.replies)
            deleted = False
            for event in output.events:
                if event.kind == "demand":
                    metrics.REPLIES.labels(str(event.data.get("action", "other"))).inc()
                extra = await self._apply(
                    session, person, state, event, engine, now, may_hand_off=may_hand_off
                )
                if event.kind == "delete":
                    deleted = True
                replies.extend(extra)
            if not deleted:
                person.language = state.language
                person.language_chosen = state.language_chosen
                person.last_seen_at = now
                await people.save_state(session, person, state.to_dict(), now)
        return replies

    async def _handoff_first(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        incoming: Incoming,
        now: dt.datetime,
    ) -> list[Reply] | None:
        """Hand-off rules that come before the bot: relay while a case is open, /end, /menu."""
        t = texts(state.language)
        if incoming.kind == "command" and incoming.text == "end":
            if self.handoff is None:
                return [Reply(t._("There is no open conversation with the advisers."), rtl=t.rtl)]
            return await self.handoff.end_from_person(session, person, state, now)
        if self.handoff is None or not state.relay:
            return None
        if incoming.kind == "command" and incoming.text == "menu":
            state.relay = False  # the bot answers again; the case stays open for the advisers
            return None
        if await self.handoff.relay_from_person(session, person, state, incoming, now):
            return []
        return None

    async def _apply(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        event: Event,
        engine: DialogueEngine,
        now: dt.datetime,
        *,
        may_hand_off: bool = True,
    ) -> list[Reply]:
        if event.kind == "consent":
            if person.consent_at is None:
                person.consent_at = now
        elif event.kind == "demand":
            await people.record_demand(session, event.data, now)
        elif event.kind == "unanswered":
            await people.record_unanswered(session, event.data, now, person)
        elif event.kind == "feedback":
            await people.record_feedback(session, person, event.data, now)
        elif event.kind == "followup" and self.followup is not None:
            await self.followup.schedule(session, person, event.data, now)
        elif event.kind == "followup_outcome":
            t = texts(state.language)
            recorded = self.followup is not None and await self.followup.record(
                session, person, int(event.data["id"]), str(event.data["outcome"]), now
            )
            return [followup.thanks(t, event.data["outcome"]) if recorded else followup.expired(t)]
        elif event.kind == "delete":
            language = state.language
            if self.handoff is not None:  # the advisers are told, the case closed
                await self.handoff.person_deleted(session, person, now)
            await people.delete_person(session, person)
            t = texts(language)
            return [Reply(t._("Done: everything I stored about you has been deleted."), rtl=t.rtl)]
        elif event.kind == "handoff":
            t = texts(event.data.get("language") or state.language)
            replies = None
            if self.handoff is not None and may_hand_off:
                replies = await self.handoff.request(session, person, state, event, now)
            elif not may_hand_off:
                log.warning("a hand-off button from an unknown id: no case opened")
            # every request for a person is counted, whether an adviser was reachable or not
            await people.record_demand(
                session,
                {
                    **event.data,
                    "action": "handoff",
                    "extra": {"adviser": replies is not None},
                },
                now,
            )
            if event.data.get("question"):
                await people.record_unanswered(
                    session,
                    {**event.data, "text": event.data["question"], "reason": "handoff"},
                    now,
                    person,
                )
            if replies is not None:
                return replies
            return engine.handoff_unavailable(state, t, now)
        return []
