"""The matcher: a message in, ranked topics and offers plus an action out.

Two scorers are fused per topic:

* lexical (`LexicalIndex`): fuzzy word matches against the topic lexicon, topic names, offer names
  and keywords in all languages; precise, and the first scorer for intents (hand-off, emergency,
  help, greetings);
* semantic (multilingual-e5-small, optional): cosine similarity of the message to stored topic and
  offer passages; catches paraphrases and languages the lexicon covers thinly. It is skipped when
  the lexical result is decisive (one clear topic, or an intent phrase), which saves most of the
  time of a question.

Two safety layers sit on top, both over whole example messages (`exemplars.yaml`):

* **emergency**: a danger phrase of `intents.yaml` (by kind), else the nearest emergency exemplar
  when it is close and clearly closer than every ordinary exemplar (calibrated to give no false
  alarm on the ordinary questions of the evaluation set);
* **scope**: when no topic has lexical evidence and the message is nearer to a need outside the
  directory (a vet, a tax return, a joke) than to any topic or offer, or far from all of them, the
  answer is an honest "no offer" instead of a confident wrong office.

The action follows: `emergency` whenever danger is recognised (never behind a question),
`handoff` when the person asks for a human, `answer` when the best topic is confident, `clarify`
otherwise (with `scope == "out"` when nothing in the directory fits). Thresholds live in
`MatchTuning`, fitted on the tune half of the evaluation sets (the benchmarks report the held-out
half).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Literal

import numpy as np

from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Scope
from bot.matching.danger import KIND_PRIORITY, DangerHit, DangerSigns
from bot.matching.langid import LanguageGuess, detect_language
from bot.matching.lexical import LexicalIndex, LexicalResult, PhraseEntry
from bot.matching.normalize import normalize
from bot.matching.passages import EXEMPLAR, OFFER, TOPIC, build_passages
from bot.matching.places import PlaceMatcher
from bot.matching.semantic import SemanticModel
from bot.storage.knowledge_store import EmbeddingIndex

Action = Literal["answer", "clarify", "handoff", "emergency"]
MAX_TEXT = 2000  # characters considered; a pasted letter keeps its beginning
QUERY_CACHE = 4096  # query vectors kept per matcher: the same short questions come often
GENERIC_EMERGENCY = "crisis"  # danger words of the crisis topic: kind unknown
CRISIS_HINT = "crisis_hint"  # a single crisis word: look closer, no alarm by itself


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
    help_threshold: float = 0.9
    lead_floor: float = 0.3  # a topic this strong and this far ahead is answered
    clear_lead: float = 0.25
    # lexical evidence at which the semantic query is skipped (one clear topic)
    decisive_lexical: float = 0.95
    decisive_margin: float = 0.35
    # safety layers: nearest example messages
    neighbours: int = 3
    # fitted on the tune half by benchmarks/calibrate.py: the strictest pair without a false alarm
    safety_min: float = 0.93  # cosine to the nearest emergency exemplars
    safety_margin: float = 0.0275  # ... ahead of the nearest ordinary or outside exemplars
    # with a crisis word in the message ("Messer", "pills", "خنق") two weaker signals agree
    hint_safety_min: float = 0.90
    hint_safety_margin: float = -0.005
    # out of scope
    scope_lexical: float = 0.5  # lexical topic evidence from which a message is in scope
    scope_margin: float = 0.0  # outside exemplar ahead of every topic/offer passage by this
    scope_floor: float = 0.815  # best topic/offer cosine below which nothing fits
    scope_lexical_only_floor: float = 0.3  # without the semantic model: lexical evidence needed
    outside_lexical: float = 0.9  # an outside category's words this strong make a message "out"


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
    emergency_layer: str | None = None  # phrase | concept | semantic
    small_talk: str | None = None  # greeting | thanks | help, when the message is only that
    scope: Literal["in", "out"] = "in"
    outside: str | None = None  # the nearest outside-the-directory category, when out of scope
    lexical_votes: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # topic → the phrase that matched
    semantic_used: bool = False
    features: dict[str, float] = field(default_factory=dict)  # for calibration and the test box

    @property
    def topic_ids(self) -> list[str]:
        return [t.topic for t in self.topics]


@dataclass
class _Semantic:
    """Similarities of one message to every stored vector group. Exemplar similarities are the
    mean of the `neighbours` nearest examples: one lucky near-duplicate says less than several."""

    topics: np.ndarray  # best cosine per topic
    offers: np.ndarray  # best cosine per offer
    emergency: float  # nearest emergency examples of the closest kind
    emergency_kind: str | None
    ordinary: float  # nearest examples of ordinary messages (not acute: hard negatives)
    outside: float  # nearest examples of needs outside the directory
    outside_label: str | None


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
        place_names = [n for c in knowledge.cities for n in c.names()]
        place_names += [n for c in knowledge.cities for d in c.districts for n in d.names()]
        self.lexical = LexicalIndex(_phrases(knowledge), place_names=place_names)
        self.places = PlaceMatcher(knowledge)
        self.danger = DangerSigns(knowledge.danger)
        self._topic_ids = list(knowledge.topics)
        self._topic_pos = {t: i for i, t in enumerate(self._topic_ids)}
        self._offer_ids = list(knowledge.offers)
        self._offer_pos = {o: i for i, o in enumerate(self._offer_ids)}
        self._vectors: np.ndarray | None = None
        self._segments: dict[bool, tuple[tuple[int, int], np.ndarray, np.ndarray, int]] = {}
        self._exemplars: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._label_rows: dict[str, dict[str, np.ndarray]] = {}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = Lock()
        if semantic is not None:
            self._prepare_semantic(semantic, embeddings)

    # -- set-up ---------------------------------------------------------------------------

    def _prepare_semantic(self, semantic: SemanticModel, stored: EmbeddingIndex | None) -> None:
        wanted = build_passages(self.knowledge)
        if stored is not None and stored.model == semantic.name and len(stored.owners):
            owners, vectors = stored.owners, stored.vectors
            have = {(k, o) for k, o in owners}
            missing = [(k, o, t) for k, o, t in wanted if (k, o) not in have]
            if missing:  # e.g. exemplars added after the stored vectors were computed
                owners = [*owners, *((k, o) for k, o, _ in missing)]
                vectors = np.vstack([vectors, semantic.passages([t for _, _, t in missing])])
        else:  # nothing stored for this model: embed now (slower start, same result)
            owners = [(k, o) for k, o, _ in wanted]
            vectors = semantic.passages([t for _, _, t in wanted])
        # rows grouped by owner (topics first, then offers), so the best cosine per owner is
        # one `maximum.reduceat` over contiguous segments
        position = {TOPIC: self._topic_pos, OFFER: self._offer_pos}
        keep = sorted(
            (
                (kind != TOPIC, position[kind][owner], i)
                for i, (kind, owner) in enumerate(owners)
                if kind in position and owner in position[kind]
            ),
        )
        self._vectors = np.ascontiguousarray(vectors[[i for *_, i in keep]], dtype=np.float32)
        self._segments = {}
        for is_offer, size in ((False, len(self._topic_ids)), (True, len(self._offer_ids))):
            rows = [(n, pos) for n, (offer, pos, _) in enumerate(keep) if offer == is_offer]
            block = (rows[0][0], rows[-1][0] + 1) if rows else (0, 0)
            starts: dict[int, int] = {}
            for n, pos in rows:
                starts.setdefault(pos, n - block[0])
            owners_with_rows = sorted(starts)
            self._segments[is_offer] = (
                block,
                np.array([starts[p] for p in owners_with_rows], dtype=np.int64),
                np.array(owners_with_rows, dtype=np.int64),
                size,
            )
        groups: dict[str, tuple[list[int], list[str]]] = {}
        for i, (kind, label) in enumerate(owners):
            if kind != EXEMPLAR:
                continue
            group = label.split(":", 1)[0]
            rows, labels = groups.setdefault(group, ([], []))
            rows.append(i)
            labels.append(label.partition(":")[2])
        self._exemplars = {
            group: (np.ascontiguousarray(vectors[rows], dtype=np.float32), labels)
            for group, (rows, labels) in groups.items()
        }
        self._label_rows = {
            group: {
                label: np.array([i for i, x in enumerate(labels) if x == label], dtype=np.int64)
                for label in dict.fromkeys(labels)
            }
            for group, (_, labels) in groups.items()
        }

    # -- scoring --------------------------------------------------------------------------

    def query_vector(self, text: str) -> np.ndarray | None:
        """The message's embedding; repeated texts come from a small cache."""
        if self.semantic is None or not text.strip():
            return None
        key = normalize(text)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        vector = self.semantic.query(text)
        with self._cache_lock:
            self._cache[key] = vector
            if len(self._cache) > QUERY_CACHE:
                self._cache.popitem(last=False)
        return vector

    def _semantic_scores(self, text: str) -> _Semantic | None:
        query = self.query_vector(text)
        if query is None or self._vectors is None:
            return None
        sims = self._vectors @ query
        topics, offers = (self._best_per_owner(sims, is_offer) for is_offer in (False, True))

        emergency, kind = self._nearest("emergency", query, by_label=True)
        ordinary, _ = self._nearest("ordinary", query)
        outside, label = self._nearest("outside", query)
        return _Semantic(topics, offers, emergency, kind, ordinary, outside, label)

    def _nearest(
        self, group: str, query: np.ndarray, *, by_label: bool = False
    ) -> tuple[float, str | None]:
        """Mean cosine of the `neighbours` nearest examples of `group` (of its closest label with
        `by_label`), and the label of the nearest example."""
        if group not in self._exemplars:
            return -1.0, None
        matrix, labels = self._exemplars[group]
        scores = matrix @ query
        k = self.tuning.neighbours
        if by_label:
            best: tuple[float, str | None] = (-1.0, None)
            for label, rows in self._label_rows[group].items():
                value = float(np.sort(scores[rows])[-k:].mean())
                if value > best[0]:
                    best = (value, label)
            return best
        top = np.argsort(scores)[-k:]
        return float(scores[top].mean()), labels[int(top[-1])]

    def _best_per_owner(self, sims: np.ndarray, is_offer: bool) -> np.ndarray:
        (first, last), starts, owners, size = self._segments[is_offer]
        best = np.full(size, -1.0, dtype=np.float32)
        if len(starts):
            best[owners] = np.maximum.reduceat(sims[first:last], starts)
        return best

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

    def _topic_lexical(self, lexical: LexicalResult) -> tuple[np.ndarray, dict[str, float]]:
        t = self.tuning
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
            if topic != GENERIC_EMERGENCY:  # danger is recognised from intent phrases only
                pos = self._topic_pos[topic]
                topic_lex[pos] = max(topic_lex[pos], t.offer_keyword_weight * score)
        return topic_lex, offer_lex

    def _decisive(self, topic_lex: np.ndarray) -> bool:
        """One topic stands out lexically: the semantic query would not change the answer."""
        t = self.tuning
        if not len(topic_lex):
            return False
        order = np.argsort(-topic_lex)
        best = float(topic_lex[order[0]])
        second = float(topic_lex[order[1]]) if len(order) > 1 else 0.0
        return best >= t.decisive_lexical and best - second >= t.decisive_margin

    def match(
        self, text: str, language: str | None = None, *, topic_text: str | None = None
    ) -> MatchResult:
        """Match `text`; topics and offers from `topic_text` when given (the message without the
        words that only said where or who: slots), intents and danger from the whole text.

        The language of the text is always detected (the reply language is the dialogue's
        decision); `language`, the language the person chose, stands in when detection is unsure.
        """
        text = (text or "")[:MAX_TEXT]
        topic_text = text if topic_text is None else topic_text[:MAX_TEXT]
        t = self.tuning
        detected = detect_language(text)
        if language and not detected.sure:
            detected = LanguageGuess(language, 1.0, "chosen")
        known = detected.language if detected.sure else None
        lexical = self.lexical.score(text, known)
        topical = lexical if topic_text == text else self.lexical.score(topic_text, known)
        guess = self._language(detected, lexical)

        emergency_kind, emergency_score = _best_prefixed(lexical, "emergency:")
        if topical is not lexical:  # without the slots: "мій син [5 років] зник"
            kind_rest, score_rest = _best_prefixed(topical, "emergency:")
            if score_rest > emergency_score:
                emergency_kind, emergency_score = kind_rest, score_rest
        # the concepts also name the kind when a phrase fired: "mein Ex … bringt mich um" is
        # violence by its phrase, domestic violence by who does it
        danger: DangerHit | None = self.danger.detect(text)
        if (
            danger is not None
            and emergency_score >= t.emergency_threshold
            and KIND_PRIORITY.get(danger.kind, 0) > KIND_PRIORITY.get(emergency_kind or "", 0)
        ):
            emergency_kind = danger.kind
        handoff = max(lexical.best("handoff").values(), default=0.0)
        topic_lex, offer_lex = self._topic_lexical(topical)
        intent = (
            emergency_score >= t.emergency_threshold
            or danger is not None
            or handoff >= t.handoff_threshold
        )
        hint = max(lexical.best(CRISIS_HINT).values(), default=0.0) >= t.emergency_threshold
        semantic = None
        if self.semantic is not None and not intent and (hint or not self._decisive(topic_lex)):
            semantic = self._semantic_scores(topic_text or text)

        if semantic is not None:
            topic_sem = self._relative(semantic.topics)
            fused = t.lexical_weight * topic_lex + t.semantic_weight * topic_sem
            fused[int(np.argmax(semantic.topics))] += t.semantic_top_bonus * float(topic_sem.max())
            topic_sem_raw, offer_sem_raw = semantic.topics, semantic.offers
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
        offers = self._rank_offers(topics, offer_lex, offer_sem_raw, semantic is not None)
        confidence = topics[0].score if topics else 0.0
        lexical_best = float(topic_lex.max()) if len(topic_lex) else 0.0

        features = {
            "lexical_best": lexical_best,
            "fused_best": confidence,
            "emergency_phrase": emergency_score,
            "handoff": handoff,
        }
        if semantic is not None:
            features |= {
                "topic_cosine": float(semantic.topics.max()),
                "offer_cosine": float(semantic.offers.max()) if len(semantic.offers) else -1.0,
                "emergency_cosine": semantic.emergency,
                "ordinary_cosine": semantic.ordinary,
                "outside_cosine": semantic.outside,
            }

        action: Action
        layer = None
        scope: Literal["in", "out"] = "in"
        outside = None
        # a guard word ("letztes Jahr", "Kurs") with no danger rule met: the message tells about
        # danger or asks to learn about it ("there was a fire in our flat last year, insurance?")
        phrase_kind = emergency_kind if emergency_score >= t.emergency_threshold else None
        guarded = danger is None and self.danger.guarded(text, guess.language, phrase_kind)
        if emergency_score >= t.emergency_threshold and not guarded:
            action, layer = "emergency", "phrase"
        elif danger is not None:
            action, layer, emergency_kind = "emergency", "concept", danger.kind
        elif handoff >= t.handoff_threshold:
            action = "handoff"
        elif semantic is not None and not guarded and self._semantic_emergency(semantic, hint):
            action, layer, emergency_kind = "emergency", "semantic", semantic.emergency_kind
        elif (confidence >= t.answer_threshold and not self._ambiguous(topics)) or self._clear_lead(
            topics
        ):
            action = "answer"
        else:
            action = "clarify"
        if action == "emergency":
            emergency_kind = None if emergency_kind == GENERIC_EMERGENCY else emergency_kind
            topics = _crisis_first(topics, self._topic_ids, fused, topic_lex, topic_sem_raw)
            offers = self.emergency_offers(emergency_kind) + [
                o for o in offers if not self.knowledge.offers[o.offer_id].emergency
            ]
        else:
            emergency_kind = None
        if action in ("answer", "clarify") and topics and topics[0].topic == GENERIC_EMERGENCY:
            # crisis words without danger ("Ausbildung bei der Feuerwehr"): the need is the
            # next topic; the crisis topic is no answer of its own
            topics = topics[1:] + topics[:1]
            confidence = topics[0].score if topics[0].topic != GENERIC_EMERGENCY else 0.0
            answerable = confidence >= t.answer_threshold and not self._ambiguous(topics)
            action = "answer" if answerable or self._clear_lead(topics) else "clarify"

        small_talk = None
        if action in ("answer", "clarify"):
            # a need outside the directory ("Steuererklärung … hilfe") is no call for the menu
            scope, outside = self._outside_words(topical, lexical_best)
        if action in ("answer", "clarify") and scope == "in":
            if not topics or confidence < t.answer_threshold:
                small_talk = self._small_talk(lexical, topic_text)
            else:  # "hilfe", "مرسته": the whole message is help, a greeting or thanks
                small_talk = self._small_talk(lexical, topic_text, whole=True)
                if small_talk is not None:
                    action = "clarify"
            if small_talk is None:
                scope, outside = self._scope(lexical_best, semantic, bool(normalize(topic_text)))
        if scope == "out":
            action = "clarify"
        return MatchResult(
            action=action,
            language=guess,
            topics=topics,
            offers=offers,
            confidence=round(confidence, 4),
            emergency_kind=emergency_kind,
            emergency_layer=layer,
            small_talk=small_talk,
            scope=scope,
            outside=outside,
            lexical_votes=lexical.language_votes,
            evidence={
                owner: phrase
                for (kind, owner), phrase in topical.phrases.items()
                if kind in ("topic", "offer")
            },
            semantic_used=semantic is not None,
            features=features,
        )

    def _small_talk(
        self, lexical: LexicalResult, topic_text: str, *, whole: bool = False
    ) -> str | None:
        """Help, a greeting or thanks, when nothing answerable was asked ("help" only in a short
        message: in a long one it is part of a question). `whole`: only when the phrase is the
        whole message, so it wins over a topic word it happens to resemble."""
        words = len(normalize(topic_text).split())
        for kind in ("help", "greeting", "thanks"):
            found = lexical.best(kind)
            if not found:
                continue
            owner, score = max(found.items(), key=lambda kv: kv[1])
            if score < self.tuning.help_threshold or (kind == "help" and words > 4):
                continue
            phrase_words = len(normalize(lexical.phrases.get((kind, owner), "")).split())
            if not whole or phrase_words >= words:
                return kind
        return None

    def _semantic_emergency(self, semantic: _Semantic, hint: bool) -> bool:
        """Close to the emergency examples and ahead of the ordinary ones; less close suffices
        when the message also holds a crisis word (thresholds: benchmarks/calibrate.py)."""
        t = self.tuning
        minimum, margin = (
            (t.hint_safety_min, t.hint_safety_margin) if hint else (t.safety_min, t.safety_margin)
        )
        return (
            semantic.emergency_kind is not None
            and semantic.emergency >= minimum
            and semantic.emergency - max(semantic.ordinary, semantic.outside) >= margin
        )

    def _outside_words(
        self, lexical: LexicalResult, topic_best: float
    ) -> tuple[Literal["in", "out"], str | None]:
        """The words of a need outside the directory ("Tierarzt", "Steuererklärung") win over
        the topics when they are at least as strong; on a tie the longer phrase wins ("دکتر
        حیوانات" over "دکتر")."""
        found = lexical.best("outside")
        if not found:
            return "in", None
        category, score = max(found.items(), key=lambda kv: kv[1])
        if score < self.tuning.outside_lexical:
            return "in", None
        if score > topic_best:
            return "out", category
        outside_words = len(lexical.phrases.get(("outside", category), "").split())
        topic_words = max(
            (
                len(phrase.split())
                for (kind, owner), phrase in lexical.phrases.items()
                if kind == "topic" and lexical.scores.get((kind, owner), 0.0) >= score
            ),
            default=0,
        )
        return ("out", category) if outside_words > topic_words else ("in", None)

    def _scope(
        self, lexical_best: float, semantic: _Semantic | None, has_words: bool
    ) -> tuple[Literal["in", "out"], str | None]:
        """Whether anything in the directory fits the message."""
        t = self.tuning
        if not has_words:
            return "in", None
        if lexical_best >= t.scope_lexical:
            return "in", None
        if semantic is None:
            return ("out", None) if lexical_best < t.scope_lexical_only_floor else ("in", None)
        inside = max(float(semantic.topics.max()), float(semantic.offers.max(initial=-1.0)))
        if semantic.outside_label is not None and semantic.outside >= inside + t.scope_margin:
            return "out", semantic.outside_label
        if inside < t.scope_floor:
            return "out", None
        return "in", None

    def _clear_lead(self, topics: list[TopicHit]) -> bool:
        """Below the answer threshold, one topic can still be far ahead of all others (a clear
        question in words the lexicon lacks, recognised semantically): answer it."""
        t = self.tuning
        if not topics or topics[0].score < t.lead_floor:
            return False
        second = topics[1].score if len(topics) > 1 else 0.0
        return topics[0].score - second >= t.clear_lead

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
        self,
        topics: list[TopicHit],
        offer_lex: dict[str, float],
        offer_sem: np.ndarray,
        with_semantic: bool,
    ) -> list[OfferHit]:
        topic_score = {h.topic: h.score for h in topics[:5]}
        relative = self._relative(offer_sem) if with_semantic else offer_sem
        hits: list[OfferHit] = []
        # only offers listed for a ranked topic or named directly can rank: the others were
        # skipped below anyway, but walking all of them cost 19 ms a message at 1,000 offers
        offers = self.knowledge.offers
        candidates = dict.fromkeys(
            o.id for topic in topic_score for o in self.knowledge.offers_by_topic.get(topic, ())
        )
        candidates.update(
            dict.fromkeys(o for o, s in offer_lex.items() if s >= 0.9 and o in offers)
        )
        for offer_id in candidates:
            offer = offers[offer_id]
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

    def emergency_offers(self, kind: str | None) -> list[OfferHit]:
        """Emergency numbers first, then the helplines and places that serve this kind of danger
        (`emergency_kinds` of the offers): nationwide before local."""
        found = []
        for offer in self.knowledge.offers.values():
            if not offer.emergency:
                continue
            kinds = {k.value for k in offer.emergency_kinds}
            if not kinds:  # the general emergency numbers serve every kind
                found.append(((0, offer.id), offer))
            elif kind in kinds:
                local = offer.scope is not Scope.NATIONWIDE
                found.append(((1 + int(local), offer.id), offer))
        found.sort(key=lambda item: item[0])
        return [OfferHit(o.id, 1.0, GENERIC_EMERGENCY) for _, o in found]


