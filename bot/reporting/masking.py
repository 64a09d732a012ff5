"""Masking of question texts before staff see them: names, phone numbers, e-mail addresses,
street numbers (and links, handles and long numbers such as file or case numbers).

People write to the bot as they would to a friend: "Ich heiße Amina Yusuf, Tel. 0176 1234567",
"اسمي محمد، رقمي ٠١٧٦١٢٣٤٥٦٧", "мене звати Олена, живу на вулиці Шевченка 12". The gaps queue,
the report and `wegweiser demand` show such questions only through `mask`.

Rules, on purpose simple and tested in several languages and scripts:

* e-mail addresses, links and @handles → `[E-Mail]`, `[Link]`, `[Name]`;
* a run of at least 6 digits (Latin, Arabic-Indic or Persian digits; spaces, dashes, slashes,
  dots and brackets between them) → `[Telefon]`; 5 digits stay (a postcode says little);
* a house number next to a street word ("Musterstraße 12a", "Breiter Weg 5", "12 Main Street",
  "5 rue de la Paix", "вулиця Шевченка 12", "شارع النصر 12", "đường Lê Lợi 12") → `[Nr.]`;
* names after an introduction ("ich heiße", "my name is", "je m'appelle", "меня зовут",
  "adım", "اسمي", "نام من", "زما نوم", "navê min", "tên tôi là", "ስመይ" …), after a title
  ("Frau", "Herr", "Mr", "Madame", "пан", "السيد", "آقای" …) or as a signature after a greeting
  ("Grüße, Anna") → `[Name]`.

A mask can miss a name written without any such cue; that is why masked texts still stay in the
workspace and are deleted with the retention period.
"""

from __future__ import annotations

import re
import unicodedata

NAME, PHONE, EMAIL, NUMBER, LINK = "[Name]", "[Telefon]", "[E-Mail]", "[Nr.]", "[Link]"
NUMBER_LONG = "[Nummer]"

_DIGIT = r"[0-9\u0660-\u0669\u06F0-\u06F9]"
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}\b")
# digits with separators in between; at least 6 digits in all (checked below)
_DIGIT_RUN = re.compile(rf"\+?\(?{_DIGIT}(?:[\s./()\-–]{{0,2}}{_DIGIT})+\)?")

# street words: suffixes of one-word German names, and words before or after a street name
_STREET_SUFFIX = re.compile(
    r"(?:straße|strasse|str|gasse|weg|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt)$",
    re.IGNORECASE,
)
# standalone words that mark a street a few words before or right after the number
_STREET_WORDS = {
    # de / en / fr
    "straße", "strasse", "str", "str.", "street", "st", "st.", "road", "rd", "rd.", "avenue", "ave", "ave.", "lane", "way",
    "rue", "av.", "boulevard", "bd", "place", "chemin", "allée", "impasse",
    # tr / ku
    "cadde", "caddesi", "cad.", "cd.", "sokak", "sokağı", "sk.", "sok.", "mahallesi", "kolana",
    # uk / ru
    "вулиця", "вулиці", "вул.", "вул", "улица", "улице", "ул.", "ул", "проспект", "просп.",
    "пр.", "провулок", "переулок", "пер.", "площа", "площадь", "бульвар",
    # ar / fa / ps
    "شارع", "ش.", "خیابان", "خيابان", "کوچه", "كوچه", "سړک", "کوڅه", "زقاق",
    # vi
    "đường", "phố", "số", "ngõ", "hẻm",
    # ti
    "ጎደና", "መንገዲ",
}  # fmt: skip
_HOUSE_NUMBER = re.compile(
    rf"^{_DIGIT}{{1,4}}(?:\s?[a-zA-Z])?(?:[-/]{_DIGIT}{{1,4}}[a-zA-Z]?)?[,.;:!?)]*$"
)

# phrases after which a name follows (lower case; matched on word boundaries)
_INTRODUCTIONS = [
    # de
    "ich heiße", "ich heisse", "mein name ist", "mein name", "heiße", "heisse", "name:",
    "mein sohn", "meine tochter", "mein mann", "meine frau",
    # en
    "my name is", "my name's", "i am called", "i'm called", "name is", "call me",
    "my son", "my daughter", "my husband", "my wife",
    # fr
    "je m'appelle", "je m’appelle", "mon nom est", "mon nom", "je suis madame", "je suis monsieur",
    # tr
    "benim adım", "adım", "ismim", "benim ismim", "adim",
    # ku
    "navê min", "navê min ev e", "ez", "navê min e",
    # uk / ru
    "мене звати", "моє ім'я", "моє ім’я", "мое имя", "меня зовут", "мене звуть", "я —",
    # ar / fa / ps
    "اسمي", "اسمي هو", "انا اسمي", "أنا اسمي", "نام من", "اسم من", "زما نوم", "نوم مې",
    # vi
    "tên tôi là", "tôi tên là", "tên tôi", "tôi tên", "tên em là", "em tên là", "tên là",
    # ti
    "ስመይ", "ሽመይ",
]  # fmt: skip
# cues that alone are too common to take the next word for a name unless it is capitalised
_WEAK = {"ez", "я —", "mein sohn", "meine tochter", "mein mann", "meine frau", "my son",
         "my daughter", "my husband", "my wife", "name is", "heiße", "heisse"}  # fmt: skip
