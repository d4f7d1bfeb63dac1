"""How the pager treats calls: the voice channel's ``ChannelPolicy``, with no I/O, so that ``krisebot check``
asks the same policy whom a call can reach."""

from ...plan.phones import PhoneKind
from ..base import ChannelPolicy

CONCURRENCY = 1000
"""Calls waiting to be placed at once; the pace is the provider's calls per second (``rate``)."""
HEADROOM = 0.97
"""Calls are paced 3 % under the provider's limit, so that the few milliseconds a request may take longer
than the one before it never bring two calls to the provider closer than its limit allows."""


def voice_policy(rate: float) -> ChannelPolicy:
    """Calls at the provider's ``rate`` a second at most (``HEADROOM`` under it), first in a tick, reaching
    someone only by a key press: the mobile first, then the direct line (never a short number)."""
    return ChannelPolicy(
        concurrency=CONCURRENCY, order=0, rate=rate * HEADROOM, confirms=False, numbers=(PhoneKind.MOBILE, PhoneKind.LANDLINE)
    )
