"""A role somebody must cover: «kommer ikke» moves on, an exhausted chain is recorded once and told. Pure, on fixed times."""

from datetime import datetime, timedelta

import pytest

from bot.core.actions import AnswerSummons, Triage
from bot.core.coverage import assessing_role, may_triage, uncovered_pages
from bot.core.escalation import current_attempts, new_uncovered, next_attempt_at, timer_for
from bot.core.events import (
    DeliveryState, Event, EventPayload, PageDeliveryReported, PagePurpose, PagesRequested, RequestedPage, RoleUncovered,
    TriageDecision,
)
from bot.core.lifecycle import Accepted, Refused, step
from bot.core.state import CrisisState, apply
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from tests.stories import T0, activated, raised

TRIAGE, SUMMONS = PagePurpose.TRIAGE, PagePurpose.SUMMONS


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


def recorded(state: CrisisState, payload: EventPayload, at: datetime) -> CrisisState:
    return apply(state, Event(seq=state.seq + 1, at=at, crisis_id=state.id, actor="system", payload=payload))


def answered(plan: Plan, state: CrisisState, person: str, coming: bool, at: datetime) -> CrisisState:
    outcome = step(plan, state, AnswerSummons(coming=coming, via="teams"), actor=person, now=at)
    assert isinstance(outcome, Accepted) and outcome.state is not None
    return outcome.state


def test_a_triage_nobody_answers_is_uncovered_when_its_schedule_has_run_out(plan: Plan) -> None:
    timeout = plan.ack_timeout(plan.role_by_id["it"])
    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    state = raised(plan)
    end = T0 + timeout * 4

    assert next_attempt_at(plan, state, timers, T0 + timeout * 3) == end, "the pager wakes when the chain runs out"
    assert new_uncovered(plan, state, timers, end - timedelta(seconds=1)) == []
    [uncovered] = new_uncovered(plan, state, timers, end)
    assert (uncovered.role, uncovered.purpose) == ("it", TRIAGE)
    state = recorded(state, uncovered, end)
    assert state.uncovered == ((TRIAGE, "it"),)
    assert new_uncovered(plan, state, timers, end + timeout) == [], "once per role and purpose"


def test_kommer_ikke_acknowledges_nothing_summons_the_next_holder_and_leaves_the_person_out(plan: Plan) -> None:
    state = activated(plan)
    timers = timer_for(SUMMONS, "lak", ("kommunikation",), T0)
    declined_at = T0 + timedelta(seconds=30)

    outcome = step(plan, state, AnswerSummons(coming=False, via="teams"), actor="lak", now=declined_at)

    assert isinstance(outcome, Accepted) and [e.type for e in outcome.events] == ["summons_answered"]
    assert outcome.state is not None
    attempts = current_attempts(plan, outcome.state, timers, declined_at)
    assert {(a.person, a.at) for a in attempts} == {("marialouiserj", declined_at)}
    later = current_attempts(plan, outcome.state, timers, declined_at + timedelta(hours=1))
    assert {a.person for a in later} == {"marialouiserj"}


def test_a_chain_where_everyone_said_kommer_ikke_is_uncovered_at_the_last_answer(plan: Plan) -> None:
    state = activated(plan)
    timers = timer_for(SUMMONS, "lak", ("kommunikation",), T0)
    state = answered(plan, state, "lak", False, T0 + timedelta(seconds=10))
    state = recorded(state, PagesRequested(pages=[RequestedPage(person="marialouiserj", roles=["kommunikation"], purpose=SUMMONS)]), T0)
    last = T0 + timedelta(seconds=50)
    assert new_uncovered(plan, state, timers, last) == []
    state = answered(plan, state, "marialouiserj", False, last)

    assert [(u.role, u.purpose) for u in new_uncovered(plan, state, timers, last)] == [("kommunikation", SUMMONS)]
    assert current_attempts(plan, state, timers, last) == [], "nobody left to summon"
    state = recorded(state, RoleUncovered(role="kommunikation", purpose=SUMMONS), last)
    state = answered(plan, state, "lak", True, last + timedelta(minutes=5))
    assert state.uncovered == (), "a later «kommer» covers the role"


def test_a_chain_nobody_can_reach_is_uncovered_when_the_last_holder_is_lost(plan: Plan) -> None:
    state = activated(plan)
    timers = timer_for(SUMMONS, "hjm", ("okonomi",), T0)
    state = recorded(state, PagesRequested(pages=[RequestedPage(person="emilbc", roles=["okonomi"], purpose=SUMMONS)]), T0)
    for n, person in enumerate(["hjm", "emilbc"], start=1):
        lost = PageDeliveryReported(
            person=person, roles=["okonomi"], purpose=SUMMONS, channel="sms", provider_id="", status=DeliveryState.UNREACHABLE
        )
        state = recorded(state, lost, T0 + timedelta(seconds=n))

    assert [(u.role, u.purpose) for u in new_uncovered(plan, state, timers, T0 + timedelta(seconds=2))] == [("okonomi", SUMMONS)]


def test_the_crisis_leader_and_the_situation_role_are_told_but_never_about_their_own_role(plan: Plan) -> None:
    def told(role: str, purpose: PagePurpose) -> set[tuple[str, tuple[str, ...], PagePurpose]]:
        return {(p.person, tuple(p.roles), p.purpose) for p in uncovered_pages(plan, [RoleUncovered(role=role, purpose=purpose)])}

    notice = PagePurpose.UNCOVERED
    assert told("okonomi", SUMMONS) == {("jesper", (), notice), ("cvo", (), notice)}
    assert told("kriseleder", SUMMONS) == {("cvo", (), notice)}
    assert told("situationsbillede", SUMMONS) == {("jesper", (), notice)}
    assert told("it", TRIAGE) == {("jesper", ("kriseleder",), TRIAGE)}, "the crisis leader triages instead"


def test_the_crisis_leader_may_triage_once_triage_went_to_them(plan: Plan) -> None:
    state = raised(plan)
    assert not may_triage(plan, state, "jesper") and assessing_role(plan, state) == "it"
    assess = Triage(TriageDecision.INFORM_DIRECTOR, "IT svarer ikke", via="teams")
    assert isinstance(step(plan, state, assess, actor="jesper", now=T0), Refused)

    for payload in (RoleUncovered(role="it", purpose=TRIAGE), PagesRequested(pages=uncovered_pages(plan, [RoleUncovered(role="it", purpose=TRIAGE)]))):
        state = recorded(state, payload, T0)

    assert may_triage(plan, state, "emilbc") and assessing_role(plan, state) == "kriseleder"
    outcome = step(plan, state, assess, actor="jesper", now=T0)
    assert isinstance(outcome, Accepted) and outcome.state is not None and outcome.state.phase == "director"
