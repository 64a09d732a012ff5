"""Telegram handlers: thin. Each turns an update into an `Incoming`, lets the dialogue service
answer, and sends the replies. Flood control and error handling live here because they are about
the transport, not the conversation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import TypeVar

from telegram import Bot, Chat, ChatMember, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.core.languages import normalise_language
from bot.dialogue.messages import Incoming, Reply
from bot.dialogue.service import DialogueService
from bot.i18n import staff_texts, texts
from bot.reporting.figures import Period, compute
from bot.reporting.text import demand_text
from bot.storage.text import clean
from bot.telegram.flood import FloodGuard, Verdict
from bot.telegram.render import LIMIT, keyboard, reply_html, shorten

log = logging.getLogger(__name__)
T = TypeVar("T")
CHANNEL = "telegram"
SEND_ATTEMPTS = 4


async def with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """Retry a Bot API call on network errors and flood waits (the rate limiter retries 429s
    itself; this covers timeouts and connection failures), with growing pauses."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            wait = exc.retry_after
            await asyncio.sleep(
                wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            )
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest) or attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


class TelegramAdapter:
    def __init__(
        self, service: DialogueService, flood: FloodGuard, bot: Bot, handoff=None, kick=None
    ) -> None:
        self.service = service
        self.flood = flood
        self.bot = bot
        self.handoff = handoff  # HandoffService, when ADVISER_CHAT_ID is set
        self.kick = kick  # asyncio.Event that wakes the outbox worker

    async def on_adviser_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in the advisers' group: relayed to the person of its case topic."""
        message = update.effective_message
        user = update.effective_user
        if self.handoff is None or message is None or user is None or user.is_bot:
            return
        if message.forum_topic_created or message.forum_topic_closed:
            return
        await self.handoff.from_adviser(
            chat_id=message.chat_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            message_id=message.message_id,
            text=message.text or message.caption,
            adviser_id=user.id,
        )
        if self.kick is not None:
            self.kick.set()

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: inside a case the advisers get an edit notice; the bot itself
        does not answer edits (the first version was answered already)."""
        message, user = update.edited_message, update.effective_user
        if self.handoff is None or message is None or user is None:
            return
        if message.chat.type != Chat.PRIVATE:
            return
        text = message.text or message.caption
        if text is None:
            return
        if await self.handoff.edit_from_person(CHANNEL, user.id, message.message_id, text):
            self._kick()

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The person blocked the bot: their open case is closed and the advisers told."""
        change = update.my_chat_member
        if self.handoff is None or change is None or change.chat.type != Chat.PRIVATE:
            return
        blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
        if blocked and await self.handoff.person_blocked(change.chat.id):
            self._kick()

    def _kick(self) -> None:
        if self.kick is not None:
            self.kick.set()

    # -- incoming -------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        name, _, argument = clean(message.text)[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        await self._handle(
            update,
            Incoming(
                "command", name, argument=argument.strip(), telegram_language=self._language(update)
            ),
        )

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stats: the demand report, for staff only (STAFF_USER_IDS); others get the usual
        answer to an unknown command, so the command's existence reveals nothing."""
        user, chat = update.effective_user, update.effective_chat
        staff = self.service.services.settings.staff_user_ids
        if user is None or chat is None or user.id not in staff:
            await self.on_command(update, context)
            return
        engine = await self.service.engine()
        async with self.service.services.sessions() as session:
            figures = await compute(session, engine.knowledge, Period.last_days(30))
        report = demand_text(figures, engine.knowledge, staff_texts("de"))
        for part in shorten(escape(report), LIMIT - len("<pre></pre>")):
            await with_retries(
                lambda text=f"<pre>{part}</pre>": self.bot.send_message(
                    chat.id, text, parse_mode=ParseMode.HTML
                )
            )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await self._handle(
            update, self._incoming(update, message, "text", clean(message.text or ""))
        )

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except (BadRequest, NetworkError) as exc:  # an old query can no longer be answered
            log.info("callback answer failed: %s", exc)
        await self._handle(
            update,
            Incoming(
                "button", str(query.data or "")[:64], telegram_language=self._language(update)
            ),
        )

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.location is None:
            return
        location = message.location
        await self._handle(
            update,
            self._incoming(
                update,
                message,
                "location",
                latitude=location.latitude,
                longitude=location.longitude,
            ),
        )

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await self._handle(
            update, self._incoming(update, message, "media", media=_media_kind(message))
        )

    # -- the common path ------------------------------------------------------------------

    def _incoming(
        self, update: Update, message: Message, kind: str, text: str = "", **extra: object
    ) -> Incoming:
        """Engine input for a message, with the ids needed to relay it to advisers."""
        return Incoming(
            kind,  # type: ignore[arg-type]
            text,
            telegram_language=self._language(update),
            chat_id=message.chat_id,
            message_id=message.message_id,
            **extra,  # type: ignore[arg-type]
        )

    @staticmethod
    def _language(update: Update) -> str | None:
        user = update.effective_user
        return normalise_language(user.language_code) if user else None

    async def _handle(self, update: Update, incoming: Incoming) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != Chat.PRIVATE:
            return
        verdict = self.flood.check(user.id)
        # inside an open case every message reaches the advisers, however fast it comes
        flooded = verdict is not Verdict.OK and self.handoff is not None
        if flooded and await self.handoff.relay_if_open(CHANNEL, user.id, incoming):
            self._kick()
            return
        if verdict is Verdict.DROP:
            return
        if verdict is Verdict.WARN:
            t = texts(incoming.telegram_language)
            await self.send(
                chat.id,
                Reply(
                    t._(
                        "You are sending many messages at once. Please wait a moment, then write "
                        "your question in one message."
                    ),
                    rtl=t.rtl,
                ),
            )
            return
        replies = await self.service.handle(CHANNEL, user.id, incoming)
        for reply in replies:
            await self.send(chat.id, reply)
        if self.kick is not None:
            self.kick.set()

    async def send(self, chat_id: int, reply: Reply) -> list[Message]:
        """Send one engine reply: HTML-escaped, split below 4,096 characters, the buttons on the
        last part; nothing is sent for an empty reply."""
        bot = self.bot
        html = reply_html(reply)
        markup = keyboard(reply)
        parts = shorten(html) if html.strip() else []
        sent: list[Message] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent.append(
                await with_retries(
                    lambda part=part, last=last: bot.send_message(
                        chat_id,
                        part,
                        parse_mode=ParseMode.HTML,
                        disable_web_page_preview=True,
                        reply_markup=markup if last else None,
                    )
                )
            )
        return sent

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with context; tell the person, in their language, that something went wrong."""
        user_id = getattr(getattr(update, "effective_user", None), "id", None)
        log.error(
            "error while handling an update (user %s): %s",
            user_id,
            context.error,
            exc_info=context.error,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if isinstance(context.error, Forbidden):  # the person blocked the bot
            return
        if update.effective_chat.type != Chat.PRIVATE:
            return
        t = texts(self._language(update))
        try:
            await self.send(
                update.effective_chat.id,
                Reply(
                    t._("Sorry, something went wrong on my side. Please try again in a moment."),
                    rtl=t.rtl,
                ),
            )
        except Exception as exc:  # never let the apology itself crash the error handler
            log.warning("could not send the apology: %s", exc)


def _media_kind(message: Message) -> str:
    for kind in (
        "voice",
        "audio",
        "video_note",
        "photo",
        "sticker",
        "document",
        "contact",
        "video",
        "animation",
    ):
        if getattr(message, kind, None):
            return "voice" if kind in ("voice", "audio", "video_note") else kind
    return "other"
