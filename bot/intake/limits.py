"""Alarm rate limits: a token bucket per source, ``rate`` alarms a ``period`` (a minute unless told) with bursts
up to ``rate``, and one bucket for all sources together, ``total`` a period (by default ``ALL_SOURCES``
sources' worth), because a sender chooses its own source name (a monitoring system its name, an SMS its number).

``take`` says whether one more alarm from the source may pass now (it takes from both buckets
or from neither); ``reason`` and ``retry_after`` say which limit held it back and for how long.
The first refusal of a flood is logged once (and again only after an alarm has got through).
Buckets of quiet sources are forgotten once more than ``MAX_SOURCES`` are known.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from ..clock import Clock
from ..logs import printable

log = logging.getLogger("krisebot.intake")

ALL_SOURCES = 5
"""The overall limit, in sources' worth of the per-source limit."""
MAX_SOURCES = 1000
"""Source buckets kept before the full ones (sources quiet for a period) are dropped."""
MINUTE = timedelta(minutes=1)
_PER = {timedelta(minutes=1): "i minuttet", timedelta(hours=1): "i timen"}


@dataclass
class _Bucket:
    rate: float
    tokens: float
    at: float
    period: float
    flooding: bool = False

    def refill(self, now: float) -> None:
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate / self.period)
        self.at = now

    def seconds_to_one(self) -> int:
        return max(1, int((1 - self.tokens) * self.period / self.rate + 0.999))


def _printed(source: str) -> str:
    return printable(source, 60)


class RateLimiter:
    """Per-source and overall alarm limits with an injected clock; ``shown`` names a source in the service log."""

    def __init__(
        self, *, rate: int, clock: Clock, total: int | None = None, period: timedelta = MINUTE,
        shown: Callable[[str], str] = _printed,
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._period = period.total_seconds()
        self._per = _PER.get(period, f"pr. {self._period:g} s")
        self._shown = shown
        self._buckets: dict[str, _Bucket] = {}
        total = total or rate * ALL_SOURCES
        self._all = _Bucket(float(total), float(total), clock().timestamp(), self._period)

    def take(self, source: str) -> bool:
        """Count one alarm from ``source``; False if it is over its own limit or the overall one."""
        now = self._clock().timestamp()
        if source not in self._buckets and len(self._buckets) >= MAX_SOURCES:
            self._forget_quiet(now)
        bucket = self._buckets.setdefault(source, _Bucket(float(self._rate), float(self._rate), now, self._period))
        bucket.refill(now)
        self._all.refill(now)
        if bucket.tokens >= 1 and self._all.tokens >= 1:
            bucket.tokens -= 1
            self._all.tokens -= 1
            bucket.flooding = self._all.flooding = False
            return True
        if bucket.tokens < 1 and not bucket.flooding:
            bucket.flooding = True
            log.warning(
                "alarmer fra %s begrænses: over %d %s; de overskydende afvises", self._shown(source), self._rate, self._per
            )
        elif bucket.tokens >= 1 and not self._all.flooding:
            self._all.flooding = True
            log.warning("alarmer begrænses: over %g %s fra alle kilder; de overskydende afvises", self._all.rate, self._per)
        return False

    def reason(self, source: str) -> str:
        """Why ``source``'s last alarm was held back, in Danish."""
        bucket = self._buckets.get(source)
        if bucket is not None and bucket.tokens < 1:
            return "for mange alarmer fra denne kilde: send igen senere"
        return f"for mange alarmer i alt (over {self._all.rate:g} {self._per}): send igen senere"

    def retry_after(self, source: str) -> int:
        """Whole seconds until ``source`` may send one more alarm."""
        limits = [b for b in (self._buckets.get(source), self._all) if b is not None and b.tokens < 1]
        return max((b.seconds_to_one() for b in limits), default=1)

    def _forget_quiet(self, now: float) -> None:
        for source, bucket in list(self._buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.rate:
                del self._buckets[source]
