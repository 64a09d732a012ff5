"""Structured logs: every line written while an update is handled carries its update id and a
pseudonymous person id (a keyed hash of the chat id, never the id itself)."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import logging
import os
from collections.abc import Iterator

_UPDATE: contextvars.ContextVar[str] = contextvars.ContextVar("update_id", default="-")
_PERSON: contextvars.ContextVar[str] = contextvars.ContextVar("person", default="-")
# per process: the same person has the same pseudonym within one process's log, not across
_KEY = os.urandom(16)
FORMAT = "%(asctime)s %(levelname)s %(name)s update=%(update_id)s person=%(person)s %(message)s"


def pseudonym(identifier: int) -> str:
    return hmac.new(_KEY, str(identifier).encode(), hashlib.sha256).hexdigest()[:10]


@contextlib.contextmanager
def bind(*, update_id: int, person: int) -> Iterator[None]:
    tokens = (_UPDATE.set(str(update_id)), _PERSON.set(pseudonym(person) if person else "-"))
    try:
        yield
    finally:
        _UPDATE.reset(tokens[0])
        _PERSON.reset(tokens[1])


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = _UPDATE.get()
        record.person = _PERSON.get()
        return True


def configure(level: int = logging.INFO) -> None:
    """Root logging for the serving commands (`run`, `serve`)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
