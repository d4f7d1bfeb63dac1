"""Paging: fan-out of a summons to every role holder, and how late repeats and escalations fire.

The real app (``create_app``, a new SQLite or PostgreSQL database: ``--engine``, ``engines.py``; authentication off) runs in this
process on a free port, with Microsoft Graph configured: a ``FakeConnector`` as the Bot
Connector and a ``FakeGraph`` (activity feed and mail), in a process of their own
(``remote_fakes.py``, so their CPU is not counted against the app), that answer every request
after 50 ms (``--answer-ms``) once the people are installed; SMS goes to the console provider. Two plans:
the bundled plan (7 people, 5 roles; the summons goes to its 4 primaries) and a synthetic
plan built from it with 200 people in 100 roles (95 new roles with a new primary and deputy
each, three of them with a second deputy; everyone with a mobile number, so escalations, which
always include SMS, send one; the summons goes to 99 people). A person's page is
the first of its channels to be answered (Teams card, activity feed or mail).

(a) Fan-out. Claus raises an alarm, decides to inform the director; then the director
activates. Baseline, in the same run on the same app: one page's own chain time, from
sending the triage tap (which pages exactly one person, the director) to that page being
answered. Fan-out: from sending the ``director_activate`` tap to the last role holder's first
summons page answered. Target: fan-out under 3x the baseline (pages go out concurrently).

(b) Escalation delay, on the same plans with ``ack_timeout = "2s"`` and ``repeat = 1``, and
nobody answering. Normal run: for every repeat and escalation of the summons, the delay
from its due time in the schedule (the timer's start + n x ack_timeout, the outbox item's
``attempt_at``) to each person's first PageSent in the logbog (the earliest ``done_at`` of the
person's outbox items for it, recorded when the fake has answered). Target: within 1 s.
Restart: the app is stopped right after the first summons, stays down until 1 s past the
first escalation to the deputies (n = 2), then a new app is started on the same database;
the time from starting it to the PageSent of the overdue escalation pages. Target: within
2 s after the restart.

Prints medians over ``--runs`` runs (a new database each) and the ratios; with ``--engine both``, each engine's
figures and PostgreSQL's over SQLite's.

    .venv/bin/python benchmarks/paging.py [--runs 3] [--answer-ms 50] [--engine sqlite|postgresql|both]
"""

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, TCPConnector, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engines import NAMES, NewDatabase, add_engine_option, databases, engines, ratios  # noqa: E402
from benchmarks.remote_fakes import CATALOG_ID, SENDER, RemoteFakes  # noqa: E402
from bot.app import CRISES, create_app  # noqa: E402
from bot.database_url import DatabaseLocation  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.plan.models import Plan  # noqa: E402
from bot.resources import default_plan_path  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.graph import FakeCredential  # noqa: E402
from tests.raw_sql import raw_sql  # noqa: E402
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, TeamsUser, installed, tap  # noqa: E402

SHORT_TIMEOUT = 2.0  # seconds: ack_timeout for (b)
TARGET_FANOUT_RATIO = 3.0
TARGET_LATE = 1.0
TARGET_RESTART = 2.0
WAIT = 60.0  # seconds before giving up on a page

Json = dict[str, Any]


# -- the plans, the app ---------------------------------------------------------------------


@dataclass
class Subject:
    """A plan to page and the Teams users of its people."""

    name: str
    plan: Plan
    users: list[TeamsUser]

    def with_timeout(self, ack_timeout: float) -> "Subject":
        data = self.plan.model_dump(mode="json")
        data["escalation"] = {"ack_timeout": f"{int(ack_timeout)}s", "repeat": 1}
        return Subject(self.name, Plan.model_validate(data), self.users)

    @property
    def summoned(self) -> set[str]:
        return {role.primary for role in self.plan.roles}


def bundled() -> Subject:
    return Subject("bundled plan (7 people, 5 roles)", load_plan(default_plan_path()), list(EVERYONE))


