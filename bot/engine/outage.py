"""What Krisebot does when a Microsoft dependency goes down or comes back.

Down: every open crisis's logbog says so, and every page still waiting goes on its fallback
channels (SMS) at once (new pages and escalations do too while any breaker is open: ``Pager``). Back: the
logbog says so, and when it is the Bot Connector, every log thread and card catches up.

Nothing may be left to find out that Teams is back: while the Bot Connector's breaker is
open, ``TeamsProbe.probe`` (called by the pager on every tick) tries the log threads that
are behind once the breaker allows a probe, so the backfill starts even when no page is waiting.
"""

import logging
from datetime import datetime

from ..clock import Clock
from ..core.events import BreakerChanged
from .breakers import Breakers, Change, Dependency
from .crises import Crises
from .pager import Pager

log = logging.getLogger(__name__)


class TeamsProbe:
    """The catch-up of the log threads, started as soon as the Bot Connector may be probed."""

    def __init__(self, *, crises: Crises, breakers: Breakers, clock: Clock) -> None:
        self._crises = crises
        self._connector = breakers[Dependency.CONNECTOR]
        self._clock = clock

    def probe(self) -> datetime | None:
        """Start the catch-up of the log threads if the Bot Connector may be probed now; when to look again."""
        due = self._connector.probe_at()
        if due is not None and due <= self._clock():
            self._crises.catch_up()
            return None
        return due


class OutageResponse:
    """The breakers' listener."""

    def __init__(self, *, crises: Crises, pager: Pager) -> None:
        self._crises = crises
        self._pager = pager

    async def __call__(self, change: Change) -> None:
        state = "nede" if change.open else "oppe igen"
        log.warning("%s er %s: %s", change.dependency.value, state, change.reason)
        event = BreakerChanged(dependency=change.dependency.value, open=change.open, reason=change.reason[:400])
        for crisis in self._crises.active():
            await self._crises.record(crisis.id, [event])
        if change.open:
            await self._pager.fallbacks_now()
        elif change.dependency is Dependency.CONNECTOR:
            self._crises.catch_up()
