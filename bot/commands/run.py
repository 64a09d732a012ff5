"""`wegweiser run`: the Telegram bot with long polling, as leader or hot standby.

Updates are stored in the inbox before they are acknowledged and handled from there; one process
polls (a lease in the database), a second `run` waits and takes over within seconds when the
first dies. SIGTERM drains for at most SHUTDOWN_GRACE_SECONDS and leaves the rest in the inbox.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.core.config import Settings
from bot.delivery import logs
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
    logs.configure(logging.INFO)
    from bot.telegram.app import start_serving

    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        serving = await start_serving(services, polling=True)
        log.info("Wegweiser is running; press Ctrl+C to stop")
        await stop.wait()
        log.info(
            "stopping (at most %.0fs for updates being handled)", settings.shutdown_grace_seconds
        )
        await serving.stop()
    finally:
        await services.close()
    return 0
