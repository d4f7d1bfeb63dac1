"""The VoiceProvider protocol and the provider-neutral shapes of a call and its webhooks.

A provider places a call (``place``) and turns its service's signed webhooks into
``CallAnswer`` (the call was picked up: what do we say?), ``KeyPress`` (a key, or none, at
the end of a prompt: what now?) and ``CallUpdate`` (how the call is getting on, as a
``CallStatus`` of the logbog). The
``CallDesk`` decides what each one means and what is said next, as a ``Prompt`` the provider
renders into its own markup (TwiML, NCCO). Numbers are E.164 on this side.

Every call carries ``ref``, Krisebot's own id for it (random, stored before the call is
placed); providers put it in the query of every callback URL they give their service, so
each webhook names its call, and a prompt's ``round`` and ``ask`` in its keys URL, so each
``KeyPress`` says which prompt it ends. A provider never decides who is called or what a key means.

``place`` raises ``TransientError`` (try again, possibly with the backup provider) or
``PermanentError`` (this number cannot be called) from ``bot.errors``.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ...core.events import CallStatus


@dataclass(frozen=True, slots=True)
class OutgoingCall:
    """One call to place: to ``to`` from the caller id ``caller_id``; ``ref`` is Krisebot's id for it."""

    to: str
    caller_id: str
    ref: str


@dataclass(frozen=True, slots=True)
class CallAnswer:
    """The call ``ref`` was picked up; ``machine`` is True when the provider detected voicemail or a machine."""

    provider: str
    call_id: str
    ref: str
    machine: bool = False


class Ask(StrEnum):
    """What a prompt awaits: one key (``KEY``), or a number of several digits that ends on '#' (``NUMBER``)."""

    KEY = "key"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class KeyPress:
    """The end of prompt ``round`` of call ``ref``, which awaited ``ask``: the keys pressed as the caller pressed
    them (a number with the '#' that ended it: ``20#``, or ``#`` alone), or ``""`` when none came in time."""

    provider: str
    call_id: str
    ref: str
    digits: str
    round: int
    ask: Ask = Ask.KEY


@dataclass(frozen=True, slots=True)
class CallUpdate:
    """A status the provider reported for call ``ref``; ``event_id`` identifies this report (for dedupe)."""

    provider: str
    call_id: str
    ref: str
    status: CallStatus
    event_id: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Prompt:
    """What the call says next. With ``gather``, keys are awaited after ``say`` (prompt ``round``, which the
    provider hands back in the ``KeyPress`` with ``ask``): one key, or with ``Ask.NUMBER`` a number of up to
    ``digits`` digits that the caller ends with '#' (it ends by itself at the last one, or at the timeout).
    Without ``gather`` the call hangs up after ``say``."""

    say: tuple[str, ...]
    gather: bool = False
    round: int = 1
    ask: Ask = Ask.KEY
    digits: int = 1


class CallDesk(Protocol):
    async def answered(self, answer: CallAnswer) -> Prompt:
        """Record that the call was picked up and say what it is about (or, on a machine, hang up)."""

    async def pressed(self, keys: KeyPress) -> Prompt:
        """Act on the key (checked against the person's answers in the crisis as it is now); say what happened."""

    async def progressed(self, update: CallUpdate) -> None:
        """Record a status (dedupe on ``update.provider`` + ``update.event_id``); a final one without a key
        moves the page on."""


class VoiceProvider(Protocol):
    name: str

    async def place(self, call: OutgoingCall) -> str:
        """Place the call; return the provider's id for it. Raise a ChannelError when it could not be placed."""
