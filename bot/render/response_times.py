"""The figures an evaluation asks for: per role and person, how fast the page was acknowledged and the summons
answered, the arrival the person stated and the one recorded. Pure: read from the crisis's events.

A person is listed under every role they were paged for (and an external participant Krisebot
summoned, as such). «Tid til kvittering» runs from the person's first page for the role to their
first acknowledgement of it; «Tid til svar» from their summons to their first answer; the answer
shown is their latest, with the arrival it states (``bot.core.replies.eta_minutes``, as the logbog
counts it); «Ankommet» is when someone recorded them at the meeting place.
"""

from collections.abc import Sequence
from datetime import date, datetime

from ..clock import LOCAL_TIME
from ..core.events import Acknowledged, Event, ExternalAnswered, PagePurpose, SummonsAnswered
from ..core.state import Answer, CrisisState, Page
from ..plan.models import Plan
from .moments import clock, local_day, minutes_seconds, stated_arrival
from .names import person_name, role_names

COLUMNS = (
    "Rolle", "Person", "Først alarmeret", "Kvitteret", "Tid til kvittering", "Svar på indkaldelse", "Første svar",
    "Tid til svar", "Oplyst ankomst", "Ankommet",
)
NONE = "–"
EXTERNAL = "Ekstern deltager"


def response_rows(plan: Plan, state: CrisisState, events: Sequence[Event]) -> tuple[tuple[str, ...], ...]:
    """One row per role and person paged for it (roles in the plan's order, people in the order first paged), then
    one per external participant Krisebot summoned."""
    day = local_day(state.opened_at)
    acks = [(e.at, e.payload.person, set(e.payload.roles)) for e in events if isinstance(e.payload, Acknowledged)]
    answers: dict[str, list[Answer]] = {}
    for event in events:
        match event.payload:
            case SummonsAnswered(person=person, coming=coming, eta=eta) | ExternalAnswered(external=person, coming=coming, eta=eta):
                answers.setdefault(person, []).append(Answer(coming, eta, event.at))
    rows = []
    for role in _roles(plan, state):
        pages = [page for page in state.pages if role in page.roles]
        firsts = {person: _first_sent(pages, person) for person in dict.fromkeys(page.person for page in pages)}
        for person, sent in sorted(firsts.items(), key=lambda first: (first[1] is None, first[1] or state.opened_at)):
            acked = next((at for at, who, roles in acks if who == person and role in roles), None)
            rows.append((
                role_names(plan, [role]), person_name(plan, person), clock(sent, day) if sent else "ikke sendt",
                clock(acked, day) if acked else "ikke kvitteret", _took(sent, acked),
                *_answered(state.page(person, PagePurpose.SUMMONS), answers.get(person, []), day),
                clock(state.arrivals[person], day) if person in state.arrivals else NONE,
            ))
    for page in state.pages_for(PagePurpose.EXTERNAL):
        person, sent = page.person, page.first_sent_at
        rows.append((
            EXTERNAL, person_name(plan, person), clock(sent, day) if sent else "ikke sendt", NONE, NONE,
            *_answered(page, answers.get(person, []), day),
            clock(state.arrivals[person], day) if person in state.arrivals else NONE,
        ))
    return tuple(rows)


def _roles(plan: Plan, state: CrisisState) -> list[str]:
    """Every role paged in the crisis: the plan's in its order, then any the plan no longer has."""
    paged = list(dict.fromkeys(role for page in state.pages for role in page.roles))
    return [role.id for role in plan.roles if role.id in paged] + [role for role in paged if role not in plan.role_by_id]


def _first_sent(pages: list[Page], person: str) -> datetime | None:
    sent = [page.first_sent_at for page in pages if page.person == person and page.first_sent_at]
    return min(sent) if sent else None


def _answered(summons: Page | None, answers: list[Answer], day: date) -> tuple[str, str, str, str]:
    """(latest answer, first answer's time, time to it from the summons, stated arrival)."""
    if not answers:
        return ("intet svar" if summons else NONE, NONE, NONE, NONE)
    first, latest = answers[0], answers[-1]
    words = "Kommer" if latest.coming else "Kommer ikke"
    sent = summons.first_sent_at if summons else None
    return (words, clock(first.at, day), _took(sent, first.at), _arrival(latest))


def _arrival(answer: Answer) -> str:
    """``ca. 08:25 (15 min)``; an arrival in other words as given; ``–`` without one (or when not coming)."""
    if not answer.coming or not answer.eta:
        return NONE
    arrival = stated_arrival(answer.at, answer.eta)
    return f"ca. {arrival.astimezone(LOCAL_TIME):%H:%M} ({answer.eta})" if arrival else answer.eta


def _took(start: datetime | None, end: datetime | None) -> str:
    return minutes_seconds(end - start) if start and end and end >= start else NONE


