"""The directory as a YAML knowledge folder (export), safely quoted.

PyYAML's safe dumper quotes every string that would otherwise be read back differently (a colon
followed by a space in an Arabic description, a leading `-`, `yes`, a date-like text), so a file
written here always reads back to the same data.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.loader import PART_FILES
from bot.knowledge.model import Knowledge
from bot.knowledge.parts import assemble, split

HEADER = "# Wegweiser knowledge base, exported from the workspace (revision {revision}).\n"


def dump(data: Any) -> str:
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )


def folder_files(knowledge: Knowledge, revision: int) -> dict[str, str]:
    """Relative path → file text of a knowledge folder holding `knowledge`."""
    parts = assemble(split(knowledge))
    files = {
        PART_FILES[part]: HEADER.format(revision=revision) + dump(data)
        for part, data in parts.items()
    }
    for offer_id, offer in knowledge.offers.items():
        files[f"offers/{offer_id}.yaml"] = dump(offer.model_dump(mode="json", exclude_none=True))
    return files


def write_folder(knowledge: Knowledge, revision: int, target: Path) -> int:
    target = Path(target)
    (target / "offers").mkdir(parents=True, exist_ok=True)
    files = folder_files(knowledge, revision)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    return len(files)


def folder_zip(knowledge: Knowledge, revision: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(folder_files(knowledge, revision).items()):
            archive.writestr(f"knowledge/{name}", text)
    return buffer.getvalue()
