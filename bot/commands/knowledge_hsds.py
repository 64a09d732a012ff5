"""`wegweiser knowledge export --format hsds` and `knowledge import --format hsds`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from bot.core.config import Settings
from bot.directory.hsds import HsdsCatalogue
from bot.directory.hsds_apply import apply_offers, base_knowledge, preview
from bot.directory.hsds_export import export_package
from bot.directory.hsds_import import ImportPlan, load_mapping, plan_import
from bot.directory.hsds_read import Problem, read_hsds
from bot.directory.snapshot import live_snapshot
from bot.directory.wording import line
from bot.i18n import staff_texts
from bot.services import open_services


async def export_hsds(args: argparse.Namespace, settings: Settings) -> int:
    include = bool(args.include_samples or settings.hsds_include_samples)
    services = await open_services(settings, semantic=False)
    try:
        catalogue = HsdsCatalogue(await live_snapshot(services), args.lang, include_samples=include)
    finally:
        await services.close()
    if not args.output:
        json.dump(
            [catalogue.service_full(e) for e in catalogue.services],
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    result = export_package(catalogue, Path(args.output))
    print(
        f"wrote HSDS {len(catalogue.services)} services ({args.lang}"
        f"{', samples included' if include else ''}) to {result.folder}:"
    )
    for name in result.files:
        count = result.counts.get(name)
        print(f"  {name}" + (f" ({count})" if count is not None else ""))
    return 0


def _grouped(problems: list[Problem]) -> list[str]:
    """Notes with the same message once, with how many places had it."""
    by_message: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        by_message[problem.message].append(str(problem.place))
    lines = []
    for message, places in by_message.items():
        if len(places) == 1:
            lines.append(f"{places[0]}: {message}")
        else:
            lines.append(f"{message} ({len(places)}×, e.g. {places[0]})")
    return lines


def _print_plan(plan: ImportPlan) -> None:
    if plan.skipped:
        print(f"skipped {len(plan.skipped)} service(s):")
        for problem in plan.skipped:
            print(f"  {problem.render()}")
    if plan.unmapped_terms:
        print("taxonomy terms without a topic (map them in a --mapping file):")
        for key, label in sorted(plan.unmapped_terms.items()):
            print(f"  {label}: {plan.unmapped_uses.get(key, 0)} service(s)")
    if plan.notes:
        print("not mapped or changed on the way in:")
        for line in _grouped(plan.notes):
            print(f"  {line}")


async def import_hsds(args: argparse.Namespace, settings: Settings) -> int:
    if not args.source:
        print("wegweiser: knowledge import --format hsds needs FILE or DIR", file=sys.stderr)
        return 2
    source = Path(args.source)
    found = read_hsds(source)
    services = await open_services(settings, ensure_knowledge=False, semantic=not args.dry_run)
    try:
        await services.refresh_knowledge()
        base = base_knowledge(services)
        if base is None:
            print(
                f"wegweiser: KNOWLEDGE_DIR {settings.knowledge_dir} does not validate",
                file=sys.stderr,
            )
            return 1
        mapping = load_mapping(Path(args.mapping) if args.mapping else None, base)
        plan = plan_import(found, base, mapping=mapping, lang=args.data_lang, city=args.city)
        if not plan.ok:
            for problem in plan.errors:
                print(f"{problem.render()}", file=sys.stderr)
            print(
                f"import refused: {len(plan.errors)} error(s); the database was not changed",
                file=sys.stderr,
            )
            return 1
        change = preview(base.offers, plan.offers)
        print(
            f"HSDS {source}: {plan.services_read} service(s) read, {len(plan.offers)} usable; "
            f"{len(change.added)} to add, {len(change.changed)} to change, "
            f"{len(change.unchanged)} unchanged"
        )
        for offer_id in change.added:
            print(f"  + {offer_id}  ({plan.origin[offer_id]})")
        for offer_id, fields in change.changed.items():
            print(f"  ~ {offer_id}: {', '.join(fields)}")
        _print_plan(plan)
        if not plan.offers:
            print("nothing to import", file=sys.stderr)
            return 1
        if args.dry_run:
            print("dry run: the database was not changed")
            return 0
        if change.empty:
            print("no changes")
            return 0
        outcome = await apply_offers(
            services,
            plan.offers,
            comment=args.comment or f"HSDS import of {source.name}",
            base=base,
            author=args.author or "cli",
        )
    finally:
        await services.close()
    t = staff_texts(getattr(args, "lang", None))
    if not outcome.ok:
        for problem in outcome.errors:
            print(line(problem, t, None), file=sys.stderr)
        print("import refused: the database was not changed", file=sys.stderr)
        return 1
    if outcome.revision is None:
        print(f"no changes; the directory stays at revision {outcome.base_revision}")
        return 0
    print(
        f"imported as revision {outcome.revision}: {len(outcome.added)} added, "
        f"{len(outcome.changed)} changed"
    )
    return 0
