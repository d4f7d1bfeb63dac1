"""A crisis of the bundled plan told step by step through the lifecycle, for tests of what people are offered and told."""

from datetime import datetime, timezone

from bot.core.actions import Decide, RaiseAlarm, Triage
from bot.core.events import DirectorDecision, TriageDecision
from bot.core.lifecycle import Accepted, step
from bot.core.state import CrisisState
from bot.plan import Plan

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
MEETING = datetime(2026, 11, 28, 8, 45, tzinfo=timezone.utc)
"""09:45 in Struer."""


def run(plan: Plan, state: CrisisState | None, action, actor: str) -> CrisisState:
    """The crisis after ``actor``'s ``action`` at ``T0``, which the lifecycle must accept."""
    outcome = step(plan, state, action, actor=actor, now=T0)
    assert isinstance(outcome, Accepted), outcome
    return outcome.state


def raised(plan: Plan, description: str = "Exchange svarer ikke") -> CrisisState:
    """An alarm about Office 365, raised by the communications team."""
    return run(plan, None, RaiseAlarm("K-2026-001", "overvaagning", ("o365",), description), "lak")


def at_director(plan: Plan) -> CrisisState:
    """The IT head informed the director."""
    return run(plan, raised(plan), Triage(TriageDecision.INFORM_DIRECTOR, "Alt er nede", via="teams"), "cvo")


def activated(plan: Plan, meeting_at: datetime = T0) -> CrisisState:
    """The director activated the crisis staff, meeting at ``meeting_at``."""
    return run(plan, at_director(plan), Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=meeting_at), "jesper")
