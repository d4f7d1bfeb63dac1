"""Alarmering waves: the pages one decision ordered, and what became of each, worked out from the logbog.

A wave is one ``PagesRequested`` event and its pages (person and purpose); an escalation
(``Escalated``) adds its people to the wave that first paged the role for that purpose, so the
deputies of a role nobody answered for count in the same wave. Each delivery event (a page sent,
failed, reported delivered or lost, a call's progress) belongs to the latest wave that pages its
person for its purpose; an answer (an acknowledgement, an answer to the summons) to every wave
the person was in when they gave it. Pure: the same events give the same waves.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.events import (
    Acknowledged,
    CallReported,
    CallStatus,
    DeliveryState,
    Escalated,
    Event,
    ExternalAnswered,
    PageDeliveryReported,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    SummonsAnswered,
)
from ..core.replies import KEYPAD_VIA
from ..plan.contact import Channel
from .export import CALL_STATES

UNCONFIRMED = frozenset({Channel.VOICE.value})
"""Channels whose send reaches nobody by itself: a placed call reaches the person once it is taken."""
TAKEN = frozenset({CallStatus.ANSWERED, CallStatus.COMPLETED})
ANSWER_CHANNELS = {KEYPAD_VIA: Channel.VOICE.value}
"""The channel an answer's ``via`` came by, where the two are named apart: a key is pressed in a call."""


class Reach(StrEnum):
    """Where one person's page in a wave stands."""

    REACHED = "reached"
    """Answered, or sent on a channel that confirms delivery (not reported lost since), or a call taken."""
    WAITING = "waiting"
    """Not reached yet: being sent, a call ringing, or tried again later."""
    UNREACHABLE = "unreachable"
    """Its latest attempt ended on every channel without reaching the person."""


@dataclass(slots=True)
class WavePage:
    """One person's page in a wave: each channel's latest outcome, and their answer."""

    person: str
    purpose: PagePurpose
    reached_on: dict[str, bool] = field(default_factory=dict)
    """Per channel tried: did its latest outcome reach the person?"""
    failures: dict[str, str] = field(default_factory=dict)
    """Per channel whose latest outcome did not reach the person: why, as recorded (a call: how it ended)."""
    answered_via: str | None = None
    answered: bool = False
    lost: DeliveryState | None = None
    """The latest attempt was reported lost (``unanswered``, ``unreachable`` …) and nothing went since."""

    @property
    def reach(self) -> Reach:
        if self.answered or any(self.reached_on.values()):
            return Reach.REACHED
        return Reach.UNREACHABLE if self.lost is not None else Reach.WAITING

    @property
    def channels(self) -> list[str]:
        """The channels that reached the person (the one they answered on last), in the order first tried."""
        reached = [channel for channel, ok in self.reached_on.items() if ok]
        return reached + [self.answered_via] if self.answered_via and self.answered_via not in reached else reached

    def outcome(self, channel: str, reached: bool, reason: str = "") -> None:
        self.reached_on[channel] = reached
        if reached:
            self.failures.pop(channel, None)
        elif reason:
            self.failures[channel] = reason


@dataclass(frozen=True, slots=True)
class Wave:
    """One alarmering: its ``PagesRequested`` event, and its pages in the order they joined."""

    event: Event
    pages: tuple[WavePage, ...]

    @property
    def seq(self) -> int:
        return self.event.seq


def waves(events: Sequence[Event]) -> list[Wave]:
    """Every wave of one crisis's ``events`` (in order), with each page as the events after it leave it."""
    found: list[tuple[Event, PagesRequested, list[WavePage]]] = []
    current: dict[tuple[str, PagePurpose], WavePage] = {}
    for event in events:
        match event.payload:
            case PagesRequested(pages=requested):
                pages = [WavePage(page.person, page.purpose) for page in requested]
                found.append((event, event.payload, pages))
                current.update({(page.person, page.purpose): page for page in pages})
            case Escalated(role=role, purpose=purpose, people=people):
                _escalate(found, current, role, purpose, people)
            case PageSent(person=person, purpose=purpose, channel=channel) if (page := current.get((person, purpose))):
                page.outcome(channel, channel not in UNCONFIRMED)
                page.lost = None
            case PageFailed(person=person, purpose=purpose, channel=channel, reason=reason) if (
                page := current.get((person, purpose))
            ):
                page.outcome(channel, False, reason)
            case PageDeliveryReported(person=person, purpose=purpose, channel=channel, status=status) if (
                page := current.get((person, purpose))
            ):
                if status is DeliveryState.DELIVERED:
                    page.outcome(channel, True)
                else:
                    page.lost = status
                    if channel in page.reached_on and channel not in UNCONFIRMED:
                        page.outcome(channel, False)
            case CallReported(person=person, purpose=purpose, status=status) if (page := current.get((person, purpose))):
                if status in TAKEN:
                    page.outcome(Channel.VOICE.value, True)
                elif status.final:
                    page.outcome(Channel.VOICE.value, False, CALL_STATES[status])
            case Acknowledged(person=person, via=via):
                _answered([page for (who, _), page in current.items() if who == person], via)
            case SummonsAnswered(person=person) if (page := current.get((person, PagePurpose.SUMMONS))):
                _answered([page], None)
            case ExternalAnswered(external=external, via=via) if (page := current.get((external, PagePurpose.EXTERNAL))):
                _answered([page], via)
    return [Wave(event, tuple(pages)) for event, _, pages in found]


def _escalate(
    found: list[tuple[Event, PagesRequested, list[WavePage]]], current: dict[tuple[str, PagePurpose], WavePage],
    role: str, purpose: PagePurpose, people: list[str],
) -> None:
    """Add ``people`` to the latest wave that paged ``role`` for ``purpose`` (none: the escalation adds to no wave)."""
    for _, requested, pages in reversed(found):
        if any(page.purpose == purpose and role in page.roles for page in requested.pages):
            for person in people:
                page = next((p for p in pages if (p.person, p.purpose) == (person, purpose)), None)
                if page is None:
                    page = WavePage(person, purpose)
                    pages.append(page)
                current[(person, purpose)] = page
            return


def _answered(pages: list[WavePage], via: str | None) -> None:
    for page in pages:
        page.answered = True
        page.answered_via = ANSWER_CHANNELS.get(via, via) if via else page.answered_via
