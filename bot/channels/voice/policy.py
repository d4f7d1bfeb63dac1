"""How the pager treats calls: the voice channel's ``ChannelPolicy``, with no I/O, so that ``krisebot check``
asks the same policy whom a call can reach."""

from ...plan.phones import PhoneKind
from ..base import ChannelPolicy

CONCURRENCY = 1000
"""Calls waiting to be placed at once; the pace is the provider's calls per second (``rate``)."""


def voice_policy(rate: float) -> ChannelPolicy:
    """Calls at ``rate`` a second at most, first in a tick, reaching someone only by a key press: the mobile
    first, then the direct line (never a short number)."""
    return ChannelPolicy(
        concurrency=CONCURRENCY, order=0, rate=rate, confirms=False, numbers=(PhoneKind.MOBILE, PhoneKind.LANDLINE)
    )
