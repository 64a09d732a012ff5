"""Engine replies as the small HTML subset Telegram shows (b, i, a), every piece of text escaped.

Telegram messages, advisers' case posts and the staff workspace's card preview all render through
here, so a card looks the same everywhere and nothing unescaped reaches a parse mode.
"""

from __future__ import annotations

from html import escape

from bot.dialogue.messages import OfferCard, Reply


def card_html(card: OfferCard) -> str:
    title = f"{card.number}. {card.title}" if card.number else card.title
    lines = [f"<b>{escape(title)}</b>"]
    if card.why:
        lines.append(f"<i>{escape(card.why)}</i>")
    if card.description:
        lines.append(escape(card.description))
    if not card.number:
        lines.append("")
    for line in card.lines:
        value = escape(line.value)
        if line.url and line.url.startswith(("https://", "http://")):
            value = f'<a href="{escape(line.url, quote=True)}">{value}</a>'
        if line.icon:
            lines.append(f"{line.icon} {value}")
        else:
            lines.append(f"<b>{escape(line.label)}:</b> {value}")
    if card.note:
        lines.append(f"\n<i>{escape(card.note)}</i>")
    return "\n".join(lines)


def reply_html(reply: Reply) -> str:
    parts = [escape(reply.text)] if reply.text else []
    parts += [card_html(c) for c in reply.cards]
    if reply.footer:
        parts.append(escape(reply.footer))
    return "\n\n".join(parts)
