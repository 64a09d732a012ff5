"""The texts embedded for semantic matching, for topics and offers.

Import and matcher both use this builder, so a stored vector always belongs to the text the
matcher expects (vectors are keyed by a hash of their text).

* A topic gets one short passage per language and lexicon chunk ("Sprachkurs: Deutschkurs,
  Integrationskurs, …"): short passages are nearer neighbours of short messages than one long
  list, and cheap to embed (the model's cost grows with passage length).
* An offer gets its name and description in German and English; the multilingual model maps
  questions in other languages onto them.
"""

from __future__ import annotations

from bot.knowledge.model import Knowledge

TOPIC = "topic"
OFFER = "offer"
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
    return passages
