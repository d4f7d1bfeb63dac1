"""The Notifier protocol every paging channel implements, and the page it is given to deliver.

A notifier delivers one page to one person and returns the provider's id for it. It never
decides who is paged or when; the escalation engine does. Raising (the errors of ``bot.errors``) means:

- ``TransientError``: try again later (``retry_after`` seconds when the provider said so);
- ``PermanentError``: this channel cannot reach this person (blocked, unknown user); the
  escalation goes on with the other channels and people.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ..core.events import PagePurpose
from ..core.state import CrisisState
from ..plan.models import Person


class Channel(StrEnum):
    TEAMS = "teams"
    FEED = "feed"
    MAIL = "mail"
    SMS = "sms"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can do: show a card with buttons, raise an alert, carry a reply back."""

    cards: bool
    alerts: bool
    replies: bool


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page to deliver: the crisis as it is now, the person, the roles they are paged for, why;
    ``attempt`` counts earlier tries of this page and ``key`` is its outbox idempotency key."""

    state: CrisisState
    person: Person
    roles: tuple[str, ...]
    purpose: PagePurpose
    attempt: int = 0
    key: str = ""


class Notifier(Protocol):
    channel: Channel
    capabilities: Capabilities

    async def send(self, page: PageRequest) -> str | None:
        """Deliver the page; return the provider's id for it. Raise a ChannelError on failure."""