def _best_prefixed(lexical: LexicalResult, prefix: str) -> tuple[str | None, float]:
    """The best-scoring kind under `prefix`; on a tie the longer phrase ("mein Mann schlägt
    mich" over "schlägt mich"), then the more specific kind, since it decides which helplines
    come first."""
    found = [
        (
            round(score, 3),
            len(lexical.phrases.get((kind, owner), "").split()),
            KIND_PRIORITY.get(kind.removeprefix(prefix), 0),
            kind.removeprefix(prefix),
        )
        for (kind, owner), score in lexical.scores.items()
        if kind.startswith(prefix)
    ]
    if not found:
        return None, 0.0
    score, _, _, kind = max(found)
    return kind, score


def _crisis_first(topics, topic_ids, fused, lexical, semantic) -> list[TopicHit]:
    rest = [h for h in topics if h.topic != GENERIC_EMERGENCY]
    if GENERIC_EMERGENCY not in topic_ids:
        return rest
    i = topic_ids.index(GENERIC_EMERGENCY)
    return [
        TopicHit(
            GENERIC_EMERGENCY, max(1.0, float(fused[i])), float(lexical[i]), float(semantic[i])
        ),
        *rest,
    ]


def _phrases(knowledge: Knowledge) -> list[PhraseEntry]:
    entries: list[PhraseEntry] = []
    for topic in knowledge.topics.values():
        for lang, name in topic.name.items():
            entries.append(PhraseEntry("topic", topic.id, lang, name))
        for lang, words in topic.lexicon.items():
            entries.extend(PhraseEntry("topic", topic.id, lang, w) for w in words)
            if topic.id == GENERIC_EMERGENCY:
                # the crisis topic's words ("Feuerwehr", "knife", "police", "fire brigade") raise
                # no alarm by themselves ("Ausbildung bei der Feuerwehr"): only the danger
                # phrases of intents.yaml do. They make sure the semantic layer looks closer.
                entries.extend(PhraseEntry(CRISIS_HINT, GENERIC_EMERGENCY, lang, w) for w in words)
    for offer in knowledge.offers.values():
        for lang, words in offer.keywords.items():
            entries.extend(PhraseEntry("offer", offer.id, lang, w) for w in words)
    for category in knowledge.exemplars.outside:
        for lang, words in category.lexicon.items():
            entries.extend(PhraseEntry("outside", category.id, lang, w) for w in words)
    intents = knowledge.intents
    for lang, words in intents.handoff.items():
        entries.extend(PhraseEntry("handoff", "human", lang, w) for w in words)
    for kind, lexicon in intents.emergency.items():
        for lang, words in lexicon.items():
            entries.extend(
                PhraseEntry(f"emergency:{kind.value}", kind.value, lang, w) for w in words
            )
    for kind, lexicon in (
        ("greeting", intents.greeting),
        ("thanks", intents.thanks),
        ("help", intents.help),
    ):
        for lang, words in lexicon.items():
            entries.extend(PhraseEntry(kind, kind, lang, w) for w in words)
    return entries