_TITLES = {
    "frau", "herr", "herrn", "dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss",
    "madame", "monsieur", "mme", "mme.", "m.", "mlle", "пан", "пані", "господин", "госпожа",
    "г-н", "г-жа", "bay", "bayan", "السيد", "السيدة", "الأستاذ", "الدكتور", "آقای", "خانم",
    "ښاغلی", "ښاغلې", "دکتور",
}  # fmt: skip
_GREETINGS = re.compile(
    r"(?:grüße|gruß|grüsse|lg|vg|mfg|danke|vielen dank|regards|best|thanks|thank you|cheers|"
    r"cordialement|merci|teşekkürler|selamlar|спасибо|дякую|з повагою|с уважением|شكرا|شكراً|"
    r"مع التحية|مرسی|ممنون|مننه|spas|cảm ơn|ኣመሰግን)[\s,.!:;-]*$",
    re.IGNORECASE,
)
_SCRIPTS_WITHOUT_CASE = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u1200-\u137F]")
_TRAILING = ",.;:!?)»“”\"'،؟؛፣።"
_STOP = {
    # words that may follow an introduction cue but are not names
    "und", "bin", "ist", "habe", "and", "am", "is", "have", "et", "suis", "ve", "ben",
    "в", "из", "з", "і", "и", "و", "از", "va", "và", "le", "la", "ein", "eine",
    "student", "studentin", "schwanger", "hier", "neu", "flüchtling", "refugee", "new",
    "là", "است", "هست", "هستم", "دی", "یم", "እዩ", "ነይ", "جزيلا", "جزیلا", "e", "im", "me",
}  # fmt: skip
_CUES = sorted(_INTRODUCTIONS, key=lambda cue: -len(cue.split(" ")))
_CASELESS_MAX = 2  # names in scripts without capitals: at most two words after the cue


def mask(text: str) -> str:
    """The text with personal details replaced by placeholders (see the module docstring)."""
    text = unicodedata.normalize("NFC", text or "")
    text = _EMAIL.sub(EMAIL, text)
    text = _LINK.sub(LINK, text)
    text = _HANDLE.sub(NAME, text)
    text = _DIGIT_RUN.sub(_phone, text)
    return _mask_words(text)


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if sum(ch.isdigit() for ch in found) < 6:
        return found
    first = next(ch for ch in found if ch.isdigit() or ch == "+")
    # numbers that start like phone numbers (+49, 0176, ٠١٧٦) are phones; others (dates of
    # birth, file numbers) are masked as numbers
    return PHONE if first == "+" or unicodedata.digit(first, -1) == 0 else NUMBER_LONG


def _bare(word: str) -> str:
    return word.strip(_TRAILING + "(«„\"'").casefold()


def _capitalised(word: str) -> bool:
    core = word.strip(_TRAILING + "(«„\"'")
    return bool(core) and core[0].isupper()


def _namelike(word: str, *, caseless: bool) -> bool:
    core = word.strip(_TRAILING + "(«„\"'")
    if not core or any(ch.isdigit() for ch in core) or core.startswith("["):
        return False
    if _bare(core) in _STOP or _bare(core) in _STREET_WORDS:
        return False
    if caseless or _SCRIPTS_WITHOUT_CASE.search(core):
        return True
    return core[0].isupper()


def _mask_name(
    words: list[str], start: int, replace, *, first_caseless: bool, limit: int = 3
) -> None:
    """Replace the name that starts at `start`: up to `limit` name-like words, ending at
    punctuation; in scripts without capitals at most two words, never one starting with "و"
    ("and")."""
    j, taken = start, 0
    while j < len(words) and taken < limit:
        word = words[j]
        caseless_script = bool(_SCRIPTS_WITHOUT_CASE.search(word))
        if caseless_script and (taken >= _CASELESS_MAX or (taken and word.startswith("و"))):
            break
        if not _namelike(word, caseless=first_caseless and taken == 0):
            break
        replace(j)
        taken += 1
        if word.rstrip().endswith(tuple(_TRAILING)):
            break
        j += 1


def _mask_words(text: str) -> str:
    words = text.split(" ")
    lowered = [_bare(w) for w in words]
    out = list(words)

    def replace(index: int) -> None:
        word = words[index]
        core = word.strip(_TRAILING + "(«„\"'")
        out[index] = word.replace(core, NAME, 1) if core else word

    # street numbers: right after a street name, or a few words after / right before a street word
    for i, word in enumerate(words):
        if not _HOUSE_NUMBER.match(word.strip()):
            continue
        previous = lowered[i - 1] if i else ""
        before = lowered[max(0, i - 3) : i]
        after = lowered[i + 1 : i + 3]
        if (
            (previous and (_STREET_SUFFIX.search(previous) or previous in _STREET_WORDS))
            or any(w in _STREET_WORDS for w in before)
            or any(w in _STREET_WORDS for w in after)
        ):
            core = word.strip(_TRAILING)
            out[i] = word.replace(core, NUMBER, 1)

    # names after introductions and titles
    for i in range(len(words)):
        for cue in _CUES:  # the longest cue that matches here
            parts = cue.split(" ")
            end = i + len(parts)
            if lowered[i:end] != parts or end >= len(words):
                continue
            if cue not in _WEAK or _capitalised(words[end]):
                _mask_name(words, end, replace, first_caseless=cue not in _WEAK)
            break
        if lowered[i] in _TITLES and i + 1 < len(words):
            j = i + 1
            if lowered[j] in _TITLES and j + 1 < len(words):  # "Frau Dr. Schmidt"
                j += 1
            _mask_name(words, j, replace, first_caseless=False, limit=2)

    # a signature: one or two name-like words after a greeting at the end
    return _mask_signature(" ".join(out))


def _mask_signature(text: str) -> str:
    words = text.rstrip().split(" ")
    for tail in (2, 1):
        if len(words) <= tail:
            continue
        head, last = " ".join(words[:-tail]), words[-tail:]
        if _GREETINGS.search(head) and all(_namelike(w, caseless=False) for w in last):
            return head + " " + " ".join(NAME for _ in last)
    return text
