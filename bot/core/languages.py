"""The languages Wegweiser speaks, and how their codes map to Babel locales."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final[tuple[str, ...]] = (
    "de",
    "en",
    "ar",
    "uk",
    "ru",
    "fa",
    "ps",
    "tr",
    "ku",
    "ti",
    "fr",
    "vi",
)
DEFAULT_LANGUAGE: Final = "de"
RTL_LANGUAGES: Final[frozenset[str]] = frozenset({"ar", "fa", "ps"})

# Codes people or Telegram may send that mean one of ours.
ALIASES: Final[dict[str, str]] = {
    "prs": "fa",  # Dari
    "fa-af": "fa",
    "kmr": "ku",
    "ckb": "ku",
    "pbt": "ps",
    "pbu": "ps",
    "ua": "uk",
}


def normalise_language(code: str | None) -> str | None:
    """Map a language tag such as "uk-UA", "prs" or "pt-br" to one of ours, else None."""
    if not code:
        return None
    tag = code.strip().lower().replace("_", "-")
    if tag in ALIASES:
        return ALIASES[tag]
    base = tag.split("-", 1)[0]
    base = ALIASES.get(base, base)
    return base if base in LANGUAGES else None
