"""Circuit breakers for the Microsoft dependencies: Entra sign-in, Graph and the Bot Connector.

In a real Office 365 outage they fail together, and detection must not depend on any of
them answering. Each breaker counts consecutive failures and timeouts of its dependency;
at ``threshold`` it opens. While open, calls fail at once (``admit`` says until when), so
pages are not held up by a dead service, and the pager sends by SMS. After ``cooldown`` one
probe call is let through (half-open): success closes the breaker, failure opens it again.

The breaker is a small state machine over an injected clock; ``Breakers`` reports every
change to a listener (which writes it to the logbog and starts the SMS re-send).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..clock import Clock


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Dependency(StrEnum):
    ENTRA = "entra"
    GRAPH = "graph"
    CONNECTOR = "connector"


@dataclass(frozen=True, slots=True)
class Change:
    """A breaker opened (``open``) or closed, and why."""

    dependency: Dependency
    open: bool
    reason: str


class Breaker:
    """One dependency's breaker. Not thread-safe; used from the event loop only."""

    def __init__(self, dependency: Dependency, *, threshold: int, cooldown: timedelta, clock: Clock) -> None:
        self.dependency = dependency
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock = clock
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._retry_at: datetime | None = None
        self._probing = False

    def admit(self) -> datetime | None:
        """None if a call may go now (a probe, when half-open); else when to try again."""
        if self.state is BreakerState.CLOSED:
            return None
        now = self._clock()
        if self._probing or (self._retry_at is not None and now < self._retry_at):
            return max(self._retry_at or now, now)
        self.state, self._probing = BreakerState.HALF_OPEN, True
        return None

    def probe_at(self) -> datetime | None:
        """When an open breaker may be probed next; None when it is closed or a probe is under way."""
        return self._retry_at if self.state is BreakerState.OPEN else None

    def release(self) -> None:
        """A call ended with no verdict on the dependency (cancelled, or no token): a probe may go again later."""
        if self.state is BreakerState.HALF_OPEN and self._probing:
            self.state, self._probing = BreakerState.OPEN, False
            self._retry_at = self._clock() + self._cooldown

    def succeeded(self) -> Change | None:
        """The dependency answered; the change if this closed the breaker."""
        self._failures, self._probing = 0, False
        if self.state is BreakerState.CLOSED:
            return None
        self.state = BreakerState.CLOSED
        return Change(self.dependency, False, "svarer igen")

    def failed(self, reason: str) -> Change | None:
        """The dependency failed or timed out; the change if this opened the breaker."""
        self._failures += 1
        was_closed = self.state is BreakerState.CLOSED
        if was_closed and self._failures < self._threshold:
            return None
        self.state, self._probing = BreakerState.OPEN, False
        self._retry_at = self._clock() + self._cooldown
        return Change(self.dependency, True, f"{self._failures} fejl i træk, senest: {reason}") if was_closed else None


Listener = Callable[[Change], Awaitable[None]]


class Breakers:
    """One breaker per dependency, and the listener told of every change."""

    def __init__(self, *, threshold: int, cooldown: timedelta, clock: Clock, listener: Callable[[], Listener]) -> None:
        """``listener`` gives the listener, which is built after the breakers (it pages through them: ``Later``)."""
        self._breakers = {d: Breaker(d, threshold=threshold, cooldown=cooldown, clock=clock) for d in Dependency}
        self._listener = listener

    def __getitem__(self, dependency: Dependency) -> Breaker:
        return self._breakers[dependency]

    def any_open(self) -> bool:
        """Is any dependency down (open or probing)? Then pages go by SMS at once."""
        return any(b.state is not BreakerState.CLOSED for b in self._breakers.values())

    def states(self) -> dict[str, str]:
        """Each dependency's state, for /metrics."""
        return {d.value: b.state.value for d, b in self._breakers.items()}

    async def report(self, change: Change | None) -> None:
        """Pass a change on to the listener."""
        if change is not None:
            await self._listener()(change)
