"""Reporters outside the plan: what they are told of their alarm, and how often they may raise one. Pure.

Anyone of the organisation's tenant may raise an alarm from Teams (ADR 25). Someone outside the plan
cannot follow the crisis with ``status``, so they are told when their alarm is assessed as not
critical, when the crisis staff is activated, and when the crisis ends. They may raise at most
``OUTSIDE_LIMIT`` alarms in ``OUTSIDE_WINDOW``, counted from the crises themselves, so a restart
forgets nothing.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .commands import ReporterNews
from .events import CrisisClosed, DirectorDecided, DirectorDecision, EventPayload, OutsideReporter, Triaged, TriageDecision
from .state import CrisisState

OUTSIDE_LIMIT = 3
"""Alarms one person outside the plan may raise within ``OUTSIDE_WINDOW``."""
OUTSIDE_WINDOW = timedelta(hours=1)


def reporter_news(events: Sequence[EventPayload]) -> tuple[ReporterNews, ...]:
    """What the events one step records mean to the alarm's reporter, in order."""
    found: list[ReporterNews] = []
    for event in events:
        match event:
            case Triaged(decision=TriageDecision.NOT_CRITICAL):
                found.append(ReporterNews.NOT_CRITICAL)
            case DirectorDecided(decision=DirectorDecision.ACTIVATE):
                found.append(ReporterNews.ACTIVATED)
            case DirectorDecided(decision=DirectorDecision.NO_ACTION) | CrisisClosed():
                found.append(ReporterNews.CLOSED)
    return tuple(found)


def next_alarm_at(states: Iterable[CrisisState], reporter: OutsideReporter, now: datetime) -> datetime | None:
    """When ``reporter`` may raise another alarm, or None if they may now: their ``OUTSIDE_LIMIT``-th latest
    alarm within ``OUTSIDE_WINDOW`` before ``now``, plus the window."""
    since = now - OUTSIDE_WINDOW
    recent = sorted(
        state.opened_at for state in states
        if state.outside_reporter and state.outside_reporter.aad_object_id == reporter.aad_object_id
        and state.opened_at > since
    )
    return recent[-OUTSIDE_LIMIT] + OUTSIDE_WINDOW if len(recent) >= OUTSIDE_LIMIT else None
