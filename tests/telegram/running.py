"""Start and stop the real Telegram application against the Bot API stand-in, for e2e tests:
the way `wegweiser run` serves (durable inbox, per-chat workers, leader poller)."""

from __future__ import annotations

from bot.telegram.app import start_serving


async def start_bot(services, *, jobs: bool = False):
    """The application as `wegweiser run` serves it, polling the stand-in in
    `services.settings`; returns the PTB application (its serving parts in
    `bot_data["serving"]`)."""
    serving = await start_serving(services, polling=True, poll_timeout=1, jobs=jobs)
    return serving.application


async def stop_bot(application, grace: float = 5.0) -> None:
    await application.bot_data["serving"].stop(grace)
