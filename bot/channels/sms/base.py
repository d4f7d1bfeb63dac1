"""The SmsProvider protocol and the provider-neutral shapes of outgoing and incoming SMS.

A provider hands messages to its gateway and turns the gateway's signed webhooks into
``InboundSms`` (a reply) and ``DeliveryReport`` (a status for a message we sent). It never
decides what a reply means; the engine does. Numbers are E.164 (``+4512345678``) on this
side of the protocol whatever the gateway's wire format is.

``send`` raises ``TransientError`` (try again, possibly with another provider) or
``PermanentError`` (this number cannot be reached) from ``bot.channels.base``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One SMS to one number. ``ref`` is our id for it (the outbox key), sent as the gateway's user reference."""

    to: str
    text: str
    ref: str


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A reply, as the verified webhook told it. ``id`` is the provider's message id (for dedupe);
    ``text`` has any leased keyword already stripped."""

    provider: str
    id: str
    sender: str
    text: str
    received_at: datetime
    raw: str


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    EXPIRED = "expired"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What became of a message we sent. ``id`` is the provider's message id, ``ref`` our ``OutgoingSms.ref``
    when the gateway echoes it; ``report_id`` identifies this report (for dedupe)."""

    provider: str
    report_id: str
    id: str
    ref: str | None
    status: DeliveryStatus
    at: datetime
    detail: str = ""


class SmsProvider(Protocol):
    name: str

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        """Hand ``messages`` to the gateway, in as few requests as it allows; the provider's id for each, in order."""
