"""Hand SMS to the provider in batches: every ``send`` within a short window goes in one call.

The pager sends each page on its own; a summons to many people arrives as many sends at
once. ``Batcher.send`` waits at most ``window`` seconds (or until ``size`` messages are
waiting), hands them to the provider together, and gives each caller its own id or the
provider's error.
"""

import asyncio
from collections.abc import Sequence

from ...errors import ChannelError, TransientError
from .base import OutgoingSms, SendResult, SmsProvider, results_of

WINDOW = 0.01
SIZE = 500


class Batcher:
    def __init__(self, provider: SmsProvider, *, window: float = WINDOW, size: int = SIZE) -> None:
        self._provider = provider
        self._window = window
        self._size = size
        self._waiting: list[tuple[OutgoingSms, asyncio.Future[str]]] = []
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task] = set()

    async def send(self, message: OutgoingSms) -> str:
        """The provider's id for ``message`` once its batch is handed over; its error otherwise."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._waiting.append((message, future))
        if len(self._waiting) >= self._size:
            self._hand_over()
        elif self._flush is None:
            self._flush = loop.call_later(self._window, self._hand_over)
        return await future

    def _hand_over(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        batch, self._waiting = self._waiting, []
        if batch:
            task = asyncio.create_task(self._deliver(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, batch: Sequence[tuple[OutgoingSms, asyncio.Future[str]]]) -> None:
        live = [(message, future) for message, future in batch if not future.done()]
        results: list[SendResult]
        try:
            results = list(await self._provider.send([message for message, _ in live]))
        except ChannelError as exc:
            results = results_of(exc, len(live))
        except Exception as exc:  # a provider bug: every page of the batch is tried again
            results = [TransientError(f"intern fejl i sms-udbyderen ({type(exc).__name__})")] * len(live)
        for (_, future), result in zip(live, results, strict=True):
            if future.done():
                continue
            if isinstance(result, ChannelError):
                future.set_exception(result)
            else:
                future.set_result(result)
