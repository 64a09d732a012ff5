"""The staff catalogs (de, en) hold every text of the workspace and of `knowledge validate`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from bot.i18n import STAFF_DOMAIN, STAFF_LANGUAGES, po_path, staff_texts
from bot.knowledge.problems import MESSAGES, SUGGESTIONS

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _used() -> set[str]:
    ids = set(MESSAGES.values()) | set(SUGGESTIONS.values())
    for folder in ("bot/web", "bot/directory", "bot/staff"):
        for *_, message, _c, _ctx in extract_from_dir(
            ROOT / folder, [("**.py", "python")], keywords={"_": None}
        ):
            ids.add(message)
    for *_, message, _c, _ctx in extract_from_dir(
        ROOT / "bot/web/templates", [("**.html", "jinja2.ext:babel_extract")], keywords={"_": None}
    ):
        ids.add(message)
    for folder in ("bot/reporting",):
        for *_, message, _c, _ctx in extract_from_dir(
            ROOT / folder, [("**.py", "python")], keywords={"_": None}
        ):
            ids.add(message)
    for module in ("knowledge.py", "demand.py", "cases.py", "report.py"):
        for _line, message, _c, _ctx in extract_from_file(
            "python", ROOT / "bot/commands" / module, keywords={"_": None}
        ):
            ids.add(message)
    return ids


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
def test_staff_catalog_is_complete(language: str) -> None:
    with po_path(language, STAFF_DOMAIN).open("rb") as handle:
        catalog = {m.id: m for m in read_po(handle, locale=language) if m.id}
    missing = sorted(_used() - set(catalog))
    assert not missing, f"{language}: add to locales/{language}/LC_MESSAGES/staff.po: {missing}"
    for message_id, message in catalog.items():
        assert message.string and not message.fuzzy, (language, message_id)
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(message_id))


def test_german_is_the_default_and_english_the_second() -> None:
    assert staff_texts(None)._("Offers") == "Angebote"
    assert staff_texts("en")._("Offers") == "Offers"
    assert staff_texts("ar").language == "de"
