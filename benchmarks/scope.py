"""Out-of-directory benchmark on the scope development set: honest "no offer", no refused need.

    python benchmarks/scope.py              # tables per language
    python benchmarks/scope.py --failures   # every wrong decision

`benchmarks/data/scope_dev/<lang>.jsonl` holds, per language, 40 needs outside the directory (a
vet, a tax return, a joke, an insult, a parking fine, gibberish) and 30 ordinary questions the
directory serves, many sharing words with the outside ones (a homework club at the youth centre
against a maths question). Written fresh, without looking at the knowledge or the conversation
set; a TUNE set (outside words are fitted on it), so the honest figures are the held-out half
of benchmarks/conversations.py. Each message is a first message through the dialogue engine.

* honesty: an outside need answered with "no offer" (clarify, no offers), never an office;
* kept: an ordinary question not answered with "no offer";
* top-1 / top-3: its topic first / among the first three.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.conversations import build_engine  # noqa: E402
from benchmarks.danger import load_set  # noqa: E402
from bot.core.languages import LANGUAGES  # noqa: E402
from bot.dialogue.script import run_turn  # noqa: E402
from bot.dialogue.state import ConversationState  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "scope_dev"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
MEASURES = ("honesty", "kept", "top1", "top3")


def judge(item: dict, result: dict) -> dict[str, bool]:
    refused = result["action"] == "clarify" and not result["offers"] and result["no_offer"]
    if item["scope"] == "out":
        return {"honesty": result["action"] == "clarify" and not result["offers"]}
    topics = result["topics"]
    return {
        "kept": not refused,
        "top1": bool(topics) and topics[0] == item["topic"],
        "top3": item["topic"] in topics[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every wrong decision")
    args = parser.parse_args()
    engine = build_engine()
    table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    failures = []
    for item in load_set(DATA):
        result = run_turn(engine, ConversationState(), {"say": item["text"]}, NOW)
        checks = judge(item, result)
        for bucket in ("all", item["language"]):
            for measure, ok in checks.items():
                table[bucket][measure].append(ok)
        if not all(checks.values()):
            failures.append(
                {
                    "id": item["id"],
                    "text": item["text"],
                    "want": item.get("topic", "out"),
                    "got": result["action"],
                    "topics": result["topics"][:3],
                    "no_offer": result["no_offer"],
                    "failed": [m for m, ok in checks.items() if not ok],
                }
            )
    print("| bucket | " + " | ".join(MEASURES) + " |")
    print("|---|" + "---|" * len(MEASURES))
    for bucket in ["all", *LANGUAGES]:
        if bucket not in table:
            continue
        cells = []
        for measure in MEASURES:
            values = table[bucket][measure]
            cells.append(f"{sum(values) / len(values):.2f} ({len(values)})" if values else "-")
        print(f"| {bucket} | " + " | ".join(cells) + " |")
    if args.failures:
        print("\n### wrong decisions\n")
        for row in failures:
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
