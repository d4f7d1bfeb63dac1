"""The crisis on one time axis, one lane per role: what the export draws (``timeline_svg``) and lists in Markdown.

Pure: built from the crisis's events alone. A lane for the crisis itself holds the alarm, the
decisions (triage, the director's, a moved meeting place, a logged «beslutning»), a change of
level and the close. Each role of the plan has a lane with a row per person paged for it, marking
when they were first paged (per purpose), acknowledged, answered the summons, said they would
arrive and were recorded as arrived. A person holding two roles shows in both lanes. External
participants, and people paged without a role, get a lane of their own when there are any.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..clock import LOCAL_TIME
from ..core.events import (
    Acknowledged,
    AlarmRaised,
    ArrivalRecorded,
    CrisisClosed,
    DirectorDecided,
    Event,
    ExternalAnswered,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    PagePurpose,
    PageSent,
    SummonsAnswered,
    Triaged,
)
from ..core.state import CrisisState
from ..plan.models import Plan
from .moments import clock, local_day, stated_arrival
from .names import person_name

Sentence = Callable[[Event], str]
"""The Danish sentence for an event, as the logbog words it (``export.event_sentence`` with the plan)."""


class Kind(StrEnum):
    """What a mark on the timeline stands for."""

    ALARM = "alarm"
    DECISION = "beslutning"
    LEVEL = "niveau"
    CLOSE = "afsluttet"
    PAGE = "alarmeret"
    ACK = "kvitteret"
    COMING = "kommer"
    NOT_COMING = "kommer-ikke"
    ETA = "oplyst-ankomst"
    ARRIVAL = "ankommet"


KIND_NAMES = {
    Kind.ALARM: "Alarm",
    Kind.DECISION: "Beslutning",
    Kind.LEVEL: "Niveau ændret",
    Kind.CLOSE: "Afsluttet",
    Kind.PAGE: "Alarmeret",
    Kind.ACK: "Kvitteret",
    Kind.COMING: "Kommer",
    Kind.NOT_COMING: "Kommer ikke",
    Kind.ETA: "Oplyst ankomst",
    Kind.ARRIVAL: "Ankommet",
}
CRISIS_LANE = "krisen"
EXTERNAL_LANE = "eksterne"
OTHER_LANE = "andre"
ROLE_LANE = "rolle:"
"""A role's lane is ``rolle:<role id>``."""
LANE_NAMES = {CRISIS_LANE: "Krisen", EXTERNAL_LANE: "Eksterne deltagere", OTHER_LANE: "Alarmeret uden en rolle"}
NOBODY = "ingen alarmeret"
"""The one row of a role's lane when nobody was paged for the role."""
SHORTEST = timedelta(minutes=10)
"""The axis spans at least this long, so a crisis of one moment still has a readable axis."""


@dataclass(frozen=True, slots=True)
class Mark:
    at: datetime
    kind: Kind
    text: str
    """What happened, in Danish: the mark's tooltip and its line in the Markdown table."""


@dataclass(frozen=True, slots=True)
class Row:
    """One person's marks in a lane (``person`` is empty in the crisis's own lane and in an empty role's)."""

    person: str
    name: str
    marks: tuple[Mark, ...]


@dataclass(frozen=True, slots=True)
class Lane:
    key: str
    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    lanes: tuple[Lane, ...]
    start: datetime
    end: datetime


def timeline(plan: Plan, state: CrisisState, events: Sequence[Event], sentence: Sentence) -> Timeline:
    """The crisis ``state`` folded from ``events`` (in ``seq`` order) as lanes of marks."""
    placed: list[tuple[str, str, Mark]] = []
    paged: set[tuple[str, PagePurpose]] = set()
    for event in events:
        placed += _marks(plan, state, event, sentence, paged)
    moments = [mark.at for _, _, mark in placed]
    start, end = min(moments), max(moments)
    return Timeline(_lanes(plan, placed), start, max(end, start + SHORTEST))


def table_rows(tl: Timeline) -> tuple[tuple[str, ...], ...]:
    """Every mark as (time, lane, person, kind, text), in time order: the timeline as the Markdown export lists it."""
    day = local_day(tl.start)
    found = [
        (mark.at, n, (clock(mark.at, day), lane.name, row.name if row.person else "–", KIND_NAMES[mark.kind], mark.text))
        for n, (lane, row, mark) in enumerate((lane, row, mark) for lane in tl.lanes for row in lane.rows for mark in row.marks)
    ]
    return tuple(cells for _, _, cells in sorted(found, key=lambda found: found[:2]))


