"""Blocking calls of the auth path (MSAL's token request, the signing keys' HTTP GETs) kept off the event loop.

``off_loop(call, timeout=…, name=…)`` runs ``call`` in a daemon thread of its own and waits at most
``timeout`` seconds: ``TimeoutError`` after that, the call's own exception if it fails. A call past
its time limit is left to finish on its own (MSAL sets no timeout, so a socket can hang for ever);
as a daemon it holds up no shutdown, and the next call starts a fresh thread.

``SingleFlight(work)`` runs the coroutine function ``work`` once at a time: callers that come while
it runs share its outcome, and one that is cancelled does not cancel it for the others.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from ..gathered import retrieved

T = TypeVar("T")


async def off_loop(call: Callable[[], T], *, timeout: float, name: str) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    future.add_done_callback(retrieved)

    def run() -> None:
        try:
            outcome: tuple[Callable[[Any], None], Any] = (future.set_result, call())
        except Exception as exc:  # handed to whoever awaits the future
            outcome = (future.set_exception, exc)
        try:
            loop.call_soon_threadsafe(_settle, future, *outcome)
        except RuntimeError:  # the loop has closed: nobody waits any more
            pass

    threading.Thread(target=run, name=name, daemon=True).start()
    async with asyncio.timeout(timeout):  # not wait_for, which in 3.11 can swallow a cancellation (wakeup.py)
        return await future


class SingleFlight(Generic[T]):
    def __init__(self, work: Callable[[], Awaitable[T]]) -> None:
        self._work = work
        self._running: asyncio.Future[T] | None = None

    @property
    def running(self) -> bool:
        return self._running is not None and not self._running.done()

    async def __call__(self) -> T:
        if not self.running:
            self._running = asyncio.ensure_future(self._work())
            self._running.add_done_callback(retrieved)
        assert self._running is not None
        return await asyncio.shield(self._running)


def _settle(future: asyncio.Future[Any], setter: Callable[[Any], None], value: Any) -> None:
    if not future.done():  # not given up (cancelled by the time limit)
        setter(value)
