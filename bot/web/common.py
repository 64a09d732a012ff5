"""Helpers shared by the workspace's route modules."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from bot.directory.service import Directory, LiveDirectory, Outcome
from bot.directory.wording import Worded, word
from bot.i18n import staff_texts
from bot.staff import audit
from bot.staff.accounts import SignedIn
from bot.web.templating import request_language


def directory(request: Request) -> Directory:
    return request.app.state.services.directory


async def live(request: Request) -> LiveDirectory:
    found = await directory(request).live()
    if found is None:
        raise HTTPException(503, "the directory is empty")
    return found


def worded(request: Request, outcome: Outcome) -> list[Worded]:
    user = getattr(request.state, "user", None)
    t = staff_texts(request_language(request, user.language if user else None))
    return [word(p, t) for p in outcome.problems]


async def record(
    request: Request,
    user: SignedIn,
    action: str,
    kind: str,
    object_id: str | None,
    revision: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    async with request.app.state.services.sessions() as session, session.begin():
        await audit.record(
            session, user.name, action, kind, object_id, revision=revision, detail=detail
        )


async def after_change(request: Request) -> None:
    """Refresh this process's live knowledge (other processes notice the revision number)."""
    await request.app.state.services.refresh_knowledge()
