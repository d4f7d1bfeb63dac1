"""Command line: ``krisebot serve`` runs the service, ``krisebot check`` prints the readiness report,
``krisebot export CRISIS`` writes a crisis's logbog as Markdown and HTML, with ``--pdf`` also as PDF
(``krisebot export sms``: the SMS kept outside any crisis), ``krisebot migrate-store --to URL`` moves
a SQLite logbog into an empty PostgreSQL database, checked event by event, ``krisebot manifest``
writes the Teams app package; ``krisebot sms-reply`` and ``krisebot call-reply`` answer the console
providers' SMS and calls.

Exit codes: 0 ok/ready, 1 ready with warnings that block paging, 2 wrong settings or plan, an
error in the readiness report, (``serve``) any failed start: the database named too, or
(``migrate-store``) a move refused or a copy that differs, nothing kept.
A configuration error is one line naming the setting or the plan field, never a traceback.
"""

import argparse
import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from signal import SIGINT, SIGTERM
from typing import TypeVar

from aiohttp import web

from .channels.console import service_url
from .channels.sms.console import send_reply
from .channels.voice.console import send_keys
from .clock import system_clock
from .core.events import Event
from .database_url import DatabaseLocation, PostgresUrl, is_postgres_url, postgres_url
from .errors import KrisebotError, SettingsError, StartupError, StoreError
from .graph.readiness import entra_findings
from .logs import AccessLog, configure_logging
from .manifest import app_package, write_app_package
from .plan import load_plan
from .private_files import write_private
from .readiness import assess
from .render.export import Document, html_file, logbog_document, markdown, sms_record_document
from .render.pdf import pdf
from .settings import Settings, env_name, load_settings, refuse_unknown_names
from .store import Logbog, Numbering, open_store
from .store.copying import Copied, copy_logbog, summary
from .store.opening import open_database

Read = TypeVar("Read")
APP_PACKAGE = "krisebot-teams-app.zip"
SMS_RECORD = "SMS"
"""``krisebot export sms``: the SMS kept outside any crisis, written as ``SMS_RECORD_FILE``.md and .html."""
SMS_RECORD_FILE = "sms-uden-krise"