def _marks(
    plan: Plan, state: CrisisState, event: Event, sentence: Sentence, paged: set[tuple[str, PagePurpose]]
) -> list[tuple[str, str, Mark]]:
    """(lane, person, mark) for each mark ``event`` makes; ``paged`` holds the (person, purpose) pages already marked."""
    at = event.at
    match event.payload:
        case AlarmRaised():
            return [(CRISIS_LANE, "", Mark(at, Kind.ALARM, sentence(event)))]
        case Triaged() | DirectorDecided() | MeetingPlaceChanged() | LogEntryAdded(kind=LogEntryKind.BESLUTNING):
            return [(CRISIS_LANE, "", Mark(at, Kind.DECISION, sentence(event)))]
        case LevelChanged():
            return [(CRISIS_LANE, "", Mark(at, Kind.LEVEL, sentence(event)))]
        case CrisisClosed():
            return [(CRISIS_LANE, "", Mark(at, Kind.CLOSE, sentence(event)))]
        case PageSent(person=person, roles=roles, purpose=purpose) as sent if (person, purpose) not in paged:
            paged.add((person, purpose))
            unnumbered = event.model_copy(update={"payload": sent.model_copy(update={"provider_id": None})})
            return _in_lanes(plan, roles, person, Mark(at, Kind.PAGE, sentence(unnumbered)))
        case Acknowledged(person=person, roles=roles):
            return _in_lanes(plan, roles, person, Mark(at, Kind.ACK, sentence(event)))
        case SummonsAnswered(person=person, coming=coming, eta=eta) | ExternalAnswered(external=person, coming=coming, eta=eta):
            marks = [Mark(at, Kind.COMING if coming else Kind.NOT_COMING, sentence(event))]
            arrival = stated_arrival(at, eta) if coming else None
            if arrival is not None:
                marks.append(Mark(arrival, Kind.ETA, _eta_text(plan, person, arrival, at, eta)))
            return [placed for mark in marks for placed in _in_lanes(plan, _roles(state, person), person, mark)]
        case ArrivalRecorded(person=person):
            return _in_lanes(plan, _roles(state, person), person, Mark(at, Kind.ARRIVAL, sentence(event)))
    return []


def _in_lanes(plan: Plan, roles: Sequence[str], person: str, mark: Mark) -> list[tuple[str, str, Mark]]:
    """The mark in each of ``roles``' lanes; without a role, in the external participants' or the others' lane."""
    lanes = [ROLE_LANE + role for role in roles] or [EXTERNAL_LANE if person in plan.external_by_id else OTHER_LANE]
    return [(lane, person, mark) for lane in lanes]


def _roles(state: CrisisState, person: str) -> list[str]:
    """The roles ``person`` was summoned for, else every role they were paged for in the crisis."""
    summons = state.page(person, PagePurpose.SUMMONS)
    if summons is not None and summons.roles:
        return list(summons.roles)
    return list(dict.fromkeys(role for page in state.pages if page.person == person for role in page.roles))


def _eta_text(plan: Plan, person: str, arrival: datetime, answered_at: datetime, eta: str) -> str:
    local, answered = arrival.astimezone(LOCAL_TIME), answered_at.astimezone(LOCAL_TIME)
    return f"Oplyst ankomst for {person_name(plan, person)}: ca. kl. {local:%H:%M} («{eta}», svaret kl. {answered:%H:%M})"


def _lanes(plan: Plan, placed: list[tuple[str, str, Mark]]) -> tuple[Lane, ...]:
    """The crisis's lane, every role of the plan in its order (and roles the plan no longer has), then the external
    participants' and the others' lanes if they have marks; rows in the order people first show, marks by time."""
    keys = [CRISIS_LANE, *(ROLE_LANE + role.id for role in plan.roles)]
    keys += [lane for lane in dict.fromkeys(lane for lane, _, _ in placed) if lane not in keys and lane.startswith(ROLE_LANE)]
    keys += [lane for lane in (EXTERNAL_LANE, OTHER_LANE) if any(placed_lane == lane for placed_lane, _, _ in placed)]
    lanes = []
    for key in keys:
        people = list(dict.fromkeys(person for lane, person, _ in placed if lane == key))
        rows = tuple(
            Row(person, person_name(plan, person) if person else "",
                tuple(sorted((mark for lane, who, mark in placed if lane == key and who == person), key=lambda m: m.at)))
            for person in people
        )
        lanes.append(Lane(key, _lane_name(plan, key), rows or (Row("", NOBODY, ()),)))
    return tuple(lanes)


def _lane_name(plan: Plan, key: str) -> str:
    if key.startswith(ROLE_LANE):
        role = key.removeprefix(ROLE_LANE)
        return plan.role_by_id[role].name if role in plan.role_by_id else role
    return LANE_NAMES[key]
