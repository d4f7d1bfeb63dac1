"""Paging: fan-out of a summons to every role holder, and how late repeats and escalations fire.

The real app (``create_app``, a new SQLite database, authentication off) runs in this
process on a free port, with a ``FakeConnector`` as the Bot Connector that answers every
request after 50 ms (``--answer-ms``) once the people are installed. No Graph call is on
the paging path yet, so there is no fake Graph to slow down. Two plans: the bundled plan
(7 people, 5 roles; the summons goes to its 4 primaries) and a synthetic plan built from it
with 200 people in 100 roles (primary and deputy each; the summons goes to 99 people).

(a) Fan-out. Claus raises an alarm, decides to inform the director; then the director
activates. Baseline, in the same run on the same app: one page's own chain time, from
sending the triage tap (which pages exactly one person, the director) to that page being
answered by the connector. Fan-out: from sending the ``director_activate`` tap to the last
role holder's first summons page answered by the connector. Target: fan-out under 3x the
baseline (pages go out concurrently).

(b) Escalation delay, on the same plans with ``ack_timeout = "2s"`` and ``repeat = 1``, and
nobody answering. Normal run: for every repeat and escalation of the summons, the delay
from its due time in the schedule (the timer's start + n x ack_timeout, the outbox item's
``attempt_at``) to its PageSent in the logbog (the outbox item's ``done_at``, recorded when
the connector has answered). Target: within 1 s. Restart: the app is stopped right after
the first summons, stays down until 1 s past the first escalation to the deputies (n = 2),
then a new app is started on the same database; the time from starting it to the PageSent
of the overdue escalation pages. Target: within 2 s after the restart.

Prints medians over ``--runs`` runs (a new database each) and the ratios.

    .venv/bin/python benchmarks/paging.py [--runs 3] [--answer-ms 50]
"""

import argparse
import asyncio
import sqlite3
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

from bot.app import CRISES, create_app  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.plan.models import Plan  # noqa: E402
from bot.resources import default_plan_path  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, TeamsUser, installed, register, tap  # noqa: E402

SHORT_TIMEOUT = 2.0  # seconds: ack_timeout for (b)
TARGET_FANOUT_RATIO = 3.0
TARGET_LATE = 1.0
TARGET_RESTART = 2.0
WAIT = 60.0  # seconds before giving up on a page

Json = dict[str, Any]


# -- the connector, the plans, the app ------------------------------------------------------


def page_key(activity: Json | None) -> str | None:
    return (((activity or {}).get("channelData") or {}).get("krisebot") or {}).get("page")


