"""Which logbog events are the crisis as people lived it, and which are delivery mechanics.

The log thread and the export's human log show the first kind one by one; the second kind
(pages ordered, sent, failed or reported delivered, calls, and the SMS and keys that carried an
answer) is summed up per alarmering wave (``bot.render.waves``). The logbog itself keeps every event.
"""

from collections.abc import Sequence

from ..core.events import (
    CallReported,
    Event,
    KeyPressed,
    PageDeliveryReported,
    PageFailed,
    PageSent,
    PagesRequested,
    SmsReceived,
)

MECHANICS = (PagesRequested, PageSent, PageFailed, PageDeliveryReported, CallReported, KeyPressed, SmsReceived)
"""Delivery events: what they changed for people shows as its own event (an acknowledgement, an answer, an
escalation, a role nobody covers)."""
SENT_BY_PEOPLE = (SmsReceived, KeyPressed)
"""What a person sent Krisebot: mechanics when Krisebot acted on it (its action is the event people read)."""


def is_human(event: Event) -> bool:
    """Did a person (or the alarm) do or decide this, or must the crisis room know it as it stands?"""
    return not isinstance(event.payload, MECHANICS)


def human_events(events: Sequence[Event]) -> list[Event]:
    """The events of ``events`` (one crisis, in order) that people read one by one: those ``is_human`` says, and
    each SMS or keys in a call Krisebot did not act on (free text, a refused or unknown code, STATUS, minutes it
    could not use), which the crisis room reads as the person wrote it.

    Krisebot records an SMS or keys that it acted on in one transaction with the action's events (before them,
    or after the alarm it raised): the same time and actor, and adjacent numbers. Anything else is recorded on
    its own.
    """
    return [
        event for index, event in enumerate(events)
        if is_human(event) or (isinstance(event.payload, SENT_BY_PEOPLE) and not _acted_on(events, index))
    ]


def _acted_on(events: Sequence[Event], index: int) -> bool:
    """Was ``events[index]`` recorded in one transaction with events of an action?"""
    sent = events[index]
    return any(
        is_human(other) or isinstance(other.payload, PagesRequested)
        for other in events[max(index - 1, 0):index + 2]
        if abs(other.seq - sent.seq) == 1 and other.at == sent.at and other.actor == sent.actor
    )
