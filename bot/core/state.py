"""The state of one crisis: a fold over its events. Pure; no I/O, no clock.

``fold(events)`` rebuilds a crisis from the logbog; ``apply(state, event)`` adds one event.
The lifecycle (``bot.core.lifecycle``) decides which events may happen; this module only
says what they mean.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from .events import (
    Acknowledged,
    AlarmRaised,
    AlarmReported,
    AlarmStatus,
    ArrivalRecorded,
    BreakerChanged,
    ContactRecorded,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Escalated,
    EscalationRequested,
    Event,
    ExternalAnswered,
    ExternalContacted,
    ExternalStatus,
    ExternalSummoned,
    Guest,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    OutsideReporter,
    PageDeliveryReported,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RoleUncovered,
    SmsReceived,
    CallReported,
    KeyPressed,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)


class Phase(StrEnum):
    """Where a crisis is in the plan's alarm chain."""

    TRIAGE = "triage"
    DIRECTOR = "director"
    ACTIVATED = "activated"
    DISMISSED = "dismissed"
    CLOSED = "closed"

    @property
    def open(self) -> bool:
        return self not in (Phase.DISMISSED, Phase.CLOSED)


@dataclass(frozen=True, slots=True)
class Page:
    """One person's page for one purpose: their roles, and what became of it."""

    person: str
    roles: tuple[str, ...]
    purpose: PagePurpose
    first_sent_at: datetime | None = None
    channels: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    acknowledged_at: datetime | None = None
    acknowledged_via: str | None = None
    acknowledged_roles: tuple[str, ...] = ()
    lost_at: datetime | None = None
    """When the person's latest attempt was reported lost (``PageDeliveryReported``); None again once a page goes."""

    @property
    def waiting(self) -> bool:
        """Does this page still wait for an acknowledgement (of a role, or at all if it names none)?"""
        return bool(self.unacknowledged_roles) or self.acknowledged_at is None

    @property
    def unacknowledged_roles(self) -> tuple[str, ...]:
        """Roles this page was sent for that the person has not acknowledged (yet)."""
        return tuple(role for role in self.roles if role not in self.acknowledged_roles)


@dataclass(frozen=True, slots=True)
class Answer:
    coming: bool
    eta: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ExternalContact:
    """The latest record of an external participant: contacted or called in, the note, who recorded it and when.

    ``summoned``: the record is Krisebot's summons (``ExternalSummoned``, ``status`` TILKALDT), which ``actor`` asked
    for; ``answer`` is the participant's own answer to Krisebot's summons (SMS code or key) given since the record."""

    status: ExternalStatus
    note: str
    actor: str
    at: datetime
    summoned: bool = False
    answer: Answer | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    kind: LogEntryKind
    text: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    """A triage or director decision with who took it and when."""

    value: str
    text: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CrisisState:
    """Everything known about one crisis, as of its last event (``seq``)."""

    id: str
    phase: Phase
    opened_at: datetime
    raised_by: str
    source: str
    deliveries: tuple[str, ...]
    description: str
    reporter: str | None
    reporter_phone: str | None
    unverified_sender: bool = False
    """The alarm was texted from a number the plan does not name (``reporter_phone``)."""
    reported_via: str | None = None
    """The channel a person raised the alarm by (``AlarmRaised.via``)."""
    outside_reporter: OutsideReporter | None = None
    level: str | None = None
    meeting_place: str | None = None
    meeting_at: datetime | None = None
    triage: Decision | None = None
    director: Decision | None = None
    closing: Decision | None = None
    """Who closed the crisis, when, and their note (value ``closed``)."""
    informed: tuple[str, ...] = ()
    guests: dict[str, Guest] = field(default_factory=dict)
    """The people outside the plan the director informed, by address (``bot.core.guests``)."""
    top_staff_contacts: tuple[str, ...] = ()
    pages: tuple[Page, ...] = ()
    answers: dict[str, Answer] = field(default_factory=dict)
    arrivals: dict[str, datetime] = field(default_factory=dict)
    """When each person or external participant was recorded as arrived at the meeting place (the first record)."""
    externals: dict[str, ExternalContact] = field(default_factory=dict)
    """The plan's external participants (``Plan.external_participants`` ids) someone recorded as contacted or
    called in or had Krisebot summon, each with its latest record, in the order they were first recorded; the
    others are not in it. A summons is also a page (``PagePurpose.EXTERNAL``) of the participant's id."""
    log: tuple[LogLine, ...] = ()
    escalations: tuple[tuple[PagePurpose, str, int], ...] = ()
    escalation_requested_at: datetime | None = None
    lost_pages: tuple[tuple[PagePurpose, str, datetime], ...] = ()
    """(purpose, role, when) a page of the role was reported lost or its holder answered «kommer ikke»:
    each moves the role's escalation on at once (``bot.core.escalation``)."""
    uncovered: tuple[tuple[PagePurpose, str], ...] = ()
    """(purpose, role) nobody answers for, oldest first: every holder was tried and the chain ran out
    (``RoleUncovered``). A role leaves it when a holder acknowledges it (or answers «kommer»)."""
    closed_at: datetime | None = None
    fingerprint: str | None = None
    resolved_at: datetime | None = None
    seq: int = 0
    page_index: dict[tuple[str, PagePurpose], int] = field(default_factory=dict, compare=False, repr=False)
    """Where each (person, purpose) page is in ``pages``; pages keep their places, so it only grows."""
    acknowledged: frozenset[tuple[PagePurpose, str]] = field(default=frozenset(), compare=False, repr=False)
    """Every (purpose, role) a holder has acknowledged a page for: ``role_acknowledged`` without a scan."""

    def page(self, person: str, purpose: PagePurpose) -> Page | None:
        index = self.page_index.get((person, purpose))
        return None if index is None else self.pages[index]

    def pages_for(self, purpose: PagePurpose) -> list[Page]:
        return [p for p in self.pages if p.purpose == purpose]

    def open_pages(self, person: str) -> list[Page]:
        """The person's pages with a role that still waits for an acknowledgement."""
        return [p for p in self.pages if p.person == person and p.waiting]

    def role_acknowledged(self, role: str, purpose: PagePurpose) -> bool:
        """Has any holder acknowledged a page for ``role`` sent for ``purpose``?"""
        return (purpose, role) in self.acknowledged

    def declined(self, person: str) -> bool:
        """Did the person answer the summons «kommer ikke» (and not «kommer» since)?"""
        answer = self.answers.get(person)
        return answer is not None and not answer.coming


