"""Start and stop the real Telegram application against the Bot API stand-in, for e2e tests."""

from __future__ import annotations

from bot.telegram.app import ALLOWED_UPDATES, build_application, start_background, stop_background


async def start_bot(services):
    """The application as `wegweiser run` builds it, polling the stand-in in `services.settings`."""
    application = build_application(services)
    await application.bot_data["adapter"].service.engine()  # build the matcher before timing
    await application.initialize()
    await start_background(application, services, purge=False)
    await application.start()
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    return application


async def stop_bot(application) -> None:
    await application.updater.stop()
    await stop_background(application)
    await application.stop()
    await application.shutdown()