def synthetic(people: int = 200, roles: int = 100) -> Subject:
    """The bundled plan grown to ``people`` people in ``roles`` roles: each new role a new primary and deputy."""
    data = load_plan(default_plan_path()).model_dump(mode="json")
    new = [f"p{n:03d}" for n in range(people - len(data["people"]))]
    data["people"] += [
        {"id": pid, "name": f"Person {pid}", "title": "Medarbejder", "email": f"{pid}@struer.dk", "phones": [{"number": f"29{n + 100000:06d}", "kind": "mobile"}]}
        for n, pid in enumerate(new)
    ]
    added = roles - len(data["roles"])
    for n in range(added):
        data["roles"].append({
            "id": f"rolle-{n:03d}", "name": f"Rolle {n}", "function": "Funktion",
            "primary": new[2 * n], "deputies": [new[2 * n + 1]],
        })
    for n, pid in enumerate(new[2 * added:]):  # the rest become second deputies
        data["roles"][len(data["roles"]) - added + n]["deputies"].append(pid)
    plan = Plan.model_validate(data)
    users = list(EVERYONE) + [TeamsUser(f"29:1{pid}", f"aad-{pid}", f"{pid}@struer.dk", f"Person {pid}") for pid in new]
    assert len(plan.people) == people and len(plan.roles) == roles
    return Subject(f"synthetic plan ({people} people, {roles} roles)", plan, users)


