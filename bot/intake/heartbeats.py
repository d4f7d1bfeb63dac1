"""Heartbeats: monitoring systems call ``POST /api/heartbeats/{id}`` every ``interval`` (the plan's
``[[heartbeats]]``). One silent for longer than ``interval`` + ``grace`` raises the alarm «Overvågning
er tavs» to the IT head; its next beat is logged in that crisis and the IT head is told.

The watcher is one loop that sleeps until the next heartbeat falls due (or a beat pokes it); the
times live in the database, so a restart resumes them, and a heartbeat first watched counts as
heard from at that moment.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from ..clock import LOCAL_TIME, Clock
from ..core.events import AlarmStatus
from ..engine.foreground import Foreground
from ..engine.wakeup import tick_forever
from ..http_errors import refuse
from ..plan.durations import format_duration
from ..plan.models import Heartbeat, Plan
from ..store import Monitoring
from .auth import refused
from .formats import Alert
from .receiver import AlarmReceiver, actor_for

log = logging.getLogger("krisebot.intake")

SYSTEM = "livstegn"
ACTOR = actor_for(SYSTEM)
MAX_SLEEP = 300.0


def due_at(beat: Heartbeat, last_seen: datetime) -> datetime:
    """When a heartbeat last heard from at ``last_seen`` counts as silent."""
    return last_seen + beat.interval + beat.grace


def heartbeat_alert(beat: Heartbeat, status: AlarmStatus, last_seen: datetime) -> Alert:
    """«Overvågning er tavs» (firing) or its return (resolved), keyed by the heartbeat's id."""
    if status is AlarmStatus.RESOLVED:
        return Alert(system=SYSTEM, fingerprint=beat.id, status=status, title=f"{beat.description} ({beat.id}) melder sig igen")
    every = f"hvert {format_duration(beat.interval)}, frist {format_duration(beat.grace)}"
    return Alert(
        system=SYSTEM, fingerprint=beat.id, status=status, deliveries=tuple(beat.deliveries),
        title=f"Overvågning er tavs: {beat.description} ({beat.id})",
        description=f"Intet livstegn siden {last_seen.astimezone(LOCAL_TIME):%Y-%m-%d kl. %H:%M} (forventet {every}).",
    )


class HeartbeatWatcher:
    """Notices silent heartbeats and their return."""

    def __init__(self, *, plan: Plan, store: Monitoring, clock: Clock, receiver: AlarmReceiver, source: str) -> None:
        self._beats = {beat.id: beat for beat in plan.heartbeats}
        self._store = store
        self._clock = clock
        self._receiver = receiver
        self._source = source
        self._poked = asyncio.Event()

    async def start(self) -> None:
        """Watch every heartbeat of the plan; one never heard from counts from now."""
        await self._store.watch_heartbeats(names=list(self._beats), at=self._clock())

    async def beat(self, name: str) -> str | None:
        """A heartbeat arrived: record it; after silence, report the return. The crisis it was reported to, if any."""
        beat, now = self._beats[name], self._clock()
        record = (await self._store.heartbeats()).get(name)
        crisis = None
        if record is not None and record.silent_since is not None:
            log.info("livstegn %s er tilbage efter tavshed siden %s", name, record.silent_since.isoformat())
            alert = heartbeat_alert(beat, AlarmStatus.RESOLVED, record.last_seen_at)
            crisis = (await self._receiver.receive(alert, source=self._source, actor=ACTOR)).crisis
        await self._store.heartbeat_seen(name=name, at=now)
        self._poked.set()
        return crisis

    async def check(self) -> datetime | None:
        """Raise the alarm for every heartbeat that fell silent; when the next one falls due."""
        now, wakes = self._clock(), []
        for name, record in (await self._store.heartbeats()).items():
            beat = self._beats.get(name)
            if beat is None or record.silent_since is not None:
                continue
            due = due_at(beat, record.last_seen_at)
            if due > now:
                wakes.append(due)
                continue
            log.warning("livstegn %s er tavst: sidst hørt %s", name, record.last_seen_at.isoformat())
            alert = heartbeat_alert(beat, AlarmStatus.FIRING, record.last_seen_at)
            await self._receiver.receive(alert, source=self._source, actor=ACTOR)
            await self._store.heartbeat_silent(name=name, since=now)
        return min(wakes, default=None)

    async def run(self) -> None:
        """Check, then sleep until the next heartbeat falls due or a beat arrives; forever."""
        await tick_forever(
            self.check, poked=self._poked, clock=self._clock, max_sleep=MAX_SLEEP, log=log, what="heartbeat check"
        )


@dataclass(frozen=True)
class HeartbeatEndpoint:
    """``POST /api/heartbeats/{name}``, with the alarm token."""

    tokens: list[str]
    watcher: HeartbeatWatcher | None
    names: frozenset[str]
    foreground: Foreground

    async def handle(self, request: web.Request) -> web.Response:
        with self.foreground.serving():
            refusal = refused(request, self.tokens)
            if refusal is not None:
                return refusal
            name = request.match_info["name"]
            if self.watcher is None or name not in self.names:
                return refuse(request, 404, f"planen kender intet livstegn {name[:64]!r}")
            crisis = await self.watcher.beat(name)
            return web.json_response({"heartbeat": name, "crisis": crisis}, status=202)
