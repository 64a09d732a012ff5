"""`wegweiser chat [--lang XX] [--script FILE]`: the console adapter over the dialogue engine.

Interactive: buttons are shown as numbered choices; type the number to press one. Commands work
as in Telegram (/start, /menu, /language, /human, /privacy, /delete, /help). /quit ends the chat.

Scripted (`--script FILE`, JSON Lines): each line is one turn of one person — `{"say": "…"}`,
`{"command": "start"}`, `{"button": "c:dresden"}` or `{"location": [52.13, 11.62]}`, optionally
with `"telegram_language"`; a line `{"conversation": "id"}` starts a new person. One JSON line per
bot turn comes out, with the fields of `wegweiser ask --json` (`language`, `action`, `offers`) and
`topics`, `asks`, `emergency_kind`, `no_offer`, `profile`, `replies`, `buttons`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from bot.core.config import Settings
from bot.core.languages import normalise_language
from bot.dialogue.messages import Button, Incoming, Reply
from bot.dialogue.script import ScriptError, run_turn
from bot.dialogue.service import DialogueService
from bot.dialogue.state import ConversationState
from bot.services import open_services
from bot.storage.models import utcnow

CONSOLE_PERSON = 1  # the console is one person; their state lives in the database like any other


def render(reply: Reply, choices: list[Button]) -> str:
    out: list[str] = []
    if reply.text:
        out.append(reply.text)
    for card in reply.cards:
        title = f"{card.number}. {card.title}" if card.number else card.title
        block = [f"■ {title}"]
        if card.why:
            block.append(f"  ({card.why})")
        block += textwrap.wrap(card.description, 88, initial_indent="  ", subsequent_indent="  ")
        for line in card.lines:
            label = line.icon or f"{line.label}:"
            block.append(f"  {label} {line.value}")
            if line.url and line.url.startswith("https://www.openstreetmap.org"):
                block.append(f"    {line.url}")
        if card.note:
            block.append(f"  ! {card.note}")
        out.append("\n".join(block))
    if reply.footer:
        out.append(reply.footer)
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
    if args.script:
        return await run_script(args, settings)
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


async def run_script(args: argparse.Namespace, settings: Settings) -> int:
    """Run scripted turns against the engine (state in memory, as a fresh person each
    conversation); one JSON line per bot turn on stdout, a clear error line for a bad turn."""
    services = await open_services(settings)
    try:
        engine = await DialogueService(services).engine()
        failures = 0
        state = _fresh_state(args.lang)
        telegram_language = args.lang
        for number, line in enumerate(_script_lines(args.script), start=1):
            if not line.strip():
                continue
            try:
                turn = json.loads(line)
                if not isinstance(turn, dict):
                    raise ScriptError("expected a JSON object")
                if "conversation" in turn:
                    state = _fresh_state(args.lang)
                    telegram_language = (
                        normalise_language(turn.get("telegram_language")) or args.lang
                    )
                    if not any(k in turn for k in ("say", "command", "button", "location")):
                        continue
                language = normalise_language(turn.get("telegram_language")) or telegram_language
                result = run_turn(engine, state, turn, utcnow(), telegram_language=language)
            except (ValueError, ScriptError) as exc:  # JSONDecodeError is a ValueError
                failures += 1
                result = {"error": f"line {number}: {exc}"}
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return 1 if failures else 0
    except OSError as exc:
        print(f"wegweiser chat: cannot read {args.script}: {exc.strerror}", file=sys.stderr)
        return 2
    finally:
        await services.close()


def _script_lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    with Path(path).open(encoding="utf-8") as handle:
        yield from handle


def _fresh_state(language: str | None) -> ConversationState:
    return ConversationState(language=language, language_chosen=language is not None)
