"""The live directory as publishers see it: one snapshot, read through one function.

`live_snapshot` is the seam between the HSDS API/export and the directory: the active offers
(retired ones are left out), the retired ids, and when each offer last changed (its revision's
time), straight from `Directory.live()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.knowledge.model import Knowledge

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
    """The live directory (cached by `Directory` per revision number, so this is one cheap query
    when nothing changed)."""
    live = await services.directory.live()
    if live is None:
        raise LookupError("the database holds no directory yet")
    return DirectorySnapshot(
        revision=live.revision,
        knowledge=live.knowledge,
        retired=frozenset(live.retired),
        modified=dict(live.modified),
    )
