"""The texts embedded for semantic matching, for topics and offers.

Import and matcher both use this builder, so a stored vector always belongs to the text the
matcher expects (vectors are keyed by a hash of their text).

* A topic gets one short passage per language and lexicon chunk ("Sprachkurs: Deutschkurs,
  Integrationskurs, …"): short passages are nearer neighbours of short messages than one long
  list, and cheap to embed (the model's cost grows with passage length).
* An offer gets its name and description in German and English; the multilingual model maps
  questions in other languages onto them.
* Exemplars (`exemplars.yaml`) are whole example messages for the safety layers: acute danger by
  kind (`emergency:<kind>`), ordinary questions that only sound alarming (`ordinary`), and needs
  outside the directory (`outside:<category>`). They go through the same embedding pipeline as
  everything else (stored at import, shipped in `embeddings.npz`), but as queries (`QUERY_MARK`):
  messages are compared with messages.
"""

from __future__ import annotations

from bot.knowledge.model import Knowledge
from bot.matching.semantic import QUERY_MARK

TOPIC = "topic"
OFFER = "offer"
EXEMPLAR = "exemplar"
CHUNK = 6
OFFER_LANGUAGES = ("de", "en")


def build_passages(knowledge: Knowledge) -> list[tuple[str, str, str]]:
    passages: list[tuple[str, str, str]] = []
    for topic in knowledge.topics.values():
        for lang, name in topic.name.items():
            words = topic.lexicon.get(lang, [])
            if not words:
                passages.append((TOPIC, topic.id, name))
            for start in range(0, len(words), CHUNK):
                chunk = ", ".join(words[start : start + CHUNK])
                passages.append((TOPIC, topic.id, f"{name}: {chunk}"))
    for offer in knowledge.offers.values():
        for lang in OFFER_LANGUAGES:
            name = offer.name.get(lang, offer.name["de"])
            description = offer.description.get(lang, "")
            passages.append((OFFER, offer.id, f"{name}. {description}".strip()))
    return passages + build_exemplars(knowledge)


def build_exemplars(knowledge: Knowledge) -> list[tuple[str, str, str]]:
    """(EXEMPLAR, label, text): `emergency:<kind>`, `ordinary` or `outside:<category>`."""
    exemplars = knowledge.exemplars
    out: list[tuple[str, str, str]] = []
    for kind, lexicon in exemplars.emergency.items():
        out += [
            (EXEMPLAR, f"emergency:{kind.value}", QUERY_MARK + t)
            for ts in lexicon.values()
            for t in ts
        ]
    out += [
        (EXEMPLAR, "ordinary", QUERY_MARK + t) for ts in exemplars.ordinary.values() for t in ts
    ]
    for category in exemplars.outside:
        out += [
            (EXEMPLAR, f"outside:{category.id}", QUERY_MARK + t)
            for ts in category.examples.values()
            for t in ts
        ]
    return list(dict.fromkeys(out))
