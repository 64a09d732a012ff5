"""Every catalog complete, no fuzzy entries, the same placeholders as the English source."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.core.languages import LANGUAGES
from bot.i18n import po_path, texts

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language: str) -> None:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    assert len(catalog) > 50
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else " ".join(message.id)
        assert not message.fuzzy, (language, source)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert strings and all(strings), (language, source)
        expected = set(PLACEHOLDER.findall(source))
        for translated in strings:
            assert set(PLACEHOLDER.findall(translated)) == expected, (language, source)


def test_plural_forms_follow_the_language() -> None:
    ar = texts("ar")
    one = ar.n_(
        "I found this offer for you ({topic}):",
        "I found these offers for you ({topic}):",
        1,
        topic="X",
    )
    three = ar.n_(
        "I found this offer for you ({topic}):",
        "I found these offers for you ({topic}):",
        3,
        topic="X",
    )
    assert one != three


def test_right_to_left_lines_are_anchored() -> None:
    line = texts("fa")._("Open now")
    assert line.startswith("\u200f") and line.endswith("\u200f")
    assert not texts("de")._("Open now").startswith("\u200f")


def test_template_lists_every_message_in_use() -> None:
    with (po_path("en").parent.parent.parent / "wegweiser.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with po_path("en").open("rb") as handle:
        english = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert template == english


def test_every_text_of_the_bot_is_in_the_catalogs() -> None:
    """Every message the bot's code marks for translation is in the template and in all 12
    catalogs (`pybabel extract` over the bot's folders, as in TRANSLATORS.md)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parents[2]
    used = {
        message if isinstance(message, str) else message[0]
        for folder in ("bot/dialogue", "bot/telegram", "bot/handoff", "bot/followup")
        for *_, message, _comments, _context in extract_from_dir(
            root / folder, [("**.py", "python")], keywords={"_": None, "n_": (1, 2)}
        )
    }
    for language in LANGUAGES:
        with po_path(language).open("rb") as handle:
            catalog = {
                m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle) if m.id
            }
        missing = sorted(m for m in used if m not in catalog or not catalog[m].string)
        assert not missing, f"{language}: translate in locales/{language}: {missing}"
