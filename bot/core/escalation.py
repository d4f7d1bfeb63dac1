"""When to page whom until someone answers: the escalation policy as pure functions of time.

A paging timer starts when a page is first sent for a purpose. For the alarm chain's
purposes (triage, director, summons) the timer is per role and walks the role's chain:

    stage 0  the primary                              attempts at t0, t0+T, … (repeat+1 of them)
    stage 1  the primary and the first deputy          the next repeat+1 attempts
    stage 2  everyone in the chain                     the next repeat+1 attempts

with T the role's ``ack_timeout``; the first deputy is paged at exactly T × (repeat+1).
A holder who answered the summons «kommer ikke» is left out of its attempts. For the other
purposes (informing management, the top crisis staff, a role nobody answers for) the timer is
per person and only repeats; an external participant's summons (``ONCE``) is not even repeated.
A timer stops at the first acknowledgement by any holder of its role, when its purpose is over
(the decision was taken), or when the crisis ends; a notice of the crisis's end
(``bot.core.end_notices``), or to someone outside the plan (``bot.core.guests``), goes once and is
current for one interval only.

A role's chain is exhausted when its schedule ran out (T after its last attempt) or when every
holder in it was reported unreachable or said «kommer ikke»: ``new_uncovered`` then records it
once (``RoleUncovered``), and ``bot.core.coverage`` says who is told.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..plan.models import Plan
from .end_notices import END_NOTICES
from .events import Escalated, EventPayload, PagePurpose, PagesRequested, RoleUncovered
from .state import CrisisState, Phase

CHAIN_PURPOSES = frozenset({PagePurpose.TRIAGE, PagePurpose.DIRECTOR, PagePurpose.SUMMONS})
ONCE = frozenset({PagePurpose.EXTERNAL})
"""Purposes whose page has one attempt: an external participant is summoned again by hand, not by a timer."""


class Subject(StrEnum):
    ROLE = "role"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class Timer:
    """A running page: for ``purpose``, of a role's chain or of one person, since ``started_at``."""

    purpose: PagePurpose
    subject: Subject
    id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One page due at ``at``: to ``person`` for ``roles``; ``stage`` > 0 means escalated."""

    person: str
    roles: tuple[str, ...]
    purpose: PagePurpose
    at: datetime
    stage: int


def timer_for(purpose: PagePurpose, person: str, roles: tuple[str, ...], at: datetime) -> list[Timer]:
    """The timers a first page starts: one per role for chain purposes, else one for the person."""
    if purpose in CHAIN_PURPOSES and roles:
        return [Timer(purpose, Subject.ROLE, role, at) for role in roles]
    return [Timer(purpose, Subject.PERSON, person, at)]


def requested_timers(payloads: Iterable[EventPayload], at: datetime) -> list[Timer]:
    """The timers the ``PagesRequested`` among ``payloads``, recorded at ``at``, start."""
    return [
        timer
        for payload in payloads if isinstance(payload, PagesRequested)
        for page in payload.pages
        for timer in timer_for(page.purpose, page.person, tuple(page.roles), at)
    ]


def purpose_open(state: CrisisState, purpose: PagePurpose) -> bool:
    """Is the crisis still waiting for what this purpose asks? A notice of its end goes although it is over."""
    if purpose in END_NOTICES:
        return True
    if not state.phase.open:
        return False
    return {
        PagePurpose.TRIAGE: state.phase is Phase.TRIAGE,
        PagePurpose.DIRECTOR: state.phase is Phase.DIRECTOR,
        PagePurpose.SUMMONS: state.phase is Phase.ACTIVATED,
        PagePurpose.MEETING_MOVED: state.phase is Phase.ACTIVATED,
        PagePurpose.UNCOVERED: bool(state.uncovered),
    }.get(purpose, True)


def stages(chain: list[str]) -> list[list[str]]:
    """Who is paged at each stage: the primary; with the first deputy; everyone in the chain."""
    found = [chain[:1]]
    if len(chain) > 1:
        found.append(chain[:2])
    if len(chain) > 2:
        found.append(list(chain))
    return found


def _schedule(plan: Plan, timer: Timer) -> tuple[timedelta, int, list[list[str]]] | None:
    """(interval, attempts per stage, stages) of a timer; None if its role left the plan. A notice that asks for
    no answer goes once."""
    if timer.subject is Subject.PERSON:
        attempts = 1 if timer.purpose in ONCE or _goes_once(plan, timer) else plan.escalation.repeat + 1
        return plan.escalation.ack_timeout, attempts, [[timer.id]]
    role = plan.role_by_id.get(timer.id)
    if role is None:
        return None
    return plan.ack_timeout(role), plan.repeat(role) + 1, stages(role.chain)


def _goes_once(plan: Plan, timer: Timer) -> bool:
    """Is the timer's page a notice that asks for no answer (of a crisis's end, or to someone outside the plan,
    who cannot give one): one attempt, current for one interval? After that its sends are the outbox's to
    finish, and nothing is due again (not even after an outage or a restart)."""
    if timer.subject is not Subject.PERSON:
        return False
    return timer.purpose in END_NOTICES or (timer.purpose not in ONCE and timer.id not in plan.person_by_id)


def still_waiting(state: CrisisState, purpose: PagePurpose, *, roles: tuple[str, ...], person: str) -> bool:
    """Does a page for ``purpose`` still wait: for one of ``roles`` (any holder), or else for ``person``?"""
    if not purpose_open(state, purpose):
        return False
    if roles:
        return not all(state.role_acknowledged(role, purpose) for role in roles)
    page = state.page(person, purpose)
    return page is None or page.acknowledged_at is None


def _waiting(state: CrisisState, timer: Timer) -> bool:
    roles = (timer.id,) if timer.subject is Subject.ROLE else ()
    return still_waiting(state, timer.purpose, roles=roles, person=timer.id)


@dataclass(frozen=True, slots=True)
class _Position:
    """Where a waiting timer stands at a moment: its current attempt, and the next one."""

    stage: int
    at: datetime
    next_at: datetime | None
    people: list[str]
    interval: timedelta


def _position(plan: Plan, state: CrisisState, timer: Timer, now: datetime) -> _Position | None:
    """The timer's current attempt at ``now``; None if it waits no more (or has not begun).

    Two things move a role's timer on before its time, each from the moment it happened: a
    hand escalation restarts it at its last stage (always, also after the schedule ran out: the
    crisis leader's ``eskalér`` pages the whole chain again), and a page of the role reported lost
    (an undeliverable SMS, an attempt that reached the person on no channel) or a holder's «kommer
    ikke» at the stage after the one it had reached. Holders who said «kommer ikke» are left out.
    """
    schedule = _schedule(plan, timer)
    if schedule is None or now < timer.started_at or not _waiting(state, timer):
        return None
    interval, per_stage, chain_stages = schedule
    if _goes_once(plan, timer) and now >= timer.started_at + interval:
        return None
    last_stage = len(chain_stages) - 1
    origin, first, last = timer.started_at, 0, per_stage * len(chain_stages) - 1

    def attempt_at(moment: datetime) -> int:
        return first + min(int((moment - origin) / interval), last - first)

    for moment, to_last in _jumps(state, timer):
        if timer.started_at <= moment <= now:
            target = last_stage if to_last else min(attempt_at(moment) // per_stage + 1, last_stage)
            if to_last or target * per_stage > attempt_at(moment):  # a hand escalation always pages anew
                origin, first = moment, target * per_stage
    n = attempt_at(now)
    at = origin + (n - first) * interval
    next_at = at + interval if n < last else None
    stage = n // per_stage
    people = [p for p in chain_stages[stage] if not (timer.purpose is PagePurpose.SUMMONS and state.declined(p))]
    return _Position(stage, at, next_at, people, interval)


def _jumps(state: CrisisState, timer: Timer) -> list[tuple[datetime, bool]]:
    """When a role timer was moved on, oldest first: (moment, to the last stage?)."""
    if timer.subject is not Subject.ROLE:
        return []
    found = [(at, False) for purpose, role, at in state.lost_pages if purpose == timer.purpose and role == timer.id]
    if state.escalation_requested_at is not None:
        found.append((state.escalation_requested_at, True))
    return sorted(found)


def current_attempts(plan: Plan, state: CrisisState, timers: list[Timer], now: datetime) -> list[Attempt]:
    """The latest attempt due by ``now`` of every timer still waiting, one per person and time.

    Attempts missed while the service was down are not repeated one by one: only the
    current one is due, so a restart sends what is overdue at once, and only once.
    """
    due: dict[tuple[str, PagePurpose, datetime], Attempt] = {}
    for timer in timers:
        position = _position(plan, state, timer, now)
        if position is None:
            continue
        roles = (timer.id,) if timer.subject is Subject.ROLE else ()
        for person in position.people:
            key = (person, timer.purpose, position.at)
            known = due.get(key)
            merged = tuple(dict.fromkeys([*(known.roles if known else ()), *roles]))
            due[key] = Attempt(person, merged, timer.purpose, position.at, max(position.stage, known.stage if known else 0))
    return list(due.values())


def next_attempt_at(plan: Plan, state: CrisisState, timers: list[Timer], now: datetime) -> datetime | None:
    """When the next attempt after ``now`` falls due, if any timer is still waiting."""
    upcoming = []
    for timer in timers:
        if now < timer.started_at:
            upcoming.append(timer.started_at)
            continue
        position = _position(plan, state, timer, now)
        if position is not None and position.next_at is not None:
            upcoming.append(position.next_at)
        exhausted = _exhausted_at(plan, state, timer, position)
        if exhausted is not None and exhausted > now:
            upcoming.append(exhausted)
    return min(upcoming, default=None)


def new_escalations(plan: Plan, state: CrisisState, timers: list[Timer], now: datetime) -> list[Escalated]:
    """The Escalated events due by ``now``: role timers past stage 0 whose stage is not yet recorded."""
    found = []
    for timer in timers:
        position = _position(plan, state, timer, now) if timer.subject is Subject.ROLE else None
        if position and position.stage and (timer.purpose, timer.id, position.stage) not in state.escalations:
            found.append(Escalated(role=timer.id, purpose=timer.purpose, stage=position.stage, people=position.people))
    return found


def _exhausted_at(plan: Plan, state: CrisisState, timer: Timer, position: _Position | None) -> datetime | None:
    """When a waiting role timer (now at ``position``) has its chain exhausted, unless already recorded: T after
    the schedule's last attempt, or once every holder was reported unreachable or said «kommer ikke»."""
    if timer.subject is not Subject.ROLE or timer.purpose not in CHAIN_PURPOSES or (timer.purpose, timer.id) in state.uncovered:
        return None
    role = plan.role_by_id.get(timer.id)
    if position is None or role is None:
        return None
    found = [position.at + position.interval] if position.next_at is None else []
    out = [_out_at(state, person, timer.purpose) for person in role.chain]
    if all(moment is not None for moment in out):
        found.append(max(moment for moment in out if moment is not None))
    return min(found, default=None)


def _out_at(state: CrisisState, person: str, purpose: PagePurpose) -> datetime | None:
    """Since when the person counts as out of a role's chain for ``purpose``: said «kommer ikke», or
    their latest attempt reached them on no channel; None while they may still answer."""
    if purpose is PagePurpose.SUMMONS and state.declined(person):
        return state.answers[person].at
    page = state.page(person, purpose)
    return page.lost_at if page is not None else None


def new_uncovered(plan: Plan, state: CrisisState, timers: list[Timer], now: datetime) -> list[RoleUncovered]:
    """The RoleUncovered events due by ``now``: role timers whose chain is exhausted, once per role and purpose."""
    found = []
    for timer in timers:
        exhausted = _exhausted_at(plan, state, timer, _position(plan, state, timer, now))
        if exhausted is not None and exhausted <= now:
            found.append(RoleUncovered(role=timer.id, purpose=timer.purpose))
    return found
