"""The SmsProvider protocol and the provider-neutral shapes of outgoing and incoming SMS.

A provider hands messages to its gateway and turns the gateway's signed webhooks into
``InboundSms`` (a reply) and ``DeliveryReport`` (a status for a message we sent). It never
decides what a reply means; the engine does. Numbers are E.164 (``+4512345678``) on this
side of the protocol whatever the gateway's wire format is.

``send`` raises ``TransientError`` (try again, possibly with another provider) or
``PermanentError`` (this number cannot be reached) from ``bot.errors`` when every
message failed, and ``PartialSend`` (a ``TransientError``, so a caller that ignores it
resends the batch: duplicates, never losses) when some were handed over and some not.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ...errors import ChannelError, PermanentError, TransientError


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


SendResult = str | ChannelError
"""The outcome for one message of a batch: the provider's id, or why it was not handed over."""


class PartialSend(TransientError):
    """Some messages of a batch were handed over and some not: ``results[i]`` is message i's id or error."""

    def __init__(self, results: list[SendResult]) -> None:
        failures = [r for r in results if isinstance(r, ChannelError)]
        waits = [r.retry_after for r in failures if isinstance(r, TransientError) and r.retry_after is not None]
        super().__init__(
            f"{len(failures)} af {len(results)} sms'er blev ikke afleveret: {failures[0].reason}",
            retry_after=max(waits, default=None),
        )
        self.results = results


def outcome(results: list[SendResult]) -> list[str]:
    """The ids when every message was handed over; else raise.

    Some failed: ``PartialSend``. All failed with one error: that error. All failed with
    several: ``PermanentError`` if every one is permanent, else ``TransientError`` (the first
    transient reason, the longest ``Retry-After``).
    """
    failures = [r for r in results if isinstance(r, ChannelError)]
    if not failures:
        return [r for r in results if isinstance(r, str)]
    if len(failures) < len(results):
        raise PartialSend(results)
    if all(f is failures[0] for f in failures):
        raise failures[0]
    transient = [f for f in failures if isinstance(f, TransientError)]
    if not transient:
        raise PermanentError(failures[0].reason)
    waits = [f.retry_after for f in transient if f.retry_after is not None]
    raise TransientError(transient[0].reason, retry_after=max(waits, default=None))


def results_of(error: ChannelError, count: int) -> list[SendResult]:
    """Per-message results of a failed ``send`` of ``count`` messages."""
    return list(error.results) if isinstance(error, PartialSend) else [error] * count
