"""One leader among the instances on one database, for the loops that must not run twice.

The pager's ticks, the heartbeat watcher and the alarm mailbox reader would page people twice, raise an
alarm twice or read a mail twice if two instances ran them. The leader is whoever holds the lease
``LEASE`` in the store (``Leases``); only it runs those loops, and the outbox is claimed only under its
fencing token (``fence``), so an instance that lost the lease without knowing claims nothing.

``renew`` is one round: take or renew the lease; on taking it, start the loops; on learning another holds
it, stop them. ``run`` renews every third of the lease's time (a follower tries every tenth) and, when
the database does not answer, stops the loops ``margin`` before the lease could expire, counted on a
monotonic timer from the start of the last renewal that worked: by the time another instance may take
the lease, this one has stopped.
``resign`` (on shutdown) stops the loops and releases the lease, so another instance takes over at once.
It says nothing until ``announce`` (once the server listens: a failed start prints just its one line).
"""

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from .clock import Clock
from .errors import StoreError
from .store import Fence, Leases

log = logging.getLogger(__name__)

LEASE = "leader"
"""The name of the lease on the loops that must run on one instance only."""
FOLLOWER_TRIES = 10
"""How many times a follower tries to take the lease in the lease's time."""
Loop = Callable[[], Coroutine[Any, Any, None]]


class Leadership:
    """This instance's part in choosing the one leader, and the loops it runs while it leads.

    ``clock`` stamps the lease (every instance reads the expiry against its own clock, so their clocks must
    agree within ``margin``); ``timer`` (monotonic seconds) times this instance's own deadline, which a clock
    stepped by hand or by NTP does not move. ``margin`` defaults to a fifth of ``ttl``.
    """

    def __init__(
        self, *, store: Leases, clock: Clock, holder: str, ttl: timedelta, margin: timedelta | None = None,
        timer: Callable[[], float] = time.monotonic, name: str = LEASE,
    ) -> None:
        self.holder = holder
        self._store = store
        self._clock = clock
        self._timer = timer
        self._name = name
        self._ttl = ttl
        self._hold = (ttl - (ttl / 5 if margin is None else margin)).total_seconds()
        self._loops: list[Loop] = []
        self._running: list[asyncio.Task[None]] = []
        self._token: int | None = None
        self._deadline = 0.0
        self._unreachable: str | None = None
        self._speaking = False

    @property
    def leader(self) -> bool:
        """Does this instance lead now (and run the loops)?"""
        return self._token is not None

    def fence(self) -> Fence | None:
        """The lease as this instance holds it, to fence its writes with; None while it does not lead."""
        return None if self._token is None else Fence(self._name, self.holder, self._token)

    def announce(self) -> None:
        """Log whether this instance leads, and from now on every change (in Danish, for the operator)."""
        self._speaking = True
        if self._token is None:
            self._say(logging.INFO, "Instansen %s er ikke leder: en anden instans har ledelsen", self.holder)
        else:
            self._say_leading()

    def lead(self, *loops: Loop) -> None:
        """Run ``loops`` whenever this instance leads (each until it returns, or is cancelled when this instance stops
        leading: a loop that returns did what taking the lead asks); give them before the first round."""
        self._loops.extend(loops)

    async def renew(self) -> None:
        """One round: take or renew the lease, start the loops on taking it, stop them when another instance holds it
        or when the database has not answered since the deadline. Any failure of the database is logged, never raised."""
        started = self._timer()
        try:
            token = await self._store.acquire_lease(name=self._name, holder=self.holder, at=self._clock(), ttl=self._ttl)
        except Exception as exc:  # a closed connection raises more than StoreError; the round must survive it
            reason = exc.reason if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            if self._unreachable is None:
                self._say(logging.WARNING, "Ledelsen kan ikke fornys, databasen svarer ikke: %s", reason)
            self._unreachable = reason
            await self.expire()
            return
        if self._unreachable is not None:
            self._say(logging.INFO, "Databasen svarer igen; ledelsen kan fornys")
            self._unreachable = None
        if token is None:
            await self._step_down("en anden instans har taget ledelsen")
            return
        if token != self._token:
            await self._step_down("ledelsen er taget på ny")  # only if another instance held it in between
            self._step_up(token)
        self._deadline = started + self._hold

    async def expire(self) -> None:
        """Stop leading if the deadline has passed since the last renewal that worked."""
        if self.leader and self._timer() >= self._deadline:
            await self._step_down(f"ledelsen kunne ikke fornys inden for {self._hold:g} s ({self._unreachable})")

    async def run(self) -> None:
        """Renew every third of the lease's time, and stop leading at the deadline if renewing has not worked by
        then (a renewal that hangs is given up at the deadline); forever. Run ``renew`` once first (the app does,
        at start-up). Cancelled, it resigns."""
        try:
            while True:
                await asyncio.sleep(self._pause())
                try:
                    async with asyncio.timeout(self._patience()):
                        await self.renew()
                except TimeoutError:
                    self._unreachable = self._unreachable or "databasen svarer ikke"
                await self.expire()
        finally:
            await self.resign()

    async def resign(self) -> None:
        """Stop the loops and release the lease (if held), so another instance may take it at once."""
        token = self._token
        await self._step_down("instansen lukker", level=logging.INFO)
        if token is None:
            return
        try:
            await self._store.release_lease(name=self._name, holder=self.holder, token=token)
        except Exception as exc:  # shutting down: the lease then runs out by itself
            self._say(logging.WARNING, "Ledelsen kunne ikke gives fra sig (%s): en anden instans overtager, når den udløber", exc)

    def _pause(self) -> float:
        """Seconds to the next round: leading, a third of the lease's time, or less, to the deadline; following, a
        tenth of it, so a dead leader's lease is taken at most that long after it ran out."""
        if not self.leader:
            return self._ttl.total_seconds() / FOLLOWER_TRIES
        return max(0.0, min(self._ttl.total_seconds() / 3, self._deadline - self._timer()))

    def _patience(self) -> float:
        """Seconds a round may take: to the deadline while leading, else the lease's time."""
        return max(0.0, self._deadline - self._timer()) if self.leader else self._ttl.total_seconds()

    def _step_up(self, token: int) -> None:
        self._token = token
        self._running = [asyncio.create_task(loop()) for loop in self._loops]
        self._say_leading()

    def _say_leading(self) -> None:
        self._say(
            logging.INFO,
            "Instansen %s er nu leder (token %s) og står for alarmeringens udbakke og eskalering, livstegn og alarmpostkassen",
            self.holder, self._token,
        )

    def _say(self, level: int, message: str, *args: object) -> None:
        if self._speaking:
            log.log(level, message, *args)

    async def _step_down(self, reason: str, *, level: int = logging.WARNING) -> None:
        """Stop the loops (the fence goes first, so nothing more is claimed under it) and say why."""
        if self._token is None:
            return
        self._token = None
        running, self._running = self._running, []
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._say(level, "Instansen %s er ikke længere leder: %s", self.holder, reason)