@dataclass
class Bot:
    app: web.Application
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(plan: Plan, database: DatabaseLocation, fakes: RemoteFakes) -> Bot:
    settings = load_settings(
        _env_file=None, database=database, graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000",
        graph_client_id="graph-app", graph_client_secret="not-a-real-secret", graph_base_url=fakes.graph_url,
        graph_mail_sender=SENDER, teams_app_catalog_id=CATALOG_ID,
    )
    app = create_app(settings, plan, graph_credential=FakeCredential())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return Bot(app, runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages")


async def post(session: ClientSession, url: str, activity: Json) -> None:
    async with session.post(url, json=activity) as response:
        if response.status not in (200, 201):
            raise RuntimeError(f"{activity['type']} answered {response.status}: {await response.text()}")
        if response.status == 200 and (answer := await response.json()).get("statusCode") != 200:
            raise RuntimeError(f"{activity['type']} answered {answer}")


async def until(condition: Callable[[], bool], what: str, *, every: float = 0.001, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        await asyncio.sleep(every)


async def prepare(session: ClientSession, bot: Bot, fakes: RemoteFakes, subject: Subject) -> str:
    """Everyone installs the bot (in Teams and in Entra); Claus raises an alarm; its crisis id (fakes still fast)."""
    people = {key: p.id for p in subject.plan.people for key in (p.email, p.entra_object_id) if key}
    await fakes.prepare(subject.users, people)
    for user in subject.users:
        await post(session, bot.url, installed(user, fakes.connector_url))
    await post(session, bot.url, tap(CLAUS, fakes.connector_url, "raise_alarm", source="overvaagning",
                                     deliveries="it-infrastruktur", description="Benchmark"))
    await fakes.wait("triage", 1, WAIT)
    return bot.app[CRISES].active()[-1].id


async def triage_and_activate(
    session: ClientSession, bot: Bot, fakes: RemoteFakes, subject: Subject, crisis: str
) -> tuple[float, float]:
    """(one page's chain time, fan-out time): triage -> the director's page; activate -> the last first summons."""
    url = fakes.connector_url
    started = time.monotonic()
    await post(session, bot.url, tap(CLAUS, url, "triage_inform_director", crisis=crisis, assessment="Alvorligt"))
    one = (await fakes.wait("director", 1, WAIT))["jesper"] - started
    await asyncio.sleep(0.2)  # let the triage's log and card work finish
    started = time.monotonic()
    await post(session, bot.url, tap(JESPER, url, "director_activate", crisis=crisis, meeting_time="09:30", note=""))
    summoned = await fakes.wait("summons", len(subject.summoned), WAIT)
    if summoned.keys() != subject.summoned:
        raise RuntimeError(f"summoned {sorted(summoned)}, expected {sorted(subject.summoned)}")
    fanout = max(summoned.values()) - started
    return one, fanout


# -- (a) fan-out ----------------------------------------------------------------------------


async def fanout_run(subject: Subject, database: DatabaseLocation, answer: float) -> tuple[float, float]:
    async with RemoteFakes() as fakes, ClientSession(connector=TCPConnector(limit=0)) as session:
        bot = await start(subject.plan, database, fakes)
        try:
            crisis = await prepare(session, bot, fakes, subject)
            await fakes.answer_after(answer)
            return await triage_and_activate(session, bot, fakes, subject, crisis)
        finally:
            await bot.stop()


# -- (b) escalation delay -------------------------------------------------------------------


def outbox(database: DatabaseLocation, attempt_at: datetime | None = None) -> list[tuple[str, datetime, datetime | None, str]]:
    """(person, attempt_at, done_at, status) of every summons outbox item (one per channel), or of one attempt's."""
    query = "SELECT person, attempt_at, done_at, status FROM outbox WHERE purpose = 'summons'"
    rows = raw_sql(database, query if attempt_at is None else f"{query} AND attempt_at = '{attempt_at.isoformat()}'")
    return [(p, datetime.fromisoformat(a), datetime.fromisoformat(d) if d else None, s) for p, a, d, s in rows]


def first_pages(rows, attempt_at: datetime) -> dict[str, datetime | None]:
    """person -> when the attempt's first page to them was sent (None: not yet)."""
    first: dict[str, datetime | None] = {}
    for person, at, done_at, status in rows:
        if at == attempt_at:
            sent = done_at if status == "sent" else None
            earlier = first.get(person)
            first[person] = sent if earlier is None else min(earlier, sent or earlier)
    return first


def delays(rows, t0: datetime, n: int) -> tuple[float, float, int]:
    """Seconds from attempt ``n``'s due time to the first and the last person's first PageSent, and how many people."""
    due = t0 + n * timedelta(seconds=SHORT_TIMEOUT)
    first = first_pages(rows, due)
    if not first:
        raise RuntimeError(f"attempt {n} was never enqueued")
    unsent = sorted(person for person, at in first.items() if at is None)
    if unsent:
        raise RuntimeError(f"attempt {n} reached nobody on any channel: {unsent}")
    done = [(at - due).total_seconds() for at in first.values()]
    return min(done), max(done), len(done)


@dataclass
class Escalation:
    """Per attempt n (1: repeat to the primary; 2, 3: with the first deputy): (first, last, pages) per run."""

    attempts: dict[int, list[tuple[float, float, int]]] = field(default_factory=lambda: {1: [], 2: [], 3: []})
    restart: list[tuple[float, float, int]] = field(default_factory=list)  # from starting the new app
    ready: list[float] = field(default_factory=list)  # from starting the new app to it listening
    overdue: list[float] = field(default_factory=list)  # how far past due the escalation was at the restart


def reached(database: DatabaseLocation, attempt_at: datetime) -> bool:
    """Has the attempt reached everyone it is for, on some channel?"""
    first = first_pages(outbox(database, attempt_at), attempt_at)
    return bool(first) and None not in first.values()


async def escalation_run(subject: Subject, new_database: NewDatabase, answer: float, result: Escalation) -> None:
    plan = subject.plan
    timeout = timedelta(seconds=SHORT_TIMEOUT)
    async with RemoteFakes() as fakes, ClientSession(connector=TCPConnector(limit=0)) as session:
        # a normal run: nobody answers, all four attempts go out
        database = new_database()
        bot = await start(plan, database, fakes)
        try:
            crisis = await prepare(session, bot, fakes, subject)
            await fakes.answer_after(answer)
            await triage_and_activate(session, bot, fakes, subject, crisis)
            t0 = min(attempt_at for _, attempt_at, _, _ in outbox(database))
            await until(lambda: reached(database, t0 + 3 * timeout), "the last attempt", every=0.05)
        finally:
            await bot.stop()
        rows = outbox(database)
        for n in (1, 2, 3):
            result.attempts[n].append(delays(rows, t0, n))

        # down from just after the first summons until 1 s past the escalation, then a new app
        await fakes.answer_after(0.0)
        database = new_database()
        bot = await start(plan, database, fakes)
        try:
            crisis = await prepare(session, bot, fakes, subject)
            await fakes.answer_after(answer)
            await triage_and_activate(session, bot, fakes, subject, crisis)
        finally:
            await bot.stop()
        t0 = min(attempt_at for _, attempt_at, _, _ in outbox(database))
        due = t0 + 2 * timeout
        await asyncio.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds() + 1.0))
        restarted = datetime.now(timezone.utc)
        began = time.perf_counter()
        bot = await start(plan, database, fakes)
        result.ready.append(time.perf_counter() - began)
        try:
            await until(lambda: reached(database, due), "the overdue escalation", every=0.02)
        finally:
            await bot.stop()
        first, last, pages = delays(outbox(database), t0, 2)
        offset = (restarted - due).total_seconds()
        result.restart.append((first - offset, last - offset, pages))
        result.overdue.append(offset)


