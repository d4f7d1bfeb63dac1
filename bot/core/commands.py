"""What the lifecycle asks the outside world to do: data, carried out by the engine and Teams."""

from dataclasses import dataclass
from enum import StrEnum

from .events import EventPayload, PagePurpose


@dataclass(frozen=True, slots=True)
class SendPage:
    """Page ``person`` for ``roles`` with the card (or text) for ``purpose``; for ``EXTERNAL``, ``person`` is an external
    participant's id (and ``roles`` empty)."""

    person: str
    roles: tuple[str, ...]
    purpose: PagePurpose


@dataclass(frozen=True, slots=True)
class PostToLog:
    """Mirror one recorded event into the crisis thread of the log channel."""

    payload: EventPayload


@dataclass(frozen=True, slots=True)
class RefreshSituation:
    """Bring the situation card (the thread's root) up to date, posting it if it is new."""


class ReporterNews(StrEnum):
    """What a reporter outside the plan is told of their alarm after it was received."""

    NOT_CRITICAL = "not_critical"
    ACTIVATED = "activated"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class TellReporter:
    """Tell the crisis's reporter outside the plan ``news`` (a message in their 1:1 chat with the bot)."""

    news: ReporterNews


@dataclass(frozen=True, slots=True)
class RefreshPages:
    """Bring the page cards already sent in Teams for ``purposes`` (for any purpose if empty) up to date in place:
    what they say has changed (the meeting moved, the crisis ended)."""

    purposes: tuple[PagePurpose, ...] = ()


Command = SendPage | PostToLog | RefreshSituation | RefreshPages | TellReporter
