"""Prometheus metrics for ``GET /metrics``, in a registry of the app's own (no global state).

Durable figures come from the logbog and the outbox, so a restart does not reset them:
``refresh(store)``, awaited before each scrape, folds the events recorded since the last
scrape (all of them after a start) into the page and acknowledgement counters and the
time-to-acknowledgement histogram, and reads the outbox depth. Breaker states are read
from ``breakers`` at each scrape; rejected webhook requests are counted by this process.

Names (all prefixed ``krisebot_``): ``pages_sent_total{channel}``,
``pages_failed_total{channel}`` (each failed try), ``acknowledgements_total{via}``,
``time_to_acknowledgement_seconds`` (from the first page for a role to its
acknowledgement), ``calls_total{outcome}`` (each call by how it ended: a key pressed, no
answer, busy, failed, voicemail, or answered without a key), ``time_to_key_press_seconds``
(from placing a call to the key acted on in it), ``outbox_depth{channel}``, ``breaker_state{dependency,state}`` (1 for
the current state), ``webhook_rejections_total{endpoint,status}`` and ``leader`` (1 while this instance leads).
"""

import asyncio
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .core.events import Acknowledged, CallReported, CallStatus, CrisisClosed, Event, KeyPressed, PageFailed, PageSent
from .plan.contact import Channel
from .store.base import Logbog, Outbox

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""``text/plain; version=0.0.4; charset=utf-8``: the text format every Prometheus reads."""
BREAKER_STATES = ("closed", "open", "half_open")
ACK_BUCKETS = (15, 30, 60, 90, 120, 180, 300, 600, 900, 1800, 3600)
"""Seconds; the plans' acknowledgement timeouts are minutes."""
KEY_BUCKETS = (5, 10, 15, 20, 30, 45, 60, 90, 120, 300)
"""Seconds from placing a call to a key: ringing, then the message, read once or twice."""
KEY_PRESSED = "key_pressed"


class Figures(Logbog, Outbox, Protocol):
    """Where the durable figures are read: the logbog's events and the outbox's depth."""


class Metrics:
    """The app's metrics. ``breakers`` gives each dependency's breaker state
    (``"closed"``, ``"open"`` or ``"half_open"``) at each scrape; ``leader`` whether this instance leads
    (``bot.leadership``; alone on its database, it always does)."""

    def __init__(self, *, breakers: Callable[[], Mapping[str, str]] = dict, leader: Callable[[], bool] = lambda: True) -> None:
        self.breakers = breakers
        self.registry = CollectorRegistry()
        self._pages_sent = Counter(
            "krisebot_pages_sent", "Pages sent, by channel", ["channel"], registry=self.registry
        )
        self._pages_failed = Counter(
            "krisebot_pages_failed", "Failed page tries, by channel", ["channel"], registry=self.registry
        )
        self._acknowledgements = Counter(
            "krisebot_acknowledgements", "Acknowledgements, by how they came", ["via"], registry=self.registry
        )
        self._time_to_acknowledgement = Histogram(
            "krisebot_time_to_acknowledgement_seconds", "From the first page for a role to its acknowledgement",
            buckets=ACK_BUCKETS, registry=self.registry,
        )
        self._calls = Counter(
            "krisebot_calls", "Calls, by how they ended (key_pressed or the final status)", ["outcome"],
            registry=self.registry,
        )
        self._time_to_key_press = Histogram(
            "krisebot_time_to_key_press_seconds", "From placing a call to the key acted on in it",
            buckets=KEY_BUCKETS, registry=self.registry,
        )
        self._outbox_depth = Gauge(
            "krisebot_outbox_depth", "Pages waiting in the outbox, by channel", ["channel"], registry=self.registry
        )
        self._webhook_rejections = Counter(
            "krisebot_webhook_rejections", "Refused inbound requests, by endpoint and status",
            ["endpoint", "status"], registry=self.registry,
        )
        self.registry.register(_Breakers(self))
        Gauge(
            "krisebot_leader", "1 while this instance leads (runs the pager, heartbeats and the alarm mailbox), else 0",
            registry=self.registry,
        ).set_function(lambda: 1.0 if leader() else 0.0)
        self._after = 0
        self._waiting: dict[tuple[str, str], datetime] = {}
        self._ringing: dict[tuple[str, str], datetime] = {}  # (crisis, person) -> when the latest call was placed
        self._refreshing = asyncio.Lock()

    def webhook_rejected(self, endpoint: str, status: int) -> None:
        """Count one refused request to ``endpoint`` (a route, such as ``/api/messages``)."""
        self._webhook_rejections.labels(endpoint=endpoint, status=str(status)).inc()

    async def refresh(self, store: Figures) -> None:
        """Bring the durable figures up to date from the logbog and the outbox."""
        async with self._refreshing:
            for event in await store.events(after=self._after):
                self._count(event)
                self._after = event.seq
            for channel, pending in (await store.outbox_depth()).items():
                self._outbox_depth.labels(channel=channel).set(pending)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format (``CONTENT_TYPE``)."""
        return generate_latest(self.registry)

    def _count(self, event: Event) -> None:
        crisis, payload = event.crisis_id or "", event.payload
        match payload:
            case PageSent():
                self._pages_sent.labels(channel=payload.channel).inc()
                if payload.channel == Channel.VOICE:
                    self._ringing[(crisis, payload.person)] = event.at
                for role in payload.roles:
                    self._waiting.setdefault((crisis, role), event.at)
            case PageFailed():
                self._pages_failed.labels(channel=payload.channel).inc()
            case Acknowledged():
                self._acknowledgements.labels(via=payload.via).inc()
                paged = [self._waiting.pop((crisis, role)) for role in payload.roles if (crisis, role) in self._waiting]
                if paged:
                    self._time_to_acknowledgement.observe((event.at - min(paged)).total_seconds())
            case KeyPressed():
                placed = self._ringing.pop((crisis, payload.person), None)
                if placed is not None:  # the call's first key: a call counts once, however many keys follow
                    self._calls.labels(outcome=KEY_PRESSED).inc()
                    self._time_to_key_press.observe((event.at - placed).total_seconds())
            case CallReported(status=status) if status.final:
                keyed = (crisis, payload.person) not in self._ringing
                if not (keyed and status is CallStatus.COMPLETED):  # a call with a key counted as key_pressed
                    self._calls.labels(outcome=status.value).inc()
                self._ringing.pop((crisis, payload.person), None)
            case CrisisClosed():
                self._waiting = {key: at for key, at in self._waiting.items() if key[0] != crisis}
                self._ringing = {key: at for key, at in self._ringing.items() if key[0] != crisis}


class _Breakers(Collector):
    """``krisebot_breaker_state``: 1 for each dependency's current state, 0 for the others."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "krisebot_breaker_state", "Circuit breaker state of each dependency", labels=["dependency", "state"]
        )
        for dependency, current in sorted(self._metrics.breakers().items()):
            for state in BREAKER_STATES:
                family.add_metric([dependency, state], 1.0 if state == current else 0.0)
        yield family


METRICS = web.AppKey("metrics", Metrics)
