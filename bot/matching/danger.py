"""Danger from concepts that occur together: the layer that generalises beyond fixed phrases.

A person in danger writes "mein Sohn ist seit 3 Stunden weg", "ibni dayi3 mish la2i", "con tôi
mất tích từ sáng" — a phrase list needs every wording; two concepts within a few words (a child
+ missing) catch them all. `knowledge/danger.yaml` lists, per language, the words of each
concept and, per kind of emergency, the rules (concepts that must occur together). A guard
concept ("Kurs", "letztes Jahr") silences the rules: learning or telling about danger is not
danger now.

Rules are checked within one language's words at a time, so a German word never completes an
English concept ("kind" is a child in German only). Matching is index-based (exact words, stems,
one-typo neighbours), so the layer costs well under a millisecond per message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from rapidfuzz.distance import Levenshtein

from bot.knowledge.schema import DangerFile
from bot.matching.normalize import normalize

MAX_PREFIX = 2  # letters that `*word` tolerates glued on in front (ب, و, ال, می)
TYPO_LENGTH = 8  # plain words this long match with one typo (shorter: "uberall" ≠ "uberfall")
TERM_SLACK = 2  # extra words a term tolerates in between ("ist seit 3 Stunden weg")
# On a tie (two rules, or a phrase and a rule) the more specific kind decides which helplines
# come first; the generic crisis words ("crisis") rank below every kind.
KIND_PRIORITY = {
    "domestic_violence": 6,
    "child_danger": 5,
    "poisoning": 4,
    "self_harm": 3,
    "fire": 2,
    "violence": 1,
    "medical": 1,
}


@dataclass(frozen=True)
class DangerHit:
    kind: str
    language: str
    concepts: tuple[str, ...]  # the rule that fired
    words: tuple[str, ...]  # the message words that made it fire (for the test box and logs)


@dataclass(frozen=True)
class _Word:
    """One word of a term: `text`, and whether it is a stem and may carry a glued prefix."""

    text: str
    stem: bool
    glued: bool


@dataclass(frozen=True)
class _Term:
    language: str
    concept: str
    words: tuple[_Word, ...]


def _parse_term(raw: str) -> tuple[_Word, ...]:
    words = []
    for part in raw.split():
        glued = part.startswith("*")
        stem = part.endswith("*") and len(part) > 1
        text = normalize(part.strip("*"))
        if text:
            # a normalised part can split ("l'enfant" stays one word; "e-mail" becomes two)
            pieces = text.split()
            for i, piece in enumerate(pieces):
                words.append(_Word(piece, stem and i == len(pieces) - 1, glued and i == 0))
    return tuple(words)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class DangerSigns:
    """Built once per knowledge version; `detect` is pure and thread-safe."""

    def __init__(self, danger: DangerFile) -> None:
        self.window = danger.window
        self.guards = frozenset(danger.guards)
        self.quiet = {kind.value: frozenset(c) for kind, c in danger.quiet.items()}
        self.rules: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
            (
                kind.value,
                tuple(c for c in rule if not c.startswith("!")),
                tuple(c[1:] for c in rule if c.startswith("!")),
            )
            for kind, rules in danger.rules.items()
            for rule in rules
        ]
        self.terms: list[_Term] = []
        for language, concepts in danger.concepts.items():
            for concept, raw_terms in concepts.items():
                for raw in raw_terms:
                    words = _parse_term(raw)
                    if words:
                        self.terms.append(_Term(language, concept, words))
        # word index: (term, position) per exact text, per stem, per one-deletion neighbour
        self._exact: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._stems: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._typos: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._stem_lengths: set[int] = set()
        for t, term in enumerate(self.terms):
            for p, word in enumerate(term.words):
                if word.stem:
                    self._stems[word.text].append((t, p))
                    self._stem_lengths.add(len(word.text))
                else:
                    self._exact[word.text].append((t, p))
                    if len(word.text) >= TYPO_LENGTH:
                        for variant in _deletes(word.text):
                            self._typos[variant].append((t, p))
        self._word_hits = lru_cache(maxsize=50_000)(self._hits_uncached)
        # `detect` and `guarded` both run on every message: its concepts are found once
        self._message_concepts = lru_cache(maxsize=256)(self._message_concepts_uncached)

    @property
    def empty(self) -> bool:
        return not self.rules or not self.terms

    # -- words -------------------------------------------------------------------------

    def _hits_uncached(self, word: str) -> frozenset[tuple[int, int]]:
        """(term, word position) pairs that the message word `word` fills."""
        found: set[tuple[int, int]] = set()
        for offset in range(MAX_PREFIX + 1):
            rest = word[offset:]
            if not rest:
                break
            for hit in self._exact.get(rest, ()):
                if offset == 0 or self.terms[hit[0]].words[hit[1]].glued:
                    found.add(hit)
            for length in self._stem_lengths:
                if length <= len(rest):
                    for hit in self._stems.get(rest[:length], ()):
                        if offset == 0 or self.terms[hit[0]].words[hit[1]].glued:
                            found.add(hit)
        if len(word) >= TYPO_LENGTH - 1:
            candidates = set(self._typos.get(word, ()))
            for variant in _deletes(word):
                candidates.update(self._exact.get(variant, ()))
                candidates.update(self._typos.get(variant, ()))
            for t, p in candidates:
                target = self.terms[t].words[p].text
                if (
                    len(target) >= TYPO_LENGTH
                    and Levenshtein.distance(word, target, score_cutoff=1) <= 1
                ):
                    found.add((t, p))
        return frozenset(found)

    # -- messages ----------------------------------------------------------------------

    def _concepts(self, words: list[str]) -> dict[str, dict[str, list[int]]]:
        """language → concept → positions (of the term's first word) where it occurs."""
        spots: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, word in enumerate(words):
            for t, p in self._word_hits(word):
                spots[t][p].append(i)
        found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for t, by_position in spots.items():
            term = self.terms[t]
            size = len(term.words)
            if len(by_position) < size:
                continue
            if size == 1:
                found[term.language][term.concept].extend(by_position[0])
                continue
            # every word of the term at its own position, all within len + 1 words
            for combo in product(*(by_position[p] for p in range(size))):
                if len(set(combo)) == size and max(combo) - min(combo) <= size + TERM_SLACK:
                    found[term.language][term.concept].append(min(combo))
                    break
        return found

    def _fits(self, positions: list[list[int]]) -> bool:
        """Whether one position of each concept lies within the window."""
        if len(positions) == 1:
            return True
        anchors = sorted(p for group in positions for p in group)
        for start in anchors:
            if all(any(start <= p <= start + self.window for p in g) for g in positions):
                return True
        return False

    def _message_concepts_uncached(self, text: str) -> dict[str, dict[str, list[int]]]:
        return self._concepts(normalize(text).split())

    def guarded(self, text: str, language: str | None = None, kind: str | None = None) -> bool:
        """Whether a guard concept ("letztes Jahr", "Kurs") of the message's `language` (of any
        language when unknown) occurs: the message tells about danger or asks to learn about
        it, rather than being in it now; with `kind`, also a concept that quiets that kind
        ("other children" for child danger). Only the message's own language counts: a short
        transliterated guard of another language ("ami") is an ordinary word here."""
        guards = self.guards | self.quiet.get(kind or "", frozenset())
        if self.empty or not guards:
            return False
        concepts = self._message_concepts(text)
        return any(
            g in present
            for lang, present in concepts.items()
            if language is None or lang == language
            for g in guards
        )

    def detect(self, text: str) -> DangerHit | None:
        """The most specific kind of danger the message describes, or None."""
        if self.empty:
            return None
        words = normalize(text).split()
        if not words:
            return None
        concepts = self._message_concepts(text)
        best: DangerHit | None = None
        for language, present in concepts.items():
            if any(g in present for g in self.guards):
                continue
            for kind, needed, absent in self.rules:
                if any(c not in present for c in needed) or any(c in present for c in absent):
                    continue
                if not self._fits([present[c] for c in needed]):
                    continue
                spots = sorted({p for c in needed for p in present[c]})
                hit = DangerHit(kind, language, needed, tuple(words[p] for p in spots))
                if best is None or KIND_PRIORITY.get(kind, 0) > KIND_PRIORITY.get(best.kind, 0):
                    best = hit
        return best
