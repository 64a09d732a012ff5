from __future__ import annotations

import pytest

from bot.matching.normalize import normalize, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ausländerbehörde!!", "auslanderbehorde"),  # Latin diacritics and punctuation
        ("STRAßE", "strasse"),  # casefold
        ("مُسَاعَدَة", "مساعده"),  # harakat removed, teh marbuta unified
        ("أريد إقامة", "ارید اقامه"),  # alef forms, Arabic yeh → Persian yeh
        ("كـــورس", "کورس"),  # tatweel removed, Arabic kaf → keheh
        ("می‌خواهم", "میخواهم"),  # ZWNJ
        ("ميخواهم", "میخواهم"),  # Arabic-keyboard Persian equals Persian-keyboard Persian
        ("١٢٣ ۴۵۶", "123 456"),  # Arabic-Indic and Persian digits
        ("Джобцентр, де?", "джобцентр де"),  # Cyrillic kept, punctuation to spaces
        ("Їжа йод Ёлка", "їжа йод елка"),  # Ukrainian ї and й keep their identity
        ("ሰላም፡ ጆብሰንተር።", "ሰላም ጆብሰንተር"),  # Ethiopic word separators
        ("İş arıyorum", "is ariyorum"),  # Turkish dotted/dotless i
        ("cần tìm việc làm", "can tim viec lam"),  # Vietnamese tones
        ("xin chào Đà Nẵng", "xin chao da nang"),
        ("alîkarî û şîret", "alikari u siret"),  # Kurmanji
        ("hello😀world", "hello world"),  # emoji
        ("  \t\n ", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_tokens_of_empty_text() -> None:
    assert tokens("") == []
    assert tokens("a  b") == ["a", "b"]
