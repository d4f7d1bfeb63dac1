"""Failover: how late the first page after the leader's death leaves the surviving instance.

Two real ``krisebot serve`` processes (``tests/processes.py``) on one new PostgreSQL database each run (a
throwaway server, ``tests/postgres_server.py``; ``--engine sqlite`` puts them on one SQLite file instead), with
the default lease of 5 s (``--lease``) and the bundled plan with an ``ack_timeout`` of ``--ack-timeout`` seconds
(longer than a takeover, so the page measured is still the current attempt when the survivor sends it). A starts
first and leads, then B. An alarm comes in through A's ``/api/alarms``; the IT head's triage page goes out at t0
(the timer's start in the logbog) and nobody answers, so its repeat is due at t0 + ack_timeout. A is SIGKILLed
``--before`` seconds before that, its lease left to run out.

Failover time: from the repeat's due time to its arrival at the fake Bot Connector (sent by B, the only one
alive). It is at most the lease plus the tenth of it that a follower waits between tries, less ``--before``, plus
B's first paging tick; where in A's renewal round and B's round of tries the kill falls decides where in that
range a run lands: each run waits a random part of a round (seeded) before starting B and before the alarm, so
the runs spread over it.
Prints each run, then the median and the worst of ``--runs`` runs.

    .venv/bin/python benchmarks/failover.py [--runs 10] [--lease 5] [--engine postgresql]
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession, TCPConnector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.database_url import DatabaseLocation, postgres_url  # noqa: E402
from bot.leadership import FOLLOWER_TRIES  # noqa: E402
from tests.postgres_server import PostgresServer, postgres_server  # noqa: E402
from tests.processes import PageConnector, Service, short_plan, until, wait_until  # noqa: E402
from tests.protocol.alarms import AUTH, TOKEN, generic  # noqa: E402
from tests.protocol.teams import EVERYONE, installed, register  # noqa: E402


@contextmanager
def databases(engine: str, folder: Path) -> Iterator[Iterator[DatabaseLocation]]:
    """A new, empty database for each run: on one throwaway PostgreSQL server, or a SQLite file each."""
    if engine == "sqlite":
        yield (folder / f"run{n}.sqlite" for n in range(1_000_000))
        return
    server: PostgresServer
    with postgres_server() as server:
        yield (postgres_url(server.url(server.create_database())) for _ in range(1_000_000))


async def one_run(
    folder: Path, database: DatabaseLocation, *, lease: float, ack_timeout: int, before: float, pauses: tuple[float, float]
) -> tuple[float, float]:
    """(seconds from the due time to the page's arrival, seconds from the kill to it) for one failover; B starts
    ``pauses[0]`` seconds after A is up, the alarm comes ``pauses[1]`` seconds after B is."""
    folder.mkdir()
    plan = short_plan(folder, ack_timeout)
    settings = {"KRISEBOT_LEASE_SECONDS": str(lease), "KRISEBOT_ALARM_TOKEN": TOKEN}
    a, b = (Service(folder, plan, database, instance=name, **settings) for name in ("a", "b"))
    connector = PageConnector()
    await connector.start()
    register(connector, *EVERYONE)
    try:
        async with ClientSession(connector=TCPConnector(force_close=True)) as session:
            await a.start(session, leader=True)
            await asyncio.sleep(pauses[0])
            await b.start(session, leader=False)
            for user in EVERYONE:
                await a.post(session, installed(user, connector.url))
            await asyncio.sleep(pauses[1])
            async with session.post(f"{a.url}/api/alarms", json=generic(), headers=AUTH) as response:
                assert response.status == 202, await response.text()
            await wait_until(lambda: connector.pages(), "the triage page", 10.0, connector, a, b)
            [started] = [
                datetime.fromisoformat(at) for _, at, _, _, payload in a.events("pages_requested")
                if {page["purpose"] for page in payload["pages"]} == {"triage"}
            ]
            due_at = started + timedelta(seconds=ack_timeout)
            due, repeat_ms = due_at.timestamp(), int(due_at.timestamp() * 1000)
            await until(due - before)
            a.kill()
            killed_at, mark = time.time(), len(connector.requests)

            def repeated() -> list[float]:
                return [at for key, at in connector.delivered(mark) if key.purpose == "triage" and key.at_ms == repeat_ms]

            await wait_until(repeated, "the repeat from B", lease * 2 + ack_timeout, connector, a, b)
            arrived = repeated()[0]
            return arrived - due, arrived - killed_at
    finally:
        a.stop()
        b.stop()
        await connector.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lease", type=float, default=5.0, help="KRISEBOT_LEASE_SECONDS of both instances")
    parser.add_argument("--ack-timeout", type=int, default=8, help="the plan's ack_timeout, seconds")
    parser.add_argument("--before", type=float, default=0.2, help="seconds before the repeat is due that A is killed")
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    late: list[float] = []
    phases = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp, databases(args.engine, Path(tmp)) as fresh:
        for run in range(args.runs):
            after_due, after_kill = await one_run(
                Path(tmp) / f"run{run}", next(fresh), lease=args.lease, ack_timeout=args.ack_timeout, before=args.before,
                pauses=(phases.uniform(0, args.lease / 3), phases.uniform(0, args.lease / FOLLOWER_TRIES)),
            )
            late.append(after_due)
            print(f"run {run + 1:2}: the repeat arrived {after_due:5.2f} s after it was due ({after_kill:5.2f} s after the kill)")
    print(f"engine {args.engine}, lease {args.lease:g} s, killed {args.before:g} s before the page was due, {args.runs} runs")
    print(f"failover (due -> arrival at the connector): median {statistics.median(late):.2f} s, worst {max(late):.2f} s")
    print(f"bound by design (lease + a {FOLLOWER_TRIES}th of it - {args.before:g} s, plus B's first tick): "
          f"{args.lease * (1 + 1 / FOLLOWER_TRIES) - args.before:.2f} s + tick")


if __name__ == "__main__":
    asyncio.run(main())
