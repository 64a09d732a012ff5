"""Matching benchmark: quality on the labelled evaluation set, speed and memory at scale.

    python benchmarks/matching.py            # everything (about two minutes on 2 cores)
    python benchmarks/matching.py --quality  # only the quality tables
    python benchmarks/matching.py --speed    # only latency / memory

Quality, for each split (tune: used to fit `MatchTuning`; heldout: never looked at while tuning):
per-language top-1 / top-3 topic accuracy on in-scope questions, out-of-scope rejection (share of
out-of-scope questions not answered with offers), emergency recall (share of emergencies routed
to emergency numbers). Systems: Wegweiser (lexical + semantic), its lexical part alone, and two
baselines over offer texts: rapidfuzz WRatio and bm25s.

Speed: p50 / p95 latency per question and peak memory (resident set, and Python heap by
tracemalloc) with the directory scaled up synthetically to 100, 1,000 and 10,000 offers; each
scale runs in a fresh subprocess so the numbers do not leak into each other.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.languages import LANGUAGES  # noqa: E402
from bot.dialogue.engine import DialogueEngine  # noqa: E402
from bot.dialogue.messages import Incoming  # noqa: E402
from bot.dialogue.state import ConversationState  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.knowledge.model import Knowledge  # noqa: E402
from bot.matching.matcher import Matcher  # noqa: E402
from bot.matching.normalize import normalize  # noqa: E402
from bot.matching.passages import build_passages  # noqa: E402
from bot.matching.semantic import load_semantic_model  # noqa: E402
from bot.storage.embedding_cache import load_cache  # noqa: E402
from bot.storage.knowledge_store import EmbeddingIndex, text_hash  # noqa: E402

QUESTIONS = ROOT / "benchmarks" / "data" / "questions.jsonl"
TARGETS = {"top3": 0.95, "top3_lang": 0.85, "top1": 0.85, "oos": 0.90, "emergency": 1.0}

# A prediction: ranked topic ids, whether the system would answer with offers, and whether it
# routes to emergency numbers.
Prediction = tuple[list[str], bool, bool]
System = Callable[[dict], Prediction]


def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def load_shipped() -> Knowledge:
    result = load_knowledge(ROOT / "knowledge")
    if result.knowledge is None:
        sys.exit("knowledge does not validate:\n" + "\n".join(result.report()))
    return result.knowledge


def embedding_index(knowledge: Knowledge, model) -> EmbeddingIndex:
    """Passage vectors as an import would store them: from the shipped cache where the text is
    unchanged, embedded otherwise."""
    passages = build_passages(knowledge)
    cached = load_cache(ROOT / "knowledge", model.name)
    missing = [t for _, _, t in passages if text_hash(t) not in cached]
    if missing:
        cached |= {text_hash(t): v for t, v in zip(missing, model.passages(missing), strict=True)}
    vectors = np.stack([cached[text_hash(t)] for _, _, t in passages]).astype(np.float32)
    return EmbeddingIndex(model.name, [(k, o) for k, o, _ in passages], vectors)


# --- systems -------------------------------------------------------------------------------


def wegweiser_system(matcher: Matcher) -> System:
    def predict(q: dict) -> Prediction:
        result = matcher.match(q["text"])
        return result.topic_ids, result.action == "answer", result.action == "emergency"

    return predict


def _offer_documents(knowledge: Knowledge) -> tuple[list[str], list[list[str]]]:
    docs, topics = [], []
    for offer in knowledge.offers.values():
        parts = [*offer.name.values(), *offer.description.values()]
        parts += [w for words in offer.keywords.values() for w in words]
        docs.append(" ".join(parts))
        topics.append(list(offer.topics))
    return docs, topics


def _topics_from_offers(ranked: list[int], offer_topics: list[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for i in ranked:
        for t in offer_topics[i]:
            seen.setdefault(t, None)
    return list(seen)


def wratio_system(knowledge: Knowledge, cutoff: float) -> System:
    from rapidfuzz import fuzz, process

    docs, offer_topics = _offer_documents(knowledge)

    def predict(q: dict) -> Prediction:
        found = process.extract(q["text"], docs, scorer=fuzz.WRatio, limit=10)
        ranked = [i for _, _, i in found]
        topics = _topics_from_offers(ranked, offer_topics)
        best = found[0][1] if found else 0
        return topics, best >= cutoff, bool(topics) and topics[0] == "crisis"

    return predict


def bm25_system(knowledge: Knowledge, cutoff: float) -> System:
    import bm25s

    docs, offer_topics = _offer_documents(knowledge)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, stopwords=None, show_progress=False), show_progress=False)

    def predict(q: dict) -> Prediction:
        tokens = bm25s.tokenize([q["text"]], stopwords=None, show_progress=False)
        if not tokens.vocab:
            return [], False, False
        results, scores = retriever.retrieve(tokens, k=min(10, len(docs)), show_progress=False)
        ranked = [int(i) for i, s in zip(results[0], scores[0], strict=True) if s > 0]
        topics = _topics_from_offers(ranked, offer_topics)
        best = float(scores[0][0]) if len(scores[0]) else 0.0
        return topics, best >= cutoff, bool(topics) and topics[0] == "crisis"

    return predict


# --- metrics -------------------------------------------------------------------------------


def evaluate(system: System, questions: list[dict]) -> dict:
    per_lang: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    oos: list[bool] = []
    emergency: list[bool] = []
    for q in questions:
        topics, answers, is_emergency = system(q)
        if q["kind"] == "topic":
            wanted = set(q["topics"])
            per_lang[q["lang"]].append(
                (bool(topics) and topics[0] in wanted, bool(wanted & set(topics[:3])))
            )
        elif q["kind"] == "out_of_scope":
            oos.append(not answers and not is_emergency)
        elif q["kind"] == "emergency":
            emergency.append(is_emergency)

    def share(xs):
        return sum(xs) / len(xs) if xs else float("nan")

    everything = [x for xs in per_lang.values() for x in xs]
    return {
        "top1": share([a for a, _ in everything]),
        "top3": share([b for _, b in everything]),
        "lang": {
            lang: (share([a for a, _ in xs]), share([b for _, b in xs]), len(xs))
            for lang, xs in per_lang.items()
        },
        "oos": share(oos),
        "oos_n": len(oos),
        "emergency": share(emergency),
        "emergency_n": len(emergency),
    }


def print_quality(systems: dict[str, System], questions: list[dict]) -> None:
    for split in sorted({q["split"] for q in questions}, reverse=True):
        subset = [q for q in questions if q["split"] == split]
        results = {name: evaluate(system, subset) for name, system in systems.items()}
        print(f"\n### {split} half ({len(subset)} questions)\n")
        print("| system | top-1 | top-3 | out-of-scope rejection | emergency recall |")
        print("|---|---|---|---|---|")
        for name, r in results.items():
            print(
                f"| {name} | {r['top1']:.3f} | {r['top3']:.3f} | {r['oos']:.3f} (n={r['oos_n']}) "
                f"| {r['emergency']:.3f} (n={r['emergency_n']}) |"
            )
        print("\nper language, top-1 / top-3:\n")
        print("| language | n | " + " | ".join(results) + " |")
        print("|---|---|" + "---|" * len(results))
        for lang in LANGUAGES:
            n = results[next(iter(results))]["lang"].get(lang, (0, 0, 0))[2]
            cells = []
            for r in results.values():
                top1, top3, _ = r["lang"].get(lang, (float("nan"), float("nan"), 0))
                cells.append(f"{top1:.2f} / {top3:.2f}")
            print(f"| {lang} | {n} | " + " | ".join(cells) + " |")


# --- speed ---------------------------------------------------------------------------------


def scaled_knowledge(base: Knowledge, size: int, seed: int = 7) -> Knowledge:
    """`size` offers: the real ones plus copies with new ids and varied names and keywords."""
    rng = random.Random(seed)
    originals = list(base.offers.values())
    syllables = ["ber", "ka", "lin", "dorf", "ma", "ro", "sten", "wald", "hof", "feld", "ta", "nu"]
    offers = {}
    for i in range(size):
        src = originals[i % len(originals)]
        if i < len(originals):
            offers[src.id] = src
            continue
        tag = "".join(rng.choice(syllables) for _ in range(3))
        data = src.model_dump(mode="json", exclude_none=True)
        data["id"] = f"{src.id}-{i}"
        data["name"] = {k: f"{v} {tag.title()}" for k, v in data["name"].items()}
        data["keywords"] = {k: [*v, f"{tag}{i % 97}"] for k, v in data.get("keywords", {}).items()}
        offers[data["id"]] = type(src).model_validate(data)
    return dataclasses.replace(base, offers=offers)


def scaled_embeddings(knowledge: Knowledge, base_index: EmbeddingIndex) -> EmbeddingIndex:
    """Copies of the real offers reuse their source's vectors with a little noise: the matcher
    does the same work per offer as with freshly embedded texts."""
    rng = np.random.default_rng(7)
    by_owner: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
    for owner, vector in zip(base_index.owners, base_index.vectors, strict=True):
        by_owner[owner].append(vector)
    owners, vectors = [], []
    for kind, owner_id in {(o[0], o[1]) for o in base_index.owners if o[0] != "offer"}:
        for v in by_owner[(kind, owner_id)]:  # topics and the safety layers' examples
            owners.append((kind, owner_id))
            vectors.append(v)
    for offer_id in knowledge.offers:
        source = offer_id if ("offer", offer_id) in by_owner else offer_id.rsplit("-", 1)[0]
        for v in by_owner[("offer", source)]:
            noisy = v + rng.normal(0, 0.01, v.shape).astype(np.float32)
            owners.append(("offer", offer_id))
            vectors.append(noisy / np.linalg.norm(noisy))
    return EmbeddingIndex(base_index.model, owners, np.stack(vectors).astype(np.float32))


def speed_worker(size: int) -> dict:
    """Run in a subprocess: build the matcher at `size` offers, time every question."""
    questions = [q["text"] for q in load_questions()]
    model = load_semantic_model()
    base = load_shipped()
    knowledge = scaled_knowledge(base, size)
    base_index = embedding_index(base, model) if model else None
    index = scaled_embeddings(knowledge, base_index) if base_index else None
    build_start = time.perf_counter()
    matcher = Matcher(knowledge, model, index)
    build = time.perf_counter() - build_start
    engine = DialogueEngine(knowledge, matcher)
    now = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)
    for text in questions[:20]:  # warm-up: first-call costs (the texts are timed again below)
        matcher.match(text)
    normalize.cache_clear()
    matcher._cache.clear()  # no query vector comes from the warm-up
    latencies, turns, semantic_used = [], [], 0
    for text in questions:
        start = time.perf_counter()
        semantic_used += matcher.match(text).semantic_used
        latencies.append((time.perf_counter() - start) * 1000)
    matcher._cache.clear()
    for text in questions:  # the whole turn: slots, matching, decisions, cards
        start = time.perf_counter()
        engine.handle(ConversationState(), Incoming("text", text), now)
        turns.append((time.perf_counter() - start) * 1000)
    # Python heap separately: tracemalloc slows allocation-heavy code and would distort timings
    del matcher
    tracemalloc.start()
    matcher = Matcher(knowledge, model, index)
    for text in questions[:50]:
        matcher.match(text)
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    latencies.sort()
    turns.sort()
    return {
        "offers": len(knowledge.offers),
        "phrases": matcher.lexical.size,
        "build_s": round(build, 2),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "turn_p50_ms": round(statistics.median(turns), 2),
        "turn_p95_ms": round(turns[int(0.95 * (len(turns) - 1))], 2),
        "semantic_share": round(semantic_used / len(questions), 2),
        "heap_peak_mb": round(heap_peak / 2**20, 1),
        "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "semantic": model is not None,
    }


def print_speed(sizes: list[int]) -> None:
    print("\n### latency and memory (one process per scale; questions of the evaluation set)\n")
    print(
        "| offers | phrases | build | match p50 | match p95 | turn p50 | turn p95 "
        "| semantic query needed | peak RSS | peak Python heap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--speed-worker", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"| {r['offers']:,} | {r['phrases']:,} | {r['build_s']} s | {r['p50_ms']} ms "
            f"| {r['p95_ms']} ms | {r['turn_p50_ms']} ms | {r['turn_p95_ms']} ms "
            f"| {r['semantic_share']:.0%} | {r['rss_peak_mb']} MB | {r['heap_peak_mb']} MB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--speed-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.speed_worker:
        print(json.dumps(speed_worker(args.speed_worker)))
        return
    both = not (args.quality or args.speed)
    if args.quality or both:
        knowledge = load_shipped()
        questions = load_questions()
        model = load_semantic_model()
        index = embedding_index(knowledge, model) if model else None
        systems: dict[str, System] = {
            "Wegweiser (lexical + semantic)": wegweiser_system(Matcher(knowledge, model, index)),
            "Wegweiser lexical only": wegweiser_system(Matcher(knowledge, None, None)),
            "baseline rapidfuzz WRatio": wratio_system(knowledge, cutoff=86),
            "baseline bm25s": bm25_system(knowledge, cutoff=3.0),
        }
        if model is None:
            del systems["Wegweiser (lexical + semantic)"]
            print("(semantic backend unavailable: lexical only)")
        print_quality(systems, questions)
        print(
            f"\ntargets (held-out): top-3 >= {TARGETS['top3']} overall and >= "
            f"{TARGETS['top3_lang']} per language, top-1 >= {TARGETS['top1']}, out-of-scope "
            f"rejection >= {TARGETS['oos']}, emergency recall = {TARGETS['emergency']}"
        )
    if args.speed or both:
        print_speed([100, 1_000, 10_000])


if __name__ == "__main__":
    main()
