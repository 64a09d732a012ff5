"""`wegweiser serve`: the web application under uvicorn on WEB_HOST:WEB_PORT.

With TELEGRAM_WEBHOOK_URL set it also takes Telegram's webhook and handles the updates (inbox
workers, outbox delivery, periodic jobs under a lock); several `serve` processes may share one
PostgreSQL behind a load balancer. SIGTERM drains for at most SHUTDOWN_GRACE_SECONDS.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from bot.core.config import Settings
from bot.delivery import logs
from bot.web.app import create_app


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_webhook_url:
        logs.configure(logging.DEBUG if args.verbose else logging.INFO)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        proxy_headers=True,
        forwarded_allow_ips="*" if args.behind_proxy else None,
        log_level="info" if args.verbose else "warning",
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
        log_config=None if settings.telegram_webhook_url else uvicorn.config.LOGGING_CONFIG,
    )
    await uvicorn.Server(config).serve()
    return 0
