"""The Notifier protocol every paging channel implements, and the errors it may raise.

A notifier delivers one page to one person and returns the provider's id for it. It never
decides who is paged or when; the escalation engine does. Raising means:

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


class ChannelError(Exception):
    """A page could not be delivered on a channel. ``reason`` is for the logbog (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(ChannelError):
    """Try again later; ``retry_after`` is the provider's wish in seconds, if it said one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TokenError(TransientError):
    """No access token could be had (Entra sign-in failed): the service itself was not reached."""


class PermanentError(ChannelError):
    """This channel cannot reach this person; do not retry."""


class Notifier(Protocol):
    channel: Channel
    capabilities: Capabilities

    async def send(self, page: PageRequest) -> str | None:
        """Deliver the page; return the provider's id for it. Raise a ChannelError on failure."""
