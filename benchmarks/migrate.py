"""Moving a logbog to PostgreSQL (``krisebot migrate-store``): the memory its copy and check take, against the
memory of the logbog's events held once.

The logbog: a SQLite file of ``--events`` events (200,000 by default: crises of 500 events, log entries of a
sentence or two) and an outbox page for every tenth event, one crisis written through the store and multiplied
with SQL. The target: a new, empty database on the tests' PostgreSQL server (``tests/postgres_server.py``, on this
machine, ``fsync`` off) for every run.

Each measurement runs in a process of its own. Once its databases are open it resets its peak resident memory
(``/proc/self/clear_refs``); when the work is done it reads the peak (``VmHWM``) and reports it over the resident
memory it had before (so Python, the libraries and the connections are not counted), with the seconds taken.
- baseline: the events table read into a list at once (``fetch_all``): what holding the logbog once costs;
- the copy: ``copy_logbog`` from the file into the new database, checked before it commits.
Prints the medians over ``--runs`` runs and the copy's memory over the baseline's.

    .venv/bin/python benchmarks/migrate.py [--events 200000] [--runs 3]
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.events import AlarmRaised, LogEntryAdded, LogEntryKind  # noqa: E402
from bot.store import OutboxItem, open_store  # noqa: E402
from bot.store.copying import copy_logbog  # noqa: E402
from bot.store.opening import open_database  # noqa: E402
from tests.postgres_server import postgres_server  # noqa: E402
from tests.raw_sql import raw_sql  # noqa: E402

T0 = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)
CRISIS_EVENTS = 500
PAGE_EVERY = 10
ENTRY = "Borgerservice melder, at selvbetjeningen er nede; it-driften undersøger, om lønfilen er sendt to gange."


def logbog(path: Path, events: int) -> None:
    """A logbog of ``events`` events in crises of ``CRISIS_EVENTS``, and a page in the outbox for every
    ``PAGE_EVERY``-th event."""

    async def first_crisis() -> None:
        store = await open_store(path)
        await store.append(at=T0, actor="cvo", crisis_id="K-2026-000000",
                           payload=AlarmRaised(source="dpo", deliveries=["lonudbetaling"], description="Lønfil lækket"))
        await store.append(at=T0, actor="cvo", crisis_id="K-2026-000000",
                           payload=LogEntryAdded(kind=LogEntryKind.BESLUTNING, text=ENTRY))
        await store.enqueue(items=[OutboxItem("K-2026-000000/summons/p0000/0/teams", "K-2026-000000", "p0000",
                                              ("it",), "summons", "teams", T0, T0, 0)])
        await store.close()

    asyncio.run(first_crisis())
    raw_sql(
        path,
        # event n: the first event (the alarm) opens each crisis, the second (a log entry) makes the rest
        "INSERT INTO events (at, crisis_id, actor, type, payload) "
        "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < " + str(events) + ") "
        "SELECT e.at, printf('K-2026-%06d', (i - 1) / " + str(CRISIS_EVENTS) + "), e.actor, e.type, "
        "replace(e.payload, 'sendt to gange', 'sendt ' || i || ' gange') "
        "FROM n JOIN events AS e ON e.seq = CASE WHEN (i - 1) % " + str(CRISIS_EVENTS) + " = 0 THEN 1 ELSE 2 END "
        "ORDER BY i",
        "INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at, status) "
        "SELECT printf('%s/summons/p%04d/0/teams', crisis_id, seq % 1000), crisis_id, printf('p%04d', seq % 1000), "
        "'[\"it\"]', 'summons', 'teams', at, at, 'sent' "
        f"FROM events WHERE seq % {PAGE_EVERY} = 0 AND seq > 2",
    )


def measured(work: str, source: Path, target: str) -> tuple[float, float]:
    """Run ``work`` (baseline or copy) in a process of its own: its peak memory over its memory before (MB), and
    its seconds."""
    done = subprocess.run(
        [sys.executable, __file__, "--work", work, "--source", str(source), "--target", target],
        capture_output=True, text=True, check=True,
    )
    figures = json.loads(done.stdout)
    return figures["mb"], figures["seconds"]


def work(kind: str, source: Path, target: str) -> None:
    """``measured``'s process: print its figures as JSON."""

    async def run() -> float:
        original = await open_database(source, read_only=True)
        destination = await open_database(target)
        try:
            Path("/proc/self/clear_refs").write_text("5")  # the peak resident memory starts again from here
            started = time.perf_counter()
            if kind == "baseline":
                await original.fetch_all("SELECT seq, at, crisis_id, actor, type, payload FROM events")
            else:
                await copy_logbog(original, destination, at=datetime.now(timezone.utc))
            return time.perf_counter() - started
        finally:
            await original.close()
            await destination.close()

    before = _kb("VmRSS")
    seconds = asyncio.run(run())
    print(json.dumps({"mb": (_kb("VmHWM") - before) / 1024, "seconds": seconds}))


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", choices=("baseline", "copy"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        work(args.work, args.source, args.target)
        return
    figures: dict[str, list[tuple[float, float]]] = {"baseline": [], "copy": []}
    with tempfile.TemporaryDirectory() as folder, postgres_server() as server:
        source = Path(folder) / "krisebot.db"
        logbog(source, args.events)
        for _ in range(args.runs):
            for kind, runs in figures.items():
                runs.append(measured(kind, source, server.url(server.create_database())))
        pages = raw_sql(source, "SELECT COUNT(*) FROM outbox")[0][0]
    print(f"{args.events} events, {pages} outbox pages; {args.runs} runs (medians; a new database each run)")
    medians = {kind: (statistics.median(mb for mb, _ in runs), statistics.median(s for _, s in runs))
               for kind, runs in figures.items()}
    for kind, label in (("baseline", "the events held once (baseline)"), ("copy", "copy_logbog, copied and checked")):
        mb, seconds = medians[kind]
        print(f"  {label:<34} peak +{mb:7.1f} MB  {seconds:6.2f} s")
    print(f"  ratio of the copy's memory to the baseline's: x{medians['copy'][0] / medians['baseline'][0]:.2f}")


if __name__ == "__main__":
    main()
