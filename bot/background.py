"""Work started in the background, kept until done so that shutdown (and tests) can wait for all of it."""

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    """The tasks started by ``start`` that are not done yet; ``drain`` waits for them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in a task of its own, held until it is done."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Return once every task started, also those started while draining, is done; their exceptions are
        retrieved, not raised.

        A task counts as done once it is, not once its done callback has run: from Python 3.12 on, ``gather`` of
        tasks that are all done returns without handing control to the event loop, so a drain that waited for
        the callback would look at the same done task forever, the loop never running again.
        """
        while self._tasks:
            finishing = list(self._tasks)
            await asyncio.gather(*finishing, return_exceptions=True)
            self._tasks.difference_update(finishing)
