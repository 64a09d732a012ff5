"""Bot texts through gettext catalogs in `locales/`, plus locale-aware formatting via Babel.

The `.po` files are the source of truth; they are compiled in memory when first needed, so no
`.mo` file is committed or has to be built by hand. Message ids are English; every language,
English included, has a complete catalog (a test enforces it).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_time, get_day_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES
from bot.core.paths import shipped

DOMAIN = "wegweiser"
STAFF_DOMAIN = "staff"  # the workspace and the staff's command-line texts (de, en)
STAFF_LANGUAGES = ("de", "en")
RLM = "\u200f"  # keeps punctuation at the right end of right-to-left lines in Telegram


def locales_dir() -> Path:
    return shipped("locales")


def po_path(language: str, domain: str = DOMAIN) -> Path:
    return locales_dir() / language / "LC_MESSAGES" / f"{domain}.po"


@lru_cache(maxsize=2 * len(LANGUAGES))
def _translations(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    path = po_path(language, domain)
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language if language != "ku" else "ku")
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Texts:
    """Translated texts and formatting for one language."""

    language: str
    domain: str = DOMAIN

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    def _(self, message: str, **values: object) -> str:
        text = _translations(self.language, self.domain).gettext(message)
        return self._fix_direction(text.format(**values) if values else text)

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = _translations(self.language, self.domain).ngettext(singular, plural, n)
        return self._fix_direction(text.format(n=n, **values))

    def _fix_direction(self, text: str) -> str:
        if not self.rtl:
            return text
        # A line that starts or ends with Latin text or digits would otherwise take its direction
        # from them; the RLM mark anchors each line right-to-left.
        return "\n".join(f"{RLM}{line}{RLM}" if line.strip() else line for line in text.split("\n"))

    def language_name(self, code: str, *, own: bool = False) -> str:
        """A language's name in this language, or with `own` in its own script ("العربية")."""
        try:
            name = Locale.parse(code).get_display_name(code if own else self.locale) or code
        except (ValueError, LookupError):
            return code
        return name[:1].upper() + name[1:]

    def weekday(self, index: int, width: str = "abbreviated") -> str:
        return str(get_day_names(width, locale=self.locale)[index])

    def time(self, value: dt.time) -> str:
        return _short_time(self.language, value)

    def decimal(self, value: float, pattern: str | None = None) -> str:
        """A number in this locale's format ("0,6" in German, "0.6" in English)."""
        return format_decimal(value, format=pattern, locale=self.locale)

    def join(self, items: list[str]) -> str:
        return format_list(items, locale=self.locale) if items else ""


@lru_cache(maxsize=4096)
def _short_time(language: str, value: dt.time) -> str:
    """An opening time in the locale's short format: cards show the same few times (09:00,
    16:00) over and over, and babel formats each from its pattern (20 a turn)."""
    return format_time(value, format="short", locale=_locale(language))


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    """Parsed once per language: parsing on every use was a tenth of the time of rendering the
    offer cards."""
    return Locale.parse(language)


@lru_cache(maxsize=len(LANGUAGES))
def texts(language: str | None) -> Texts:
    return Texts(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@lru_cache(maxsize=len(STAFF_LANGUAGES))
def staff_texts(language: str | None) -> Texts:
    """Texts for staff (workspace, `knowledge validate`): German, or English."""
    return Texts(language if language in STAFF_LANGUAGES else "de", STAFF_DOMAIN)


def _(message: str) -> str:
    """Mark a message for extraction without translating it (translated later per person)."""
    return message
