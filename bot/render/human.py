"""Which logbog events are the crisis as people lived it, and which are delivery mechanics.

The log thread and the export's human log show the first kind one by one; the second kind
(pages ordered, sent, failed or reported delivered, calls, and the SMS and keys that carried an
answer) is summed up per alarmering wave (``bot.render.waves``). The logbog itself keeps every event.
"""

from collections.abc import Sequence

from ..core.events import (
    Acknowledged,
    AlarmRaised,
    CallReported,
    ContactRecorded,
    Event,
    KeyPressed,
    PageDeliveryReported,
    PageFailed,
    PageSent,
    PagesRequested,
    SmsReceived,
    SummonsAnswered,
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
    its own. An acknowledgement recorded with the person's answer to the summons, or with the contact that gave it, is
    in that answer's post.
    """
    return [
        event for index, event in enumerate(events)
        if (is_human(event) and not _in_answer(events, index))
        or (isinstance(event.payload, SENT_BY_PEOPLE) and not _acted_on(events, index))
    ]


def _acted_on(events: Sequence[Event], index: int) -> bool:
    """Was ``events[index]`` recorded in one transaction with the events of its action (just before them), or of the
    alarm it raised (just after them)?"""
    sent = events[index]
    return any(
        is_human(other) if other.seq > sent.seq else isinstance(other.payload, PagesRequested | AlarmRaised)
        for other in _recorded_with(events, index)
    )


def _in_answer(events: Sequence[Event], index: int) -> bool:
    """Is ``events[index]`` an acknowledgement recorded with the same person's answer or contact?"""
    payload = events[index].payload
    return isinstance(payload, Acknowledged) and any(
        isinstance(other.payload, SummonsAnswered | ContactRecorded) and other.payload.person == payload.person
        for other in _recorded_with(events, index)
    )


def _recorded_with(events: Sequence[Event], index: int) -> list[Event]:
    """The events next to ``events[index]`` recorded in the same transaction (same time and actor, adjacent)."""
    event = events[index]
    return [
        other for other in events[max(index - 1, 0):index + 2]
        if abs(other.seq - event.seq) == 1 and other.at == event.at and other.actor == event.actor
    ]
