"""Command line: ``krisebot serve`` runs the service, ``krisebot check`` prints the readiness report,
``krisebot export CRISIS`` writes a crisis's logbog as Markdown and HTML, ``krisebot manifest``
writes the Teams app package.

Exit codes: 0 ok/ready, 1 ready with warnings that block paging, 2 wrong settings or plan.
A configuration error is one line naming the setting or the plan field, never a traceback.
"""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from aiohttp import web

from .core.events import Event
from .channels.sms.console import SmsReplyError, send_reply, service_url
from .errors import ConfigurationError, SettingsError, StoreError
from .graph.readiness import entra_findings
from .logs import AccessLog, configure_logging
from .manifest import app_package, write_app_package
from .plan import load_plan
from .readiness import assess
from .render.export import logbog_html, logbog_markdown
from .settings import env_name, load_settings
from .store import open_store

APP_PACKAGE = "krisebot-teams-app.zip"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="krisebot", description="Krisebot: kriseplanen i Microsoft Teams")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="start tjenesten")
    commands.add_parser("check", help="kontrollér indstillinger og plan, og vis om alle kan nås")
    export = commands.add_parser("export", help="skriv logbogen for en krise som Markdown og HTML")
    export.add_argument("crisis", metavar="CRISIS", help="kriseid, fx K-2026-001")
    export.add_argument("--out", type=Path, default=Path("."), help="mappen filerne skrives i (standard: denne)")
    manifest = commands.add_parser("manifest", help="byg Teams-appens pakke (zip) til upload i Teams")
    manifest.add_argument("--out", type=Path, default=Path(APP_PACKAGE), help=f"zip-filen (standard: {APP_PACKAGE})")
    reply = commands.add_parser("sms-reply", help="send et sms-svar til den kørende tjeneste (konsol-udbyderen)")
    reply.add_argument("sender", metavar="FROM", help="afsenderens nummer, fx 29256511")
    reply.add_argument("text", metavar="TEXT", help='sms-teksten, fx "1K"')
    args = parser.parse_args(argv)
    try:
        if args.command == "sms-reply":
            return _sms_reply(args.sender, args.text)
        if args.command == "export":
            return _export(args.crisis.upper(), args.out)
        if args.command == "manifest":
            return _manifest(args.out)
        return {"serve": _serve, "check": _check}[args.command]()
    except (ConfigurationError, StoreError, SmsReplyError) as exc:
        for line in str(exc).splitlines():
            print(f"krisebot: {line}", file=sys.stderr)
        return 2


def _serve() -> int:
    from .app import create_app

    settings = load_settings()
    plan = load_plan(settings.plan)
    configure_logging()
    logging.getLogger("krisebot").info("starting on %s:%s with plan %s", settings.host, settings.port, settings.plan)
    try:
        web.run_app(
            create_app(settings, plan), host=settings.host, port=settings.port, print=None, access_log_class=AccessLog
        )
    except OSError as exc:
        raise SettingsError(env_name("port"), f"kan ikke lytte på {settings.host}:{settings.port}: {exc.strerror}") from None
    return 0


def _sms_reply(sender: str, text: str) -> int:
    """Hand a simulated SMS reply to the service on this machine, as the console provider's gateway."""
    settings = load_settings()
    asyncio.run(send_reply(service_url(settings.host, settings.port), sender, text))
    print(f"Sms fra {sender} er afleveret: «{text}»")
    return 0


def _check() -> int:
    settings = load_settings()
    plan = load_plan(settings.plan)
    report = assess(
        plan, settings,
        linked_person_ids=asyncio.run(_linked_person_ids(settings.database)),
        entra=asyncio.run(entra_findings(settings, plan)),
    )
    print(f"Indstillinger: i orden\nPlan: {settings.plan}: i orden")
    print("\n".join(report.lines()))
    return 0 if report.ready else 1


def _manifest(out: Path) -> int:
    settings = load_settings()
    files = app_package(settings, load_plan(settings.plan))
    write_app_package(out, files)
    print(out)
    return 0


def _export(crisis_id: str, folder: Path) -> int:
    settings = load_settings()
    plan = load_plan(settings.plan)
    if not settings.database.exists():
        raise StoreError(f"databasen {settings.database} findes ikke")
    events = asyncio.run(_crisis_events(settings.database, crisis_id))
    if not events:
        print(f"krisebot: krisen {crisis_id} findes ikke i {settings.database}", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, render in ((".md", logbog_markdown), (".html", logbog_html)):
        path = folder / f"{crisis_id}{suffix}"
        path.write_text(render(plan, events), encoding="utf-8")
        print(path)
    return 0


async def _crisis_events(database: Path, crisis_id: str) -> list[Event]:
    store = await open_store(database, read_only=True)
    try:
        return await store.events(crisis_id=crisis_id)
    finally:
        await store.close()


async def _linked_person_ids(database: Path) -> set[str]:
    if not database.exists():
        return set()
    store = await open_store(database, read_only=True)
    try:
        return await store.linked_person_ids()
    finally:
        await store.close()


if __name__ == "__main__":
    sys.exit(main())
