"""Which update is being answered, so the first send Telegram accepts can be recorded.

An attempt cut off after Telegram accepted its first answer (a kill, a crash, a database
failure) is then not handled again: the person got the answer (at worst the first part of it),
and a second one would be a duplicate. Only the moment between Telegram's acceptance and this
record remains, the same window as an accepted send whose answer was lost.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Attempt:
    record: Callable[[], Awaitable[None]]
    replied: bool = False


current: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("attempt", default=None)


async def sent() -> None:
    """Called after every send Telegram accepted; records the first one per update."""
    attempt = current.get()
    if attempt is None or attempt.replied:
        return
    attempt.replied = True
    try:
        await attempt.record()
    except Exception as exc:  # the answer went out; only the duplicate guard is missing
        log.warning("could not record the answer as sent: %s", type(exc).__name__)
