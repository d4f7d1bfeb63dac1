"""The Notifier protocol every paging channel implements, its policy, and the page it is given to deliver.

A notifier delivers one page to one person and returns the provider's id for it. It never
decides who is paged or when; the escalation engine does. Raising (the errors of ``bot.errors``) means:

- ``TransientError``: try again later (``retry_after`` seconds when the provider said so);
- ``PermanentError``: this channel cannot reach this person (blocked, unknown user); the
  escalation goes on with the other channels and people.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ..core.events import PagePurpose
from ..core.state import CrisisState
from ..errors import PermanentError
from ..plan.contact import Channel
from ..plan.models import Person, Recipient
from ..plan.phones import Phone, PhoneKind


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """How the pager treats a channel's sends.

    ``concurrency``: sends in flight at once; ``order``: a tick starts the lower first (the cheapest,
    so everyone's first page goes out soonest); ``rate``: sends per second at most, the most urgent
    purpose first (None: unpaced; a paced notifier awaits ``PageRequest.turn`` right before its
    request leaves); ``cards``: its sends are the ones others may wait for;
    ``follows_cards``: its sends wait for the same tick's cards (at most ``FOLLOW_UP_WAIT``);
    ``confirms``: a sent page has reached the person (False for a call, which reaches only when a
    key is pressed: the fallback channels wait for its outcome instead); ``numbers``: the kinds of
    phone number it dials or texts, in the order tried (empty: it needs no number).
    """

    concurrency: int
    order: int
    rate: float | None = None
    cards: bool = False
    follows_cards: bool = False
    confirms: bool = True
    numbers: tuple[PhoneKind, ...] = ()

    def phones_of(self, person: Recipient) -> list[Phone]:
        """The person's phones this channel uses, in the order it tries them."""
        return [phone for kind in self.numbers for phone in person.phones if phone.kind is kind]

    def numbers_of(self, person: Recipient) -> list[str]:
        """The person's numbers this channel uses, in the order it tries them."""
        return [phone.number for phone in self.phones_of(person)]

    def reaches(self, person: Recipient) -> bool:
        """Can this channel try to reach the person at all (a number of a kind it uses, if it needs one)?"""
        return not self.numbers or bool(self.numbers_of(person))


async def at_once() -> None:
    """The turn of an unpaced send: now."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page to deliver: the crisis as it is now, the person (an external participant for its summons), the roles
    they are paged for, why;
    ``attempt`` counts earlier tries of this page, ``step`` which of the channel's numbers to use (a
    call moves on to the next number), ``after_call`` whether it is the fallback of a call that was not
    answered with a key, and ``key`` is its outbox idempotency key. A paced channel's notifier awaits
    ``turn`` right before its request to the provider leaves (after its own bookkeeping, whose time
    varies), and not at all when it sends nothing; it returns at the channel's next turn."""

    state: CrisisState
    person: Recipient
    roles: tuple[str, ...]
    purpose: PagePurpose
    attempt: int = 0
    step: int = 0
    after_call: bool = False
    key: str = ""
    turn: Callable[[], Awaitable[None]] = at_once


def plan_person(page: PageRequest) -> Person:
    """The page's person, for a channel that reaches only the plan's people (Teams, the activity feed, mail);
    PermanentError for an external participant, whose summons goes by SMS and call."""
    if not isinstance(page.person, Person):
        raise PermanentError("kanalen når kun kriseplanens personer")
    return page.person


class Notifier(Protocol):
    channel: Channel
    policy: ChannelPolicy

    async def send(self, page: PageRequest) -> str | None:
        """Deliver the page; return the provider's id for it. Raise a ChannelError on failure."""
