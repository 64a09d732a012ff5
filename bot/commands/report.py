"""`wegweiser report --from DATE --to DATE --format xlsx|pdf --output FILE`: the steering group's
report for a period, with the same figures as `wegweiser demand` and the dashboard."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.core.config import Settings
from bot.reporting.figures import Period
from bot.reporting.report import build_report
from bot.services import open_services


async def report(args: argparse.Namespace, settings: Settings) -> int:
    if args.end < args.start:
        print("wegweiser: --to must not be before --from", file=sys.stderr)
        return 2
    output = Path(args.output)
    if not output.parent.exists():
        print(f"wegweiser: the folder {output.parent} does not exist", file=sys.stderr)
        return 2
    services = await open_services(settings)
    try:
        assert services.knowledge is not None
        built = await build_report(
            services.sessions,
            services.knowledge,
            services.semantic,
            Period(args.start, args.end),
        )
    finally:
        await services.close()
    if args.format == "pdf":
        from bot.reporting.pdf import render_pdf

        data = render_pdf(built)
    else:
        from bot.reporting.workbook import render_xlsx

        data = render_xlsx(built)
    output.write_bytes(data)
    print(f"{output} ({len(data) // 1024 + 1} KB)")
    return 0
