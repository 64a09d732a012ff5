"""Fit the safety and scope thresholds of `MatchTuning` on the tune half, and print them.

    python benchmarks/calibrate.py

Only the tune halves are read: the tune conversations (`benchmarks/data/conversations`) and the
tune questions (`benchmarks/data/questions.jsonl`). The held-out halves are never looked at here.

* **Emergency, semantic layer**: the message is compared with the emergency example messages of
  `exemplars.yaml` (mean of the nearest few, per kind) and with the ordinary and outside-the-
  directory examples. Printed: the threshold pairs (similarity, lead over the nearest ordinary
  examples) that raise no false alarm on any ordinary tune message, and how many emergencies the
  phrase layer missed that each pair catches.
* **Scope**: a logistic model over the matcher's features (lexical evidence, similarity to topics,
  offers, outside and in-scope examples) separates needs outside the directory from needs inside
  it; its weights and the cut-off that keeps "no offer" honest on the tune half are printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.conversations import build_engine, load_conversations  # noqa: E402
from benchmarks.matching import load_questions  # noqa: E402
from bot.dialogue.slots import read_slots  # noqa: E402
from bot.matching.matcher import Matcher, _best_prefixed  # noqa: E402

SCOPE_FEATURES = ("lexical", "topic", "offer", "outside", "ordinary", "emergency")


def tune_messages() -> list[tuple[str, str]]:
    """(text, kind) of every tune message: emergency | outside | topic | other."""
    rows: list[tuple[str, str]] = []
    for conversation in load_conversations():
        if conversation["split"] != "tune":
            continue
        for turn in conversation["turns"]:
            if "say" not in turn:
                continue
            expect = turn.get("expect", {})
            kind = (
                "emergency"
                if "emergency" in expect
                else "outside"
                if expect.get("no_offer")
                else "topic"
                if "topics" in expect
                else "other"
            )
            rows.append((turn["say"], kind))
    kinds = {"topic": "topic", "out_of_scope": "outside", "emergency": "emergency"}
    rows += [(q["text"], kinds[q["kind"]]) for q in load_questions() if q["split"] == "tune"]
    return rows


def features(matcher: Matcher, text: str) -> dict[str, float]:
    rest = read_slots(text, matcher.places).rest or text
    semantic = matcher._semantic_scores(rest)
    assert semantic is not None, "calibration needs the semantic model"
    topic_lex, _ = matcher._topic_lexical(matcher.lexical.score(rest))
    _, phrase = _best_prefixed(matcher.lexical.score(text), "emergency:")
    return {
        "lexical": float(topic_lex.max()),
        "topic": float(semantic.topics.max()),
        "offer": float(semantic.offers.max()),
        "outside": semantic.outside,
        "ordinary": semantic.ordinary,
        "emergency": semantic.emergency,
        "phrase": phrase,
    }


def safety_grid(rows: list[tuple[dict, str]], threshold: float) -> list[tuple[int, float, float]]:
    ordinary = [f for f, kind in rows if kind != "emergency"]
    missed = [f for f, kind in rows if kind == "emergency" and f["phrase"] < threshold]
    # The semantic layer is a second, independent net: with every tune emergency now caught by
    # a phrase, it is judged by how many emergencies it would catch on its own.
    every = [f for f, kind in rows if kind == "emergency"]
    found = []
    for minimum in np.arange(0.84, 0.97, 0.0025):
        for lead in np.arange(0.0, 0.08, 0.0025):

            def alarm(f: dict, minimum: float = minimum, lead: float = lead) -> bool:
                negative = max(f["ordinary"], f["outside"])
                return f["emergency"] >= minimum and f["emergency"] - negative >= lead

            if any(alarm(f) for f in ordinary if f["phrase"] < threshold):
                continue
            found.append(
                (
                    sum(alarm(f) for f in missed),
                    sum(alarm(f) for f in every),
                    round(minimum, 4),
                    round(lead, 4),
                )
            )
    found.sort(key=lambda x: (-x[0], -x[1], -x[2], -x[3]))
    print(f"\nemergencies the phrase layer misses on the tune half: {len(missed)} of {len(every)}")
    return found[:5]


def fit_scope(rows: list[tuple[dict, str]]) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Logistic regression outside vs. inside on standardised features (numpy, no extra
    library): weights, bias, feature means and scales."""
    data = [(f, kind == "outside") for f, kind in rows if kind in ("outside", "topic")]
    x = np.array([[f[name] for name in SCOPE_FEATURES] for f, _ in data], dtype=np.float64)
    y = np.array([label for _, label in data], dtype=np.float64)
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # balanced classes
    for _ in range(4000):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        gradient = (p - y) * weight
        w -= 0.3 * (z.T @ gradient / len(y) + 0.01 * w)
        b -= 0.3 * gradient.mean()
    return w, b, mean, scale


def main() -> None:
    engine = build_engine()
    matcher = engine.matcher
    threshold = matcher.tuning.emergency_threshold
    rows = [(features(matcher, text), kind) for text, kind in tune_messages()]
    print(f"tune messages: {len(rows)}")
    for best in safety_grid(rows, threshold):
        print(
            f"  catches {best[0]} of the misses, {best[1]} of all emergencies on its own: "
            f"safety_min={best[2]}, safety_margin={best[3]}"
        )
    w, b, mean, scale = fit_scope(rows)
    data = [(f, kind) for f, kind in rows if kind in ("outside", "topic")]
    z = np.array(
        [[(f[n] - mean[i]) / scale[i] for i, n in enumerate(SCOPE_FEATURES)] for f, _ in data]
    )
    scores = z @ w + b
    outside = np.array([kind == "outside" for _, kind in data])
    print("\nscope model (standardised features):")
    print("  weights", dict(zip(SCOPE_FEATURES, np.round(w, 3), strict=True)), "bias", round(b, 3))
    print("  mean", json.dumps(dict(zip(SCOPE_FEATURES, np.round(mean, 4).tolist(), strict=True))))
    print(
        "  scale", json.dumps(dict(zip(SCOPE_FEATURES, np.round(scale, 4).tolist(), strict=True)))
    )
    for cut in np.arange(-1.5, 1.6, 0.25):
        honest = (scores[outside] >= cut).mean()
        lost = int((scores[~outside] >= cut).sum())
        print(
            f"  cut {cut:+.2f}: no-offer honesty {honest:.2f}, in-scope needs lost {lost}/{(~outside).sum()}"
        )


if __name__ == "__main__":
    main()