log = logging.getLogger("krisebot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="krisebot", description="Krisebot: kriseplanen i Microsoft Teams")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="start tjenesten")
    commands.add_parser("check", help="kontrollér indstillinger og plan, og vis om alle kan nås")
    export = commands.add_parser("export", help="skriv logbogen for en krise som Markdown og HTML")
    export.add_argument("crisis", metavar="CRISIS", help="kriseid, fx K-2026-001; sms: de sms'er, der ikke hører til en krise")
    export.add_argument("--out", type=Path, default=Path("."), help="mappen filerne skrives i (standard: denne)")
    export.add_argument("--pdf", action="store_true", help="skriv også logbogen som PDF til sagen")
    move = commands.add_parser("migrate-store", help="flyt logbogen fra SQLite til en tom PostgreSQL-database")
    move.add_argument("--to", required=True, metavar="URL", help="PostgreSQL-databasen, fx postgresql://krisebot@localhost/krisebot")
    move.add_argument("--from", dest="source", type=Path, metavar="PATH", help="SQLite-logbogen (standard: KRISEBOT_DATABASE)")
    manifest = commands.add_parser("manifest", help="byg Teams-appens pakke (zip) til upload i Teams")
    manifest.add_argument("--out", type=Path, default=Path(APP_PACKAGE), help=f"zip-filen (standard: {APP_PACKAGE})")
    reply = commands.add_parser("sms-reply", help="send et sms-svar til den kørende tjeneste (konsol-udbyderen)")
    reply.add_argument("sender", metavar="FROM", help="afsenderens nummer, fx 29256511")
    reply.add_argument("text", metavar="TEXT", help='sms-teksten, fx "1K"')
    keys = commands.add_parser("call-reply", help="tast på det seneste opkald til et nummer (konsol-udbyderen)")
    keys.add_argument("number", metavar="NUMBER", help="nummeret der blev ringet til, fx 29256511")
    keys.add_argument(
        "digits", metavar="DIGITS", help='tasten, fx 1, eller et tal afsluttet med #, fx "20#" ("" som når tiden løber ud)'
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "sms-reply":
            return _sms_reply(args.sender, args.text)
        if args.command == "call-reply":
            return _call_reply(args.number, args.digits)
        if args.command == "export":
            return _export(args.crisis.upper(), args.out, with_pdf=args.pdf)
        if args.command == "manifest":
            return _manifest(args.out)
        if args.command == "migrate-store":
            return _migrate_store(args.to, args.source)
        return {"serve": _serve, "check": _check}[args.command]()
    except KrisebotError as exc:
        for line in str(exc).splitlines():
            print(f"krisebot: {line}", file=sys.stderr)
        return 2


def _settings() -> Settings:
    """This run's settings: a ``KRISEBOT_`` name that is no setting stops it, then every value is checked."""
    refuse_unknown_names()
    return load_settings()


def _serve() -> int:
    from .app import create_app

    settings = _settings()
    plan = load_plan(settings.plan)
    configure_logging()
    asyncio.run(_run(create_app(settings, plan), settings))
    return 0


async def _run(app: web.Application, settings: Settings) -> None:
    """Start ``app`` and serve until SIGTERM or SIGINT, then shut it down.

    A failed start shuts down whatever did start before it is raised (aiohttp's ``run_app``
    does not: the store's open connection kept its thread, and so the process, alive, neither
    listening nor exiting). Nothing is logged before the server listens, so a failed start
    prints just the one line ``main`` writes; once it listens, the instance says whether it leads.
    """
    from .app import LEADERSHIP

    stop = asyncio.Event()
    for signal in (SIGINT, SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signal, stop.set)
    runner = web.AppRunner(app, access_log_class=AccessLog)
    try:
        await _start(runner, settings)
        log.info("starting on %s:%s with plan %s", settings.host, settings.port, settings.plan)
        app[LEADERSHIP].announce()
        await stop.wait()
    finally:
        await runner.cleanup()


async def _start(runner: web.AppRunner, settings: Settings) -> None:
    """Run the app's start-up and listen; every failure as a KrisebotError."""
    try:
        await runner.setup()
    except KrisebotError:
        raise
    except Exception as exc:
        log.exception("start-up failed")
        raise StartupError(f"kunne ikke starte: {type(exc).__name__}: {exc}") from None
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as exc:
        raise _listen_error(settings, exc) from None


def _listen_error(settings: Settings, exc: OSError) -> SettingsError:
    """Which setting to blame when the server cannot listen: the address (HOST) or the port (PORT)."""
    where = f"kan ikke lytte på {settings.host}:{settings.port}"
    if isinstance(exc, socket.gaierror):
        return SettingsError(env_name("host"), f"{where}: adressen kendes ikke")
    if exc.errno == errno.EADDRNOTAVAIL or _NO_ADDRESS_BOUND in str(exc):
        return SettingsError(env_name("host"), f"{where}: adressen hører ikke til denne maskine")
    why = _LISTEN_ERRORS.get(exc.errno or 0, f"systemet svarer «{exc.strerror or exc}»")
    return SettingsError(env_name("port"), f"{where}: {why}")


_NO_ADDRESS_BOUND = "could not bind on any address"
"""How asyncio (Python 3.13 and newer) says that every address was unavailable (it passes over EADDRNOTAVAIL)."""
_LISTEN_ERRORS = {
    errno.EADDRINUSE: "porten er optaget af et andet program (kører Krisebot allerede?)",
    errno.EACCES: "tjenesten må ikke bruge porten (porte under 1024 kræver særlige rettigheder)",
}
"""Why the server cannot listen on the port, in Danish, by errno."""


def _sms_reply(sender: str, text: str) -> int:
    """Hand a simulated SMS reply to the service on this machine, as the console provider's gateway."""
    settings = _settings()
    asyncio.run(send_reply(service_url(settings.host, settings.port), sender, text))
    print(f"Sms fra {sender} er afleveret: «{text}»")
    return 0


def _call_reply(number: str, digits: str) -> int:
    """Press keys on the latest console call to ``number`` and print what the call says next."""
    settings = _settings()
    answer = asyncio.run(send_keys(service_url(settings.host, settings.port), number, digits))
    pressed = "Ingen tast" if not digits else f"Tast {digits}" if len(digits) == 1 else f"Tasterne {digits}"
    print(f"{pressed} er trykket på opkaldet til {number}." if digits else f"{pressed} på opkaldet til {number}.")
    for sentence in answer.get("say", []):
        print(f"Opkaldet siger: «{sentence}»")
    if not answer.get("gather"):
        print("Opkaldet er lagt på.")
    elif answer.get("ask") == "number":
        print("Opkaldet venter på et tal afsluttet med #.")
    else:
        print("Opkaldet venter på en tast.")
    return 0


def _check() -> int:
    settings = _settings()
    plan = load_plan(settings.plan)
    report = assess(
        plan, settings,
        linked_person_ids=asyncio.run(_linked_person_ids(settings.database)), python=sys.version_info[:2],
        entra=asyncio.run(entra_findings(settings, plan)),
    )
    print(f"Indstillinger: i orden\nPlan: {settings.plan}: i orden")
    print("\n".join(report.lines()))
    return 2 if report.errors else 0 if report.ready else 1


def _manifest(out: Path) -> int:
    settings = _settings()
    files = app_package(settings, load_plan(settings.plan))
    write_app_package(out, files)
    print(out)
    return 0


def _export(name: str, folder: Path, *, with_pdf: bool) -> int:
    """Write the logbog of the crisis ``name``, or (``SMS_RECORD``) the SMS kept outside any crisis."""
    settings = _settings()
    plan = load_plan(settings.plan)
    if name == SMS_RECORD:
        events = asyncio.run(_read(settings.database, lambda store: store.events_outside_crises()))
        if not events:
            print(f"Ingen sms uden for en krise i {settings.database}.")
            return 0
        document = sms_record_document(plan, events)
        return _write(folder, SMS_RECORD_FILE, document, pdf_label=document.title if with_pdf else None)
    events, numbering = asyncio.run(_read(settings.database, lambda store: _logbog(store, name)))
    if not events:
        print(f"krisebot: krisen {name} findes ikke i {settings.database}", file=sys.stderr)
        return 2
    return _write(folder, name, logbog_document(plan, events, numbering=numbering), pdf_label=name if with_pdf else None)


def _migrate_store(to: str, source: Path | None) -> int:
    """Copy the SQLite logbog ``source`` (else KRISEBOT_DATABASE's) into the empty PostgreSQL database ``to``; print
    what was copied and checked."""
    if not is_postgres_url(to):
        raise SettingsError("--to", "skal være en PostgreSQL-adresse (postgresql://bruger@vært:5432/database)")
    try:
        target = postgres_url(to)
    except ValueError as exc:
        raise SettingsError("--to", str(exc)) from None
    if source is None:
        database = _settings().database
        if not isinstance(database, Path):
            raise SettingsError(env_name("database"), f"er allerede {database}: angiv SQLite-logbogen med --from")
        source = database
    copied = asyncio.run(_copy(source, target))
    print(f"Logbogen er flyttet fra {source} til {target}:")
    print("\n".join(f"  {line}" for line in summary(copied)))
    print("Kopien er kontrolleret hændelse for hændelse og tabel for tabel: den er magen til logbogen.")
    print(f"Sæt {env_name('database')} til PostgreSQL-adressen, og start tjenesten igen.")
    return 0


async def _copy(source: Path, target: PostgresUrl) -> Copied:
    """``copy_logbog`` from the SQLite file ``source``, opened read-only, to ``target``, migrated first."""
    async with AsyncExitStack() as opened:
        original = await open_database(source, read_only=True)
        opened.push_async_callback(original.close)
        destination = await open_database(target)
        opened.push_async_callback(destination.close)
        return await copy_logbog(original, destination, at=system_clock())


def _write(folder: Path, stem: str, document: Document, *, pdf_label: str | None) -> int:
    """``document`` as ``stem``.md and ``stem``.html in ``folder``, and with a ``pdf_label`` (the PDF's footer)
    as ``stem``.pdf made from that HTML and exported now; their paths printed."""
    page = html_file(document)
    files: list[tuple[str, str | bytes]] = [(".md", markdown(document)), (".html", page)]
    if pdf_label is not None:
        files.append((".pdf", pdf(page, label=pdf_label, exported_at=system_clock())))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, content in files:
            path = folder / f"{stem}{suffix}"
            write_private(path, content)  # a logbog names people and their numbers: 0600 whatever the umask
            print(path)
    except OSError as exc:
        print(f"krisebot: {exc.filename}: kan ikke skrives: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


async def _read(database: DatabaseLocation, read: Callable[[Logbog], Awaitable[Read]]) -> Read:
    store = await open_store(database, read_only=True)
    try:
        return await read(store)
    finally:
        await store.close()


async def _logbog(store: Logbog, crisis_id: str) -> tuple[list[Event], Numbering]:
    """The crisis's events, and how the logbog is numbered as they are read (whether it is complete)."""
    return await store.events(crisis_id=crisis_id), await store.numbering()


async def _linked_person_ids(database: DatabaseLocation) -> set[str]:
    if isinstance(database, Path) and not database.exists():
        return set()
    store = await open_store(database, read_only=True)
    try:
        return await store.linked_person_ids()
    finally:
        await store.close()


if __name__ == "__main__":
    sys.exit(main())
