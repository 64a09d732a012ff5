"""An HTTP client on the web application, in the test's own event loop (so the `services`
fixture's database connections, SQLite or PostgreSQL, stay on the loop that opened them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.services import Services
from bot.web.app import create_app


@asynccontextmanager
async def web_client(services: Services, **settings: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.settings.model_copy(update=settings), services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
