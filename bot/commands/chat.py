"""`wegweiser chat [--lang XX]`: the console adapter over the dialogue engine.

Buttons are shown as numbered choices; type the number to press one. Commands work as in
Telegram (/start, /menu, /language, /human, /privacy, /delete, /help). /quit ends the chat.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap

from bot.core.config import Settings
from bot.dialogue.messages import Button, Incoming, Reply
from bot.dialogue.service import DialogueService
from bot.services import open_services

CONSOLE_PERSON = 1  # the console is one person; their state lives in the database like any other


def render(reply: Reply, choices: list[Button]) -> str:
    out: list[str] = []
    if reply.text:
        out.append(reply.text)
    for card in reply.cards:
        block = [f"■ {card.title}"]
        if card.why:
            block.append(f"  ({card.why})")
        block += textwrap.wrap(card.description, 88, initial_indent="  ", subsequent_indent="  ")
        for line in card.lines:
            block.append(f"  {line.label}: {line.value}")
            if line.url and line.url.startswith("https://www.openstreetmap.org"):
                block.append(f"    {line.url}")
        if card.note:
            block.append(f"  ! {card.note}")
        out.append("\n".join(block))
    for row in reply.buttons:
        labels = []
        for button in row:
            choices.append(button)
            labels.append(f"[{len(choices)}] {button.label}")
        out.append("   ".join(labels))
    return "\n".join(out)


async def _read_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def chat(args: argparse.Namespace, settings: Settings) -> int:
    print("Wegweiser is preparing the directory (the first start takes a minute)…", file=sys.stderr)
    services = await open_services(settings)
    service = DialogueService(services)
    choices: list[Button] = []
    try:
        first = Incoming("button", f"l:{args.lang}") if args.lang else Incoming("command", "start")
        for reply in await service.handle("console", CONSOLE_PERSON, first):
            print(render(reply, choices), end="\n\n")
        if args.lang:
            for reply in await service.handle(
                "console", CONSOLE_PERSON, Incoming("command", "start")
            ):
                print(render(reply, choices), end="\n\n")
        while True:
            line = await _read_line("> ")
            if line is None or line.strip() in ("/quit", "/exit"):
                return 0
            line = line.strip()
            if line.isdigit() and 1 <= int(line) <= len(choices):
                button = choices[int(line) - 1]
                if button.url:
                    print(button.url)
                    continue
                incoming = Incoming("button", button.data)
            elif line.startswith("/"):
                name, _, argument = line[1:].partition(" ")
                incoming = Incoming("command", name.lower(), argument=argument.strip())
            else:
                incoming = Incoming("text", line)
            choices = []
            for reply in await service.handle("console", CONSOLE_PERSON, incoming):
                print(render(reply, choices), end="\n\n")
    finally:
        await services.close()
