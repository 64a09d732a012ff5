"""`wegweiser knowledge validate|import|export`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.core.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.services import open_services


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if getattr(args, "dir", None) else settings.knowledge_dir


async def validate(args: argparse.Namespace, settings: Settings) -> int:
    folder = _folder(args, settings)
    result = load_knowledge(folder)
    for line in result.report():
        print(line)
    if result.errors:
        print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {folder}")
        return 1
    assert result.knowledge is not None
    print(
        f"ok: {len(result.knowledge.offers)} offers, {len(result.knowledge.topics)} topics, "
        f"{len(result.knowledge.cities)} cities; {len(result.warnings)} warning(s)"
    )
    return 0


async def import_(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "format", "knowledge") == "hsds":
        from bot.commands.knowledge_hsds import import_hsds

        return await import_hsds(args, settings)
    if getattr(args, "source", None):
        print("wegweiser: a knowledge folder is given with --dir (FILE|DIR is for --format hsds)")
        return 2
    if getattr(args, "dir", None):
        settings = settings.model_copy(update={"knowledge_dir": Path(args.dir)})
    services = await open_services(settings, ensure_knowledge=False)
    try:
        report = await services.import_knowledge()
    finally:
        await services.close()
    for line in report.load.report():
        print(line, file=sys.stderr if report.load.errors else sys.stdout)
    if not report.ok:
        print(
            f"import refused: {len(report.load.errors)} error(s); the database was not changed",
            file=sys.stderr,
        )
        return 1
    if report.unchanged:
        print(f"no changes; knowledge version stays {report.version}")
        return 0
    print(
        f"imported knowledge version {report.version}: {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed"
    )
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        for offer_id in ids:
            print(f"  {label}: {offer_id}")
    return 0


async def export(args: argparse.Namespace, settings: Settings) -> int:
    if args.format == "hsds":
        from bot.commands.knowledge_hsds import export_hsds

        return await export_hsds(args, settings)
    services = await open_services(settings, semantic=False)
    try:
        assert services.knowledge is not None
        document = {
            "knowledge_version": services.knowledge_version,
            "content_hash": services.knowledge.content_hash,
            **services.knowledge.to_dict(),
        }
    finally:
        await services.close()
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


async def embed(args: argparse.Namespace, settings: Settings) -> int:
    """Write `embeddings.npz` for the knowledge folder, so fresh installs import fast."""
    from bot.matching.embedding_cache import write_cache
    from bot.matching.passages import build_passages
    from bot.storage.knowledge_store import text_hash

    folder = _folder(args, settings)
    settings = settings.model_copy(update={"knowledge_dir": folder})
    services = await open_services(settings)
    try:
        if services.semantic is None or services.knowledge is None:
            print("wegweiser knowledge embed: the semantic model is not available", file=sys.stderr)
            return 1
        passages = build_passages(services.knowledge)
        texts = [t for _, _, t in passages]
        vectors = services.semantic.passages(texts)
        path = write_cache(
            folder,
            services.semantic.name,
            {text_hash(t): v for t, v in zip(texts, vectors, strict=True)},
        )
    finally:
        await services.close()
    print(f"wrote {len(texts)} passage vectors to {path}")
    return 0
