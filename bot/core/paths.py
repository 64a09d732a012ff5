"""Where the shipped data lives, in a source checkout and in an installed wheel.

A wheel carries `knowledge/`, `locales/` and `migrations/` inside `bot/_data/`; a checkout (or an
editable install) has them beside the `bot` package. Looking in both places keeps one code path.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def shipped(name: str) -> Path:
    """Return the shipped data folder or file `name` (e.g. "knowledge", "alembic.ini")."""
    bundled = _PACKAGE_DIR / "_data" / name
    if bundled.exists():
        return bundled
    return _PACKAGE_DIR.parent / name
