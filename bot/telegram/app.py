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
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.languages import LANGUAGES
from bot.dialogue.service import DialogueService, HandoffPort
from bot.i18n import _, texts
from bot.services import Services
from bot.storage.models import utcnow
from bot.storage.people import purge_expired
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import TelegramAdapter

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", _("start and choose a language")),
    ("menu", _("topics to choose from")),
    ("language", _("change the language")),
    ("human", _("talk to a person")),
    ("privacy", _("what I store")),
    ("delete", _("delete your data")),
    ("help", _("how Wegweiser works")),
]
PURGE_INTERVAL_SECONDS = 24 * 3600


def build_application(services: Services, handoff: HandoffPort | None = None) -> Application:
    settings = services.settings
    assert settings.telegram_bot_token, "checked by the run command"
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .build()
    )
    adapter = TelegramAdapter(
        DialogueService(services, handoff),
        FloodGuard(settings.flood_limit, settings.flood_window_seconds),
        application.bot,
    )
    application.bot_data["adapter"] = adapter
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler([c for c, _ in COMMANDS], adapter.on_command, private))
    application.add_handler(MessageHandler(private & filters.COMMAND, adapter.on_command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, adapter.on_text)
    )
    application.add_handler(MessageHandler(private & filters.LOCATION, adapter.on_location))
    application.add_handler(CallbackQueryHandler(adapter.on_button))
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
    """After `application.initialize()`: register the command menus, start the daily purge."""
    await register_commands(application)
    if purge:
        application.bot_data["purge_task"] = asyncio.create_task(_purge_daily(services))


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
    task = application.bot_data.get("purge_task")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
