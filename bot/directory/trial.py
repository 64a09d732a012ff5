"""What the bot would answer, and why: the workspace's test box and card preview.

One small function per question over the engine and matcher (`DialogueEngine.assess`,
`Matcher.match`): action, language, topics with scores, offers with scores, and the words that
matched where the match result carries them. The card preview uses the bot's own rendering
(`build_card` + `reply_html`), so staff see exactly what a person sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.dialogue.cards import build_card, localized
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.html import reply_html
from bot.dialogue.messages import Reply
from bot.i18n import texts
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer
from bot.matching.matcher import Matcher


@dataclass
class Trial:
    question: str
    action: str
    language: str
    language_source: str
    topics: list[tuple[str, str, float, float, float]]  # id, name, score, lexical, semantic
    offers: list[tuple[str, str, float]]  # id, name, score
    evidence: list[str] = field(default_factory=list)  # words or phrases that matched


def try_question(engine: DialogueEngine, question: str, language: str | None = None) -> Trial:
    matcher: Matcher = engine.matcher
    match = matcher.match(question, language=language)
    assessment = engine.assess(question, language)
    lang = language or assessment.language
    knowledge = engine.knowledge
    topics = [
        (
            hit.topic,
            localized(knowledge.topics[hit.topic].name, "de")
            if hit.topic in knowledge.topics
            else hit.topic,
            round(hit.score, 3),
            round(hit.lexical, 3),
            round(hit.semantic, 3),
        )
        for hit in match.topics[:5]
    ]
    offers = [(o.id, localized(o.name, lang), round(score, 3)) for o, score in assessment.offers]
    evidence: list[str] = []
    for attribute in ("evidence", "matched", "phrases"):  # richer evidence as the matcher grows
        found = getattr(match, attribute, None)
        if found:
            evidence = [str(e) for e in (found if isinstance(found, list | tuple) else [found])]
            break
    return Trial(
        question=question,
        action=assessment.action,
        language=lang,
        language_source=match.language.source,
        topics=topics,
        offers=offers,
        evidence=evidence,
    )


def card_html(offer: Offer, knowledge: Knowledge, language: str, now: dt.datetime) -> str:
    """The offer card as the bot sends it (Telegram's HTML subset, every text escaped)."""
    card = build_card(offer, knowledge, texts(language), topic=offer.topics[0], now=now)
    return reply_html(Reply("", cards=[card]))
