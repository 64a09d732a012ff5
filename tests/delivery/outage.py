"""A database outage for tests: while `down`, no new connection can be made and the pool is
emptied, as when the server restarts; connections already checked out finish what they do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class Outage:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.down = False
        self.refused = 0
        event.listen(engine.sync_engine, "do_connect", self._connect)

    def _connect(self, dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
        if self.down:
            self.refused += 1
            raise ConnectionRefusedError("database unreachable (test outage)")

    async def begin(self) -> None:
        self.down = True
        await self.engine.dispose()

    def end(self) -> None:
        self.down = False
