"""An external participant summoned by Krisebot, decided by the pure core: who may summon whom and when, the one page
it gets, its own answer by SMS letter or key, and the state rebuilt from the logbog."""

from datetime import timedelta

import pytest

from bot.core.actions import AnswerSummons, Decide, RaiseAlarm, RecordExternal, SummonExternal, Triage
from bot.core.commands import SendPage
from bot.core.contact_commands import BadInput, Problem, parse_external
from bot.core.escalation import current_attempts, next_attempt_at, requested_timers
from bot.core.events import (
    DirectorDecision,
    Event,
    ExternalAnswered,
    ExternalStatus,
    ExternalSummoned,
    PagePurpose,
    PagesRequested,
    RequestedPage,
    TriageDecision,
)
from bot.core.lifecycle import Accepted, Refusal, Refused, step
from bot.core.permissions import Permission
from bot.core.replies import CodedReply, Reply, key_action, keypad, reply_action, reply_options
from bot.core.state import CrisisState, fold
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.plans import summoning_plan
from tests.stories import T0, activated, at_director, run

PLAN = summoning_plan()
BUNDLED = load_plan(default_plan_path())
EXTERNAL = PagePurpose.EXTERNAL


def summoned(state: CrisisState | None = None, actor: str = "jesper") -> CrisisState:
    return run(PLAN, state or activated(PLAN), SummonExternal("vagtchef", " ring på mobilen "), actor)


def test_the_crisis_leader_has_krisebot_summon_an_external_participant_with_one_page() -> None:
    outcome = step(PLAN, activated(PLAN), SummonExternal("vagtchef", " ring på mobilen "), actor="jesper", now=T0)

    assert isinstance(outcome, Accepted)
    assert outcome.events == (
        ExternalSummoned(external="vagtchef", note="ring på mobilen"),
        PagesRequested(pages=[RequestedPage(person="vagtchef", roles=[], purpose=EXTERNAL)]),
    )
    assert SendPage("vagtchef", (), EXTERNAL) in outcome.commands
    contact = outcome.state.externals["vagtchef"]
    assert (contact.status, contact.summoned, contact.actor, contact.note, contact.answer) == (
        ExternalStatus.TILKALDT, True, "jesper", "ring på mobilen", None
    )


def test_who_may_summon_whom_and_when() -> None:
    state = activated(PLAN)

    assert step(PLAN, state, SummonExternal("vagtchef"), actor="hjm", now=T0) == Refused(
        Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT
    )
    assert step(PLAN, at_director(PLAN), SummonExternal("vagtchef"), actor="jesper", now=T0) == Refused(
        Refusal.WRONG_PHASE
    ), "before activation there is no meeting to summon to"
    assert step(PLAN, state, SummonExternal("brandvæsen"), actor="cvo", now=T0) == Refused(
        Refusal.UNKNOWN_EXTERNAL, detail="politi, beredskab, forsyning, myndigheder, vagtchef"
    )
    assert isinstance(step(PLAN, state, SummonExternal("vagtchef"), actor="peter", now=T0), Accepted)


@pytest.mark.parametrize("external", ["politi", "beredskab", "forsyning", "myndigheder"])
def test_the_bundled_plans_external_participants_are_called_by_hand(external: str) -> None:
    outcome = step(BUNDLED, activated(BUNDLED), SummonExternal(external), actor="jesper", now=T0)

    assert outcome == Refused(Refusal.NOT_SUMMONABLE, detail=BUNDLED.external_by_id[external].name)


def test_the_external_participants_answer_ends_its_summons_and_a_repeat_changes_nothing() -> None:
    state = summoned()

    outcome = step(PLAN, state, AnswerSummons(coming=True, via="sms", eta=" 20 min "), actor="vagtchef", now=T0 + timedelta(minutes=2))

    assert isinstance(outcome, Accepted)
    assert outcome.events == (ExternalAnswered(external="vagtchef", coming=True, eta="20 min", via="sms"),)
    answer = outcome.state.externals["vagtchef"].answer
    assert answer is not None and (answer.coming, answer.eta, answer.at) == (True, "20 min", T0 + timedelta(minutes=2))
    page = outcome.state.page("vagtchef", EXTERNAL)
    assert page is not None and (page.acknowledged_at, page.acknowledged_via) == (T0 + timedelta(minutes=2), "sms")
    assert step(PLAN, outcome.state, AnswerSummons(coming=True, via="telefon", eta="20 min"), actor="vagtchef", now=T0) == Accepted(
        outcome.state
    )
    not_coming = step(PLAN, outcome.state, AnswerSummons(coming=False, via="telefon", eta="20 min"), actor="vagtchef", now=T0)
    assert isinstance(not_coming, Accepted)
    assert not_coming.events == (ExternalAnswered(external="vagtchef", coming=False, via="telefon"),)


