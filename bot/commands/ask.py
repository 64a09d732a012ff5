"""`wegweiser ask [--lang XX] --json TEXT` and `wegweiser ask --json --batch` (JSON Lines)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.core.config import Settings
from bot.core.languages import normalise_language
from bot.dialogue.cards import localized
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.service import DialogueService
from bot.services import open_services


def answer(engine: DialogueEngine, text: str, language: str | None) -> dict[str, Any]:
    assessment = engine.assess(text, language)
    lang = assessment.language
    return {
        "language": lang,
        "action": assessment.action,
        "offers": [
            {
                "id": offer.id,
                "name": localized(offer.name, lang),
                "topics": list(offer.topics),
                "score": round(score, 4),
            }
            for offer, score in assessment.offers
        ],
    }


def _render(result: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(result, ensure_ascii=False)
    lines = [f"{result['action']} ({result['language']})"]
    lines += [f"  {o['score']:.2f}  {o['name']}  [{o['id']}]" for o in result["offers"]]
    return "\n".join(lines)


async def ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.batch and args.text:
        print("wegweiser ask: give either TEXT or --batch, not both", file=sys.stderr)
        return 2
    if not args.batch and not args.text:
        print(
            "wegweiser ask: a question is needed (or --batch with JSON Lines on stdin)",
            file=sys.stderr,
        )
        return 2
    services = await open_services(settings)
    try:
        engine = await DialogueService(services).engine()
        if not args.batch:
            print(_render(answer(engine, " ".join(args.text), args.lang), args.json))
            return 0
        failures = 0
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError('expected an object with a "text" string')
                language = normalise_language(item.get("lang")) or args.lang
                result = answer(engine, item["text"], language)
            except ValueError as exc:  # JSONDecodeError is a ValueError
                failures += 1
                result = {"error": f"line {number}: {exc}"}
            print(_render(result, args.json), flush=True)
        return 1 if failures else 0
    finally:
        await services.close()
