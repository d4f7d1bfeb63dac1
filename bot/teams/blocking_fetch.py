"""A blocking call (MSAL's token request, the signing keys' HTTP GETs) run off the event loop.

``await BlockingFetch(call, timeout=…, name=…)()`` runs ``call`` in a daemon thread of its own and
waits at most ``timeout`` seconds from the moment that thread started: ``TimeoutError`` after that,
the call's own exception if it fails. Callers that come while a call is running share it, so at most
one runs at a time. A call still running past its time limit is given up and the next caller starts
a fresh one, so a request that hangs for ever (MSAL sets no timeout) cannot block every later one;
the abandoned thread ends when its socket does and, as a daemon, holds up no shutdown.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class BlockingFetch(Generic[T]):
    def __init__(self, call: Callable[[], T], *, timeout: float, name: str) -> None:
        self._call = call
        self._timeout = timeout
        self._name = name
        self._running: asyncio.Future[T] | None = None
        self._deadline = 0.0

    @property
    def running(self) -> bool:
        """Whether a call is under way and still within its time limit."""
        return self._running is not None and not self._running.done() and not self._expired()

    async def __call__(self) -> T:
        if not self.running:
            loop = asyncio.get_running_loop()
            self._running = _in_thread(loop, self._call, self._name)
            self._deadline = loop.time() + self._timeout
        assert self._running is not None
        remaining = self._deadline - asyncio.get_running_loop().time()
        return await asyncio.wait_for(asyncio.shield(self._running), max(remaining, 0.0))

    def _expired(self) -> bool:
        return asyncio.get_running_loop().time() >= self._deadline


def _in_thread(loop: asyncio.AbstractEventLoop, call: Callable[[], T], name: str) -> "asyncio.Future[T]":
    """A future for ``call()`` run in a new daemon thread."""
    future: asyncio.Future[T] = loop.create_future()
    future.add_done_callback(_retrieve)

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
    return future


def _settle(future: asyncio.Future[Any], setter: Callable[[Any], None], value: Any) -> None:
    if not future.done():
        setter(value)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome as seen: a call given up after its time limit may still fail later."""
    if not future.cancelled():
        future.exception()
