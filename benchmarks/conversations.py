"""Conversation benchmark: the multi-turn set in `benchmarks/data/conversations/<lang>.jsonl`.

    python benchmarks/conversations.py                 # held-out and tune tables
    python benchmarks/conversations.py --failures tune # list the tune half's failed turns
    python benchmarks/conversations.py --save FILE     # also write the figures as JSON

Every conversation runs turn by turn through the dialogue engine (no transport, no database:
the engine's state in, its replies and outcome out), as a person would write it. Each turn's
`expect` is checked (see `benchmarks/data/conversations/README.md`). Figures per language and per
kind, beside those of the previous release (`benchmarks/results/conversations-previous.json`):

* emergency recall (turns with `emergency`), right kind, and false alarms (every other turn);
* out-of-directory honesty (`no_offer` turns answered with "no offer", never an office);
* topic top-1 / top-3 (turns with `topics`), also on turns that carry slots (place or age);
* place right (`city`/`district`), age right, language right, action right, offers right;
* turn pass rate: every expectation of the turn met.

The set is split by a hash of the conversation id into a tune half (used to fit thresholds) and
a held-out half (never looked at while tuning: `--failures` refuses to list it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.languages import LANGUAGES  # noqa: E402
from bot.dialogue.engine import DialogueEngine  # noqa: E402
from bot.dialogue.script import run_turn  # noqa: E402
from bot.dialogue.state import ConversationState  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "conversations"
PREVIOUS = ROOT / "benchmarks" / "results" / "conversations-previous.json"
NOW = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)  # a Tuesday morning, offices open
TARGETS = {
    "emergency_recall": 1.0,
    "false_alarms": 0,
    "honesty": 0.95,
    "top3_slots": 0.95,
    "top1_slots": 0.90,
    "place": 0.95,
    "language_pass": 0.90,
}


def split_of(conversation_id: str) -> str:
    return "tune" if hashlib.sha256(conversation_id.encode()).digest()[0] % 2 == 0 else "heldout"


def load_conversations() -> list[dict]:
    conversations = []
    for path in sorted(DATA.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                item["split"] = split_of(item["id"])
                item["_where"] = f"{path.name}:{number}"
                conversations.append(item)
    return conversations


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def check_turn(expect: dict, result: dict, language: str) -> dict[str, bool]:
    """Each expectation of a turn: met or not."""
    checks: dict[str, bool] = {}
    action = result["action"]
    offers = [o["id"] for o in result["offers"]]
    topics = result.get("topics") or []
    profile = result.get("profile") or {}
    if "emergency" in expect:
        checks["emergency"] = action == "emergency"
        checks["emergency_kind"] = action == "emergency" and result.get("emergency_kind") in set(
            _as_list(expect["emergency"])
        )
    else:
        checks["no_false_alarm"] = action != "emergency"
    if expect.get("no_offer"):
        checks["honesty"] = action == "clarify" and not offers
    if "action" in expect and "emergency" not in expect:
        checks["action"] = action in set(_as_list(expect["action"]))
    if "topics" in expect:
        wanted = set(expect["topics"])
        checks["top1"] = bool(topics) and topics[0] in wanted
        checks["top3"] = bool(wanted & set(topics[:3]))
    if "offers" in expect:
        checks["offers"] = bool(set(expect["offers"]) & set(offers))
    if "city" in expect:
        place = profile.get("city") == expect["city"]
        if "district" in expect:
            place = place and profile.get("district") == expect["district"]
        checks["place"] = place
    if "age" in expect:
        checks["age"] = profile.get("age") == expect["age"]
    checks["language"] = result["language"] == expect.get("language", language)
    return checks


def run_conversation(engine: DialogueEngine, conversation: dict) -> list[tuple[dict, dict, dict]]:
    """(turn, result, checks) for every turn of one conversation."""
    state = ConversationState()
    out = []
    now = NOW
    for turn in conversation["turns"]:
        result = run_turn(
            engine, state, turn, now, telegram_language=conversation.get("telegram_language")
        )
        checks = check_turn(turn.get("expect", {}), result, conversation["language"])
        out.append((turn, result, checks))
        now += dt.timedelta(seconds=40)
    return out


def _share(values: list[bool]) -> tuple[float, int]:
    return (sum(values) / len(values) if values else float("nan")), len(values)


def evaluate(engine: DialogueEngine, conversations: list[dict]) -> dict:
    """Figures for a list of conversations, overall and per language, plus latency."""
    per: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    latencies: list[float] = []
    failures: list[dict] = []
    for conversation in conversations:
        lang = conversation["language"]
        start = time.perf_counter()
        turns = run_conversation(engine, conversation)
        latencies.append((time.perf_counter() - start) * 1000 / max(1, len(turns)))
        for turn, result, checks in turns:
            expect = turn.get("expect", {})
            slots = "city" in expect or "age" in expect
            for bucket in ("all", lang):
                figures = per[bucket]
                for name, ok in checks.items():
                    figures[name].append(ok)
                    if name in ("top1", "top3") and slots:
                        figures[f"{name}_slots"].append(ok)
                figures["turn_pass"].append(all(checks.values()))
                if "emergency" in expect:
                    for kind in _as_list(expect["emergency"])[:1]:
                        per[f"kind:{kind}"]["emergency"].append(checks["emergency"])
            if not all(checks.values()):
                failures.append(
                    {
                        "id": conversation["id"],
                        "where": conversation["_where"],
                        "say": turn.get("say") or turn.get("command"),
                        "expect": expect,
                        "got": {
                            k: result.get(k)
                            for k in ("action", "language", "topics", "emergency_kind", "profile")
                        }
                        | {"offers": [o["id"] for o in result["offers"]][:3]},
                        "failed": [k for k, ok in checks.items() if not ok],
                    }
                )
    table = {
        bucket: {name: _share(values) for name, values in figures.items()}
        for bucket, figures in per.items()
    }
    false_alarms = sum(1 for ok in per["all"]["no_false_alarm"] if not ok)
    latencies.sort()
    return {
        "table": table,
        "false_alarms": false_alarms,
        "latency_p50_ms": latencies[len(latencies) // 2] if latencies else None,
        "failures": failures,
    }


COLUMNS = [
    ("emergency", "emergency recall"),
    ("emergency_kind", "right kind"),
    ("no_false_alarm", "no false alarm"),
    ("honesty", "no-offer honesty"),
    ("top1", "top-1"),
    ("top3", "top-3"),
    ("top1_slots", "top-1 w/ slots"),
    ("top3_slots", "top-3 w/ slots"),
    ("place", "place right"),
    ("age", "age right"),
    ("language", "language right"),
    ("action", "action right"),
    ("offers", "offers right"),
    ("turn_pass", "turn pass"),
]


def _cell(figure: tuple[float, int] | None, previous: tuple[float, int] | None) -> str:
    if not figure or figure[1] == 0:
        return "–"
    text = f"{figure[0]:.2f}"
    if previous and previous[1]:
        text += f" ({previous[0]:.2f})"
    return text


def print_tables(name: str, result: dict, previous: dict | None) -> None:
    table, before = result["table"], (previous or {}).get("table", {})
    print(f"\n### {name}: figures now (previous release in brackets)\n")
    print("| measure | n | all |")
    print("|---|---|---|")
    for key, label in COLUMNS:
        figure = table["all"].get(key)
        if figure:
            print(f"| {label} | {figure[1]} | {_cell(figure, before.get('all', {}).get(key))} |")
    print(
        f"| false alarms (count) | {table['all']['no_false_alarm'][1]} | "
        f"{result['false_alarms']} ({(previous or {}).get('false_alarms', '–')}) |"
    )
    print("\nper language:\n")
    keys = [
        "emergency",
        "no_false_alarm",
        "honesty",
        "top1",
        "top3",
        "place",
        "language",
        "turn_pass",
    ]
    print("| language | " + " | ".join(label for k, label in COLUMNS if k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for lang in LANGUAGES:
        row = table.get(lang, {})
        prev = before.get(lang, {})
        cells = [_cell(row.get(k), prev.get(k)) for k, _ in COLUMNS if k in keys]
        print(f"| {lang} | " + " | ".join(cells) + " |")
    print("\nemergency recall per kind:\n")
    print("| kind | n | recall |")
    print("|---|---|---|")
    for bucket in sorted(k for k in table if k.startswith("kind:")):
        figure = table[bucket]["emergency"]
        print(
            f"| {bucket[5:]} | {figure[1]} | "
            f"{_cell(figure, before.get(bucket, {}).get('emergency'))} |"
        )


def build_engine(semantic: bool = True) -> DialogueEngine:
    """The engine over the shipped knowledge, with the shipped passage vectors."""
    from benchmarks.matching import embedding_index, load_shipped
    from bot.matching.matcher import Matcher
    from bot.matching.semantic import load_semantic_model

    knowledge = load_shipped()
    model = load_semantic_model() if semantic else None
    index = embedding_index(knowledge, model) if model else None
    return DialogueEngine(knowledge, Matcher(knowledge, model, index))


def _jsonable(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k != "failures"}
    out["table"] = {b: {k: list(v) for k, v in f.items()} for b, f in result["table"].items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", choices=["tune"], help="list failed turns of the tune half")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--lexical-only", action="store_true")
    args = parser.parse_args()
    engine = build_engine(semantic=not args.lexical_only)
    conversations = load_conversations()
    previous = json.loads(PREVIOUS.read_text()) if PREVIOUS.exists() else {}
    results = {}
    for split in ("heldout", "tune"):
        subset = [c for c in conversations if c["split"] == split]
        results[split] = evaluate(engine, subset)
        turns = sum(len(c["turns"]) for c in subset)
        print_tables(
            f"{split} half: {len(subset)} conversations, {turns} turns",
            results[split],
            previous.get(split),
        )
    print(
        "\ntargets (held-out): emergency recall 1.0 with 0 false alarms; no-offer honesty >= 0.95; "
        "top-3 >= 0.95 and top-1 >= 0.90 with slots; place right >= 0.95; every language's turn "
        "pass rate >= 0.90"
    )
    if args.failures:
        print(f"\n### failed turns of the {args.failures} half\n")
        for failure in results[args.failures]["failures"]:
            print(json.dumps(failure, ensure_ascii=False))
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(
            json.dumps({s: _jsonable(r) for s, r in results.items()}, ensure_ascii=False, indent=1)
        )


if __name__ == "__main__":
    main()
