"""Places named in a message: cities and districts in any script and grammatical form.

People write where they live the way their language inflects it: "в Магдебурге", "у Дрездені",
"بماغدبورغ", "magdeburgdayım", "li Magdeburgê", "من تو درسدن", or type the bot's own button label
"Dessau-Roßlau". The names and aliases come from `regions.yaml` (per language, staff can add
spellings without code); this module adds the grammar:

* suffixes of Turkish (locative, ablative, dative, "I am in…"), Kurmanji (ê, a, yê), Russian and
  Ukrainian cases, German adjectives ("Dresdner"), English possessives;
* prefixes glued onto the word: Arabic and Persian ب ل و ف, Tigrinya ብ ን ካብ;
* typos in long names ("magdeburk", "dresdn") by fuzzy comparison.

Short or common-word names ("Alten", "Reform", "Zentrum", "Werder") count only with a cue — a
preposition or verb of place before them ("in Alten", "wohne in Reform") — or when the message is
the name alone, so "für alten Menschen" is no place.

`PlaceMatcher.find` returns the places with the message spans they cover, so the dialogue can
remove "wohne in Magdeburg" before it looks for the topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.model import Knowledge
from bot.matching.normalize import normalize, normalized_words

# Endings a name may carry, longest first per script. Only stripped when the rest is a known name.
LATIN_SUFFIXES = (
    # Turkish: "I am in X", locative, ablative, dative, "from X" (with and without dotted letters)
    "dayim", "deyim", "tayim", "teyim", "dayiz", "deyiz", "daki", "deki", "taki", "teki",
    "dan", "den", "tan", "ten", "da", "de", "ta", "te", "ya", "ye", "yi", "yu", "li", "lu",
    # Kurmanji oblique and ezafe
    "ye", "ya", "e", "a",
    # German adjective and genitive forms, English possessive
    "ner", "er", "s",
)  # fmt: skip
CYRILLIC_SUFFIXES = ("ові", "еві", "ою", "ом", "ем", "ой", "ей", "ах", "ам", "а", "у", "е", "і", "и", "ы", "ю")  # fmt: skip
ARABIC_PREFIXES = ("وب", "فب", "لل", "ب", "ل", "و", "ف")
ETHIOPIC_PREFIXES = ("ካብ", "ኣብ", "ብ", "ን")
# Words that announce a place ("in", "live", "from"): a weak name needs one right before it.
CUES = normalized_words(
    """
    in im ins nach aus bei wohne wohnen lebe leben wohnhaft stadtteil bezirk viertel
    at from live living stay near district area city town
    a au en dans pres habite j'habite vis quartier ville
    bolge semt sehir mahalle oturuyorum yasiyorum
    li ji bajar taxa dijim dimînim
    в у из з біля около живу проживаю мешкаю район город місто
    في من ساكن ساكنه عايش عايشه اسكن منطقة حي مدينة
    در از تو ساکن زندگی میکنم محله شهر منطقه
    په کې له اوسیږم ښار سیمه
    ኣብ ካብ እነብር ከተማ
    o ở tai tại song sống khu thanh pho
    """
)
# Place words that are also everyday words: weak whatever their length.
GENERIC = normalized_words(
    "zentrum innenstadt altstadt neustadt siedlung city mitte nord sud ost west nordwest "
    "reform werder alten prester"
)
WEAK_MAX_LENGTH = 6  # names this short are weak (easily a word of the language)
FUZZY_MIN_LENGTH = 6
FUZZY_SCORE = 86


@dataclass(frozen=True)
class PlaceHit:
    kind: str  # city | district
    place_id: str  # city id or district id
    city_id: str
    start: int  # word span in the normalised message [start, end)
    end: int
    cue: bool  # a place cue stood right before the name


@dataclass(frozen=True)
class _Name:
    kind: str
    place_id: str
    city_id: str
    weak: bool


def _script(word: str) -> str:
    for ch in word:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff":
            return "arabic"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if "\u1200" <= ch <= "\u139f":
            return "ethiopic"
    return "latin"


def _stems(word: str) -> list[str]:
    """The word and its forms without a grammatical prefix or suffix, most specific first."""
    forms = [word]
    script = _script(word)
    if script == "arabic":
        forms += [
            word[len(p) :]
            for p in ARABIC_PREFIXES
            if word.startswith(p) and len(word) - len(p) >= 3
        ]
        # Persian/Arabic suffixes: ezafe or nisba ی, Persian plural/adjective ها
        forms += [
            f[: -len(s)]
            for f in list(forms)
            for s in ("ی", "ها")
            if f.endswith(s) and len(f) - len(s) >= 4
        ]
    elif script == "ethiopic":
        forms += [
            word[len(p) :]
            for p in ETHIOPIC_PREFIXES
            if word.startswith(p) and len(word) - len(p) >= 2
        ]
    elif script == "cyrillic":
        # Ukrainian locative softens the last consonant: Зуденбурзі ← Зуденбург, Цоберберзі
        for ending, consonant in (("зі", "г"), ("ці", "к"), ("сі", "х")):
            if word.endswith(ending) and len(word) >= 6:
                forms.append(word[: -len(ending)] + consonant)
        forms += [
            word[: -len(s)]
            for s in CYRILLIC_SUFFIXES
            if word.endswith(s) and len(word) - len(s) >= 4
        ]
    else:
        forms += [
            word[: -len(s)] for s in LATIN_SUFFIXES if word.endswith(s) and len(word) - len(s) >= 4
        ]
        if word.endswith("ner") and len(word) >= 7:
            forms.append(word[:-3] + "en")  # German adjective: Dresdner → Dresden
        if word.startswith("b") and len(word) >= 7:
            forms.append(word[1:])  # Arabizi: the Arabic "in" glued on, "bmagdeburk"
    return list(dict.fromkeys(forms))


class PlaceMatcher:
    """Built once per knowledge version from the cities and districts with their aliases."""

    def __init__(self, knowledge: Knowledge, common_words: frozenset[str] = frozenset()) -> None:
        self._names: dict[tuple[str, ...], list[_Name]] = {}
        district_names: dict[str, set[str]] = {}
        for city in knowledge.cities:
            for name in [city.id, *city.names()]:
                self._add(name, _Name("city", city.id, city.id, False), common_words)
            for district in city.districts:
                for name in district.names():
                    key = normalize(name)
                    district_names.setdefault(key, set()).add(district.id)
                    self._add(name, _Name("district", district.id, city.id, False), common_words)
        self._max_words = max((len(k) for k in self._names), default=1)
        self._single = [k[0] for k in self._names if len(k) == 1 and len(k[0]) >= FUZZY_MIN_LENGTH]

    def _add(self, raw: str, name: _Name, common_words: frozenset[str]) -> None:
        words = tuple(normalize(raw).split())
        if not words:
            return
        weak = len(words) == 1 and (
            len(words[0]) <= WEAK_MAX_LENGTH or words[0] in GENERIC or words[0] in common_words
        )
        entry = _Name(name.kind, name.place_id, name.city_id, weak)
        listed = self._names.setdefault(words, [])
        if entry not in listed:
            listed.append(entry)

    def find(self, text: str, *, alone_ok: bool = True) -> list[PlaceHit]:
        """Places named in `text` (already normalised or raw), longest names first, no overlaps."""
        words = normalize(text).split()
        hits: list[PlaceHit] = []
        pending: list[PlaceHit] = []  # weak district names, confirmed by their city below
        taken: set[int] = set()
        for size in range(min(self._max_words, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if taken.intersection(span):
                    continue
                names, inflected = self._lookup(words[start : start + size])
                if not names:
                    continue
                # a preposition before the name, or one written onto it ("بماغدبورغ")
                cue = (start > 0 and words[start - 1] in CUES) or inflected
                # the message is the name alone (a typed button label, an answer to "where?")
                others = [w for i, w in enumerate(words) if i not in span]
                alone = alone_ok and all(w in CUES for w in others)
                strong = [n for n in names if not n.weak or cue or alone]
                if not strong:
                    pending.extend(
                        PlaceHit(n.kind, n.place_id, n.city_id, start, start + size, False)
                        for n in names
                        if n.kind == "district"
                    )
                    continue
                for name in strong:
                    hits.append(
                        PlaceHit(name.kind, name.place_id, name.city_id, start, start + size, cue)
                    )
                taken.update(span)
                if cue and start > 0:
                    taken.add(start - 1)
        named_cities = {h.city_id for h in hits if h.kind == "city"}
        hits += [
            h
            for h in pending
            if h.city_id in named_cities and not taken.intersection(range(h.start, h.end))
        ]
        return hits

    def _lookup(self, words: list[str]) -> tuple[list[_Name], bool]:
        """The names these words spell, and whether they carried a prefix or suffix."""
        *head, last = words
        stems = _stems(last)
        for position, stem in enumerate(stems):
            found = self._names.get((*head, stem))
            if found:
                return found, position > 0
        if head or len(last) < FUZZY_MIN_LENGTH or not self._single:
            return [], False
        for position, stem in enumerate(stems):
            best = process.extractOne(
                stem, self._single, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE
            )
            if best is not None and best[0][:1] == stem[:1]:
                return [n for n in self._names[(best[0],)] if not n.weak], position > 0
        return [], False


def resolve(hits: list[PlaceHit], prefer_city: str | None = None) -> tuple[str | None, str | None]:
    """(city id, district id) from the hits: an explicit city wins; a district name found in
    several cities is resolved by that city or `prefer_city`, else left open."""
    cities = [h.city_id for h in hits if h.kind == "city"]
    city = cities[-1] if cities else None
    context = city or prefer_city
    districts = [h for h in hits if h.kind == "district"]
    in_context = [h for h in districts if h.city_id == context]
    # a district of another city than the one named is a misreading
    candidates = in_context if city is not None else (in_context or districts)
    district = None
    if candidates and len({h.city_id for h in candidates}) == 1:
        district = candidates[-1].place_id
        city = candidates[-1].city_id
    return city, district
