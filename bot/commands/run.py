"""`wegweiser run`: the Telegram bot with long polling."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.core.config import Settings
from bot.services import open_services

log = logging.getLogger(__name__)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram_bot_token:
        print(
            "wegweiser run: TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in "
            "Telegram, then start with TELEGRAM_BOT_TOKEN=<token> wegweiser run",
            file=sys.stderr,
        )
        return 2
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.telegram.app import (
        ALLOWED_UPDATES,
        build_application,
        start_background,
        stop_background,
    )

    services = await open_services(settings)
    application = build_application(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with application:
            await start_background(application, services)
            await application.start()
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("Wegweiser is running; press Ctrl+C to stop")
            await stop.wait()
            await application.updater.stop()
            await stop_background(application)
            await application.stop()
    finally:
        await services.close()
    return 0