# -- run ------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


async def measure(runs: int, answer: float, new_database: NewDatabase) -> dict[str, float]:
    """Print the figures; the main ones by name (seconds), for the ratio between engines."""
    main: dict[str, float] = {}
    subjects = [bundled(), synthetic()]
    print(f"Bot Connector and Graph answer after {answer * 1000:.0f} ms; {runs} runs each (medians; new database each run)")
    print("\n(a) fan-out: from the tap to the last role holder's first page answered")
    for subject in subjects:
        ones, fanouts = [], []
        for run in range(runs):
            one, fanout = await fanout_run(subject, new_database(), answer)
            ones.append(one)
            fanouts.append(fanout)
        one, fanout = median(ones), median(fanouts)
        ratio = fanout / one
        met = "met" if ratio < TARGET_FANOUT_RATIO else "MISSED"
        print(f"  {subject.name}: {len(subject.summoned)} summoned")
        print(f"    one page (triage -> director's page): {one * 1000:7.1f} ms")
        print(f"    fan-out (activate -> last summons):   {fanout * 1000:7.1f} ms  (runs: "
              + ", ".join(f"{f * 1000:.0f}" for f in fanouts) + ")")
        if len(subject.summoned) > 1:
            each = (fanout - one) / (len(subject.summoned) - 1)
            print(f"    each page after the first adds {each * 1000:.1f} ms")
        print(f"    ratio x{ratio:.2f}; target < x{TARGET_FANOUT_RATIO:.0f}: {met}")
        main[f"{subject.name.split(' (')[0]}: one page"] = one
        main[f"{subject.name.split(' (')[0]}: fan-out"] = fanout

    print(f"\n(b) escalation delay, ack_timeout {SHORT_TIMEOUT:.0f} s, repeat 1, nobody answers: "
          "from due to the first / the last person's first PageSent of each attempt")
    names = {1: "n=1 repeat to the primary", 2: "n=2 escalation, +deputy", 3: "n=3 repeat, +deputy"}
    for subject in subjects:
        result = Escalation()
        short = subject.with_timeout(SHORT_TIMEOUT)
        for run in range(runs):
            await escalation_run(short, new_database, answer, result)
        print(f"  {subject.name}")
        for n, figures in result.attempts.items():
            print(f"    {names[n]:<27} {figures[0][2]:>3} people: " + spread(figures))
        worst = max(last for figures in result.attempts.values() for _, last, _ in figures)
        print(f"    target: within {TARGET_LATE:.0f} s of due: {'met' if worst < TARGET_LATE else 'MISSED'}"
              f" (worst last person {worst * 1000:.0f} ms)")
        print(f"    restart {median(result.overdue):.1f} s past the n=2 due time; new app listening after "
              f"{median(result.ready) * 1000:.0f} ms;")
        print(f"    n=2 overdue, from starting the new app {result.restart[0][2]:>3} people: " + spread(result.restart))
        worst = max(last for _, last, _ in result.restart)
        print(f"    target: within {TARGET_RESTART:.0f} s after a restart: {'met' if worst < TARGET_RESTART else 'MISSED'}")
        main[f"{subject.name.split(' (')[0]}: n=2 last person late"] = median([last for _, last, _ in result.attempts[2]])
        main[f"{subject.name.split(' (')[0]}: restart, last person"] = median([last for _, last, _ in result.restart])
    return main


def spread(figures: list[tuple[float, float, int]]) -> str:
    """'first <median> ms, last <median> ms (max <max> ms)' over the runs."""
    firsts, lasts = [f for f, _, _ in figures], [last for _, last, _ in figures]
    return (f"first {median(firsts) * 1000:5.0f} ms, last {median(lasts) * 1000:5.0f} ms "
            f"(max {max(lasts) * 1000:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answer-ms", type=float, default=50.0)
    add_engine_option(parser)
    args = parser.parse_args()
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the fakes' requests cut off by the restart
    chosen = engines(args.engine)
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, databases(chosen, Path(tmp)) as new_database:
        for engine in chosen:
            print(f"\n== {NAMES[engine]} ==")
            figures[engine] = asyncio.run(measure(args.runs, args.answer_ms / 1000, new_database[engine]))
    ratios(figures)


if __name__ == "__main__":
    main()
