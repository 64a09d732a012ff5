"""The ASGI application factory: wiring only (services, routers, middleware, lifespan).

One process serves the staff workspace, the HSDS read API, the Telegram webhook and the
operations endpoints; every route module is a thin adapter over the services below it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import HTTPException
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from bot.core.config import Settings
from bot.services import Services, open_services
from bot.web import auth, hsds, monitoring, offers, ops, pages, webhook
from bot.web.templating import render

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The web application. With `services` given (tests), the caller owns their lifetime;
    otherwise the lifespan opens them (schema to head, knowledge loaded) and closes them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await open_services(settings)
        serving = None
        try:
            if settings.telegram_webhook_url:
                # Telegram's updates: stored by the webhook route, handled by this process's
                # inbox workers (several `serve` processes share the inbox on PostgreSQL)
                from bot.telegram.app import start_serving

                serving = await start_serving(
                    app.state.services, polling=False, webhook_url=settings.telegram_webhook_url
                )
                app.state.inbox = serving.inbox
                app.state.inbox_wake = serving.processor.wake
            yield
        finally:
            app.state.inbox = None
            if serving is not None:
                await serving.stop()
            if owned:
                await app.state.services.close()

    app = FastAPI(
        title="Wegweiser",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.dialogue = None
    app.state.inbox = None
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(ops.router)
    app.include_router(webhook.router)
    app.include_router(auth.router)
    app.include_router(offers.router)
    app.include_router(pages.router)
    app.include_router(monitoring.router)
    app.include_router(hsds.router)  # public and read-only: no login

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        status = 200 if request.method == "GET" else 401
        return auth.login_page(request, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/hsds"):
            return await http_exception_handler(request, exc)  # JSON, as the API profile says
        if request.url.path.startswith(("/telegram", "/metrics", "/api")):
            return Response(str(exc.detail), status_code=exc.status_code)
        if not hasattr(request.state, "user"):
            request.state.user = None
        return render(
            request,
            "error.html",
            status_code=exc.status_code,
            status=exc.status_code,
            detail=exc.detail,
        )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