def test_only_a_summoned_participant_krisebot_may_summon_answers() -> None:
    state = activated(PLAN)

    assert step(PLAN, state, AnswerSummons(coming=True, via="sms"), actor="vagtchef", now=T0) == Refused(Refusal.NOT_SUMMONED)
    assert step(PLAN, summoned(), AnswerSummons(coming=True, via="sms"), actor="politi", now=T0) == Refused(Refusal.NOT_IN_PLAN)
    assert step(PLAN, summoned(), RecordExternal("politi", ExternalStatus.TILKALDT), actor="vagtchef", now=T0) == Refused(
        Refusal.NOT_IN_PLAN
    ), "it answers its summons and does nothing else"


def test_summoning_again_sends_the_page_again_and_waits_for_a_new_answer() -> None:
    answered = run(PLAN, summoned(), AnswerSummons(coming=False, via="sms"), "vagtchef")

    again = run(PLAN, answered, SummonExternal("vagtchef"), "cvo")

    contact = again.externals["vagtchef"]
    assert (contact.actor, contact.note, contact.answer) == ("cvo", "", None)
    page = again.page("vagtchef", EXTERNAL)
    assert page is not None and page.acknowledged_at is None
    recorded = run(PLAN, again, RecordExternal("vagtchef", ExternalStatus.KONTAKTET, "ringede selv"), "cvo")
    assert (recorded.externals["vagtchef"].summoned, recorded.externals["vagtchef"].note) == (False, "ringede selv")


def test_a_summons_has_one_attempt_which_stops_at_the_answer() -> None:
    outcome = step(PLAN, activated(PLAN), SummonExternal("vagtchef"), actor="jesper", now=T0)
    assert isinstance(outcome, Accepted)
    timers = requested_timers(outcome.events, T0)
    much_later = T0 + PLAN.escalation.ack_timeout * 10

    [attempt] = current_attempts(PLAN, outcome.state, timers, much_later)
    assert (attempt.person, attempt.purpose, attempt.at, attempt.stage) == ("vagtchef", EXTERNAL, T0, 0)
    assert next_attempt_at(PLAN, outcome.state, timers, T0) is None, "never repeated"
    answered = run(PLAN, outcome.state, AnswerSummons(coming=True, via="sms"), "vagtchef")
    assert current_attempts(PLAN, answered, timers, much_later) == []


def test_the_summons_offers_kommer_and_kommer_ikke_by_letter_and_key() -> None:
    state = summoned()

    assert reply_options(PLAN, state, EXTERNAL, "vagtchef") == [Reply.ACKNOWLEDGE, Reply.NOT_COMING]
    assert reply_action(PLAN, state, EXTERNAL, CodedReply(2, Reply.ACKNOWLEDGE, "20")) == AnswerSummons(
        coming=True, via="sms", eta="20 min"
    )
    assert [(key.digit, key.label) for key in keypad(PLAN, state, EXTERNAL, "vagtchef")] == [
        ("1", "kommer"), ("2", "kommer ikke"), ("9", "hør igen")
    ]
    assert key_action(PLAN, state, EXTERNAL, "2") == AnswerSummons(coming=False, via="telefon")
    assert reply_options(PLAN, activated(PLAN), EXTERNAL, "vagtchef") == [], "nothing to answer before a summons"


def test_the_state_is_rebuilt_from_the_logbog() -> None:
    state: CrisisState | None = None
    events: list[Event] = []
    for action, actor in (
        (RaiseAlarm("K-2026-001", "overvaagning", ("o365",), "Exchange svarer ikke"), "lak"),
        (Triage(TriageDecision.INFORM_DIRECTOR, "Alt er nede", via="teams"), "cvo"),
        (Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=T0), "jesper"),
        (SummonExternal("vagtchef", "kom straks"), "jesper"),
        (AnswerSummons(coming=True, via="sms", eta="20"), "vagtchef"),
    ):
        outcome = step(PLAN, state, action, actor=actor, now=T0)
        assert isinstance(outcome, Accepted) and outcome.state is not None
        events += [Event(seq=len(events) + 1, at=T0, crisis_id="K-2026-001", actor=actor, payload=p) for p in outcome.events]
        state = outcome.state

    assert state is not None
    from_log = fold(events)
    assert (from_log.externals, from_log.pages) == (state.externals, state.pages)


def test_indkald_in_the_chat_summons() -> None:
    assert parse_external(PLAN, "vagtchef indkald") == SummonExternal("vagtchef")
    assert parse_external(PLAN, "Vagtchef hos politiet INDKALD kom til rådhuset") == SummonExternal("vagtchef", "kom til rådhuset")
    assert parse_external(PLAN, "vagtchef ringet") == BadInput(Problem.STATUS, "ringet", ("kontaktet", "tilkaldt", "indkald"))
