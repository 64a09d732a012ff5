"""Jinja2 for the workspace: autoescaping everywhere, texts through the `staff` catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.core.languages import LANGUAGES
from bot.directory.diff import show
from bot.directory.wording import field_label, language_name
from bot.i18n import staff_texts

TEMPLATES = Path(__file__).parent / "templates"
BERLIN = ZoneInfo("Europe/Berlin")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def request_language(request: Request, preferred: str | None = None) -> str:
    """The account's language, else the browser's (Accept-Language), else German."""
    if preferred in ("de", "en"):
        return preferred
    header = request.headers.get("accept-language", "")
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        code, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        base = code.split("-")[0].lower()
        if base in ("de", "en"):
            ranked.append((weight, base))
    return max(ranked)[1] if ranked else "de"


def local_time(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    lang = request_language(request, user.language if user else None)
    t = staff_texts(lang)
    page = env.get_template(template).render(
        _=t._,
        t=t,
        lang=lang,
        user=user,
        csrf=user.csrf_token if user else "",
        languages=LANGUAGES,
        language_name=lambda code: language_name(t, code),
        field_label=lambda path: field_label(t, path),
        show=show,
        local_time=local_time,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
