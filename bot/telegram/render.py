"""Engine replies as Telegram messages: HTML with every piece of text escaped, inline keyboards,
at most 4,096 characters, never empty."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dialogue.html import reply_html
from bot.dialogue.messages import Reply

__all__ = ["CALLBACK_LIMIT", "LIMIT", "keyboard", "reply_html", "shorten"]

LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data


def shorten(html: str, limit: int = LIMIT) -> list[str]:
    """Split a long message at paragraph or line breaks into parts within the limit. Tags never
    span paragraphs here, so a split at a break keeps every part valid HTML."""
    if len(html) <= limit:
        return [html]
    parts: list[str] = []
    current = ""
    for paragraph in html.split("\n"):
        while len(paragraph) > limit:  # a single giant line: cut it (escaped text, no tags)
            cut = paragraph.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            entity = paragraph.rfind("&", 0, cut)
            if entity > 0 and ";" not in paragraph[entity:cut]:
                cut = entity  # never cut inside an HTML entity like &amp;
            parts.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip()
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) > limit:
            parts.append(current)
            current = paragraph
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row:
            if button.url:
                buttons.append(InlineKeyboardButton(button.label[:64], url=button.url))
            elif button.data and len(button.data.encode()) <= CALLBACK_LIMIT:
                buttons.append(InlineKeyboardButton(button.label[:64], callback_data=button.data))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None
