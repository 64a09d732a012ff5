"""Apply imported offers to the directory, with a preview of what changes first.

`apply_offers` is the one seam between the HSDS import and the directory: the imported offers
are added or replaced as one revision (`Directory.apply`, source "hsds"), with the same
validation, embeddings and all-or-nothing transaction as every other change. Into an empty
database the reference data (topics, places, intents…) comes from `KNOWLEDGE_DIR`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.directory.service import Change, Outcome
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer
from bot.services import Services


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


async def apply_offers(
    services: Services,
    offers: Mapping[str, Offer],
    *,
    comment: str = "",
    base: Knowledge | None = None,
    author: str = "cli",
) -> Outcome:
    """Add or replace `offers` in the live directory, all or nothing, as one revision."""
    change = Change(
        offers={oid: o.model_dump(mode="json", exclude_none=True) for oid, o in offers.items()}
    )
    if await services.directory.live() is None:
        reference = base or base_knowledge(services)
        if reference is None:
            raise LookupError(f"no knowledge to import into ({services.settings.knowledge_dir})")
        data = reference.to_dict()
        change.parts = {
            "topics": {"fields": data["fields"]},
            "regions": {"cities": data["cities"]},
            "intents": data["intents"],
            "handoff": {"office_hours": data["office_hours"], "templates": data["templates"]},
            "exemplars": data["exemplars"],
        }
    outcome = await services.directory.apply(
        change, author=author, comment=comment or "HSDS import", source="hsds"
    )
    if outcome.ok and outcome.revision is not None:
        await services.refresh_knowledge()
    return outcome
