"""What people (and monitoring) ask of a crisis: the inputs of ``bot.core.lifecycle.step``.

Actions are requests, not facts: the lifecycle checks the phase and the actor's roles and
either turns an action into events or refuses it.
"""

from dataclasses import dataclass
from datetime import datetime

from .events import (
    AlarmStatus,
    ContactAnswer,
    ContactMethod,
    DirectorDecision,
    ExternalStatus,
    Guest,
    LogEntryKind,
    OutsideReporter,
    TriageDecision,
)


@dataclass(frozen=True, slots=True)
class RaiseAlarm:
    """A new alarm; ``via`` is the channel a person raised it by (``teams``, ``sms``), None for a machine;
    ``outside_reporter`` when someone outside the plan raises it (the actor is then their name)."""

    crisis_id: str
    source: str
    deliveries: tuple[str, ...]
    description: str
    reporter_phone: str | None = None
    fingerprint: str | None = None
    unverified_sender: bool = False
    via: str | None = None
    outside_reporter: OutsideReporter | None = None


@dataclass(frozen=True, slots=True)
class ReportAlarm:
    """Monitoring reports on the alarm of an open crisis (its actor is a machine, not a plan person)."""

    status: AlarmStatus
    text: str


@dataclass(frozen=True, slots=True)
class Acknowledge:
    via: str


@dataclass(frozen=True, slots=True)
class Triage:
    """``assessment`` is None when the answer came without one (a key, an SMS code with no words after it); an
    empty text is refused (the card asks for one)."""

    decision: TriageDecision
    assessment: str | None
    via: str


@dataclass(frozen=True, slots=True)
class Decide:
    """The director's decision; ``members`` (plan person ids) and ``guests`` (people outside the plan) are the
    managers to inform."""

    decision: DirectorDecision
    via: str
    members: tuple[str, ...] = ()
    meeting_at: datetime | None = None
    note: str = ""
    guests: tuple[Guest, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerSummons:
    """Kommer / Kommer ikke, by a summoned role holder or an external participant Krisebot summoned (its id the
    actor)."""

    coming: bool
    via: str
    eta: str = ""


@dataclass(frozen=True, slots=True)
class RecordContact:
    """The actor reached ``person`` outside Krisebot (``how``); ``answer`` counts as the person's own answer to
    their page (``eta`` with ``kommer``)."""

    person: str
    how: ContactMethod
    answer: ContactAnswer
    eta: str = ""


@dataclass(frozen=True, slots=True)
class RecordArrival:
    """The actor saw ``person`` (a plan person or external participant id; the actor themself) arrive at the meeting
    place."""

    person: str


@dataclass(frozen=True, slots=True)
class RecordExternal:
    """The actor contacted or called in the plan's external participant ``external``."""

    external: str
    status: ExternalStatus
    note: str = ""


@dataclass(frozen=True, slots=True)
class SummonExternal:
    """The actor has Krisebot summon the plan's external participant ``external`` by SMS and call (the plan must allow
    it); ``note`` goes in the logbog."""

    external: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class MoveMeeting:
    place: str


@dataclass(frozen=True, slots=True)
class ChangeLevel:
    level: str


@dataclass(frozen=True, slots=True)
class AddLogEntry:
    kind: LogEntryKind
    text: str


@dataclass(frozen=True, slots=True)
class Escalate:
    """Page every holder of every role not yet acknowledged, now (the kriseleder's ``eskalér``)."""


@dataclass(frozen=True, slots=True)
class Close:
    note: str = ""


Action = (
    RaiseAlarm | ReportAlarm | Acknowledge | Triage | Decide | AnswerSummons | RecordContact | RecordArrival
    | RecordExternal | SummonExternal | MoveMeeting | ChangeLevel | AddLogEntry | Escalate | Close
)
