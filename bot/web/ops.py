"""Operations endpoints: `/healthz` answers while the process is up."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    """The process is up (no database check: that is `/readyz`)."""
    return "ok"
