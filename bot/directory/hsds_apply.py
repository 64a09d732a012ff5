"""Apply imported offers to the directory, with a preview of what changes first.

`apply_offers` is the one seam between the HSDS import and the storage of the directory. Today it
goes through the existing knowledge import (the same validation, embeddings and one transaction,
a new knowledge version): the live knowledge with the imported offers added or replaced is written
as a knowledge folder and imported. When the directory keeps revisions, this function becomes
`Directory.apply(change, author=…, comment=…, source="hsds")`.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer
from bot.services import Services
from bot.storage.knowledge_store import ImportReport


@dataclass
class Preview:
    """What applying the offers would do, offer by offer."""

    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # offer id → changed fields
    unchanged: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.added and not self.changed


def preview(current: Mapping[str, Offer], incoming: Mapping[str, Offer]) -> Preview:
    result = Preview()
    for offer_id, offer in sorted(incoming.items()):
        before = current.get(offer_id)
        if before is None:
            result.added.append(offer_id)
            continue
        old = before.model_dump(mode="json", exclude_none=True)
        new = offer.model_dump(mode="json", exclude_none=True)
        fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if fields:
            result.changed[offer_id] = fields
        else:
            result.unchanged.append(offer_id)
    return result


def base_knowledge(services: Services) -> Knowledge | None:
    """The live knowledge (as last loaded: `refresh_knowledge` first); for an empty database, `KNOWLEDGE_DIR` without its offers (topics,
    regions and intents come from there; the offers are only those imported)."""
    if services.knowledge is not None:
        return services.knowledge
    loaded = load_knowledge(services.settings.knowledge_dir).knowledge
    return dataclasses.replace(loaded, offers={}) if loaded is not None else None


def _dump(path: Path, data: Any) -> None:
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )


def write_folder(knowledge: Knowledge, folder: Path) -> None:
    """A knowledge folder that `load_knowledge` reads back into `knowledge`."""
    data = knowledge.to_dict()
    _dump(folder / "topics.yaml", {"fields": data["fields"]})
    _dump(folder / "regions.yaml", {"cities": data["cities"]})
    _dump(folder / "intents.yaml", data["intents"])
    _dump(
        folder / "handoff.yaml",
        {"office_hours": data["office_hours"], "templates": data["templates"]},
    )
    _dump(folder / "exemplars.yaml", data["exemplars"])
    (folder / "offers").mkdir()
    for offer in data["offers"]:
        _dump(folder / "offers" / f"{offer['id']}.yaml", offer)


async def apply_offers(
    services: Services,
    offers: Mapping[str, Offer],
    *,
    comment: str = "",
    base: Knowledge | None = None,
) -> ImportReport:
    """Add or replace `offers` in the live directory, all or nothing (THE seam; see above).
    `base` is what the preview was made against (default: the live knowledge, reloaded)."""
    if base is None:
        await services.refresh_knowledge()
        base = base_knowledge(services)
    if base is None:
        raise LookupError(f"no knowledge to import into ({services.settings.knowledge_dir})")
    merged = dataclasses.replace(base, offers={**base.offers, **offers})
    with tempfile.TemporaryDirectory(prefix="wegweiser-hsds-") as tmp:
        folder = Path(tmp)
        write_folder(merged, folder)
        cache = services.settings.knowledge_dir / "embeddings.npz"
        if cache.exists():
            shutil.copyfile(cache, folder / "embeddings.npz")
        staged = dataclasses.replace(
            services, settings=services.settings.model_copy(update={"knowledge_dir": folder})
        )
        report = await staged.import_knowledge()
    if report.ok:
        await services.refresh_knowledge()
    return report
