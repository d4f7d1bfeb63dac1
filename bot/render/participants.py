"""Who took part in a crisis, and how: the people of the export's summary. Pure: read from the crisis's events.

A person took part when they raised the alarm, acknowledged a page, answered the summons,
arrived at the meeting place, decided something or wrote in the logbog (or recorded what
others did). Only people the plan names are listed; a page nobody answered is no part.
"""

from collections.abc import Sequence

from ..core.events import (
    Acknowledged,
    AlarmRaised,
    ArrivalRecorded,
    ContactRecorded,
    CrisisClosed,
    DirectorDecided,
    EscalationRequested,
    Event,
    ExternalAnswered,
    ExternalContacted,
    ExternalSummoned,
    LevelChanged,
    LogEntryAdded,
    MeetingPlaceChanged,
    SummonsAnswered,
    Triaged,
)
from ..core.state import CrisisState
from ..plan.models import Person, Plan
from .names import person_name, role_names

COLUMNS = ("Person", "Roller i krisen", "Deltog ved at")
ROLES_JOIN = "; "


def participant_rows(plan: Plan, state: CrisisState, events: Sequence[Event]) -> tuple[tuple[str, ...], ...]:
    """(name, roles paged for, what they did) for each person who took part, in the order they first did."""
    did: dict[str, list[str]] = {}
    for event in events:
        for person, deed in _deeds(event):
            person = person.removeprefix("person:")
            if plan.recipient(person) is not None and deed not in did.setdefault(person, []):
                did[person].append(deed)
    return tuple((person_name(plan, person), _roles(plan, state, person), ", ".join(deeds)) for person, deeds in did.items())


def _deeds(event: Event) -> list[tuple[str, str]]:
    """(person, what they did) in ``event``: its actor's deed, and the deed of the person it is about."""
    actor = event.actor
    match event.payload:
        case AlarmRaised():
            return [(actor, "rejse alarmen")]
        case Acknowledged(person=person):
            return [(person, "kvittere")]
        case SummonsAnswered(person=person, coming=coming) | ExternalAnswered(external=person, coming=coming):
            return [(person, "svare «kommer»" if coming else "svare «kommer ikke»")]
        case ArrivalRecorded(person=person):
            return [(person, "møde op"), (actor, "registrere fremmøde")]
        case Triaged():
            return [(actor, "vurdere alarmen")]
        case DirectorDecided():
            return [(actor, "beslutte om kriseberedskab")]
        case MeetingPlaceChanged():
            return [(actor, "flytte mødestedet")]
        case LevelChanged():
            return [(actor, "ændre niveau")]
        case CrisisClosed():
            return [(actor, "afslutte krisen")]
        case LogEntryAdded():
            return [(actor, "skrive i logbogen")]
        case ContactRecorded() | ExternalContacted() | ExternalSummoned():
            return [(actor, "kontakte andre")]
        case EscalationRequested():
            return [(actor, "eskalere")]
    return []


def _roles(plan: Plan, state: CrisisState, person: str) -> str:
    """The roles ``person`` was paged for in the crisis; else their title, or that they are an external participant."""
    roles = list(dict.fromkeys(role for page in state.pages if page.person == person for role in page.roles))
    if roles:
        return role_names(plan, roles, ROLES_JOIN)
    recipient = plan.recipient(person)
    return recipient.title if isinstance(recipient, Person) else "ekstern deltager"
