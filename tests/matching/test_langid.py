from __future__ import annotations

import pytest

from bot.matching.langid import detect_language, reply_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ich suche einen Deutschkurs für meine Frau", "de"),
        ("where can I find a doctor who speaks english", "en"),
        ("وين فيني لاقي مدرسة لابني", "ar"),
        ("Шукаю роботу, де можна отримати консультацію?", "uk"),
        ("Где можно найти врача, который говорит по-русски?", "ru"),
        ("می‌خواهم کلاس زبان آلمانی بروم", "fa"),
        ("زه غواړم چې د ژبې کورس ته لاړ شم", "ps"),
        ("Almanca kursu arıyorum, nereye gitmeliyim?", "tr"),
        ("Ez li kursa zimanê almanî digerim", "ku"),
        ("ናይ ጀርመን ቋንቋ ትምህርቲ ደልየ ኣለኹ", "ti"),
        ("Je cherche un cours d'allemand pour ma femme", "fr"),
        ("Tôi cần tìm lớp học tiếng Đức", "vi"),
        ("bdi 3ayez kors almani", "ar"),  # Arabizi
        ("mikham kelas almani beram", "fa"),  # Finglish
    ],
)
def test_each_language(text: str, language: str) -> None:
    guess = detect_language(text)
    assert guess.language == language, guess


def test_mixed_text_follows_the_sentence_not_the_loanword() -> None:
    assert (
        detect_language("ich habe einen Termin beim Jobcenter, aber kein Dolmetscher").language
        == "de"
    )
    assert detect_language("عندي موعد بالجوب سنتر بكرا").language == "ar"
    assert detect_language("у меня термин в ауслендербехорде").language == "ru"


@pytest.mark.parametrize("text", ["😀👍", "", "   ", "?!", "12345"])
def test_emoji_only_or_no_letters_is_unsure(text: str) -> None:
    assert not detect_language(text).sure


def test_reply_language_order() -> None:
    assert reply_language("hello", chosen="ar", telegram_code="de").language == "ar"
    assert reply_language("hello", telegram_code="uk-UA").language == "uk"
    assert reply_language("Привіт, шукаю житло").language == "uk"
    assert reply_language("😀").language == "de"  # German when nothing else is known
