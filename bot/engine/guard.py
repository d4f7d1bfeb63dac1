"""Calls to a Microsoft dependency, through its circuit breaker and within a time limit.

``Guard.call`` refuses at once while the dependency's breaker is open (a ``TransientError``
whose ``retry_after`` is the next probe), bounds the call by ``timeout``, and tells the
breakers how it went: a timeout or transient failure counts against the dependency (or
against Entra when no token could be had), a permanent refusal or success proves the
dependency answers (and, having needed a token, that Entra does). ``GuardedNotifier`` and
``GuardedOutlet`` put a paging channel and the log channel mirror behind a guard.
"""

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TypeVar

from ..channels.base import Channel, ChannelPolicy, Notifier, PageRequest
from ..clock import Clock
from ..core.commands import ReporterNews
from ..core.events import Event, PagePurpose
from ..core.state import CrisisState
from ..errors import PermanentError, TokenError, TransientError
from .breakers import Breaker, Breakers, Dependency
from .outlet import LogPost, Outlet

T = TypeVar("T")

NAMES = {Dependency.ENTRA: "Entra-login", Dependency.GRAPH: "Microsoft Graph", Dependency.CONNECTOR: "Teams"}


class Guard:
    """The breaker and time limit of one dependency's calls."""

    def __init__(self, breakers: Breakers, dependency: Dependency, *, timeout: float, clock: Clock) -> None:
        self._breakers = breakers
        self._dependency = dependency
        self._timeout = timeout
        self._clock = clock

    async def call(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` unless the dependency is known to be down; raise ChannelErrors only for its failures."""
        breaker = self._breakers[self._dependency]
        retry_at = breaker.admit()
        name = NAMES[self._dependency]
        if retry_at is not None:
            wait = max(0.0, (retry_at - self._clock()).total_seconds())
            raise TransientError(f"{name} svarer ikke; prøver igen om {wait:.0f} s", retry_after=wait)
        try:
            async with asyncio.timeout(self._timeout):
                result = await work()
        except TimeoutError:
            await self._breakers.report(breaker.failed(f"intet svar inden for {self._timeout:g} s"))
            raise TransientError(f"{name} svarede ikke inden for {self._timeout:g} s") from None
        except TokenError as exc:  # the dependency itself was not reached
            breaker.release()
            await self._breakers.report(self._breakers[Dependency.ENTRA].failed(exc.reason))
            raise
        except PermanentError:
            await self._answered(breaker)
            raise
        except TransientError as exc:
            await self._breakers.report(breaker.failed(exc.reason))
            raise
        except BaseException:  # cancelled, or a bug: no verdict on the dependency
            breaker.release()
            raise
        await self._answered(breaker)
        return result

    async def _answered(self, breaker: Breaker) -> None:
        """The dependency answered, and so, having needed a token, did Entra."""
        await self._breakers.report(breaker.succeeded())
        await self._breakers.report(self._breakers[Dependency.ENTRA].succeeded())


class GuardedNotifier:
    """A paging channel whose sends go through its dependency's guard."""

    def __init__(self, notifier: Notifier, guard: Guard) -> None:
        self._notifier = notifier
        self._guard = guard
        self.channel: Channel = notifier.channel
        self.policy: ChannelPolicy = notifier.policy

    async def send(self, page: PageRequest) -> str | None:
        return await self._guard.call(lambda: self._notifier.send(page))


class GuardedOutlet:
    """The log channel mirror and the reporter's notices, their Bot Connector calls through the connector's guard."""

    def __init__(self, outlet: Outlet, guard: Guard) -> None:
        self._outlet = outlet
        self._guard = guard

    async def ready(self) -> bool:
        return await self._outlet.ready()

    def log_posts(self, logbog: Sequence[Event]) -> Sequence[LogPost]:
        return self._outlet.log_posts(logbog)

    async def post_to_log(self, state: CrisisState, post: LogPost, *, late: bool) -> str | None:
        return await self._guard.call(lambda: self._outlet.post_to_log(state, post, late=late))

    async def edit_in_log(self, state: CrisisState, activity_id: str, post: LogPost, *, late: bool) -> None:
        await self._guard.call(lambda: self._outlet.edit_in_log(state, activity_id, post, late=late))

    async def refresh_situation(self, state: CrisisState) -> None:
        await self._guard.call(lambda: self._outlet.refresh_situation(state))

    async def refresh_pages(self, state: CrisisState, purposes: Collection[PagePurpose] = ()) -> None:
        await self._guard.call(lambda: self._outlet.refresh_pages(state, purposes))

    async def tell_reporter(self, state: CrisisState, news: ReporterNews) -> None:
        await self._guard.call(lambda: self._outlet.tell_reporter(state, news))
