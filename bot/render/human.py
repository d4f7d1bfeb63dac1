"""Which logbog events are the crisis as people lived it, and which are delivery mechanics.

The log thread and the export's human log show the first kind one by one; the second kind
(pages ordered, sent, failed or reported delivered, calls, keys and SMS that carried an
answer) is summed up per alarmering wave. The logbog itself keeps every event.
"""

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


def is_human(event: Event) -> bool:
    """Did a person (or the alarm) do or decide this, or must the crisis room know it as it stands?"""
    return not isinstance(event.payload, MECHANICS)
