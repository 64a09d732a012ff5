"""Text as the database can store it: PostgreSQL refuses the NUL character in text columns,
so a message containing one would be lost (both ways, inside a case). Telegram lets people send
it; we drop it before anything is written."""

from __future__ import annotations

from typing import Any


def clean(text: str) -> str:
    """The text without NUL characters."""
    return text.replace("\x00", "") if "\x00" in text else text


def clean_json(value: Any) -> Any:
    """A JSON-like value with every string (keys included) cleaned of NUL."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value
