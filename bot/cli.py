"""The `wegweiser` command line: wiring only; each subcommand lives in its own module.

Operators get one clear line for a wrong setting or an unreachable database, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.core.config import ConfigError, Settings, load_settings
from bot.core.languages import LANGUAGES
from bot.services import KnowledgeUnavailable

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _language(value: str) -> str:
    from bot.core.languages import normalise_language

    lang = normalise_language(value)
    if lang is None:
        raise argparse.ArgumentTypeError(
            f"unsupported language {value!r}; choose one of {', '.join(LANGUAGES)}"
        )
    return lang


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegweiser",
        description="Wegweiser: referral advice for migrants, in 12 languages.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser("chat", help="console chat with the dialogue engine (no token needed)")
    chat.add_argument("--lang", type=_language, help="answer in this language (e.g. ar, uk)")
    chat.add_argument(
        "--script",
        metavar="FILE",
        help="run a conversation from JSON Lines ('-' for stdin): one turn per line "
        '({"say": …}, {"command": …}, {"button": …}, {"location": [lat, lon]}); '
        "one JSON line per bot turn out",
    )

    sub.add_parser("run", help="run the Telegram bot (long polling)")

    serve = sub.add_parser(
        "serve", help="the web application: staff workspace, HSDS API, webhook, metrics"
    )
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust X-Forwarded-* headers from any proxy (only behind a reverse proxy)",
    )

    ask = sub.add_parser("ask", help="answer one question (or JSON Lines with --batch)")
    ask.add_argument("--lang", type=_language, help="language of the question")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--batch", action="store_true", help="read JSON Lines from stdin")
    ask.add_argument("text", nargs="*", help="the question")

    knowledge = sub.add_parser("knowledge", help="validate, import or export the knowledge base")
    ksub = knowledge.add_subparsers(dest="knowledge_command", required=True, metavar="ACTION")
    validate = ksub.add_parser("validate", help="check every file; exit 1 on any error")
    validate.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    validate.add_argument("--lang", choices=["de", "en"], default="de", help="language of messages")
    imp = ksub.add_parser(
        "import",
        help="preview and load the knowledge folder (or HSDS 3.0 data) as one revision",
    )
    imp.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")
    imp.add_argument(
        "--format",
        choices=["knowledge", "hsds"],
        default="knowledge",
        help="knowledge: the YAML folder; hsds: Open Referral HSDS 3.0 JSON (FILE or DIR)",
    )
    imp.add_argument("source", nargs="?", metavar="FILE|DIR", help="HSDS JSON file or folder")
    imp.add_argument("--mapping", help="YAML: HSDS taxonomy term (id, code or name) → topic id")
    imp.add_argument("--city", help="city id for services whose place names none of ours")
    imp.add_argument(
        "--data-lang", type=_language, default="de", help="hsds: language of the HSDS texts"
    )
    imp.add_argument("--lang", choices=["de", "en"], default="de", help="language of messages")
    imp.add_argument("--dry-run", action="store_true", help="show the preview, write nothing")
    imp.add_argument("--comment", help="comment of the revision")
    imp.add_argument("--author", help="author of the revision (default: cli)")
    imp.add_argument(
        "--warnings", dest="verbose_warnings", action="store_true", help="list warnings too"
    )
    export = ksub.add_parser(
        "export", help="write the live directory (JSON, YAML folder, xlsx, HSDS 3.0 package)"
    )
    export.add_argument("--format", choices=["json", "yaml", "xlsx", "hsds"], default="json")
    export.add_argument(
        "--output", help="file (json, xlsx) or folder (yaml, hsds); json: stdout without it"
    )
    export.add_argument("--lang", type=_language, default="de", help="hsds: language of the texts")
    export.add_argument(
        "--include-samples",
        action="store_true",
        help="hsds: publish sample offers too (default: HSDS_INCLUDE_SAMPLES)",
    )
    embed = ksub.add_parser("embed", help="precompute passage vectors (embeddings.npz)")
    embed.add_argument("--dir", help="knowledge folder (default: KNOWLEDGE_DIR)")

    staff = sub.add_parser("staff", help="accounts of the staff workspace")
    ssub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = ssub.add_parser("add", help="add an account (password: WEGWEISER_PASSWORD or prompt)")
    add.add_argument("name")
    add.add_argument("--role", choices=["admin", "editor", "viewer"], required=True)
    ssub.add_parser("list", help="list the accounts")
    remove = ssub.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    passwd = ssub.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("name")

    sub.add_parser("purge", help="delete personal data past the retention period")
    cas = sub.add_parser("cases", help="open hand-off cases and response-time figures")
    cas.add_argument("--days", type=_days, default=90, help="period in days (default 90)")
    cas.add_argument("--lang", choices=["de", "en"], default="de", help="language of the output")
    dem = sub.add_parser("demand", help="what people asked for (monitoring for the office)")
    dem.add_argument("--days", type=_days, default=30, help="period in days (default 30)")
    dem.add_argument("--lang", choices=["de", "en"], default="de", help="language of the output")
    dem.add_argument("--show", type=int, default=10, help="latest gap questions to list (masked)")
    rep = sub.add_parser("report", help="the steering group's report (xlsx or pdf)")
    rep.add_argument(
        "--from", dest="start", type=_date, required=True, help="first day, YYYY-MM-DD"
    )
    rep.add_argument("--to", dest="end", type=_date, required=True, help="last day, YYYY-MM-DD")
    rep.add_argument("--format", choices=["xlsx", "pdf"], required=True)
    rep.add_argument("--output", required=True, help="the file to write")
    return parser


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not 1 <= days <= 3660:
        raise argparse.ArgumentTypeError("choose between 1 and 3660 days")
    return days


def _date(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _handler(args: argparse.Namespace) -> Handler:
    if args.command == "knowledge":
        from bot.commands import knowledge

        return {
            "validate": knowledge.validate,
            "import": knowledge.import_,
            "export": knowledge.export,
            "embed": knowledge.embed,
        }[args.knowledge_command]
    if args.command == "chat":
        from bot.commands.chat import chat

        return chat
    if args.command == "ask":
        from bot.commands.ask import ask

        return ask
    if args.command == "run":
        from bot.commands.run import run

        return run
    if args.command == "serve":
        from bot.commands.serve import serve

        return serve
    if args.command == "demand":
        from bot.commands.demand import demand

        return demand
    if args.command == "cases":
        from bot.commands.cases import cases

        return cases
    if args.command == "report":
        from bot.commands.report import report

        return report
    if args.command == "staff":
        from bot.commands.staff import staff

        return staff
    if args.command == "purge":
        from bot.commands.purge import purge

        return purge
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = load_settings()
        return asyncio.run(_handler(args)(args, settings))
    except ConfigError as exc:
        print(f"wegweiser: {exc}", file=sys.stderr)
        return 2
    except KnowledgeUnavailable as exc:
        print("wegweiser: the knowledge base does not validate:", file=sys.stderr)
        for problem in exc.report.errors:
            print(f"  {problem.render()}", file=sys.stderr)
        return 1
    except (OperationalError, DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"wegweiser: cannot use the database: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
