"""Which crisis's logbog keeps an SMS from a plan person that no reply code ties to a crisis. Pure.

Free text, a wrong code (``3X``, ``9K``), a bare ``ALARM`` and ``STATUS`` belong to no crisis by
themselves, yet every SMS from a plan person is kept word for word (``docs/adr/0023-every-sms-is-kept.md``):
with one open crisis, in that one; with several, in the one the person's latest page was about (the
newest crisis when none of them paged the person); with none open, outside any crisis.
"""

from collections.abc import Sequence
from datetime import datetime, timezone

from .state import CrisisState


def home_crisis(active: Sequence[CrisisState], person: str) -> CrisisState | None:
    """The open crisis an SMS from ``person`` that names none belongs to; None when no crisis is open."""
    if len(active) <= 1:
        return active[0] if active else None
    return max(active, key=lambda state: (_latest_page(state, person), state.opened_at, state.id))


_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _latest_page(state: CrisisState, person: str) -> datetime:
    """When the person's latest page of the crisis first went out; ``_NEVER`` if none did."""
    sent = (page.first_sent_at for page in state.pages if page.person == person and page.first_sent_at)
    return max(sent, default=_NEVER)
