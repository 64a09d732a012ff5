"""Slots: what a message says about the person, read before the topic is matched.

A place ("wohne in Magdeburg", "انا ساكن بماغدبورغ", "я живу в дессау"), an age ("im 22",
"мені двадцять", "عمري ٢٤", "24 yaşındayım"), a residence status ("she is a refugee"), a gender
and who the request is for ("and for my father? he is 60"). The words that carried a slot are cut
out of the text the matcher sees, so "live / wohne / ساكن / живу" never decide a topic, and a
message that was nothing but slots ("Dresden", "ich bin 19") completes the open request instead
of starting a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.dialogue.slot_words import (
    AGE_AFTER,
    AGE_BEFORE,
    AGE_BEFORE_WEAK,
    AGE_CONNECTORS,
    FOLLOW_UP_STARTS,
    FOR_AFTER,
    FOR_WORDS,
    NUMBER_JOINERS,
    PLACE_VERBS,
    POSSESSED,
    POSSESSIVES,
    RELATIVES,
    STATUS_WORDS,
    TEENS,
    TENS,
    UNITS,
    WOMAN_WORDS,
)
from bot.matching.langid import FUNCTION_WORDS
from bot.matching.normalize import normalize, normalized_words
from bot.matching.places import CUES, PlaceMatcher, resolve

MIN_AGE, MAX_AGE = 0, 110
CLAUSE_MARKS = frozenset(",.;:!?،؛؟…)")
_DIGITS_AND_LETTERS = re.compile(r"(\d+)")
ARABIC_GLUED = ("ول", "لل", "ل", "و", "ب", "ف")
# Words that carry no need on their own: a message made only of these and slots is an answer
# to a question ("ich wohne in Dresden", "and for my father? he is 60"), not a new request.
FILLERS = frozenset(
    {w for words in FUNCTION_WORDS.values() for w in words}
    | FOR_WORDS
    | FOR_AFTER
    | FOLLOW_UP_STARTS
    | POSSESSIVES
    | PLACE_VERBS
    | CUES
    | normalized_words(
        """
        ich i je ben ez toi em anh chi я ми мы انا انی من ما زه مونږ ኣነ ንሕና
        ok okay ja yes oui evet da так ага aha جا بله آره نعم اي ايوه ها ሓራይ ኣወ vang uh
        hier here ici burada tam there auch too also aussi ayrica тоже також هم کذلک
        about thing that so dann then alors sonra потом тоді بعدين بعد بعدا
        alt old years year jahre jahr ans an лет років роки سنه سال
        er sie he she il elle o он она він вона هو هي او ew ewê ኣሎ ኣላ ኣለኹ
        ist is est bin am are sind عندی عندنا لدی یم یو دی እዩ ኢያ ኣሎ ኣለዋ hast have has
        bitte please stp lutfen لطفا من فضلك پوه መበደለይ
        """
    )
)


@dataclass
class Slots:
    """What one message said explicitly; nothing is guessed."""

    city: str | None = None
    district: str | None = None
    age: int | None = None
    status: str | None = None
    gender: str | None = None
    subject: str | None = None  # a relative's role when the request is for another person
    follow_up: bool = False  # "and for my father?": the same need, asked for someone else
    rest: str = ""  # the message without slot words, as written: what the topic matcher sees
    only_slots: bool = False  # nothing but slots and filler words
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, slot)

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.city, self.district, self.age, self.status, self.gender, self.subject)
        )


def _tokens(text: str) -> tuple[list[str], set[int], list[int]]:
    """Normalised words, the positions of words that close a clause (a comma or full stop
    follows them), and for each word the index of the written chunk (`text.split()`) it came
    from. A number glued to an age word is split ("24yaşındayım", "60yo")."""
    out: list[str] = []
    closing: set[int] = set()
    chunk_of: list[int] = []
    for index, chunk in enumerate(text.split()):
        for word in normalize(chunk).split():
            parts = [p for p in _DIGITS_AND_LETTERS.split(word) if p]
            if len(parts) == 2 and parts[0].isdigit() and _is_age_word(parts[1]):
                out.extend(parts)
                chunk_of.extend((index, index))
            else:
                out.append(word)
                chunk_of.append(index)
        if out and chunk[-1] in CLAUSE_MARKS:
            closing.add(len(out) - 1)
    return out, closing, chunk_of


def _rest_as_written(text: str, words: list[str], chunk_of: list[int], cut: set[int]) -> str:
    """The message without its slot words, in the person's own spelling (the semantic model
    reads Arabic as Arabic, Vietnamese with its tones); a chunk only partly cut keeps its
    remaining words in normalised form."""
    kept: list[str] = []
    for index, chunk in enumerate(text.split()):
        mine = [i for i, c in enumerate(chunk_of) if c == index]
        if not any(i in cut for i in mine):
            kept.append(chunk)
        else:
            kept.extend(words[i] for i in mine if i not in cut)
    return " ".join(kept)


def _is_age_word(word: str) -> bool:
    return word in AGE_AFTER or word.startswith(("yas", "jahr", "j", "y"))


def _unglue(word: str) -> list[str]:
    forms = [word]
    if word and "\u0600" <= word[0] <= "\u06ff":
        forms += [word[len(p) :] for p in ARABIC_GLUED if word.startswith(p) and len(word) > 3]
    return forms


def _number_at(words: list[str], i: int) -> tuple[int, int] | None:
    """A number starting at word i: (value, words used). Digits or number words (0-99)."""
    word = words[i]
    if word.isdigit():
        return (int(word), 1) if len(word) <= 3 else None
    if word in TEENS:
        return TEENS[word], 1
    compact = word.replace("-", "")
    for tens_word, tens in TENS.items():  # "zweiundzwanzig", "twentytwo", "vingtdeux"
        if compact == tens_word:
            value, used = tens, 1
            if i + 2 < len(words) and words[i + 1] in NUMBER_JOINERS and words[i + 2] in UNITS:
                return tens + UNITS[words[i + 2]], 3
            if i + 1 < len(words) and words[i + 1] in UNITS:
                return tens + UNITS[words[i + 1]], 2
            return value, used
        if compact.endswith(tens_word) and compact[: -len(tens_word)].removesuffix("und") in UNITS:
            return tens + UNITS[compact[: -len(tens_word)].removesuffix("und")], 1
        if compact.startswith(tens_word) and compact[len(tens_word) :] in UNITS:
            return tens + UNITS[compact[len(tens_word) :]], 1
    if word in UNITS:
        if i + 2 < len(words) and words[i + 1] in NUMBER_JOINERS and words[i + 2] in TENS:
            return UNITS[word] + TENS[words[i + 2]], 3  # "zwei und zwanzig", "دو و بیست"
        return UNITS[word], 1
    return None


def _find_age(
    words: list[str], bare_ok: bool, closing: frozenset[int] | set[int] = frozenset()
) -> tuple[int, int, int] | None:
    """(age, start, end) of an age stated in the words."""
    for i in range(len(words)):
        number = _number_at(words, i)
        if number is None:
            continue
        value, used = number
        if not MIN_AGE < value <= MAX_AGE:
            continue
        end = i + used
        after = end < len(words) and (
            words[end] in AGE_AFTER or words[end].startswith(("yas", "jahr"))
        )
        closes = end == len(words) or end - 1 in closing or words[end] in AGE_CONNECTORS
        before = i > 0 and (
            words[i - 1] in AGE_BEFORE or (words[i - 1] in AGE_BEFORE_WEAK and closes)
        )
        digits = words[i].isdigit()
        if after:
            extra = 1
            if end + 1 < len(words) and words[end + 1] in AGE_AFTER:  # "22 Jahre alt"
                extra = 2
            start = i - 1 if before else i
            return value, start, end + extra
        if before and (digits or value >= 10):
            return value, i - 1, end
        if bare_ok and digits and len(words) <= 4:
            return value, i, end
    return None


def _find_subject(words: list[str]) -> tuple[str, int, int] | None:
    """(role, start, end) when the request is for a relative: "für meinen Vater", "babam için",
    "لابوي", "and my dad?". A relative named without "for" ("my husband beats me", "with my
    husband") is not whom the request is for."""
    for i, word in enumerate(words):
        for form in _unglue(word):
            glued_for = form != word and word.startswith("ل")  # Arabic "لـ" = for
            role = POSSESSED.get(form)
            start, end = i, i + 1
            if role is None:
                role = RELATIVES.get(form)
                if role is None:
                    continue
                if not any(w in POSSESSIVES for w in words[max(0, i - 2) : i + 2]):
                    continue
                while start > 0 and words[start - 1] in POSSESSIVES:
                    start -= 1
                if end < len(words) and words[end] in POSSESSIVES:
                    end += 1
            cue = glued_for
            if start > 0 and words[start - 1] in FOR_WORDS:
                start, cue = start - 1, True
            if end < len(words) and words[end] in FOR_AFTER:
                end, cue = end + 1, True
            if start <= 2 and any(w in FOLLOW_UP_STARTS for w in words[:start]):
                start, cue = 0, True
            if start == 0 and len(words) <= 3:
                cue = True  # "my father?", "babam?"
            if cue:
                return role, start, end
    return None


def _contains(haystack: str, phrase: str) -> bool:
    needle = normalize(phrase)
    return bool(needle) and f" {needle} " in f" {haystack} "


def read_slots(
    text: str, places: PlaceMatcher, *, prefer_city: str | None = None, bare_age: bool = False
) -> Slots:
    """The slots of one message. `bare_age`: a lone number is an age (the bot just asked)."""
    words, closing, chunk_of = _tokens(text)
    plain = " ".join(words)
    slots = Slots()
    cut: set[int] = set()

    hits = places.find(plain)
    slots.city, slots.district = resolve(hits, prefer_city)
    for hit in hits:
        if hit.city_id != slots.city and slots.city is not None:
            continue
        start = hit.start
        # "wohne in", "I live in", "ساكن", "живу в": the words of place before the name go too
        while (
            start > 0
            and start - hit.start > -3
            and (words[start - 1] in CUES or words[start - 1] in PLACE_VERBS)
        ):
            start -= 1
        cut.update(range(start, hit.end))
        slots.spans.append((start, hit.end, "place"))

    subject = _find_subject(words)
    if subject is not None:
        slots.subject, start, end = subject
        first = words[0] if words else ""
        slots.follow_up = first in FOLLOW_UP_STARTS or (
            first[:1] == "و" and first[1:] in POSSESSED  # "وامي؟"
        )
        cut.update(range(start, end))
        slots.spans.append((start, end, "subject"))

    age = _find_age(words, bare_ok=bare_age or subject is not None, closing=closing)
    if age is not None:
        slots.age, start, end = age
        cut.update(range(start, end))
        slots.spans.append((start, end, "age"))

    status_spans: set[int] = set()
    for status, phrases in STATUS_WORDS.items():
        for phrase in phrases:
            needle = normalize(phrase).split()
            for i in range(len(words) - len(needle) + 1):
                if words[i : i + len(needle)] == needle:
                    slots.status = slots.status or status
                    status_spans.update(range(i, i + len(needle)))
    if any(_contains(plain, w) for w in WOMAN_WORDS):
        slots.gender = "women"

    slots.rest = _rest_as_written(text, words, chunk_of, cut)
    content = [w for i, w in enumerate(words) if i not in cut and i not in status_spans]
    slots.only_slots = slots.any and all(w in FILLERS or w.isdigit() for w in content)
    return slots
