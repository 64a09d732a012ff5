"""Lexical scoring: fuzzy word matching of a message against phrases of topics and offers.

Phrases (topic lexicon entries, topic and offer names, offer keywords, intent phrases) are split
into words over one shared vocabulary. For a message, every word is compared with the whole
vocabulary at once (`rapidfuzz.process.cdist` with `fuzz.ratio`), so typos and inflections match;
word order does not matter. Two cheap dictionary look-ups add what edit distance misses:

* a vocabulary word that is a prefix or suffix of a message word ("kita" in "kitaplatz",
  "كورس" in "والكورس", "kurs" in "sprachkurse"), and
* a message word that is a prefix of a vocabulary word ("schulden" → "schuldenberatung").

Very short words must match exactly, since one changed letter in three is another word. A phrase
scores the mean of its words' best similarities when enough of its words are present; a topic or
offer scores its best phrase plus a little for a second, different phrase.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from threading import Lock

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.normalize import normalize

AFFIX_SCORE = 0.86
SINGLE_FUZZY_FACTOR = 0.7
FOREIGN_FUZZY_FACTOR = 0.75
SECOND_PHRASE_BONUS = 0.15
MIN_AFFIX = 4  # shortest vocabulary word found inside a longer message word
TINY_WORD = 4  # a one-word phrase this short is weak evidence on its own
WORD_CACHE = 20_000  # message words whose vocabulary matches are kept
# Vocabulary of needs, matched loosely (typos, inflections, two thirds of a long phrase); every
# other kind is an intent phrase (hand-off, emergency, greetings), matched strictly.
VOCABULARY_KINDS = ("topic", "offer", "outside")
TINY_FOREIGN_FACTOR = 0.6


_ARABIC_CONJUNCTIONS = ("و", "ف")


def _variants(words: list[str]) -> list[str]:
    """Extra forms of the message words that fuzzy matching alone would miss.

    * adjacent words joined, for compounds written apart ("deutsch kurs" ~ "deutschkurs");
    * Arabic-script words without a glued-on conjunction ("وما" → "ما"), since the short
      words after it must match exactly.
    """
    joined = [a + b for a, b in itertools.pairwise(words) if len(a) + len(b) >= 6]
    stripped = [w[1:] for w in words if len(w) >= 3 and w.startswith(_ARABIC_CONJUNCTIONS)]
    return joined + stripped


def _same_word(message_word: str, phrase_word: str) -> bool:
    """Strict word identity for intent phrases: exact, a glued-on Arabic conjunction or clitic
    prefix, or one typo in a long word."""
    if message_word == phrase_word:
        return True
    if message_word[:1] in _ARABIC_CONJUNCTIONS and message_word[1:] == phrase_word:
        return True
    if (
        len(phrase_word) >= 4
        and message_word.endswith(phrase_word)
        and (len(message_word) - len(phrase_word) <= 2)
    ):
        return True  # "بيضربني" / "يضربني", "وما عم" / "ما عم"
    return len(phrase_word) >= 6 and fuzz.ratio(message_word, phrase_word) >= 90


def _in_sequence(phrase: list[str], words: list[str], slack: int = 1) -> bool:
    """Whether the words of `phrase` all occur, each at its own position, within a window of
    `len(phrase) + slack` consecutive message words, in any order ("мене бє" = "бє мене",
    "naxwazim êdî bijîm"). Intent phrases must: a danger phrase scattered over a sentence, or
    assembled from one word twice ("tự tử" from one "từ"), is not that phrase."""
    size = len(phrase) + slack
    for start in range(max(1, len(words) - size + 1)):
        window = words[start : start + size]
        used: set[int] = set()
        for phrase_word in phrase:
            spot = next(
                (i for i, w in enumerate(window) if i not in used and _same_word(w, phrase_word)),
                None,
            )
            if spot is None:
                break
            used.add(spot)
        else:
            return True
    return False


def _required_ratio(length: int) -> int:
    """Minimum `fuzz.ratio` (0-100) for a vocabulary word of `length` characters."""
    if length <= 3:
        return 100
    if length == 4:
        return 88  # one inserted letter ("chat"/"chats"), never a changed one ("chat"/"hat")
    if length <= 6:
        return 80
    return 75


@dataclass(frozen=True)
class PhraseEntry:
    kind: str  # topic | offer | outside | handoff | emergency:<kind> | greeting | thanks | help
    owner: str
    language: str
    text: str


@dataclass
class LexicalResult:
    """Best score per (kind, owner), the phrase behind it, and the languages that matched."""

    scores: dict[tuple[str, str], float]
    language_votes: dict[str, float]
    phrases: dict[tuple[str, str], str] = field(default_factory=dict)

    def best(self, kind: str) -> dict[str, float]:
        return {owner: s for (k, owner), s in self.scores.items() if k == kind}


class LexicalIndex:
    """An immutable index over phrases; build once per knowledge version."""

    def __init__(
        self,
        entries: Iterable[PhraseEntry],
        function_share: float = 0.25,
        place_names: Iterable[str] = (),
    ) -> None:
        raw = [(e, normalize(e.text).split()) for e in entries]
        raw = [(e, words) for e, words in raw if words]
        vocabulary = sorted({w for _, words in raw for w in words})
        self._vocab = vocabulary
        self._word_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cache_lock = Lock()
        self._vocab_id = {w: i for i, w in enumerate(vocabulary)}
        self._required = np.array([_required_ratio(len(w)) for w in vocabulary], dtype=np.float32)

        # Words used by a large share of topics carry no topic signal ("beratung", "für").
        topics_by_word: dict[str, set[str]] = defaultdict(set)
        topic_count = len({e.owner for e, _ in raw if e.kind == "topic"}) or 1
        for e, words in raw:
            if e.kind == "topic":
                for w in words:
                    topics_by_word[w].add(e.owner)
        self.function_words = {
            w for w, owners in topics_by_word.items() if len(owners) / topic_count >= function_share
        }
        # Place names say where, not what: "TU Dresden" must not match every message about Dresden.
        self.function_words |= {w for name in place_names for w in normalize(name).split()}

        flat: list[int] = []
        offsets: list[int] = []
        lengths: list[int] = []
        kept: list[PhraseEntry] = []
        for e, words in raw:
            # Intent phrases ("muon tu tu", "I want a human") keep every word: dropping one
            # would turn a precise phrase into a single common word.
            if e.kind in VOCABULARY_KINDS:
                content = [w for w in words if w not in self.function_words]
                if len(content) == 1 < len(words) and len(content[0]) <= TINY_WORD:
                    # "căn hộ" without its common word is "can": no longer the phrase
                    continue
            else:
                content = words
            if not content:
                continue
            offsets.append(len(flat))
            flat.extend(self._vocab_id[w] for w in content)
            lengths.append(len(content))
            kept.append(e)
        self._entries = kept
        self._flat = np.array(flat, dtype=np.int64)
        self._offsets = np.array(offsets, dtype=np.int64)
        self._lengths = np.array(lengths, dtype=np.float32)
        self._short_single = np.array(
            [
                n == 1 and len(self._vocab[flat[o]]) <= 7
                for o, n in zip(offsets, lengths, strict=True)
            ],
            dtype=bool,
        )
        self._tiny_single = np.array(
            [
                n == 1 and len(self._vocab[flat[o]]) <= TINY_WORD
                for o, n in zip(offsets, lengths, strict=True)
            ],
            dtype=bool,
        )
        self._need = np.array(
            [
                # intent phrases and the crisis words need every word; others two thirds
                n
                if n <= 2 or e.kind not in VOCABULARY_KINDS or e.owner == "crisis"
                else math.ceil(n * 0.66)
                for n, e in zip(lengths, kept, strict=True)
            ],
            dtype=np.float32,
        )
        owners = sorted({(e.kind, e.owner) for e in kept})
        self._owner_index = {o: i for i, o in enumerate(owners)}
        self._owners = owners
        self._phrase_owner = np.array(
            [self._owner_index[(e.kind, e.owner)] for e in kept], dtype=np.int64
        )
        self._phrase_words = [
            [w for w in normalize(e.text).split()] if e.kind not in VOCABULARY_KINDS else []
            for e in kept
        ]
        # words per phrase, of every kind: on a tie the longer phrase is the evidence shown and
        # compared ("Handyvertrag mit Datenvolumen" over "Handyvertrag")
        self._phrase_length = [len(normalize(e.text).split()) for e in kept]
        self._is_intent = np.array([e.kind not in VOCABULARY_KINDS for e in kept], dtype=bool)
        self._phrase_language = [e.language for e in kept]
        self._phrase_language_array = np.array(self._phrase_language)
        self._int_lengths = np.array(lengths, dtype=np.int64)
        # vocabulary word -> the phrases that hold it: a message touches a few hundred of the
        # tens of thousands of phrases, and only those can score (`_phrase_scores`)
        phrase_of_flat = np.repeat(np.arange(len(kept), dtype=np.int64), self._int_lengths)
        by_word = np.argsort(self._flat, kind="stable")
        self._word_phrases = phrase_of_flat[by_word]
        self._word_starts = np.searchsorted(
            self._flat[by_word], np.arange(len(vocabulary) + 1, dtype=np.int64)
        )

    @property
    def size(self) -> int:
        return len(self._entries)

    def _word_similarity(self, words: list[str]) -> np.ndarray:
        """Best similarity (0..1) of every vocabulary word to any message word."""
        best = np.zeros(len(self._vocab), dtype=np.float32)
        if not words or not self._vocab:
            return best
        for ids, scores in self._word_matches(list(dict.fromkeys(words))):
            if len(ids):
                best[ids] = np.maximum(best[ids], scores)  # ids are unique per word
        return best

    def _word_matches(self, words: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per message word: the vocabulary words it matches and how well (fuzzy ratio or
        affix). Words repeat across messages ("ich", "wo", "Jobcenter"), so matches are cached."""
        missing = [w for w in words if w not in self._word_cache]
        if missing:
            self._fill_cache(missing)
        cache = self._word_cache
        return [cache[w] if w in cache else self._fill_cache([w])[0] for w in words]

    def _fill_cache(self, missing: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        found: list[tuple[np.ndarray, np.ndarray]] = []
        if missing:
            ratios = process.cdist(
                missing, self._vocab, scorer=fuzz.ratio, dtype=np.uint8, workers=1, score_cutoff=70
            )
            for word, row in zip(missing, ratios, strict=True):
                ids = np.nonzero(row >= self._required)[0]
                scores = row[ids].astype(np.float32) / 100.0
                affix = list(self._affix_matches(word))
                if affix:
                    merged = dict(zip(ids.tolist(), scores.tolist(), strict=True))
                    for vid in affix:
                        merged[vid] = max(merged.get(vid, 0.0), AFFIX_SCORE)
                    ids = np.fromiter(merged, dtype=np.int64, count=len(merged))
                    scores = np.fromiter(merged.values(), dtype=np.float32, count=len(merged))
                found.append((ids, scores))
            with self._cache_lock:
                for word, entry in zip(missing, found, strict=True):
                    if len(self._word_cache) >= WORD_CACHE:
                        self._word_cache.pop(next(iter(self._word_cache)))
                    self._word_cache[word] = entry
        return found

    def _affix_matches(self, word: str) -> Iterable[int]:
        vocab_id = self._vocab_id
        n = len(word)
        # vocabulary word inside the message word, as its prefix or suffix
        for size in range(MIN_AFFIX, n):
            prefix, suffix = word[:size], word[n - size :]
            if prefix in vocab_id:
                yield vocab_id[prefix]
            if suffix in vocab_id:
                yield vocab_id[suffix]
        # message word as the prefix of a longer vocabulary word ("schulden" → "schuldenfalle"),
        # when it is most of that word ("telefon" is not "telefonseelsorge")
        if n >= 6:
            start = bisect.bisect_left(self._vocab, word)
            for vid in range(start, min(start + 50, len(self._vocab))):
                candidate = self._vocab[vid]
                if not candidate.startswith(word):
                    break
                if len(candidate) > n and n / len(candidate) >= 0.6:
                    yield vid

    def _phrase_scores(self, similarity: np.ndarray, language: str | None = None) -> np.ndarray:
        """Score per phrase; only the phrases holding a matched word are computed (every other
        one has no word present and scores 0), with the same operations as over all phrases."""
        result = np.zeros(len(self._entries), dtype=np.float32)
        matched = np.nonzero(similarity)[0]
        if not len(matched):
            return result
        starts, ends = self._word_starts[matched], self._word_starts[matched + 1]
        size = ends - starts
        spans = np.repeat(starts - (np.cumsum(size) - size), size)
        phrases = np.unique(self._word_phrases[np.arange(int(size.sum())) + spans])
        lengths = self._int_lengths[phrases]
        offsets = np.cumsum(lengths) - lengths
        flat = np.arange(int(lengths.sum())) + np.repeat(self._offsets[phrases] - offsets, lengths)
        per_word = similarity[self._flat[flat]]
        sums = np.add.reduceat(per_word, offsets)
        hits = np.add.reduceat((per_word > 0).astype(np.float32), offsets)
        scores = np.where(hits >= self._need[phrases], sums / self._lengths[phrases], 0.0)
        fuzzy = scores < 1.0
        # A one-word phrase matched only approximately is weak evidence: short words in one
        # language are often near-misses of unrelated words in another ("nasil" ~ "asile").
        short_single = self._short_single[phrases]
        scores = np.where(fuzzy & short_single, scores * SINGLE_FUZZY_FACTOR, scores)
        if language is not None:
            # Approximate matches count less when the phrase is of another language than the
            # message ("cîran" is Kurdish for neighbour, not the "iran" of a German message);
            # exact matches keep full weight, since loanwords travel ("Ausbildung" in Turkish).
            foreign = self._phrase_language_array[phrases] != language
            scores = np.where(fuzzy & foreign, scores * FOREIGN_FUZZY_FACTOR, scores)
            # a tiny word of another language is mostly a homograph ("can", "la", "an")
            tiny_single = self._tiny_single[phrases]
            scores = np.where(tiny_single & foreign, scores * TINY_FOREIGN_FACTOR, scores)
        result[phrases] = scores
        return result

    def score(self, text: str, language: str | None = None) -> LexicalResult:
        """Score `text`; `language`, when known for sure, damps fuzzy foreign matches."""
        words = normalize(text).split()
        words = words[:200]  # a pasted letter must not make matching slow
        similarity = self._word_similarity(words + _variants(words))
        if not self._entries:
            return LexicalResult({}, {})

        phrase_scores = self._phrase_scores(similarity, language)
        for pid in np.nonzero(self._is_intent & (phrase_scores > 0))[0]:
            if not _in_sequence(self._phrase_words[pid], words):
                phrase_scores[pid] = 0.0

        best = np.zeros(len(self._owners), dtype=np.float32)
        second = np.zeros(len(self._owners), dtype=np.float32)
        best_phrase: dict[int, int] = {}
        votes: dict[str, float] = defaultdict(float)
        for pid in np.nonzero(phrase_scores)[0]:
            s = float(phrase_scores[pid])
            owner = self._phrase_owner[pid]
            if s > best[owner]:
                second[owner] = best[owner]
                best[owner] = s
                best_phrase[int(owner)] = int(pid)
            else:
                if (
                    s == best[owner]
                    and self._phrase_length[pid] > self._phrase_length[best_phrase[int(owner)]]
                ):  # on a tie the longer phrase says more ("spas heval" over "spas")
                    best_phrase[int(owner)] = int(pid)
                if s > second[owner]:
                    second[owner] = s
            lang = self._phrase_language[pid]
            votes[lang] = max(votes[lang], s)
        total = np.minimum(1.0, best + SECOND_PHRASE_BONUS * second)
        scores = {self._owners[i]: float(total[i]) for i in np.nonzero(total)[0]}
        phrases = {self._owners[o]: self._entries[p].text for o, p in best_phrase.items()}
        return LexicalResult(scores, dict(votes), phrases)
