"""Start and stop the real Telegram application against the Bot API stand-in, for e2e tests:
the way `wegweiser run` serves (durable inbox, per-chat workers, leader poller)."""

from __future__ import annotations

from bot.telegram.app import start_serving
from tests.botapi_standin import BotApiStandIn


async def start_bot(services, *, jobs: bool = False):
    """The application as `wegweiser run` serves it, polling the stand-in in
    `services.settings`; returns the PTB application (its serving parts in
    `bot_data["serving"]`)."""
    serving = await start_serving(services, polling=True, poll_timeout=1, jobs=jobs)
    return serving.application


async def stop_bot(application, grace: float = 5.0) -> None:
    await application.bot_data["serving"].stop(grace)


async def standin_for(services, **settings) -> BotApiStandIn:
    """A started Bot API stand-in, with `services.settings` pointing at it (plus `settings`)."""
    standin = BotApiStandIn()
    await standin.start()
    services.settings = services.settings.model_copy(
        update={
            "telegram_bot_token": standin.token,
            "telegram_api_base_url": standin.base_url,
            **settings,
        }
    )
    return standin
