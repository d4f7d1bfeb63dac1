"""The contact order: which channels a page uses first and which follow, per page purpose.

A plan names channels by ``Channel``. ``first`` channels go at once. ``then`` channels are the
fallback: they go when the first ones did not reach the person (a call that ended without a
key press, or nothing delivered within the grace period), and at once while Microsoft 365
counts as down, for an escalation to deputies, and for an alarm about Office 365 itself.
A plan without a contact order keeps the Teams card first and SMS as the fallback.

An external participant's summons (``EXTERNAL``) is no plan's to order: it goes by SMS, and by a call
as well when the plan calls people, both at once (an external participant has no Teams).
"""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Channel(StrEnum):
    """A way to reach a person; its value is what the logbog and the outbox record."""

    VOICE = "voice"
    TEAMS = "teams"
    FEED = "feed"
    MAIL = "mail"
    SMS = "sms"


Purpose = Literal[
    "triage", "director", "summons", "inform", "top_staff", "meeting_moved", "monitoring", "uncovered", "not_critical",
    "stand_down",
]
"""The page purposes a plan may give a contact order of its own (``bot.core.events.PagePurpose``'s values but
``EXTERNAL``); a stand-down goes on the channels that reached the person, the notice that an alarm is not critical
on the one it was raised by (``bot.core.end_notices``), each with the order's fallback channels."""
EXTERNAL = "external"
"""The purpose of an external participant's summons (``bot.core.events.PagePurpose.EXTERNAL``)."""


class ContactOrder(BaseModel):
    """The channels a page goes on at once (``first``) and those that follow when they do not reach (``then``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: tuple[Channel, ...] = Field(min_length=1)
    then: tuple[Channel, ...] = ()

    @model_validator(mode="after")
    def _once_each(self) -> "ContactOrder":
        both = [*self.first, *self.then]
        if len(set(both)) != len(both):
            raise ValueError("en kanal står flere gange i kontaktrækkefølgen")
        return self


DEFAULT_ORDER = ContactOrder(first=(Channel.TEAMS, Channel.FEED, Channel.MAIL), then=(Channel.SMS,))


class Contacts(BaseModel):
    """The contact order of every page (``order``), and of the purposes that differ (``purposes``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order: ContactOrder = DEFAULT_ORDER
    purposes: dict[Purpose, ContactOrder] = {}

    def for_purpose(self, purpose: str) -> ContactOrder:
        """The contact order of a page for ``purpose``."""
        if purpose == EXTERNAL:
            return ContactOrder(first=(Channel.SMS, Channel.VOICE) if self.uses(Channel.VOICE) else (Channel.SMS,))
        return self.purposes.get(purpose, self.order)  # type: ignore[call-overload]

    def uses(self, channel: Channel) -> bool:
        """Does some page go on ``channel``, at once or as the fallback?"""
        return any(channel in (*order.first, *order.then) for order in (self.order, *self.purposes.values()))
