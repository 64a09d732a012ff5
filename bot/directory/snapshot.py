"""The live directory as publishers see it: one snapshot, read through one function.

`live_snapshot` is the single seam between the HSDS API/export and the storage of the directory.
Today it reads what exists (the newest knowledge version, all offers active, `OfferRow.updated_at`
as each offer's modification time); when the directory keeps revisions, only this function changes
(to `Directory.live()`: revision number, active offers, retired offers, per-offer times).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.knowledge.model import Knowledge
from bot.storage.knowledge_store import knowledge_version_number
from bot.storage.models import OfferRow

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class DirectorySnapshot:
    """Everything a publisher needs: the active knowledge, what was retired, and when each offer
    last changed (UTC)."""

    revision: int
    knowledge: Knowledge
    retired: frozenset[str] = frozenset()
    modified: Mapping[str, dt.datetime] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, dt.datetime | None]:
        """Changes whenever the published data may change (for caches)."""
        return self.revision, max(self.modified.values(), default=None)


async def live_snapshot(services: Services) -> DirectorySnapshot:
    """The live directory. Refreshes the in-memory knowledge when another process imported a new
    version (one cheap query, as the dialogue does before each message)."""
    async with services.sessions() as session:
        version = await knowledge_version_number(session)
        if version != services.knowledge_version or services.knowledge is None:
            await services.refresh_knowledge()
        modified = dict((await session.execute(select(OfferRow.id, OfferRow.updated_at))).all())
    if services.knowledge is None:
        raise LookupError("the database holds no directory yet")
    return DirectorySnapshot(
        revision=services.knowledge_version,
        knowledge=services.knowledge,
        retired=frozenset(),
        modified=modified,
    )
