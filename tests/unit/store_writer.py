"""Append log entries to the store at ``argv[1]`` forever, printing each seq once committed.

Run by ``test_store.py`` as a subprocess and killed with SIGKILL mid-write. Entry number
``n`` of this process has the text ``f"linje {n} fra skriver {pid}"``.
"""

import asyncio
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.core.events import LogEntryAdded, LogEntryKind  # noqa: E402
from bot.store import open_store  # noqa: E402

AT = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


async def main(path: Path) -> None:
    store = await open_store(path)
    pid = os.getpid()
    n = 0
    while True:
        payload = LogEntryAdded(kind=LogEntryKind.HANDLING, text=f"linje {n} fra skriver {pid}")
        event = await store.append(at=AT, actor="system", payload=payload, crisis_id="krise-1")
        print(event.seq, flush=True)
        n += 1


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
