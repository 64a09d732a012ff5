"""`wegweiser knowledge validate|import|export|embed`.

Validation prints the same sentences and suggestions as the workspace (German by default,
`--lang en`), each with file and line. `import` shows the preview of what would change and then
writes it as one revision (`--dry-run`: the preview only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.core.config import Settings
from bot.directory.service import Outcome, Preview, folder_change
from bot.directory.wording import line
from bot.i18n import staff_texts
from bot.knowledge.loader import load_knowledge
from bot.services import open_services


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if getattr(args, "dir", None) else settings.knowledge_dir


async def validate(args: argparse.Namespace, settings: Settings) -> int:
    t = staff_texts(getattr(args, "lang", None))
    folder = _folder(args, settings)
    result = load_knowledge(folder)
    for problem in result.problems:
        print(line(problem, t, result.root))
    if result.errors:
        print(
            t._("{errors} error(s), {warnings} warning(s) in {folder}").format(
                errors=len(result.errors), warnings=len(result.warnings), folder=folder
            )
        )
        return 1
    assert result.knowledge is not None
    print(
        t._("ok: {offers} offers, {topics} topics, {cities} cities; {warnings} warning(s)").format(
            offers=len(result.knowledge.offers),
            topics=len(result.knowledge.topics),
            cities=len(result.knowledge.cities),
            warnings=len(result.warnings),
        )
    )
    return 0


def print_preview(preview: Preview, t, root: Path | None, *, warnings: bool = True) -> None:
    """The preview of a change, as the workspace shows it."""
    for problem in preview.problems:
        if warnings or not problem.warning:
            stream = sys.stderr if not problem.warning else sys.stdout
            print(line(problem, t, root), file=stream)
    for label, ids in (
        (t._("added"), preview.added),
        (t._("changed"), preview.changed),
        (t._("retired"), preview.retired),
        (t._("restored"), preview.restored),
    ):
        for offer_id in ids:
            print(f"  {label}: {offer_id}")
    for kind, key, status in preview.items:
        print(f"  {t._(status)}: {kind} {key}")


async def import_(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "format", "knowledge") == "hsds":
        from bot.commands.knowledge_hsds import import_hsds

        return await import_hsds(args, settings)
    if getattr(args, "source", None):
        print("wegweiser: a knowledge folder is given with --dir (FILE|DIR is for --format hsds)")
        return 2
    t = staff_texts(getattr(args, "lang", None))
    folder = _folder(args, settings)
    settings = settings.model_copy(update={"knowledge_dir": folder})
    services = await open_services(settings, ensure_knowledge=False)
    try:
        directory = services.directory
        if args.dry_run:
            preview = await directory.preview(folder_change(folder))
            print_preview(preview, t, folder)
            print(t._("preview only: nothing was written"))
            return 0 if preview.ok else 1
        outcome: Outcome = await directory.apply(
            folder_change(folder),
            author=args.author or "cli",
            comment=args.comment or t._("import of {folder}").format(folder=folder),
            source="yaml",
        )
        if outcome.ok:
            await services.refresh_knowledge()
    finally:
        await services.close()
    print_preview(outcome, t, folder, warnings=args.verbose_warnings)
    if not outcome.ok:
        print(
            t._("import refused: {n} error(s); the database was not changed").format(
                n=len(outcome.errors)
            ),
            file=sys.stderr,
        )
        return 1
    if outcome.revision is None:
        print(
            t._("no changes; the directory stays at revision {n}").format(n=outcome.base_revision)
        )
        return 0
    print(
        t._("imported as revision {n}: {added} added, {changed} changed, {retired} retired").format(
            n=outcome.revision,
            added=len(outcome.added),
            changed=len(outcome.changed),
            retired=len(outcome.retired),
        )
    )
    return 0


async def export(args: argparse.Namespace, settings: Settings) -> int:
    if args.format == "hsds":
        from bot.commands.knowledge_hsds import export_hsds

        return await export_hsds(args, settings)
    services = await open_services(settings, semantic=False)
    try:
        assert services.knowledge is not None
        knowledge, revision = services.knowledge, services.knowledge_version
        if args.format == "yaml":
            from bot.directory.yaml_files import write_folder

            if not args.output:
                print(
                    "wegweiser knowledge export --format yaml needs --output DIR", file=sys.stderr
                )
                return 2
            count = write_folder(knowledge, revision, Path(args.output))
            print(f"wrote {count} files to {args.output}")
            return 0
        if args.format == "xlsx":
            from bot.directory.workbook import export_workbook

            if not args.output:
                print(
                    "wegweiser knowledge export --format xlsx needs --output FILE", file=sys.stderr
                )
                return 2
            live = await services.directory.live()
            assert live is not None
            Path(args.output).write_bytes(export_workbook(live))
            print(f"wrote {args.output}")
            return 0
        document = {
            "knowledge_version": revision,
            "content_hash": knowledge.content_hash,
            **knowledge.to_dict(),
        }
    finally:
        await services.close()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def embed(args: argparse.Namespace, settings: Settings) -> int:
    """Write `embeddings.npz` for the knowledge folder, so fresh installs import fast.

    The passages come from the folder itself, never from a database: the file must match the
    YAML it is shipped beside."""
    from bot.matching.passages import build_passages
    from bot.matching.semantic import load_semantic_model
    from bot.storage.embedding_cache import load_cache, write_cache
    from bot.storage.knowledge_store import text_hash

    folder = _folder(args, settings)
    result = load_knowledge(folder)
    if result.knowledge is None:
        t = staff_texts(getattr(args, "lang", None))
        for problem in result.errors:
            print(line(problem, t, result.root), file=sys.stderr)
        print("wegweiser knowledge embed: fix the knowledge folder first", file=sys.stderr)
        return 1
    semantic = load_semantic_model()
    if semantic is None:
        print("wegweiser knowledge embed: the semantic model is not available", file=sys.stderr)
        return 1
    passages = build_passages(result.knowledge)
    texts = list(dict.fromkeys(t for _, _, t in passages))
    known = load_cache(folder, semantic.name)  # unchanged texts keep their vector
    missing = [t for t in texts if text_hash(t) not in known]
    fresh = semantic.passages(missing) if missing else []
    known.update((text_hash(t), v) for t, v in zip(missing, fresh, strict=True))
    path = write_cache(folder, semantic.name, {text_hash(t): known[text_hash(t)] for t in texts})
    print(f"wrote {len(texts)} passage vectors to {path} ({len(missing)} newly embedded)")
    return 0
