"""The danger-signs layer: concepts that occur together, whatever the wording."""

from __future__ import annotations

import pytest

from bot.knowledge.schema import DangerFile
from bot.matching.danger import DangerSigns
from bot.matching.matcher import Matcher

NAMES = ("child", "missing", "partner", "hit", "weapon", "shopping", "past")


def signs(**concepts: dict[str, list[str]]) -> DangerSigns:
    """A detector with three rules over the given words (unlisted concepts have no words)."""
    first = next(iter(concepts))
    concepts[first] = {name: [] for name in NAMES} | concepts[first]
    return DangerSigns(
        DangerFile.model_validate(
            {
                "window": 6,
                "guards": ["past"],
                "rules": {
                    "child_danger": [["child", "missing"]],
                    "domestic_violence": [["partner", "hit"]],
                    "violence": [["weapon", "!shopping"]],
                },
                "concepts": concepts,
            }
        )
    )


GERMAN = {
    "child": ["kind", "sohn", "tochte*"],
    "missing": ["verschwund*", "nicht nach hause"],
    "partner": ["mann"],
    "hit": ["schlagt", "geschlagen"],
    "weapon": ["messer"],
    "shopping": ["kaufen"],
    "past": ["letztes jahr"],
}
ARABIC = {"child": ["*ابن*"], "missing": ["ضايع"], "partner": ["*زوج*"], "hit": ["*ضرب*"]}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mein Sohn ist seit heute Morgen verschwunden!!", "child_danger"),  # stem, any wording
        ("meine töchter sind verschwunden", "child_danger"),  # stem + accent removed
        ("Kind kommt seit 3 Stunden nicht nach Hause", "child_danger"),  # term with slack
        ("mein Mann hat mich geschlagen", "domestic_violence"),
        ("draußen steht einer mit einem Messer", "violence"),
        ("وابني ضايع من الصبح", "child_danger"),  # glued و before the stem
        ("زوجي بيضربني", "domestic_violence"),  # glued prefix and suffix
    ],
)
def test_concepts_together_are_danger(text: str, kind: str) -> None:
    hit = signs(de=GERMAN, ar=ARABIC).detect(text)
    assert hit is not None and hit.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "Mein Sohn braucht einen Kitaplatz",  # one concept only
        "Wo kann ich ein Messer kaufen?",  # negated concept
        "Letztes Jahr hat mein Mann mich geschlagen, jetzt Scheidung",  # guard: told, not now
        "Sohn eins zwei drei vier fünf sechs sieben acht verschwunden",  # outside the window
        "",
    ],
)
def test_ordinary_messages_are_not(text: str) -> None:
    assert signs(de=GERMAN, ar=ARABIC).detect(text) is None


def test_concepts_do_not_mix_languages() -> None:
    """English "kind" is no German child: a rule is met within one language's words."""
    detector = signs(de={"child": ["kind"]}, en={"missing": ["missing"]})
    assert detector.detect("what kind of form is missing") is None


def test_one_typo_only_in_long_words() -> None:
    detector = signs(de={"child": ["kind"], "missing": ["verschwunden"], "weapon": ["messr"]})
    assert detector.detect("kind verschwunen") is not None  # 12 letters: one typo allowed
    assert detector.detect("mesr") is None  # short words must be exact


def test_the_higher_priority_kind_wins() -> None:
    detector = signs(de={**GERMAN, "partner": ["mann"], "weapon": ["messer"]})
    assert detector.detect("mein Mann schlägt mich mit dem Messer").kind == "domestic_violence"


def test_undefined_concepts_are_refused() -> None:
    with pytest.raises(ValueError, match="never defined"):
        DangerFile.model_validate({"rules": {"fire": [["flames"]]}, "concepts": {"de": {}}})


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("mein kleiner ist seit 2 stunden verschwunden bitte", "de", "child_danger"),
        ("my friend took lot of pills and he dont wake up what do i do", "en", "poisoning"),
        ("mein ex steht vor der tür und sagt er bringt mich um", "de", "domestic_violence"),
        ("es riecht überall nach gas im treppenhaus", "de", "fire"),
    ],
)
def test_shipped_knowledge_catches_paraphrases(
    shipped_matcher: Matcher, text: str, language: str, kind: str
) -> None:
    result = shipped_matcher.match(text, language)
    assert (result.action, result.emergency_kind) == ("emergency", kind)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mein sohn hat einen anderen jungen in der schule geschlagen, was tun?", "de"),
        ("ich möchte einen erste-hilfe-kurs machen", "de"),
        ("my boss wants to fire me because i was sick", "en"),
        ("this bureaucracy is killing me, how long does the blue card take", "en"),
        ("who has to install smoke detectors landlord or tenant", "en"),
    ],
)
def test_shipped_knowledge_raises_no_false_alarm(
    shipped_matcher: Matcher, text: str, language: str
) -> None:
    assert shipped_matcher.match(text, language).action != "emergency"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("there was a fire in our flat last year and insurance still hasnt paid", "en"),
        ("в прошлом году у нас был пожар страховка до сих пор не заплатила", "ru"),
    ],
)
def test_a_guard_also_silences_phrases(shipped_matcher: Matcher, text: str, language: str) -> None:
    """The danger phrase is there ("fire in our flat"), but the message tells of the past."""
    assert shipped_matcher.match(text, language).action != "emergency"
