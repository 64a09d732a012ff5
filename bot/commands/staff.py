"""`wegweiser staff add NAME --role admin|editor|viewer`, `staff list`, `staff remove NAME`,
`staff passwd NAME`: accounts of the staff workspace. The password comes from
WEGWEISER_PASSWORD or a prompt (never from the command line, where it would stay in the history).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.core.config import Settings
from bot.services import open_services
from bot.staff import accounts, audit


def _password(settings: Settings) -> str | None:
    if settings.wegweiser_password is not None:
        return settings.wegweiser_password.get_secret_value()
    if not sys.stdin.isatty():
        print("wegweiser staff: set WEGWEISER_PASSWORD or run in a terminal", file=sys.stderr)
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("wegweiser staff: the passwords differ", file=sys.stderr)
        return None
    return first


async def staff(args: argparse.Namespace, settings: Settings) -> int:
    services = await open_services(settings, ensure_knowledge=False, semantic=False)
    try:
        async with services.sessions() as session, session.begin():
            if args.staff_command == "list":
                rows = await accounts.list_accounts(session)
                if not rows:
                    print("no accounts yet: wegweiser staff add NAME --role admin")
                for account in rows:
                    last = (
                        account.last_login_at.strftime("%Y-%m-%d %H:%M")
                        if account.last_login_at
                        else "-"
                    )
                    print(f"{account.name:<24} {account.role:<8} last sign-in {last}")
                return 0
            if args.staff_command == "remove":
                if not await accounts.remove_account(session, args.name):
                    print(f"wegweiser staff: no account {args.name!r}", file=sys.stderr)
                    return 1
                await audit.record(session, "cli", "remove", "account", args.name)
                print(f"removed {args.name}")
                return 0
            password = _password(settings)
            if password is None:
                return 2
            if args.staff_command == "add":
                await accounts.add_account(session, args.name, args.role, password)
                await audit.record(
                    session, "cli", "add", "account", args.name, detail={"role": args.role}
                )
                print(f"added {args.name} ({args.role})")
                return 0
            if not await accounts.set_password(session, args.name, password):
                print(f"wegweiser staff: no account {args.name!r}", file=sys.stderr)
                return 1
            await audit.record(session, "cli", "password", "account", args.name)
            print(f"password of {args.name} changed; their sessions ended")
            return 0
    except accounts.AccountError as exc:
        print(f"wegweiser staff: {exc}", file=sys.stderr)
        return 1
    finally:
        await services.close()
