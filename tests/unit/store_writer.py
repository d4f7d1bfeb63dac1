"""Append to the store at ``argv[1]`` (a SQLite path or a PostgreSQL URL) forever, printing each seq once committed.

Run by ``test_store.py`` as a subprocess and killed with SIGKILL mid-write. Entry number
``n`` of this process is a log entry with the text ``f"linje {n} fra skriver {pid}"``; with
``argv[2]`` ``pages``, it is a request to page person ``f"p{n}"``, with the paging timer it starts.
"""

import asyncio
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.core.escalation import requested_timers  # noqa: E402
from bot.core.events import LogEntryAdded, LogEntryKind, PagePurpose, PagesRequested, RequestedPage  # noqa: E402
from bot.store import open_store  # noqa: E402

AT = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


async def main(location: str, pages: bool) -> None:
    store = await open_store(location)
    pid = os.getpid()
    n = 0
    while True:
        if pages:
            request = PagesRequested(pages=[RequestedPage(person=f"p{n}", roles=[], purpose=PagePurpose.INFORM)])
            [event] = await store.append_all(
                at=AT, actor="system", payloads=[request], crisis_id="krise-1", timers=requested_timers([request], AT)
            )
        else:
            payload = LogEntryAdded(kind=LogEntryKind.HANDLING, text=f"linje {n} fra skriver {pid}")
            event = await store.append(at=AT, actor="system", payload=payload, crisis_id="krise-1")
        print(event.seq, flush=True)
        n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:] == ["pages"]))
