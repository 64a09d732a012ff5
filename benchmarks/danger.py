"""Emergency benchmark on the danger development set: recall by kind and false alarms.

    python benchmarks/danger.py              # tables per language and per kind
    python benchmarks/danger.py --failures   # every miss and false alarm, with the layer

`benchmarks/data/danger_dev/<lang>.jsonl` holds, per language, 40 acute emergencies (every kind)
and 40 hard negatives: ordinary questions with alarming words ("Erste-Hilfe-Kurs", "my son hits
other kids at school", "this bureaucracy kills me", a fire last year). It was written fresh,
without looking at the phrase lists or the conversation set, and is a TUNE set: the danger
words are fitted on it. The honest figure is the held-out half of benchmarks/conversations.py.
Each message is matched alone, as a first message, by the full matcher (phrases, concepts and
the semantic layer).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.conversations import build_engine  # noqa: E402
from bot.core.languages import LANGUAGES  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "danger_dev"


def load_set(folder: Path = DATA) -> list[dict]:
    """Every item of a development set (`<lang>.jsonl` per language), with its language."""
    items = []
    for language in LANGUAGES:
        path = folder / f"{language}.jsonl"
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            items += [json.loads(line) | {"language": language} for line in lines if line.strip()]
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list misses and false alarms")
    parser.add_argument("--lexical-only", action="store_true")
    args = parser.parse_args()
    matcher = build_engine(semantic=not args.lexical_only).matcher
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # hit, n, kind, fa, neg
    failures = []
    for item in load_set():
        result = matcher.match(item["text"], item["language"])
        alarm = result.action == "emergency"
        row = {
            "id": item["id"],
            "text": item["text"],
            "want": item["kind"],
            "got": result.emergency_kind if alarm else None,
            "alarm": alarm,
            "layer": result.emergency_layer,
        }
        for bucket in (item["language"], "all", f"kind:{item['kind']}" if item["kind"] else None):
            if bucket is None:
                continue
            c = counts[bucket]
            if item["kind"]:
                c[1] += 1
                c[0] += alarm
                c[2] += alarm and result.emergency_kind == item["kind"]
            else:
                c[4] += 1
                c[3] += alarm
        if (item["kind"] and not alarm) or (not item["kind"] and alarm):
            failures.append(row)
    print("| bucket | emergencies | recall | right kind | ordinary | false alarms |")
    print("|---|---|---|---|---|---|")
    for bucket in ["all", *LANGUAGES, *sorted(b for b in counts if b.startswith("kind:"))]:
        hit, n, kind, fa, neg = counts.get(bucket, [0, 0, 0, 0, 0])
        if not n and not neg:
            continue
        recall = f"{hit / n:.2f}" if n else "-"
        right = f"{kind / n:.2f}" if n else "-"
        print(f"| {bucket} | {n} | {recall} | {right} | {neg} | {fa} |")
    if args.failures:
        print("\n### misses and false alarms\n")
        for row in failures:
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
