"""Operations endpoints: `/healthz` (the process is up), `/readyz` (it can do its work) and
`/metrics` (Prometheus text format)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import case, func, select, text

from bot.core import metrics
from bot.delivery.inbox import depth
from bot.storage.models import HandoffTicket, OutboxMessage, utcnow

router = APIRouter(tags=["operations"])
CHECK_TIMEOUT = 3.0


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    """The process is up (no database check: that is `/readyz`)."""
    return "ok"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers, knowledge is loaded and the inbox is not stuck (no
    due update waits longer than INBOX_STUCK_SECONDS); 503 otherwise, so a load balancer
    sends Telegram's webhook calls elsewhere."""
    services = getattr(request.app.state, "services", None)
    settings = request.app.state.settings
    report: dict[str, object] = {}
    ready = True
    try:
        async with services.sessions() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), CHECK_TIMEOUT)
            pending, oldest = await asyncio.wait_for(depth(session), CHECK_TIMEOUT)
        report["database"] = "ok"
        report["inbox"] = {"pending": pending, "oldest_seconds": round(oldest, 1)}
        if oldest > settings.inbox_stuck_seconds:
            ready = False
            report["inbox_stuck"] = True
    except Exception as exc:
        ready = False
        report["database"] = f"unavailable ({type(exc).__name__})"
    knowledge = getattr(services, "knowledge", None)
    report["knowledge_version"] = getattr(services, "knowledge_version", 0) if knowledge else None
    if knowledge is None:
        ready = False
    report["status"] = "ready" if ready else "not ready"
    return JSONResponse(report, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    """Counters of this process, and figures of the shared database read now."""
    services = getattr(request.app.state, "services", None)
    if services is not None:
        # the counters are still worth reading when the database is not
        with contextlib.suppress(Exception):
            await asyncio.wait_for(_read_gauges(services), CHECK_TIMEOUT)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _read_gauges(services) -> None:
    now = utcnow()
    async with services.sessions() as session:
        pending, oldest = await depth(session, now)
        metrics.INBOX_DEPTH.set(pending)
        metrics.INBOX_OLDEST.set(oldest)
        lane = case((OutboxMessage.chat_id < 0, "advisers"), else_="people")
        rows = (
            await session.execute(
                select(lane, func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status == "pending")
                .group_by(lane)
            )
        ).all()
        for name in ("advisers", "people"):
            metrics.OUTBOX_DEPTH.labels(name).set(0)
            metrics.OUTBOX_OLDEST.labels(name).set(0)
        for name, count, created in rows:
            if created is not None and isinstance(created, dt.datetime):
                if created.tzinfo is None:
                    created = created.replace(tzinfo=dt.UTC)
                metrics.OUTBOX_OLDEST.labels(name).set((now - created).total_seconds())
            metrics.OUTBOX_DEPTH.labels(name).set(count)
        metrics.OPEN_CASES.set(
            await session.scalar(
                select(func.count(HandoffTicket.id)).where(HandoffTicket.status == "open")
            )
            or 0
        )
    metrics.KNOWLEDGE_VERSION.set(services.knowledge_version or 0)
