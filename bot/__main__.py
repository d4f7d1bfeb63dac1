"""Command line: ``krisebot serve`` runs the service, ``krisebot check`` prints the readiness report.

Exit codes: 0 ok/ready, 1 ready with warnings that block paging, 2 wrong settings or plan.
A configuration error is one line naming the setting or the plan field, never a traceback.
"""

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from .errors import ConfigurationError, SettingsError, StoreError
from .plan import load_plan
from .readiness import assess
from .settings import env_name, load_settings
from .store import open_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="krisebot", description="Krisebot: kriseplanen i Microsoft Teams")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="start tjenesten")
    commands.add_parser("check", help="kontrollér indstillinger og plan, og vis om alle kan nås")
    args = parser.parse_args(argv)
    try:
        return {"serve": _serve, "check": _check}[args.command]()
    except (ConfigurationError, StoreError) as exc:
        for line in str(exc).splitlines():
            print(f"krisebot: {line}", file=sys.stderr)
        return 2


def _serve() -> int:
    from .app import create_app

    settings = load_settings()
    plan = load_plan(settings.plan)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("krisebot").info("starting on %s:%s with plan %s", settings.host, settings.port, settings.plan)
    try:
        web.run_app(create_app(settings, plan), host=settings.host, port=settings.port, print=None)
    except OSError as exc:
        raise SettingsError(env_name("port"), f"kan ikke lytte på {settings.host}:{settings.port}: {exc.strerror}") from None
    return 0


def _check() -> int:
    settings = load_settings()
    plan = load_plan(settings.plan)
    report = assess(plan, settings, linked_person_ids=asyncio.run(_linked_person_ids(settings.database)))
    print(f"Indstillinger: i orden\nPlan: {settings.plan}: i orden")
    print("\n".join(report.lines()))
    return 0 if report.ready else 1


async def _linked_person_ids(database) -> set[str]:
    if not database.exists():
        return set()
    store = await open_store(database, read_only=True)
    try:
        return await store.linked_person_ids()
    finally:
        await store.close()


if __name__ == "__main__":
    sys.exit(main())
