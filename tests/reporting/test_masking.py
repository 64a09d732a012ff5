"""The masker: names, phone numbers, e-mail addresses and street numbers disappear in every
language and script; the rest of the question stays readable."""

from __future__ import annotations

import pytest

from bot.reporting.masking import mask

CASES = [
    # (text, words that must disappear, words that must stay)
    (
        "Ich heiße Amina Yusuf und suche einen Deutschkurs",
        ["Amina", "Yusuf"],
        ["Deutschkurs", "suche"],
    ),
    (
        "Mein Name ist Olga. Tel. 0176 1234567, olga.k@web.de",
        ["Olga", "1234567", "olga.k"],
        ["Tel."],
    ),
    ("Wir wohnen in der Musterstraße 12a in Magdeburg", ["12a"], ["Musterstraße", "Magdeburg"]),
    ("Breiter Weg 5, 39104 Magdeburg: wo ist das Amt?", [" 5,"], ["39104", "Breiter Weg"]),
    ("Termin bei Frau Dr. Schmidt am Jobcenter", ["Schmidt"], ["Jobcenter", "Frau"]),
    ("Ich brauche einen Kitaplatz für 2 Kinder", [], ["Kitaplatz", "2 Kinder"]),
    ("Ich bin 34 Jahre alt und suche Arbeit", [], ["34 Jahre"]),
    (
        "My name is John Miller and I need a lawyer, call +49 30 1234 5678",
        ["John", "Miller", "5678"],
        ["lawyer"],
    ),
    ("I live at 12 Main Street and need housing help", ["12 Main"], ["Main Street", "housing"]),
    ("je m'appelle Marie Dubois et je cherche un cours", ["Marie", "Dubois"], ["cherche", "cours"]),
    ("J'habite 5 rue de la Paix, Dresde", ["5 rue"], ["rue de la Paix"]),
    ("Merci beaucoup, Madame Martin", ["Martin"], ["Merci"]),
    (
        "Benim adım Ayşe Yılmaz ve iş arıyorum, 0152 9876543",
        ["Ayşe", "Yılmaz", "9876543"],
        ["iş arıyorum"],
    ),
    ("Navê min Rojda e, ez li Magdeburgê dijîm", ["Rojda"], ["Magdeburgê"]),
    ("Мене звати Олена, живу на вулиці Шевченка 12", ["Олена", " 12"], ["вулиці Шевченка", "живу"]),
    ("Меня зовут Иван Петров и мне нужен юрист", ["Иван", "Петров"], ["юрист"]),
    ("اسمي محمد وأبحث عن عمل، رقمي ٠١٧٦١٢٣٤٥٦٧", ["محمد", "٠١٧٦١٢٣٤٥٦٧"], ["وأبحث", "عمل"]),
    ("أسكن في شارع النصر 12 وأحتاج شقة", [" 12 "], ["شارع النصر", "شقة"]),
    ("نام من علی است و دنبال کلاس زبان هستم", ["علی"], ["است", "کلاس"]),
    ("زما نوم احمد دی، کار غواړم", ["احمد"], ["کار"]),
    (
        "Tên tôi là Nguyễn Văn An, tôi cần tìm nhà ở số 12 đường Lê Lợi",
        ["Nguyễn", "Văn", " An", "12"],
        ["tìm nhà"],
    ),
    ("ስመይ ሰላም እዩ፣ ስራሕ ደልየ", ["ሰላም"], ["እዩ", "ስራሕ"]),
    ("Schreiben Sie mir: https://t.me/amina_yusuf oder @aminay", ["t.me", "aminay"], ["Schreiben"]),
    ("Mein Aktenzeichen ist 1234567-89, geboren 12.03.1990", ["1234567", "1990"], ["Aktenzeichen"]),
    ("Vielen Dank, Anna", ["Anna"], ["Dank"]),
    ("danke sehr", [], ["danke sehr"]),
]


@pytest.mark.parametrize(("text", "gone", "kept"), CASES)
def test_mask_removes_personal_details_and_keeps_the_question(
    text: str, gone: list[str], kept: list[str]
) -> None:
    masked = mask(text)
    for word in gone:
        assert word not in masked, (text, masked)
    for word in kept:
        assert word in masked, (text, masked)


def test_placeholders_name_what_was_masked() -> None:
    masked = mask("Ich heiße Amina, Tel. +49 176 1234567, amina@example.org, Hauptstr. 3")
    assert "[Name]" in masked and "[Telefon]" in masked and "[E-Mail]" in masked
    assert "[Nr.]" in masked
    assert mask("geboren am 12.03.1990") == "geboren am [Nummer]"


def test_plain_questions_stay_unchanged() -> None:
    for text in (
        "Wo finde ich eine Schuldnerberatung in Sudenburg?",
        "Нужен курс немецкого в Дрездене",
        "أبحث عن دورة لغة في ماجدبورغ",
        "Tôi cần học tiếng Đức",
        "ክፍሊ ቋንቋ ኣበይ ይርከብ",
    ):
        assert mask(text) == text
