"""The audit log: who changed what, when, on which object."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditEntry, utcnow


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str | None = None,
    *,
    revision: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            created_at=utcnow(),
            actor=actor,
            action=action,
            object_kind=object_kind,
            object_id=object_id,
            revision=revision,
            detail=detail,
        )
    )


async def entries(session: AsyncSession, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    return list(
        (
            await session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
            )
        ).all()
    )