def _with_page(
    state: CrisisState, person: str, purpose: PagePurpose, roles: Sequence[str], **changes: Any
) -> CrisisState:
    """The state with the person's page for ``purpose`` changed (created if new), its roles grown by ``roles``."""
    index = state.page_index.get((person, purpose))
    current = state.pages[index] if index is not None else Page(person, (), purpose)
    updated = replace(current, roles=tuple(dict.fromkeys([*current.roles, *roles])), **changes)
    if index is None:
        page_index = {**state.page_index, (person, purpose): len(state.pages)}
        return replace(state, pages=(*state.pages, updated), page_index=page_index)
    return replace(state, pages=(*state.pages[:index], updated, *state.pages[index + 1:]))


def _unacknowledged(state: CrisisState, purpose: PagePurpose) -> CrisisState:
    """A new notice (another move, another level) must be acknowledged afresh."""
    return replace(
        state,
        pages=tuple(
            replace(p, acknowledged_at=None, acknowledged_via=None, acknowledged_roles=()) if p.purpose == purpose else p
            for p in state.pages
        ),
        acknowledged=frozenset(known for known in state.acknowledged if known[0] != purpose),
    )


def apply(state: CrisisState | None, event: Event) -> CrisisState:
    """The crisis after ``event``. The first event of a crisis must be AlarmRaised."""
    payload = event.payload
    if state is None:
        if not isinstance(payload, AlarmRaised) or event.crisis_id is None:
            raise ValueError("en krise begynder med en alarm")
        return CrisisState(
            id=event.crisis_id,
            phase=Phase.TRIAGE,
            opened_at=event.at,
            raised_by=event.actor,
            source=payload.source,
            deliveries=tuple(payload.deliveries),
            description=payload.description,
            reporter=payload.reporter,
            reporter_phone=payload.reporter_phone,
            unverified_sender=payload.unverified_sender,
            reported_via=payload.via,
            outside_reporter=payload.outside_reporter,
            fingerprint=payload.fingerprint,
            seq=event.seq,
        )
    state = replace(state, seq=event.seq)
    match payload:
        case PagesRequested(pages=requested):
            for request in requested:
                state = _with_page(state, request.person, request.purpose, request.roles)
            return state
        case PageSent(person=person, roles=roles, purpose=purpose, channel=channel):
            page = state.page(person, purpose)
            return _with_page(
                state, person, purpose, roles,
                first_sent_at=page.first_sent_at if page and page.first_sent_at else event.at,
                channels=tuple(dict.fromkeys([*(page.channels if page else ()), channel])),
                lost_at=None,
            )
        case PageFailed(person=person, roles=roles, purpose=purpose, channel=channel, reason=reason):
            page = state.page(person, purpose)
            return _with_page(state, person, purpose, roles, failures=(*(page.failures if page else ()), f"{channel}: {reason}"))
        case Acknowledged(person=person, roles=roles, via=via):
            acknowledging = tuple(
                replace(
                    p,
                    acknowledged_at=p.acknowledged_at or event.at,
                    acknowledged_via=p.acknowledged_via or via,
                    acknowledged_roles=tuple(dict.fromkeys([*p.acknowledged_roles, *(r for r in roles if r in p.roles)])),
                )
                if p.person == person and p.waiting else p
                for p in state.pages
            )
            acknowledged = {(p.purpose, role) for p in acknowledging if p.person == person for role in p.acknowledged_roles}
            uncovered = tuple(known for known in state.uncovered if known not in acknowledged)
            return replace(state, pages=acknowledging, acknowledged=state.acknowledged | acknowledged, uncovered=uncovered)
        case Escalated(role=role, purpose=purpose, stage=stage, people=people):
            for person in people:  # their pages count from here, like the first ones
                state = _with_page(state, person, purpose, [role])
            return replace(state, escalations=(*state.escalations, (purpose, role, stage)))
        case EscalationRequested():
            return replace(state, escalation_requested_at=event.at)
        case PageDeliveryReported(person=person, roles=roles, purpose=purpose, channel=channel, status=status):
            if not status.lost:
                return state
            page = state.page(person, purpose)
            failures = (*(page.failures if page else ()), f"{channel}: {status.value}")
            state = _with_page(state, person, purpose, roles, failures=failures, lost_at=event.at)
            return replace(state, lost_pages=(*state.lost_pages, *((purpose, role, event.at) for role in roles)))
        case Triaged(decision=decision, assessment=text):
            phase = Phase.DIRECTOR if decision is TriageDecision.INFORM_DIRECTOR else Phase.DISMISSED
            closed_at = event.at if phase is Phase.DISMISSED else None
            return replace(state, phase=phase, triage=Decision(decision.value, text, event.actor, event.at), closed_at=closed_at)
        case DirectorDecided(decision=decision, members=members, guests=guests, meeting_at=meeting_at, note=note):
            director = Decision(decision.value, note, event.actor, event.at)
            if decision is DirectorDecision.ACTIVATE:
                return replace(state, phase=Phase.ACTIVATED, director=director, meeting_at=meeting_at)
            if decision is DirectorDecision.NO_ACTION:
                return replace(state, phase=Phase.DISMISSED, director=director, closed_at=event.at)
            known = {**state.guests, **{guest.email: guest for guest in guests}}
            return replace(state, director=director, informed=tuple(dict.fromkeys([*state.informed, *members])), guests=known)
        case SummonsAnswered(person=person, coming=coming, eta=eta):
            state = replace(state, answers={**state.answers, person: Answer(coming, eta, event.at)})
            summons = state.page(person, PagePurpose.SUMMONS)
            if coming or summons is None:
                return state
            declined = ((PagePurpose.SUMMONS, role, event.at) for role in summons.roles)  # the next holder now
            return replace(state, lost_pages=(*state.lost_pages, *declined))
        case ArrivalRecorded(person=person):
            return replace(state, arrivals={person: event.at, **state.arrivals})
        case RoleUncovered(role=role, purpose=purpose):
            return replace(_unacknowledged(state, PagePurpose.UNCOVERED), uncovered=(*state.uncovered, (purpose, role)))
        case ExternalContacted(external=external, status=status, note=note):
            contact = ExternalContact(status, note, event.actor, event.at)
            return replace(state, externals={**state.externals, external: contact})
        case ExternalSummoned(external=external, note=note):
            contact = ExternalContact(ExternalStatus.TILKALDT, note, event.actor, event.at, summoned=True)
            state = _with_page(
                state, external, PagePurpose.EXTERNAL, (), acknowledged_at=None, acknowledged_via=None, lost_at=None
            )
            return replace(state, externals={**state.externals, external: contact})
        case ExternalAnswered(external=external, coming=coming, eta=eta, via=via):
            page = state.page(external, PagePurpose.EXTERNAL)
            answered_at = page.acknowledged_at if page and page.acknowledged_at else event.at
            state = _with_page(state, external, PagePurpose.EXTERNAL, (), acknowledged_at=answered_at, acknowledged_via=via)
            current = state.externals.get(external)
            if current is None:
                return state
            answered = replace(current, answer=Answer(coming, eta, event.at))
            return replace(state, externals={**state.externals, external: answered})
        case MeetingPlaceChanged(place=place):
            return replace(_unacknowledged(state, PagePurpose.MEETING_MOVED), meeting_place=place)
        case LevelChanged(level=level, contacts=contacts):
            return replace(_unacknowledged(state, PagePurpose.TOP_STAFF), level=level, top_staff_contacts=tuple(contacts))
        case LogEntryAdded(kind=kind, text=text):
            return replace(state, log=(*state.log, LogLine(kind, text, event.actor, event.at)))
        case AlarmReported(status=AlarmStatus.RESOLVED):
            return replace(_unacknowledged(state, PagePurpose.MONITORING), resolved_at=event.at)
        case AlarmReported():
            return replace(state, resolved_at=None)
        case CrisisClosed(note=note):
            closing = Decision(Phase.CLOSED.value, note, event.actor, event.at)
            return replace(state, phase=Phase.CLOSED, closed_at=event.at, closing=closing)
        case SmsReceived() | CallReported() | KeyPressed() | BreakerChanged() | ContactRecorded():
            return state
    raise ValueError(f"hændelsen {payload.type} hører ikke til en krise")


def fold(events: list[Event]) -> CrisisState:
    """The crisis built from all its events, oldest first."""
    state: CrisisState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("ingen hændelser")
    return state
