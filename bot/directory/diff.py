"""A readable per-field diff of two versions of an offer or a reference item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldChange:
    path: str  # dotted, e.g. "description.ar" or "target_group.age_min"
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted paths; lists stay whole values (topics, languages…)."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, path))
        elif value is not None and value != {} and value != []:
            out[path] = value
    return out


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[FieldChange]:
    """What changed from `old` to `new`, field by field, in a stable order."""
    before, after = flatten(old or {}), flatten(new or {})
    order = list(dict.fromkeys([*after, *before]))
    return [
        FieldChange(path, before.get(path), after.get(path))
        for path in order
        if before.get(path) != after.get(path)
    ]


def show(value: Any) -> str:
    """A value as people read it in a diff."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)
