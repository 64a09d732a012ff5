"""The application factory: wiring only (settings → services → adapter → handlers).

Long polling against `TELEGRAM_API_BASE_URL`; `AIORateLimiter` keeps within Telegram's limits and
retries 429s; commands are registered with descriptions in every language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.languages import LANGUAGES
from bot.delivery.outbox import Limits, OutboxWorker
from bot.dialogue.service import DialogueService
from bot.followup.service import FollowUpService
from bot.handoff.service import HandoffService
from bot.i18n import _, texts
from bot.reporting.stale import StaffDigestJob
from bot.services import Services
from bot.storage.models import utcnow
from bot.storage.people import purge_expired
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import TelegramAdapter

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", _("start and choose a language")),
    ("end", _("end the conversation with an adviser")),
    ("menu", _("topics to choose from")),
    ("language", _("change the language")),
    ("human", _("talk to a person")),
    ("privacy", _("what I store")),
    ("delete", _("delete your data")),
    ("help", _("how Wegweiser works")),
]
PURGE_INTERVAL_SECONDS = 24 * 3600
OUTBOX_INTERVAL_SECONDS = 1.0
MAINTAIN_INTERVAL_SECONDS = 60.0


def build_application(services: Services) -> Application:
    settings = services.settings
    assert settings.telegram_bot_token, "checked by the run command"
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(False)  # one update after another: relayed messages keep their order
        .build()
    )
    dialogue = DialogueService(services)
    handoff = None
    kick = asyncio.Event()
    if settings.adviser_chat_id is not None:
        handoff = HandoffService(settings, services.sessions, dialogue.engine)
        dialogue.handoff = handoff
    followups = None
    if settings.followup_days > 0:
        followups = FollowUpService(
            services.sessions, settings.followup_days, lambda: services.knowledge
        )
        dialogue.followup = followups
    if handoff is not None or followups is not None:
        application.bot_data["outbox"] = OutboxWorker(
            application.bot,
            services.sessions,
            on_failure=handoff.on_failure if handoff is not None else None,
            limits=Limits.from_settings(settings),
        )
    application.bot_data["followup"] = followups
    application.bot_data["digest"] = (
        StaffDigestJob(services) if settings.staff_digest_telegram else None
    )
    adapter = TelegramAdapter(
        dialogue,
        FloodGuard(settings.flood_limit, settings.flood_window_seconds),
        application.bot,
        handoff=handoff,
        kick=kick,
    )
    application.bot_data["adapter"] = adapter
    application.bot_data["kick"] = kick
    application.bot_data["handoff"] = handoff
    # edits first: no other handler may take an edited message for a new one
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, adapter.on_edit))
    if settings.adviser_chat_id is not None:
        application.add_handler(
            MessageHandler(
                filters.Chat(settings.adviser_chat_id) & ~filters.StatusUpdate.ALL,
                adapter.on_adviser_message,
            )
        )
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("stats", adapter.on_stats, private))
    application.add_handler(CommandHandler([c for c, _ in COMMANDS], adapter.on_command, private))
    application.add_handler(MessageHandler(private & filters.COMMAND, adapter.on_command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, adapter.on_text)
    )
    application.add_handler(MessageHandler(private & filters.LOCATION, adapter.on_location))
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    application.add_handler(
        ChatMemberHandler(adapter.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(
            private
            & ~filters.TEXT
            & ~filters.COMMAND
            & ~filters.LOCATION
            & ~filters.StatusUpdate.ALL,
            adapter.on_media,
        )
    )
    application.add_error_handler(adapter.on_error)
    return application


async def start_background(
    application: Application, services: Services, *, purge: bool = True
) -> None:
    """After `application.initialize()`: register the command menus, start the daily purge and,
    with advisers configured, the outbox and case maintenance loops."""
    await register_commands(application)
    tasks = []
    if purge:
        tasks.append(asyncio.create_task(_purge_daily(services)))
    worker = application.bot_data.get("outbox")
    if worker is not None:
        tasks.append(asyncio.create_task(_deliver_loop(worker, application.bot_data["kick"])))
        tasks.append(asyncio.create_task(_maintain_loop(application.bot_data)))
    application.bot_data["tasks"] = tasks


async def _deliver_loop(worker: OutboxWorker, kick: asyncio.Event) -> None:
    """Deliver the outbox in lanes (see bot.delivery.outbox); at once when a handler queued
    something; a database outage is waited out inside."""
    await worker.run(kick)


async def _maintain_loop(bot_data: dict) -> None:
    """Every minute: hand-off reminders and idle cases, due referral follow-ups, and (once a
    week, when switched on) the staff digest of offers to review."""
    jobs = [
        ("hand-off maintenance", bot_data.get("handoff"), "maintain"),
        ("referral follow-up", bot_data.get("followup"), "send_due"),
        ("staff digest", bot_data.get("digest"), "run"),
    ]
    while True:
        for name, owner, method in jobs:
            if owner is None:
                continue
            try:
                await getattr(owner, method)()
            except Exception:
                log.exception("%s failed", name)
        bot_data["kick"].set()
        await asyncio.sleep(MAINTAIN_INTERVAL_SECONDS)


async def register_commands(application: Application) -> None:
    """Command menus in every language (Telegram shows the one of the user's app language)."""
    for language in LANGUAGES:
        t = texts(language)
        commands = [
            BotCommand(name, t._(description).strip("\u200f")[:256])
            for name, description in COMMANDS
        ]
        await application.bot.set_my_commands(commands, language_code=language)
    t = texts("de")
    await application.bot.set_my_commands(
        [BotCommand(name, t._(description)[:256]) for name, description in COMMANDS]
    )


async def _purge_daily(services: Services) -> None:
    while True:
        try:
            async with services.sessions() as session, session.begin():
                removed = await purge_expired(session, services.settings.retention_days, utcnow())
            log.info("retention purge: %s", removed)
        except Exception:  # keep the bot running; try again tomorrow
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


async def stop_background(application: Application) -> None:
    worker = application.bot_data.get("outbox")
    if worker is not None:  # finish or release its leases before the loops are cancelled
        await worker.stop()
    for task in application.bot_data.get("tasks", []):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
