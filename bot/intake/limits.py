"""A token bucket per monitoring source: ``rate`` alarms a minute, with bursts up to ``rate``.

``take`` says whether one more alarm from the source may pass now; the first refusal of a flood
is logged once (and again only after the source has had an alarm through).
"""

import logging
from dataclasses import dataclass

from ..clock import Clock

log = logging.getLogger("krisebot.intake")


@dataclass
class _Bucket:
    tokens: float
    at: float
    flooding: bool = False


class RateLimiter:
    """Per-source alarm limit with an injected clock."""

    def __init__(self, *, rate: int, clock: Clock) -> None:
        self._rate = rate
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, source: str) -> bool:
        """Count one alarm from ``source``; False if it is over the limit."""
        now = self._clock().timestamp()
        bucket = self._buckets.setdefault(source, _Bucket(float(self._rate), now))
        bucket.tokens = min(float(self._rate), bucket.tokens + (now - bucket.at) * self._rate / 60)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.flooding = False
            return True
        if not bucket.flooding:
            bucket.flooding = True
            log.warning("alarmer fra %s begrænses: over %d i minuttet; de overskydende afvises med 429", source, self._rate)
        return False

    def retry_after(self, source: str) -> int:
        """Whole seconds until ``source`` may send one more alarm."""
        bucket = self._buckets.get(source)
        missing = 1 - bucket.tokens if bucket else 0
        return max(1, int(missing * 60 / self._rate + 0.999))
