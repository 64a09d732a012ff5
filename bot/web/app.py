"""The ASGI application factory: wiring only (services, routers, middleware, lifespan).

One process serves the staff workspace, the HSDS read API, the Telegram webhook and the
operations endpoints; every route module is a thin adapter over the services below it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.core.config import Settings
from bot.services import Services, open_services
from bot.web import hsds, ops


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The web application. With `services` given (tests), the caller owns their lifetime;
    otherwise the lifespan opens them (schema to head, knowledge loaded) and closes them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await open_services(settings)
        try:
            yield
        finally:
            if owned:
                await app.state.services.close()

    app = FastAPI(
        title="Wegweiser",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(ops.router)
    app.include_router(hsds.router)
    return app
