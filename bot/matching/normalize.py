"""Text normalisation written for the scripts our users write in.

rapidfuzz's default processor strips everything that is not alphanumeric, which breaks Arabic
harakat handling and Persian ZWNJ; so matching uses this function instead. Steps:

* Unicode NFKC and casefold (ß → ss, full-width forms, Arabic presentation forms).
* Arabic-script variants unified: alef forms → ا, yeh/alef maksura/Persian yeh → ی,
  Arabic kaf → ک, teh marbuta → ه, hamza carriers → their base letter; harakat, Quranic marks and
  tatweel removed; Arabic-Indic and Persian digits → ASCII digits.
* ZWNJ (half-space) removed, so "می‌خواهم" and "میخواهم" compare equal; other zero-width
  characters too.
* Latin letters lose their diacritics (ä → a, ş → s, ı → i, đ → d, Vietnamese tones), because
  people type without them on foreign keyboards; Cyrillic й, ё → е and ї keep their identity.
* Apostrophes inside words are dropped ("б'є" → "бє", "j'ai" → "jai"), as people often type.
* Punctuation, symbols, emoji and Ethiopic word separators become spaces; whitespace collapses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ي": "ی",
        "ى": "ی",
        "ې": "ی",
        "ۍ": "ی",
        "ئ": "ی",
        "ے": "ی",
        "ك": "ک",
        "ڪ": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ہ": "ه",
        "ھ": "ه",
        "ؤ": "و",
        "ء": "",
        "ـ": "",  # tatweel
        "\u200c": "",  # ZWNJ
        "\u200d": "",  # ZWJ
        "\u200b": "",  # zero-width space
        "\u200e": "",  # LRM
        "\u200f": "",  # RLM
        "\ufeff": "",
        "ё": "е",
        "ı": "i",
        "đ": "d",
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Harakat, superscript alef, Quranic annotation marks.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"\s+")
# Apostrophes inside a word belong to it: Ukrainian "б'є", French "j'ai", English "don't".
_INNER_APOSTROPHE = re.compile(r"(?<=\w)['’ʼ`](?=\w)")


def _strip_latin_marks(text: str) -> str:
    """Remove combining marks that sit on Latin letters only (keeps Cyrillic й, ї intact)."""
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    previous_latin = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if previous_latin:
                continue
            out.append(ch)
            continue
        previous_latin = "a" <= ch <= "z"
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _is_separator(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category[0] in "PSZC" and ch not in "\u200c\u200d":
        return True
    # Ethiopic punctuation (፡ ። ፣ ፤ ፥ ፦ ፧ ፨) is category Po already; keep explicit for clarity.
    return "\u1360" <= ch <= "\u1368"


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Normalise `text` for matching; returns lowercase words separated by single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _INNER_APOSTROPHE.sub("", text)
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate(_ARABIC_MAP).translate(_DIGITS)
    text = _strip_latin_marks(text)
    text = "".join(" " if _is_separator(ch) else ch for ch in text)
    return _SPACES.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """The words of the normalised `text`."""
    normalised = normalize(text)
    return normalised.split(" ") if normalised else []


def normalized_words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, normalised as messages are (word lists that
    are written down as one readable block of text)."""
    return frozenset(n for w in text.split() if (n := normalize(w)))
