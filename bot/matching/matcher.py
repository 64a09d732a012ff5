"""The matcher: a message in, ranked topics and offers plus an action out.

Two scorers are fused per topic:

* lexical (`LexicalIndex`): fuzzy word matches against the topic lexicon, topic names, offer names
  and keywords in all languages; precise, and the only scorer for intents (hand-off, emergency);
* semantic (multilingual-e5-small, optional): cosine similarity of the message to stored topic and
  offer passages; catches paraphrases and languages the lexicon covers thinly.

The action follows from the fused score: `emergency` whenever an acute-danger phrase matches (never
behind a question), `handoff` when the person asks for a human, `answer` when the best topic is
confident, `clarify` otherwise. All thresholds live in `MatchTuning`, fitted on the tuning half of
the evaluation set (benchmarks/matching.py reports the held-out half).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bot.knowledge.model import Knowledge
from bot.matching.langid import LanguageGuess, detect_language
from bot.matching.lexical import LexicalIndex, LexicalResult, PhraseEntry
from bot.matching.normalize import normalize
from bot.matching.passages import OFFER, TOPIC, build_passages
from bot.matching.semantic import SemanticModel
from bot.storage.knowledge_store import EmbeddingIndex

Action = Literal["answer", "clarify", "handoff", "emergency"]
MAX_TEXT = 2000  # characters considered; a pasted letter keeps its beginning


@dataclass(frozen=True)
class MatchTuning:
    lexical_weight: float = 0.45
    semantic_weight: float = 0.35
    semantic_floor: float = 0.80  # best cosine at or below which semantic evidence counts as none
    semantic_ceiling: float = 0.88  # best cosine at which it counts fully
    semantic_spread: float = 0.03  # cosine gap to the best topic at which evidence reaches 0
    semantic_top_bonus: float = 0.08  # extra for the semantic favourite
    offer_keyword_weight: float = 0.6  # an offer's own keyword hit lifts its main topic
    answer_threshold: float = 0.42
    clarify_margin: float = 0.04  # top two topics closer than this, in different fields: ask
    emergency_threshold: float = 0.86
    handoff_threshold: float = 0.86


@dataclass(frozen=True)
class TopicHit:
    topic: str
    score: float
    lexical: float
    semantic: float


@dataclass(frozen=True)
class OfferHit:
    offer_id: str
    score: float
    topic: str | None  # the matched topic this offer is listed for


@dataclass
class MatchResult:
    action: Action
    language: LanguageGuess
    topics: list[TopicHit]
    offers: list[OfferHit]
    confidence: float
    emergency_kind: str | None = None
    small_talk: str | None = None  # greeting | thanks, when the message is only that
    lexical_votes: dict[str, float] = field(default_factory=dict)

    @property
    def topic_ids(self) -> list[str]:
        return [t.topic for t in self.topics]


class Matcher:
    """Built once per knowledge version; `match` is pure and thread-safe."""

    def __init__(
        self,
        knowledge: Knowledge,
        semantic: SemanticModel | None = None,
        embeddings: EmbeddingIndex | None = None,
        tuning: MatchTuning | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.semantic = semantic
        self.tuning = tuning or MatchTuning()
        places = [n for c in knowledge.cities for n in c.names()]
        places += [n for c in knowledge.cities for d in c.districts for n in d.names()]
        self.lexical = LexicalIndex(_phrases(knowledge), place_names=places)
        self._topic_ids = list(knowledge.topics)
        self._topic_pos = {t: i for i, t in enumerate(self._topic_ids)}
        self._offer_ids = list(knowledge.offers)
        self._offer_pos = {o: i for i, o in enumerate(self._offer_ids)}
        self._vectors: np.ndarray | None = None
        self._owner_kind: np.ndarray | None = None
        self._owner_pos: np.ndarray | None = None
        if semantic is not None:
            self._prepare_semantic(semantic, embeddings)

    # -- set-up ---------------------------------------------------------------------------

    def _prepare_semantic(self, semantic: SemanticModel, stored: EmbeddingIndex | None) -> None:
        if stored is not None and stored.model == semantic.name and len(stored.owners):
            owners, vectors = stored.owners, stored.vectors
        else:  # nothing stored for this model: embed now (slower start, same result)
            passages = build_passages(self.knowledge)
            owners = [(k, o) for k, o, _ in passages]
            vectors = semantic.passages([t for _, _, t in passages])
        keep = [
            i
            for i, (kind, owner) in enumerate(owners)
            if (kind == TOPIC and owner in self._topic_pos)
            or (kind == OFFER and owner in self._offer_pos)
        ]
        self._vectors = np.ascontiguousarray(vectors[keep], dtype=np.float32)
        self._owner_kind = np.array([owners[i][0] == TOPIC for i in keep])
        self._owner_pos = np.array(
            [
                self._topic_pos[owners[i][1]]
                if owners[i][0] == TOPIC
                else self._offer_pos[owners[i][1]]
                for i in keep
            ],
            dtype=np.int64,
        )

    # -- scoring --------------------------------------------------------------------------

    def _semantic_scores(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        if self.semantic is None or self._vectors is None or not text.strip():
            return None
        query = self.semantic.query(text)
        sims = self._vectors @ query
        topics = np.full(len(self._topic_ids), -1.0, dtype=np.float32)
        offers = np.full(len(self._offer_ids), -1.0, dtype=np.float32)
        assert self._owner_kind is not None and self._owner_pos is not None
        np.maximum.at(topics, self._owner_pos[self._owner_kind], sims[self._owner_kind])
        np.maximum.at(offers, self._owner_pos[~self._owner_kind], sims[~self._owner_kind])
        return topics, offers

    def _relative(self, sims: np.ndarray) -> np.ndarray:
        """Semantic evidence in 0..1: how close a topic comes to the message's best topic
        (cosines of this model crowd into a narrow band, so ranks say more than values),
        damped when even the best topic is far from the message."""
        t = self.tuning
        best = float(sims.max()) if len(sims) else 0.0
        closeness = np.clip(1 - (best - sims) / t.semantic_spread, 0, 1)
        strength = np.clip(
            (best - t.semantic_floor) / (t.semantic_ceiling - t.semantic_floor), 0, 1
        )
        return closeness * strength

    def match(self, text: str, language: str | None = None) -> MatchResult:
        text = (text or "")[:MAX_TEXT]
        t = self.tuning
        detected = LanguageGuess(language, 1.0, "chosen") if language else detect_language(text)
        lexical = self.lexical.score(text, detected.language if detected.sure else None)
        guess = self._language(detected, lexical)
        semantic = self._semantic_scores(text)

        topic_lex = np.zeros(len(self._topic_ids), dtype=np.float32)
        for topic, score in lexical.best("topic").items():
            if topic in self._topic_pos:
                topic_lex[self._topic_pos[topic]] = score
        offer_lex = lexical.best("offer")
        for offer_id, score in offer_lex.items():
            offer = self.knowledge.offers.get(offer_id)
            if offer is None:
                continue
            topic = offer.topics[0]  # an offer's own keyword points to its main topic
            if topic != "crisis":  # danger is recognised from intent phrases only
                pos = self._topic_pos[topic]
                topic_lex[pos] = max(topic_lex[pos], t.offer_keyword_weight * score)

        if semantic is not None:
            topic_sem_raw, offer_sem_raw = semantic
            topic_sem = self._relative(topic_sem_raw)
            fused = t.lexical_weight * topic_lex + t.semantic_weight * topic_sem
            fused[int(np.argmax(topic_sem_raw))] += t.semantic_top_bonus * float(topic_sem.max())
        else:
            topic_sem_raw = np.zeros(len(self._topic_ids), dtype=np.float32)
            offer_sem_raw = np.zeros(len(self._offer_ids), dtype=np.float32)
            fused = topic_lex.copy()

        order = np.argsort(-fused, kind="stable")
        topics = [
            TopicHit(
                self._topic_ids[i], float(fused[i]), float(topic_lex[i]), float(topic_sem_raw[i])
            )
            for i in order
            if fused[i] > 0
        ]
        offers = self._rank_offers(topics, offer_lex, offer_sem_raw)

        emergency_kind, emergency_score = _best_prefixed(lexical, "emergency:")
        handoff = max(lexical.best("handoff").values(), default=0.0)
        confidence = topics[0].score if topics else 0.0

        action: Action
        crisis_first = bool(topics) and topics[0].topic == "crisis"
        if emergency_score >= t.emergency_threshold:
            action = "emergency"
            emergency_kind = None if emergency_kind == "crisis" else emergency_kind
            topics = _crisis_first(topics, self._topic_ids, fused, topic_lex, topic_sem_raw)
            offers = self._emergency_offers(emergency_kind) + [
                o for o in offers if not self.knowledge.offers[o.offer_id].emergency
            ]
        elif handoff >= t.handoff_threshold:
            action = "handoff"
        elif confidence >= t.answer_threshold and not self._ambiguous(topics):
            action = "answer"
        else:
            action = "clarify"
        if action in ("answer", "clarify") and crisis_first:
            # weak crisis evidence alone: ask back (the menu and "talk to a person"), never a
            # confident answer built on it
            topics = topics[1:] + topics[:1]
            action = "clarify"

        small_talk = None
        if not topics or confidence < t.answer_threshold:
            for kind in ("greeting", "thanks"):
                if max(lexical.best(kind).values(), default=0.0) >= 0.9:
                    small_talk = kind
                    break
        return MatchResult(
            action=action,
            language=guess,
            topics=topics,
            offers=offers,
            confidence=round(confidence, 4),
            emergency_kind=emergency_kind,
            small_talk=small_talk,
            lexical_votes=lexical.language_votes,
        )

    def _ambiguous(self, topics: list[TopicHit]) -> bool:
        if len(topics) < 2:
            return False
        first, second = topics[0], topics[1]
        field_of = self.knowledge.field_of_topic
        return (
            first.score - second.score < self.tuning.clarify_margin
            and field_of.get(first.topic) != field_of.get(second.topic)
            and first.lexical == 0
        )

    def _language(self, guess: LanguageGuess, lexical: LexicalResult) -> LanguageGuess:
        if guess.source == "chosen":
            return guess
        if lexical.language_votes:
            best_lang, best_vote = max(lexical.language_votes.items(), key=lambda kv: kv[1])
            rivals = [
                v
                for lang, v in lexical.language_votes.items()
                if lang != best_lang and v >= best_vote - 0.05
            ]
            # a loanword found in many languages' lexicons ("Kita") says nothing about the language
            if not guess.sure and best_vote >= 0.85 and not rivals:
                return LanguageGuess(best_lang, max(guess.confidence, 0.6), "lexicon")
        return guess

    def _rank_offers(
        self, topics: list[TopicHit], offer_lex: dict[str, float], offer_sem: np.ndarray
    ) -> list[OfferHit]:
        topic_score = {h.topic: h.score for h in topics[:5]}
        relative = self._relative(offer_sem) if self.semantic is not None else offer_sem
        hits: list[OfferHit] = []
        for offer_id, offer in self.knowledge.offers.items():
            listed = [(topic_score[t], t) for t in offer.topics if t in topic_score]
            direct = offer_lex.get(offer_id, 0.0)
            if not listed and direct < 0.9:
                continue
            base, topic = max(listed) if listed else (0.0, None)
            # the offer's main topic counts fully, secondary topics a little less
            if topic is not None and offer.topics[0] != topic:
                base *= 0.9
            score = base + 0.25 * direct + 0.1 * float(relative[self._offer_pos[offer_id]])
            hits.append(OfferHit(offer_id, round(float(score), 4), topic))
        hits.sort(key=lambda h: (-h.score, h.offer_id))
        return hits

    def _emergency_offers(self, kind: str | None) -> list[OfferHit]:
        """Emergency numbers first, then the helpline that fits the kind of danger."""
        preferred = {
            "violence": ("women_protection",),
            "self_harm": ("psychosocial",),
        }.get(kind or "", ())
        found = [o for o in self.knowledge.offers.values() if o.emergency]

        def rank(offer) -> tuple[int, str]:
            if offer.scope.value == "nationwide" and "crisis" in offer.topics[:1]:
                return (0, offer.id)
            if any(t in offer.topics for t in preferred):
                return (1, offer.id)
            return (2, offer.id)

        return [OfferHit(o.id, 1.0, "crisis") for o in sorted(found, key=rank)]


def _best_prefixed(lexical: LexicalResult, prefix: str) -> tuple[str | None, float]:
    """The best-scoring kind under `prefix`; on a tie a specific kind (violence, self_harm…)
    beats the generic crisis words, since it decides which helpline comes first."""
    found = [
        (score, kind != f"{prefix}crisis", kind.removeprefix(prefix))
        for (kind, _owner), score in lexical.scores.items()
        if kind.startswith(prefix)
    ]
    if not found:
        return None, 0.0
    score, _, kind = max(found)
    return kind, score


def _crisis_first(topics, topic_ids, fused, lexical, semantic) -> list[TopicHit]:
    rest = [h for h in topics if h.topic != "crisis"]
    if "crisis" not in topic_ids:
        return rest
    i = topic_ids.index("crisis")
    return [
        TopicHit("crisis", max(1.0, float(fused[i])), float(lexical[i]), float(semantic[i])),
        *rest,
    ]


def _phrases(knowledge: Knowledge) -> list[PhraseEntry]:
    entries: list[PhraseEntry] = []
    for topic in knowledge.topics.values():
        for lang, name in topic.name.items():
            entries.append(PhraseEntry("topic", topic.id, lang, name))
        for lang, words in topic.lexicon.items():
            entries.extend(PhraseEntry("topic", topic.id, lang, w) for w in words)
            if topic.id == "crisis":
                # crisis words also raise the alarm, under the strict rules of intent phrases,
                # and only when they are unmistakable: several words or one word of 5+ letters
                entries.extend(
                    PhraseEntry("emergency:crisis", "crisis", lang, w)
                    for w in words
                    if len(normalize(w).split()) > 1 or len(normalize(w)) >= 5
                )
    for offer in knowledge.offers.values():
        for lang, words in offer.keywords.items():
            entries.extend(PhraseEntry("offer", offer.id, lang, w) for w in words)
    intents = knowledge.intents
    for lang, words in intents.handoff.items():
        entries.extend(PhraseEntry("handoff", "human", lang, w) for w in words)
    for kind, lexicon in intents.emergency.items():
        for lang, words in lexicon.items():
            entries.extend(
                PhraseEntry(f"emergency:{kind.value}", kind.value, lang, w) for w in words
            )
    for kind, lexicon in (("greeting", intents.greeting), ("thanks", intents.thanks)):
        for lang, words in lexicon.items():
            entries.extend(PhraseEntry(kind, kind, lang, w) for w in words)
    return entries
