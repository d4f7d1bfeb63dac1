"""The outbox's batch statements: how their cost grows with the outbox, and with a busy event loop.

The real ``SqlStore`` on a new SQLite file in a temporary folder.

(a) A batch among many. Claiming and finishing a batch of 100 pages, alone in the outbox
(baseline) and with 3,000 other pages pending (a long crisis whose activity-feed pages wait
for the rate limit). Target: the same cost, under x1.5 of the baseline (each item is found by
its key).

(b) A busy interpreter. 200 outbox items (50 people, 4 channels) enqueued, read back as
pending and claimed, while another thread runs Python code (as the event loop does while
it renders and posts a burst of cards). Baseline, in the same run: the same rows written
with ``executemany`` and read with ``fetchall`` on the same connection (one SQLite step per
row). No target: the figures show the spread. A statement that hands the GIL back and forth for
every row sometimes waits for the other thread at each step, and then takes ten times as long;
one step per statement does not.

Prints medians over ``--runs`` runs.

    .venv/bin/python benchmarks/store.py [--runs 5]
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.events import PagePurpose, PageSent  # noqa: E402
from bot.store import Finished, OutboxItem, SqlStore, open_store  # noqa: E402

T0 = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)
BATCH = 100
OTHERS = 3000
PEOPLE = 50
CHANNELS = ("teams", "sms", "feed", "mail")
TARGET_AMONG = 1.5


def items(people: int, channels: tuple[str, ...], attempt: str) -> list[OutboxItem]:
    return [
        OutboxItem(f"K-2026-001/summons/p{n:04d}/{attempt}/{channel}", "K-2026-001", f"p{n:04d}", ("rolle",),
                   "summons", channel, T0, T0, 0)
        for n in range(people) for channel in channels
    ]


def sent(item: OutboxItem) -> Finished:
    event = PageSent(person=item.person, roles=["rolle"], purpose=PagePurpose.SUMMONS, channel=item.channel, provider_id="id")
    return Finished(item.key, item.crisis_id, "sent", T0, provider_id="id", event=event)


async def timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def among(database: Path, others: int) -> tuple[float, float]:
    """(claim, finish) of a batch of ``BATCH`` while ``others`` other pages are pending."""
    store = await open_store(database)
    try:
        await store.enqueue(items=items(others, ("feed",), "other"))
        batch = items(BATCH, ("teams",), "0")
        await store.enqueue(items=batch)
        claim = await timed(store.claim(keys=[i.key for i in batch]))
        finish = await timed(store.finish(items=[sent(i) for i in batch]))
        return claim, finish
    finally:
        await store.close()


def spin(stop: threading.Event) -> None:
    """Other Python work holding the GIL, as the event loop does while it renders and posts a burst of cards."""
    while not stop.is_set():
        pass


async def while_busy(work: Callable[[], Awaitable[object]]) -> float:
    stop = threading.Event()
    other = threading.Thread(target=spin, args=(stop,))
    other.start()
    try:
        return await timed(work())
    finally:
        stop.set()
        other.join()


async def one_step_each(store: SqlStore, batch: list[OutboxItem]) -> None:
    """The store's own statements."""
    await store.enqueue(items=batch)
    await store.pending(due_by=T0)
    await store.claim(keys=[i.key for i in batch])


async def step_per_row(store: SqlStore, batch: list[OutboxItem]) -> None:
    """The same work with one SQLite step per row, on the store's connection."""
    db = store._db._db  # the baseline runs on the very connection the store uses
    await db.executemany(
        "INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(i.key, i.crisis_id, i.person, json.dumps(list(i.roles)), i.purpose, i.channel, T0.isoformat(), T0.isoformat())
         for i in batch],
    )
    await db.commit()
    async with db.execute("SELECT key, roles, next_try_at FROM outbox WHERE status = 'pending' AND next_try_at <= ?",
                          (T0.isoformat(),)) as cursor:
        pending = await cursor.fetchall()
    await db.executemany("UPDATE outbox SET tries = tries + 1 WHERE key = ?", [(key,) for key, _, _ in pending])
    await db.commit()


async def busy(folder: Path, run: int) -> tuple[float, float]:
    """(the store's statements, one step per row) for ``PEOPLE`` x ``CHANNELS`` items, the loop busy."""
    store = await open_store(folder / f"busy-{run}.db")
    try:
        ours = await while_busy(lambda: one_step_each(store, items(PEOPLE, CHANNELS, "ours")))
        await store.finish(items=[sent(i) for i in items(PEOPLE, CHANNELS, "ours")])
        rows = await while_busy(lambda: step_per_row(store, items(PEOPLE, CHANNELS, "rows")))
        return ours, rows
    finally:
        await store.close()


async def measure(runs: int, folder: Path) -> None:
    median = statistics.median
    print(f"{runs} runs each (medians; a new database each run)")
    alone = [await among(folder / f"alone-{run}.db", 0) for run in range(runs)]
    crowded = [await among(folder / f"among-{run}.db", OTHERS) for run in range(runs)]
    print(f"\n(a) a batch of {BATCH} pages, alone and with {OTHERS} other pages pending")
    for n, what in enumerate(("claim", "finish")):
        base, among_ = median(r[n] for r in alone), median(r[n] for r in crowded)
        ratio = among_ / base
        print(f"  {what:<7} alone {base * 1000:6.1f} ms, among {OTHERS}: {among_ * 1000:6.1f} ms  ratio x{ratio:.2f}; "
              f"target < x{TARGET_AMONG}: {'met' if ratio < TARGET_AMONG else 'MISSED'}")
    figures = [await busy(folder, run) for run in range(runs)]
    print(f"\n(b) {PEOPLE * len(CHANNELS)} outbox items enqueued, read as pending and claimed, another thread busy")
    for n, what in ((1, "one step per row (baseline)"), (0, "the store (one step each)")):
        times = sorted(f[n] * 1000 for f in figures)
        print(f"  {what:<28} median {median(times):7.1f} ms, max {times[-1]:7.1f} ms  (runs: "
              + ", ".join(f"{t:.0f}" for t in times) + ")")
    worst = max(f[0] for f in figures) / max(f[1] for f in figures)
    print(f"  ratio of the worst runs x{worst:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(args.runs, Path(folder)))


if __name__ == "__main__":
    main()
