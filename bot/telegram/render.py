"""Engine replies as Telegram messages: HTML with every piece of text escaped, inline keyboards,
at most 4,096 characters, never empty."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dialogue.messages import OfferCard, Reply

LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data


def card_html(card: OfferCard) -> str:
    lines = [f"<b>{escape(card.title)}</b>"]
    if card.why:
        lines.append(f"<i>{escape(card.why)}</i>")
    if card.description:
        lines.append(escape(card.description))
    lines.append("")
    for line in card.lines:
        value = escape(line.value)
        if line.url and line.url.startswith(("https://", "http://")):
            value = f'<a href="{escape(line.url, quote=True)}">{value}</a>'
        lines.append(f"<b>{escape(line.label)}:</b> {value}")
    if card.note:
        lines.append(f"\n<i>{escape(card.note)}</i>")
    return "\n".join(lines)


def reply_html(reply: Reply) -> str:
    parts = [escape(reply.text)] if reply.text else []
    parts += [card_html(c) for c in reply.cards]
    return "\n\n".join(parts)


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