class SlowConnector(FakeConnector):
    """A FakeConnector that answers every request after ``delay`` seconds and notes when each page was answered."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.answered: dict[str, float] = {}  # outbox key -> perf_counter when first answered

    @web.middleware
    async def _gate(self, request: web.Request, handler) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super()._gate(request, handler)

    async def _post_activity(self, request: web.Request) -> web.Response:
        response = await super()._post_activity(request)
        key = page_key(self.requests[-1].activity)  # recorded just now
        if key is not None:
            self.answered.setdefault(key, time.perf_counter())
        return response


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
        {"id": pid, "name": f"Person {pid}", "title": "Medarbejder", "email": f"{pid}@struer.dk", "phones": []}
        for pid in new
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


async def start(plan: Plan, database: Path) -> Bot:
    app = create_app(load_settings(_env_file=None, database=database), plan)
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


def first_pages(connector: SlowConnector, purpose: str) -> dict[str, float]:
    """person -> when their first page for ``purpose`` was answered."""
    found: dict[str, float] = {}
    for key, at in connector.answered.items():
        _, kind, person, _, _ = key.split("/")
        if kind == purpose:
            found[person] = min(at, found.get(person, at))
    return found


async def prepare(session: ClientSession, bot: Bot, connector: SlowConnector, subject: Subject) -> str:
    """Everyone installs the bot; Claus raises an alarm; its crisis id (connector still fast)."""
    register(connector, *subject.users)
    for user in subject.users:
        await post(session, bot.url, installed(user, connector.url))
    await post(session, bot.url, tap(CLAUS, connector.url, "raise_alarm", source="overvaagning",
                                     deliveries="it-infrastruktur", description="Benchmark"))
    await until(lambda: "cvo" in first_pages(connector, "triage"), "the triage page")
    return bot.app[CRISES].active()[-1].id


async def triage_and_activate(
    session: ClientSession, bot: Bot, connector: SlowConnector, subject: Subject, crisis: str
) -> tuple[float, float]:
    """(one page's chain time, fan-out time): triage -> the director's page; activate -> the last first summons."""
    started = time.perf_counter()
    await post(session, bot.url, tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis, assessment="Alvorligt"))
    await until(lambda: "jesper" in first_pages(connector, "director"), "the director page")
    one = first_pages(connector, "director")["jesper"] - started
    await asyncio.sleep(0.2)  # let the triage's log and card work finish
    started = time.perf_counter()
    await post(session, bot.url, tap(JESPER, connector.url, "director_activate", crisis=crisis, meeting_time="09:30", note=""))
    await until(lambda: first_pages(connector, "summons").keys() >= subject.summoned, "every summons")
    fanout = max(first_pages(connector, "summons").values()) - started
    return one, fanout


# -- (a) fan-out ----------------------------------------------------------------------------


async def fanout_run(subject: Subject, database: Path, answer: float) -> tuple[float, float]:
    async with SlowConnector() as connector, ClientSession(connector=TCPConnector(limit=0)) as session:
        bot = await start(subject.plan, database)
        try:
            crisis = await prepare(session, bot, connector, subject)
            connector.delay = answer
            return await triage_and_activate(session, bot, connector, subject, crisis)
        finally:
            await bot.stop()


# -- (b) escalation delay -------------------------------------------------------------------


def outbox(database: Path) -> list[tuple[str, datetime, datetime | None, str]]:
    """(person, attempt_at, done_at, status) of every summons outbox item."""
    db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT person, attempt_at, done_at, status FROM outbox WHERE purpose = 'summons'").fetchall()
    finally:
        db.close()
    return [(p, datetime.fromisoformat(a), datetime.fromisoformat(d) if d else None, s) for p, a, d, s in rows]


def late_by(rows, t0: datetime, attempts: set[int]) -> list[float]:
    """Seconds from due to PageSent of the items whose attempt number is in ``attempts``."""
    found = []
    for _, attempt_at, done_at, status in rows:
        n = round((attempt_at - t0) / timedelta(seconds=SHORT_TIMEOUT))
        if n in attempts:
            if status != "sent" or done_at is None:
                raise RuntimeError(f"attempt {n} not sent: {status}")
            found.append((done_at - attempt_at).total_seconds())
    return found


@dataclass
class Escalation:
    repeats: list[float] = field(default_factory=list)  # n = 1: the primary again
    deputies: list[float] = field(default_factory=list)  # n = 2 and 3: primary and first deputy
    restart: list[float] = field(default_factory=list)  # from starting the new app to the last overdue PageSent
    ready: list[float] = field(default_factory=list)  # from starting the new app to it listening
    overdue: list[float] = field(default_factory=list)  # how far past due the escalation was at the restart


async def escalation_run(subject: Subject, tmp: Path, answer: float, result: Escalation) -> None:
    plan = subject.plan
    async with SlowConnector() as connector, ClientSession(connector=TCPConnector(limit=0)) as session:
        # a normal run: nobody answers, all four attempts go out
        database = tmp / "normal.db"
        bot = await start(plan, database)
        try:
            crisis = await prepare(session, bot, connector, subject)
            connector.delay = answer
            await triage_and_activate(session, bot, connector, subject, crisis)
            t0 = min(attempt_at for _, attempt_at, _, _ in outbox(database))
            last = t0 + timedelta(seconds=3 * SHORT_TIMEOUT)
            await until(lambda: all(status != "pending" for _, a, _, status in outbox(database) if a == last)
                        and any(a == last for _, a, _, _ in outbox(database)), "the last attempt", every=0.05)
        finally:
            await bot.stop()
        rows = outbox(database)
        result.repeats += late_by(rows, t0, {1})
        result.deputies += late_by(rows, t0, {2, 3})

        # down from just after the first summons until past the escalation, then a new app
        connector.delay = 0.0
        database = tmp / "restart.db"
        bot = await start(plan, database)
        try:
            crisis = await prepare(session, bot, connector, subject)
            connector.delay = answer
            await triage_and_activate(session, bot, connector, subject, crisis)
        finally:
            await bot.stop()
        t0 = min(attempt_at for _, attempt_at, _, _ in outbox(database))
        due = t0 + timedelta(seconds=2 * SHORT_TIMEOUT)
        await asyncio.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds() + 1.0))
        restarted = datetime.now(timezone.utc)
        began = time.perf_counter()
        bot = await start(plan, database)
        result.ready.append(time.perf_counter() - began)
        try:
            await until(lambda: any(a == due for _, a, _, _ in outbox(database))
                        and all(status != "pending" for _, a, _, status in outbox(database) if a == due), "the overdue escalation", every=0.02)
        finally:
            await bot.stop()
        sent = [done_at for _, attempt_at, done_at, status in outbox(database) if attempt_at == due and status == "sent"]
        result.restart.append((max(sent) - restarted).total_seconds())
        result.overdue.append((restarted - due).total_seconds())


# -- run ------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


async def measure(runs: int, answer: float, tmp: Path) -> None:
    subjects = [bundled(), synthetic()]
    print(f"connector answers after {answer * 1000:.0f} ms; {runs} runs each (medians; new database each run)")
    print("\n(a) fan-out: from the tap to the last role holder's first page answered")
    for subject in subjects:
        ones, fanouts = [], []
        for run in range(runs):
            one, fanout = await fanout_run(subject, tmp / f"fanout-{len(subject.users)}-{run}.db", answer)
            ones.append(one)
            fanouts.append(fanout)
        one, fanout = median(ones), median(fanouts)
        ratio = fanout / one
        met = "met" if ratio < TARGET_FANOUT_RATIO else "MISSED"
        print(f"  {subject.name}: {len(subject.summoned)} summoned")
        print(f"    one page (triage -> director's page): {one * 1000:7.1f} ms")
        print(f"    fan-out (activate -> last summons):   {fanout * 1000:7.1f} ms  (runs: "
              + ", ".join(f"{f * 1000:.0f}" for f in fanouts) + ")")
        print(f"    ratio x{ratio:.2f}; target < x{TARGET_FANOUT_RATIO:.0f}: {met}")

    print(f"\n(b) escalation delay, ack_timeout {SHORT_TIMEOUT:.0f} s, repeat 1, nobody answers")
    for subject in subjects:
        result = Escalation()
        short = subject.with_timeout(SHORT_TIMEOUT)
        for run in range(runs):
            folder = tmp / f"escalation-{len(subject.users)}-{run}"
            folder.mkdir()
            await escalation_run(short, folder, answer, result)
        worst = max(result.repeats + result.deputies)
        print(f"  {subject.name}")
        print(f"    repeat to the primary (n=1), due -> PageSent:     median {median(result.repeats) * 1000:6.0f} ms, "
              f"max {max(result.repeats) * 1000:6.0f} ms ({len(result.repeats)} pages)")
        print(f"    escalation with deputy (n=2,3), due -> PageSent:  median {median(result.deputies) * 1000:6.0f} ms, "
              f"max {max(result.deputies) * 1000:6.0f} ms ({len(result.deputies)} pages)")
        print(f"    target: within {TARGET_LATE:.0f} s of due: {'met' if worst < TARGET_LATE else 'MISSED'}")
        print(f"    after a restart {median(result.overdue):.1f} s past due: new app listening after "
              f"{median(result.ready) * 1000:.0f} ms, last overdue PageSent {median(result.restart) * 1000:.0f} ms "
              f"after start (max {max(result.restart) * 1000:.0f} ms)")
        print(f"    target: within {TARGET_RESTART:.0f} s after a restart: "
              f"{'met' if max(result.restart) < TARGET_RESTART else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answer-ms", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args.runs, args.answer_ms / 1000, Path(tmp)))


if __name__ == "__main__":
    main()
