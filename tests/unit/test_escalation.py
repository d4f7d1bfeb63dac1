"""The escalation schedule: who is paged when, until someone answers. Pure, on fixed times."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.core.escalation import (
    Subject,
    Timer,
    current_attempts,
    new_escalations,
    next_attempt_at,
    stages,
    timer_for,
)
from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    DirectorDecided,
    DirectorDecision,
    Event,
    PagePurpose,
    PageSent,
    Triaged,
    TriageDecision,
)
from bot.core.state import CrisisState, apply, fold
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
TRIAGE = PagePurpose.TRIAGE
SUMMONS = PagePurpose.SUMMONS


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


def crisis(*payloads, at: datetime = T0) -> CrisisState:
    alarm = Event(seq=1, at=T0, crisis_id="K-2026-001", actor="lak", payload=AlarmRaised(source="dpo", description="Læk"))
    state = fold([alarm])
    for n, payload in enumerate(payloads, start=2):
        state = apply(state, Event(seq=n, at=at, crisis_id="K-2026-001", actor="system", payload=payload))
    return state


def who(attempts) -> set[tuple[str, tuple[str, ...], int]]:
    return {(a.person, a.roles, a.stage) for a in attempts}


def test_stages_are_primary_then_first_deputy_then_everyone() -> None:
    assert stages(["a"]) == [["a"]]
    assert stages(["a", "b"]) == [["a"], ["a", "b"]]
    assert stages(["a", "b", "c", "d"]) == [["a"], ["a", "b"], ["a", "b", "c", "d"]]


def test_the_primary_is_paged_again_after_ack_timeout_and_the_deputy_at_timeout_times_repeat_plus_one(plan: Plan) -> None:
    timeout = plan.ack_timeout(plan.role_by_id["it"])
    repeat = plan.repeat(plan.role_by_id["it"])
    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    state = crisis()
    deputy_at = T0 + timeout * (repeat + 1)

    assert who(current_attempts(plan, state, timers, T0)) == {("cvo", ("it",), 0)}
    assert who(current_attempts(plan, state, timers, T0 + timeout)) == {("cvo", ("it",), 0)}
    assert [a.at for a in current_attempts(plan, state, timers, T0 + timeout)] == [T0 + timeout]
    just_before = current_attempts(plan, state, timers, deputy_at - timedelta(microseconds=1))
    assert "peter" not in {a.person for a in just_before}
    assert who(current_attempts(plan, state, timers, deputy_at)) == {("cvo", ("it",), 1), ("peter", ("it",), 1)}
    assert next_attempt_at(plan, state, timers, deputy_at - timedelta(seconds=1)) == deputy_at


def test_an_acknowledgement_by_the_deputy_stops_the_role(plan: Plan) -> None:
    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    paged = PageSent(person="peter", roles=["it"], purpose=TRIAGE, channel="teams")
    state = crisis(paged, Acknowledged(person="peter", roles=["it"], via="teams"))
    later = T0 + timedelta(hours=1)

    assert current_attempts(plan, state, timers, later) == []
    assert next_attempt_at(plan, state, timers, later) is None
    assert new_escalations(plan, state, timers, later) == []


def test_a_person_with_two_roles_gets_one_page_naming_both(plan: Plan) -> None:
    timers = timer_for(SUMMONS, "cvo", ("situationsbillede", "it"), T0)
    state = crisis(Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="x"))
    activated = DirectorDecided(decision=DirectorDecision.ACTIVATE)
    state = apply(state, Event(seq=9, at=T0, crisis_id=state.id, actor="jesper", payload=activated))

    attempts = current_attempts(plan, state, timers, T0)

    assert who(attempts) == {("cvo", ("situationsbillede", "it"), 0)}


def test_acknowledging_one_role_keeps_paging_the_other(plan: Plan) -> None:
    timers = timer_for(TRIAGE, "cvo", ("it", "situationsbillede"), T0)
    sent = PageSent(person="cvo", roles=["it"], purpose=TRIAGE, channel="teams")
    state = crisis(sent, Acknowledged(person="cvo", roles=["it"], via="teams"))

    assert who(current_attempts(plan, state, timers, T0)) == {("cvo", ("situationsbillede",), 0)}


def test_a_decided_purpose_pages_nobody_any_more(plan: Plan) -> None:
    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    state = crisis(Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="x"))

    assert current_attempts(plan, state, timers, T0 + timedelta(hours=1)) == []


def test_after_a_long_outage_only_the_current_attempt_is_due(plan: Plan) -> None:
    timeout = plan.ack_timeout(plan.role_by_id["kriseleder"])
    timers = timer_for(TRIAGE, "cvo", ("it",), T0) + [Timer(TRIAGE, Subject.ROLE, "kriseleder", T0)]
    state = crisis()

    attempts = current_attempts(plan, state, timers, T0 + timeout * 50)

    assert all(a.at == T0 + timeout * 3 for a in attempts if "kriseleder" in a.roles)
    assert {a.person for a in attempts} == {"cvo", "peter", "jesper", "emilbc"}
    assert next_attempt_at(plan, state, timers, T0 + timeout * 50) is None


def test_escalation_is_recorded_once_per_stage(plan: Plan) -> None:
    timeout = plan.ack_timeout(plan.role_by_id["it"])
    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    deputy_at = T0 + timeout * (plan.repeat(plan.role_by_id["it"]) + 1)
    state = crisis()

    [escalated] = new_escalations(plan, state, timers, deputy_at)
    assert (escalated.role, escalated.stage, escalated.people) == ("it", 1, ["cvo", "peter"])
    state = apply(state, Event(seq=5, at=deputy_at, crisis_id=state.id, actor="system", payload=escalated))
    assert new_escalations(plan, state, timers, deputy_at) == []


def test_people_outside_the_chain_are_only_repeated(plan: Plan) -> None:
    timeout = plan.escalation.ack_timeout
    timers = timer_for(PagePurpose.INFORM, "hjm", ("okonomi",), T0)

    assert timers == [Timer(PagePurpose.INFORM, Subject.PERSON, "hjm", T0)]
    attempts = current_attempts(plan, crisis(), timers, T0 + timeout * 10)
    assert who(attempts) == {("hjm", (), 0)}


def test_a_lost_page_moves_its_role_to_the_next_stage_at_once(plan: Plan) -> None:
    from bot.core.events import DeliveryState, PageDeliveryReported

    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    lost_at = T0 + timedelta(seconds=40)
    lost = PageDeliveryReported(
        person="cvo", roles=["it"], purpose=TRIAGE, channel="sms", provider_id="7", status=DeliveryState.UNDELIVERABLE
    )
    state = crisis(lost, at=lost_at)
    assert who(current_attempts(plan, state, timers, lost_at - timedelta(seconds=1))) == {("cvo", ("it",), 0)}
    [attempt_cvo, attempt_peter] = sorted(current_attempts(plan, state, timers, lost_at), key=lambda a: a.person)
    assert (attempt_peter.person, attempt_peter.stage, attempt_peter.at) == ("peter", 1, lost_at)
    [escalated] = new_escalations(plan, state, timers, lost_at)
    assert (escalated.role, escalated.stage, escalated.people) == ("it", 1, ["cvo", "peter"])
    timeout = plan.ack_timeout(plan.role_by_id["it"])
    assert next_attempt_at(plan, state, timers, lost_at) == lost_at + timeout


def test_a_delivered_page_changes_no_schedule(plan: Plan) -> None:
    from bot.core.events import DeliveryState, PageDeliveryReported

    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    delivered = PageDeliveryReported(
        person="cvo", roles=["it"], purpose=TRIAGE, channel="sms", provider_id="7", status=DeliveryState.DELIVERED
    )
    moment = T0 + timedelta(seconds=40)
    assert who(current_attempts(plan, crisis(delivered, at=moment), timers, moment)) == {("cvo", ("it",), 0)}


@pytest.mark.parametrize("minutes", [3, 60])
def test_a_hand_escalation_pages_the_whole_chain_now_also_after_the_schedule_ran_out(plan: Plan, minutes: int) -> None:
    from bot.core.events import EscalationRequested

    timers = timer_for(TRIAGE, "cvo", ("it",), T0)
    asked = T0 + timedelta(minutes=minutes)  # within the schedule, and long after its last attempt
    state = crisis(EscalationRequested(), at=asked)
    attempts = current_attempts(plan, state, timers, asked)
    assert who(attempts) == {("cvo", ("it",), 1), ("peter", ("it",), 1)}
    assert {a.at for a in attempts} == {asked}, "a new attempt now, not the last one the schedule made"
    again = asked + timedelta(minutes=30)
    attempts = current_attempts(plan, crisis(EscalationRequested(), at=again), timers, again)
    assert {a.at for a in attempts} == {again}, "every eskalér pages again"


def test_a_notice_of_the_end_goes_once_and_is_due_no_more_after_one_interval(plan: Plan) -> None:
    timers = timer_for(PagePurpose.STAND_DOWN, "lak", (), T0)
    state = crisis()
    interval = plan.escalation.ack_timeout

    assert who(current_attempts(plan, state, timers, T0)) == {("lak", (), 0)}
    assert [a.at for a in current_attempts(plan, state, timers, T0 + interval - timedelta(seconds=1))] == [T0]
    assert next_attempt_at(plan, state, timers, T0) is None, "no repeat"
    assert current_attempts(plan, state, timers, T0 + interval) == [], "an outage or a restart later sends nothing again"
