"""`wegweiser serve`: the web application under uvicorn on WEB_HOST:WEB_PORT."""

from __future__ import annotations

import argparse

import uvicorn

from bot.core.config import Settings
from bot.web.app import create_app


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        proxy_headers=True,
        forwarded_allow_ips="*" if args.behind_proxy else None,
        log_level="info" if args.verbose else "warning",
    )
    await uvicorn.Server(config).serve()
    return 0
