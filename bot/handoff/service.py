"""Hand-off to human advisers: one forum topic per case in the advisers' supergroup.

Everything goes through the database: the case (`handoff_tickets`), the mapping of relayed
messages (`handoff_messages`) and the outbox. A restart or a second bot process on the same
PostgreSQL continues every case. Person-facing texts are in the person's language; the advisers'
side is German, as the team works in German.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from html import escape

from opening_hours import OpeningHours
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.config import Settings
from bot.core.languages import LANGUAGES, normalise_language
from bot.delivery.outbox import Failure, enqueue
from bot.dialogue.cards import BERLIN, localized
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.html import reply_html
from bot.dialogue.messages import Event, Incoming, Reply
from bot.dialogue.state import ConversationState
from bot.i18n import texts
from bot.storage import people
from bot.storage.models import ConversationState as StateRow
from bot.storage.models import HandoffMessage, HandoffTicket, Person, utcnow
from bot.storage.text import clean

log = logging.getLogger(__name__)

CASE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RELAYED_KINDS = ("text", "media", "location")


def new_case_number() -> str:
    return "W-" + "".join(secrets.choice(CASE_ALPHABET) for _ in range(6))


class HandoffService:
    """Implements the dialogue service's `HandoffPort` and the advisers' side."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker, engine_provider) -> None:
        self.settings = settings
        self.sessions = sessions
        self.engine_provider = engine_provider  # async () -> DialogueEngine
        self.chat_id = settings.adviser_chat_id

    # -- the person's side ----------------------------------------------------------------

    async def request(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        event: Event,
        now: dt.datetime,
    ) -> list[Reply] | None:
        if self.chat_id is None or person.channel != "telegram":
            return None
        t = texts(event.data.get("language") or state.language)
        ticket = await open_ticket(session, person.id)
        state.relay = True
        if ticket is not None:
            return [
                Reply(
                    t._(
                        "Your conversation with the advisers is still open. Write your "
                        "message; an adviser will answer here."
                    ),
                    rtl=t.rtl,
                )
            ]
        recent = await session.scalar(
            select(func.count(HandoffTicket.id)).where(
                HandoffTicket.person_id == person.id,
                HandoffTicket.created_at > now - dt.timedelta(hours=1),
            )
        )
        if (recent or 0) >= self.settings.handoff_cases_per_hour:
            # no new topic for the advisers; the person gets the general counselling contact
            log.warning("person %s: hand-off limit per hour reached", person.id)
            state.relay = False
            return None
        engine: DialogueEngine = await self.engine_provider()
        topics = list(event.data.get("topics") or state.last_topics or [])
        ticket = HandoffTicket(
            case_number=new_case_number(),
            person_id=person.id,
            status="open",
            language=t.language,
            topics={"ids": topics},
            adviser_chat_id=self.chat_id,
            created_at=now,
            summary=self._summary(engine, state, event, t.language),
        )
        session.add(ticket)
        await session.flush()
        topic_name = (
            engine.knowledge.topics[topics[0]].name["de"]
            if topics and topics[0] in engine.knowledge.topics
            else "Allgemein"
        )
        await enqueue(
            session,
            chat_id=self.chat_id,
            kind="create_topic",
            ticket_id=ticket.id,
            direction="to_advisers",
            now=now,
            payload={"name": f"{ticket.case_number} · {t.language} · {topic_name}"},
        )
        await enqueue(
            session,
            chat_id=self.chat_id,
            kind="text",
            ticket_id=ticket.id,
            direction="to_advisers",
            now=now,
            payload={"text": self._summary_html(ticket), "in_topic": True},
        )
        replies = [
            Reply(
                t._(
                    "Thank you. An adviser will answer you here in this chat. Your messages now go "
                    "to the advisers; /menu brings the bot back, /end ends the conversation."
                ),
                rtl=t.rtl,
            )
        ]
        notice = self.office_hours_notice(engine, t, now)
        if notice:
            replies.append(Reply(notice, rtl=t.rtl))
        return replies

    def office_hours_notice(self, engine: DialogueEngine, t, now: dt.datetime) -> str | None:
        try:
            hours = OpeningHours(engine.knowledge.office_hours)
            local = now.astimezone(BERLIN).replace(tzinfo=None)
            if hours.is_open(local):
                return None
            opens = hours.next_change(local)
        except Exception:  # validated at import; never break a hand-off over it
            return None
        if opens is None:
            return None
        return t._(
            "The advisers are not at work right now. They will answer from {day} {time}.",
            day=t.weekday(opens.weekday(), "wide"),
            time=t.time(opens.time()),
        )

    async def relay_from_person(
        self,
        session: AsyncSession,
        person: Person,
        state: ConversationState,
        incoming: Incoming,
        now: dt.datetime,
    ) -> bool:
        """While a case is open, the person's messages go to its topic (and nowhere else)."""
        if not state.relay or incoming.kind not in RELAYED_KINDS or incoming.message_id is None:
            return False
        ticket = await open_ticket(session, person.id)
        if ticket is None:
            state.relay = False
            return False
        mapping = HandoffMessage(
            ticket_id=ticket.id,
            direction="to_advisers",
            person_message_id=incoming.message_id,
            content=clean(incoming.text or f"[{incoming.media or incoming.kind}]"),
            created_at=now,
        )
        session.add(mapping)
        await session.flush()
        ticket.last_person_message_at = now
        await enqueue(
            session,
            chat_id=ticket.adviser_chat_id or self.chat_id,
            kind="copy",
            ticket_id=ticket.id,
            direction="to_advisers",
            now=now,
            payload={
                "from_chat_id": incoming.chat_id,
                "message_id": incoming.message_id,
                "in_topic": True,
                "mapping_id": mapping.id,
            },
        )
        return True

    async def end_from_person(
        self, session: AsyncSession, person: Person, state: ConversationState, now: dt.datetime
    ) -> list[Reply]:
        t = texts(state.language)
        ticket = await open_ticket(session, person.id)
        state.relay = False
        if ticket is None:
            return [Reply(t._("There is no open conversation with the advisers."), rtl=t.rtl)]
        await self._close(session, ticket, now, "person", notify_person=False)
        return [
            Reply(
                t._(
                    "You ended the conversation with the advisers. I am the bot again: "
                    "write your question."
                ),
                rtl=t.rtl,
            )
        ]

    async def relay_if_open(self, channel: str, external_id: int, incoming: Incoming) -> bool:
        """Relay a message while a case is open, outside the dialogue (the flood guard stopped
        it from reaching the bot): inside a case every message reaches the advisers."""
        now = utcnow()
        async with self.sessions() as session, session.begin():
            person = await people.person_for_update(
                session, channel, external_id, now, create=False
            )
            if person is None:
                return False
            row = await session.get(StateRow, person.id)
            state = ConversationState.from_dict(row.state if row else None)
            if not await self.relay_from_person(session, person, state, incoming, now):
                return False
            person.last_seen_at = now
            return True

    async def edit_from_person(
        self, channel: str, external_id: int, message_id: int, text: str
    ) -> bool:
        """An edited message inside a case: the advisers get an edit notice under the copy."""
        now = utcnow()
        async with self.sessions() as session, session.begin():
            person = await people.person_for_update(
                session, channel, external_id, now, create=False
            )
            if person is None:
                return False
            ticket = await open_ticket(session, person.id)
            if ticket is None:
                return False
            mapping = await session.scalar(
                select(HandoffMessage).where(
                    HandoffMessage.ticket_id == ticket.id,
                    HandoffMessage.direction == "to_advisers",
                    HandoffMessage.person_message_id == message_id,
                )
            )
            if mapping is None:  # a message from before the case: not the advisers' business
                return False
            text = clean(text)
            mapping.content = text or mapping.content
            ticket.last_person_message_at = now
            payload: dict = {
                "text": f"✏️ <i>Die Person hat ihre Nachricht bearbeitet:</i>\n{escape(text)}",
                "in_topic": True,
            }
            if mapping.adviser_message_id:
                payload["reply_to"] = mapping.adviser_message_id
            await enqueue(
                session,
                chat_id=ticket.adviser_chat_id or self.chat_id,
                kind="text",
                ticket_id=ticket.id,
                direction="to_advisers",
                now=now,
                payload=payload,
            )
            return True

    async def person_blocked(self, external_id: int, now: dt.datetime | None = None) -> bool:
        """The person blocked the bot (403 on a send, or `my_chat_member` kicked): their open
        case is closed and the advisers are told; nothing more is sent to the person."""
        now = now or utcnow()
        async with self.sessions() as session, session.begin():
            person = await people.person_for_update(
                session, "telegram", external_id, now, create=False
            )
            if person is None:
                return False
            ticket = await open_ticket(session, person.id)
            if ticket is None:
                return False
            await self._close(session, ticket, now, "blocked", notify_person=False)
            return True

    async def person_deleted(self, session: AsyncSession, person: Person, now: dt.datetime) -> None:
        """Before /delete removes the person: their open case is closed and its topic told
        (the topic's contents are wiped with the person's data right after)."""
        ticket = await open_ticket(session, person.id)
        if ticket is not None:
            await self._close(session, ticket, now, "deleted", notify_person=False)

    # -- the advisers' side ---------------------------------------------------------------

    async def from_adviser(
        self,
        *,
        chat_id: int,
        thread_id: int | None,
        message_id: int,
        text: str | None,
        adviser_id: int,
        now: dt.datetime | None = None,
    ) -> None:
        now = now or utcnow()
        if chat_id != self.chat_id or thread_id is None:
            return  # only the advisers' group, only inside a case topic
        async with self.sessions() as session, session.begin():
            ticket = await session.scalar(
                select(HandoffTicket).where(
                    HandoffTicket.adviser_chat_id == chat_id, HandoffTicket.thread_id == thread_id
                )
            )
            if ticket is None:
                log.warning(
                    "message in unknown topic %s of the advisers' group: ignored", thread_id
                )
                return
            text = text or ""
            if text.startswith(self.settings.handoff_internal_prefix):
                return  # an internal note stays in the topic
            if text.startswith("/"):
                await self._command(session, ticket, text, adviser_id, now)
                return
            if ticket.status != "open" or ticket.person_id is None:
                await self._to_topic(
                    session,
                    ticket,
                    "Dieser Fall ist geschlossen; die Nachricht wurde nicht weitergeleitet.",
                    now,
                )
                return
            person = await session.get(Person, ticket.person_id)
            mapping = HandoffMessage(
                ticket_id=ticket.id,
                direction="to_person",
                adviser_message_id=message_id,
                content=clean(text) or None,
                created_at=now,
            )
            session.add(mapping)
            await session.flush()
            await self._answer_person(
                session,
                ticket,
                person,
                "copy",
                {"from_chat_id": chat_id, "message_id": message_id, "mapping_id": mapping.id},
                now,
            )

    async def _command(
        self,
        session: AsyncSession,
        ticket: HandoffTicket,
        text: str,
        adviser_id: int,
        now: dt.datetime,
    ) -> None:
        name, _, argument = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        argument = argument.strip()
        engine: DialogueEngine = await self.engine_provider()
        person = await session.get(Person, ticket.person_id) if ticket.person_id else None
        if name == "claim":
            ticket.claimed_by = adviser_id
            await self._to_topic(session, ticket, "Übernommen.", now)
        elif name == "close":
            await self._close(session, ticket, now, "adviser", notify_person=True)
        elif name == "lang":
            language = normalise_language(argument)
            if language is None:
                await self._to_topic(session, ticket, f"Sprachen: {', '.join(LANGUAGES)}", now)
                return
            ticket.language = language
            if person is not None:
                row = await session.get(StateRow, person.id)
                if row is not None:
                    row.state = {**row.state, "language": language, "language_chosen": True}
                person.language = language
            await self._to_topic(session, ticket, f"Sprache auf {language} gesetzt.", now)
        elif name in ("offer", "template"):
            if person is None or ticket.status != "open":
                await self._to_topic(session, ticket, "Fall geschlossen.", now)
                return
            html = (
                self._offer_html(engine, argument, ticket.language, now)
                if name == "offer"
                else self._template_html(engine, argument, ticket.language)
            )
            if html is None:
                names = ", ".join(t.id for t in engine.knowledge.templates)
                hint = (
                    "Kein passendes Angebot gefunden." if name == "offer" else f"Vorlagen: {names}"
                )
                await self._to_topic(session, ticket, hint, now)
                return
            await self._answer_person(session, ticket, person, "text", {"text": html}, now)
            await self._to_topic(session, ticket, f"Gesendet ({ticket.language}).", now)
        else:
            await self._to_topic(
                session,
                ticket,
                "Befehle: /offer, /template, /claim, /close, "
                "/lang XX; Notizen mit " + self.settings.handoff_internal_prefix,
                now,
            )

    def _offer_html(
        self, engine: DialogueEngine, argument: str, language: str, now: dt.datetime
    ) -> str | None:
        offer_id = argument if argument in engine.knowledge.offers else None
        if offer_id is None and argument:
            found = engine.assess(argument, language="de").offers
            offer_id = found[0][0].id if found else None
        if offer_id is None:
            return None
        card = engine.card(offer_id, language, now)
        return reply_html(Reply("", cards=[card])) if card else None

    @staticmethod
    def _template_html(engine: DialogueEngine, argument: str, language: str) -> str | None:
        template = engine.knowledge.template(argument.strip().lower())
        if template is None:
            return None
        return escape(localized(template.text, language if language in template.text else "de"))

    # -- closing, reminders ---------------------------------------------------------------

    async def _close(
        self,
        session: AsyncSession,
        ticket: HandoffTicket,
        now: dt.datetime,
        reason: str,
        *,
        notify_person: bool,
    ) -> None:
        if ticket.status != "open":
            return
        ticket.status, ticket.closed_at, ticket.close_reason = "closed", now, reason
        person = await session.get(Person, ticket.person_id) if ticket.person_id else None
        if person is not None:
            row = await session.get(StateRow, person.id)
            if row is not None:
                row.state = {**row.state, "relay": False}
        if notify_person and person is not None:
            t = texts(ticket.language)
            message = (
                t._(
                    "Your conversation with the advisers was closed because nobody wrote for a "
                    "long time. Write to me again whenever you need help."
                )
                if reason == "idle"
                else t._(
                    "The adviser has ended the conversation. If you need more help, write to me "
                    "again."
                )
            )
            await _to_person(session, ticket, person, "text", {"text": escape(message)}, now)
        labels = {
            "adviser": "von der Beratung",
            "person": "von der Person",
            "idle": "wegen Inaktivität",
            "blocked": "die Person hat den Bot blockiert; Nachrichten erreichen sie nicht mehr",
            "deleted": "die Person hat ihre Daten gelöscht; Nachrichten erreichen sie nicht mehr",
        }
        if ticket.thread_id is None and reason in ("blocked", "deleted"):
            return  # the topic was never created: nothing to tell, nothing to close
        await self._to_topic(
            session, ticket, f"Fall geschlossen ({labels.get(reason, reason)}).", now
        )
        if ticket.thread_id is not None:
            await enqueue(
                session,
                chat_id=ticket.adviser_chat_id or self.chat_id,
                kind="close_topic",
                ticket_id=ticket.id,
                direction="system",
                now=now,
                payload={"thread_id": ticket.thread_id},
            )

    async def maintain(self, now: dt.datetime | None = None) -> None:
        """Reminders for unanswered cases; idle cases closed with a notice to the person."""
        now = now or utcnow()
        remind_after = dt.timedelta(minutes=self.settings.handoff_reminder_minutes)
        idle_after = dt.timedelta(hours=self.settings.handoff_idle_close_hours)
        async with self.sessions() as session, session.begin():
            tickets = (
                await session.scalars(select(HandoffTicket).where(HandoffTicket.status == "open"))
            ).all()
            for ticket in tickets:
                last = max(
                    d
                    for d in (
                        ticket.created_at,
                        ticket.last_person_message_at,
                        ticket.last_adviser_message_at,
                    )
                    if d is not None
                )
                if now - last >= idle_after:
                    await self._close(session, ticket, now, "idle", notify_person=True)
                elif (
                    ticket.first_answer_at is None
                    and ticket.reminded_at is None
                    and now - ticket.created_at >= remind_after
                ):
                    ticket.reminded_at = now
                    await self._to_topic(
                        session,
                        ticket,
                        "Erinnerung: Dieser Fall wartet noch auf eine erste Antwort.",
                        now,
                    )

    async def on_failure(self, failure: Failure) -> None:
        """A message could never be delivered: the person blocked the bot (their case is
        closed, the advisers told), or the case topic could not be created (the bot is no
        admin of the group?)."""
        if failure.forbidden and failure.chat_id > 0:
            await self.person_blocked(failure.chat_id)
            return
        if failure.kind != "create_topic" or failure.ticket_id is None:
            return
        log.error(
            "cannot create a forum topic in ADVISER_CHAT_ID %s (is the bot an admin with "
            "'manage topics', and are topics enabled?): %s",
            self.chat_id,
            failure.error,
        )
        now = utcnow()
        engine: DialogueEngine = await self.engine_provider()
        async with self.sessions() as session, session.begin():
            ticket = await session.get(HandoffTicket, failure.ticket_id)
            if ticket is None or ticket.status != "open":
                return
            ticket.status, ticket.closed_at, ticket.close_reason = "closed", now, "unreachable"
            person = await session.get(Person, ticket.person_id) if ticket.person_id else None
            if person is None:
                return
            row = await session.get(StateRow, person.id)
            state = ConversationState.from_dict(row.state if row else None)
            state.relay = False
            if row is not None:
                row.state = state.to_dict()
            for reply in engine.handoff_unavailable(state, texts(ticket.language), now):
                await _to_person(session, ticket, person, "text", {"text": reply_html(reply)}, now)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    async def _answer_person(
        session: AsyncSession,
        ticket: HandoffTicket,
        person: Person,
        kind: str,
        payload: dict,
        now: dt.datetime,
    ) -> None:
        """An adviser's answer on its way to the person; the first one starts the clock."""
        ticket.first_answer_at = ticket.first_answer_at or now
        ticket.last_adviser_message_at = now
        await _to_person(session, ticket, person, kind, payload, now)

    async def _to_topic(
        self, session: AsyncSession, ticket: HandoffTicket, text: str, now: dt.datetime
    ) -> None:
        await enqueue(
            session,
            chat_id=ticket.adviser_chat_id or self.chat_id,
            kind="text",
            ticket_id=ticket.id,
            direction="system",
            now=now,
            payload={"text": escape(text), "in_topic": True},
        )

    @staticmethod
    def _summary(
        engine: DialogueEngine, state: ConversationState, event: Event, language: str
    ) -> dict:
        offers = [
            engine.knowledge.offers[o].name["de"]
            for o in state.last_offers[:3]
            if o in engine.knowledge.offers
        ]
        topics = [
            engine.knowledge.topics[t].name["de"]
            for t in (event.data.get("topics") or state.last_topics or [])
            if t in engine.knowledge.topics
        ]
        return {
            "question": clean(
                event.data.get("question") or state.last_text or state.last_question or ""
            ),
            "language": language,
            "topics": topics,
            "offers": offers,
            "profile": state.profile.known(),
        }

    def _summary_html(self, ticket: HandoffTicket) -> str:
        s = ticket.summary or {}
        language = texts("de").language_name(ticket.language)
        profile = s.get("profile") or {}
        labels = {
            "age": "Alter",
            "age_group": "Altersgruppe",
            "city": "Stadt",
            "district": "Stadtteil",
            "status": "Aufenthaltsstatus",
            "gender": "Geschlecht",
        }
        lines = [
            f"<b>Fall {escape(ticket.case_number)}</b>",
            f"<b>Frage:</b> {escape(s.get('question') or '–')}",
            f"<b>Sprache:</b> {escape(language)} ({escape(ticket.language)})",
            f"<b>Themen:</b> {escape(', '.join(s.get('topics') or []) or '–')}",
            f"<b>Vom Bot vorgeschlagen:</b> {escape('; '.join(s.get('offers') or []) or '–')}",
            f"<b>Angaben:</b> {escape(', '.join(f'{labels.get(k, k)}: {v}' for k, v in profile.items()) or '–')}",
            "",
            "Antworten in diesem Thema gehen an die Person (als Kopie). Interne Notizen mit "
            f"{escape(self.settings.handoff_internal_prefix)} beginnen. /offer, /template, /claim, "
            "/close, /lang XX.",
        ]
        return "\n".join(lines)


async def open_ticket(session: AsyncSession, person_id: int) -> HandoffTicket | None:
    return await session.scalar(
        select(HandoffTicket)
        .where(HandoffTicket.person_id == person_id, HandoffTicket.status == "open")
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    )


async def _to_person(
    session: AsyncSession,
    ticket: HandoffTicket,
    person: Person,
    kind: str,
    payload: dict,
    now: dt.datetime,
) -> None:
    """Queue a message of this case for the person's chat."""
    await enqueue(
        session,
        chat_id=person.external_id,
        kind=kind,
        ticket_id=ticket.id,
        direction="to_person",
        now=now,
        payload=payload,
    )
