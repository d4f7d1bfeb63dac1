"""Contacts recorded on someone's behalf and external participants, decided by the lifecycle on the bundled plan."""

from bot.core.actions import Acknowledge, AnswerSummons, Decide, RaiseAlarm, RecordContact, RecordExternal, Triage
from bot.core.commands import PostToLog
from bot.core.events import (
    ContactAnswer,
    ContactMethod,
    ContactRecorded,
    DirectorDecision,
    Event,
    ExternalStatus,
    TriageDecision,
)
from bot.core.lifecycle import CONTACT_VIA, Accepted, Refusal, Refused, step
from bot.core.permissions import Permission
from bot.core.state import fold
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.stories import T0, activated, raised, run

PLAN = load_plan(default_plan_path())


def test_a_recorded_not_coming_is_the_persons_own_not_coming_answer() -> None:
    state = activated(PLAN)
    via = CONTACT_VIA[ContactMethod.TELEFON]

    recorded = step(PLAN, state, RecordContact("hjm", ContactMethod.TELEFON, ContactAnswer.KOMMER_IKKE), actor="jesper", now=T0)
    own = step(PLAN, state, AnswerSummons(coming=False, via=via), actor="hjm", now=T0)

    assert isinstance(recorded, Accepted) and isinstance(own, Accepted)
    assert recorded.events[0] == ContactRecorded(person="hjm", how=ContactMethod.TELEFON, answer=ContactAnswer.KOMMER_IKKE)
    assert recorded.events[1:] == own.events
    assert [c for c in recorded.commands if c != PostToLog(recorded.events[0])] == list(own.commands), "the same pages"
    assert recorded.state.answers == own.state.answers and recorded.state.pages == own.state.pages


def test_a_recorded_acknowledgement_is_the_persons_own() -> None:
    state = raised(PLAN)

    recorded = step(PLAN, state, RecordContact("cvo", ContactMethod.PERSONLIGT, ContactAnswer.KVITTERET), actor="jesper", now=T0)
    own = step(PLAN, state, Acknowledge(via=CONTACT_VIA[ContactMethod.PERSONLIGT]), actor="cvo", now=T0)

    assert isinstance(recorded, Accepted) and isinstance(own, Accepted)
    assert recorded.events[1:] == own.events
    assert recorded.state.role_acknowledged("it", "triage")


def test_the_eta_belongs_to_kommer_only() -> None:
    state = activated(PLAN)

    coming = run(PLAN, state, RecordContact("hjm", ContactMethod.SMS, ContactAnswer.KOMMER, " 20 min "), "cvo")
    not_coming = run(PLAN, coming, RecordContact("lak", ContactMethod.SMS, ContactAnswer.KOMMER_IKKE, "20 min"), "cvo")

    assert (not_coming.answers["hjm"].coming, not_coming.answers["hjm"].eta) == (True, "20 min")
    assert (not_coming.answers["lak"].coming, not_coming.answers["lak"].eta) == (False, "")


def test_only_the_kriseleder_and_the_situation_role_record() -> None:
    state = activated(PLAN)

    for actor in ("hjm", "lak", "marialouiserj"):
        assert step(PLAN, state, RecordContact("cvo", ContactMethod.TELEFON, ContactAnswer.KVITTERET), actor=actor, now=T0) == Refused(
            Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT
        )
        assert step(PLAN, state, RecordExternal("politi", ExternalStatus.TILKALDT), actor=actor, now=T0) == Refused(
            Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT
        )
    for actor in ("jesper", "emilbc", "cvo", "peter"):
        assert isinstance(step(PLAN, state, RecordExternal("politi", ExternalStatus.TILKALDT), actor=actor, now=T0), Accepted)


def test_what_the_person_could_not_answer_is_refused_in_their_name() -> None:
    before_activation = raised(PLAN)

    assert step(PLAN, before_activation, RecordContact("hjm", ContactMethod.TELEFON, ContactAnswer.KVITTERET), actor="jesper", now=T0) == (
        Refused(Refusal.PERSON_NOT_PAGED, detail="Henrik Jebjerg Mogensen")
    )
    assert step(PLAN, activated(PLAN), RecordContact("emilbc", ContactMethod.TELEFON, ContactAnswer.KOMMER), actor="jesper", now=T0) == (
        Refused(Refusal.PERSON_NOT_SUMMONED, detail="Emil B. Christensen")
    )
    assert step(PLAN, before_activation, RecordContact("cvo", ContactMethod.TELEFON, ContactAnswer.KOMMER), actor="jesper", now=T0) == (
        Refused(Refusal.WRONG_PHASE)
    )
    assert step(PLAN, before_activation, RecordContact("mallory", ContactMethod.TELEFON, ContactAnswer.KVITTERET), actor="jesper", now=T0) == (
        Refused(Refusal.UNKNOWN_PERSON, detail="jesper, emilbc, cvo, peter, hjm, lak, marialouiserj")
    )


def test_external_participants_keep_their_latest_record_and_a_repeat_changes_nothing() -> None:
    state = run(PLAN, raised(PLAN), RecordExternal("politi", ExternalStatus.KONTAKTET, " ringer tilbage "), "cvo")
    state = run(PLAN, state, RecordExternal("beredskab", ExternalStatus.KONTAKTET), "cvo")
    state = run(PLAN, state, RecordExternal("politi", ExternalStatus.TILKALDT), "jesper")

    assert list(state.externals) == ["politi", "beredskab"]
    assert (state.externals["politi"].status, state.externals["politi"].note, state.externals["politi"].actor) == (
        ExternalStatus.TILKALDT, "", "jesper"
    )
    assert step(PLAN, state, RecordExternal("politi", ExternalStatus.TILKALDT), actor="cvo", now=T0) == Accepted(state)
    assert step(PLAN, state, RecordExternal("brandvæsen", ExternalStatus.TILKALDT), actor="cvo", now=T0) == Refused(
        Refusal.UNKNOWN_EXTERNAL, detail="politi, beredskab, forsyning, myndigheder"
    )


def test_the_state_is_rebuilt_from_the_logbog() -> None:
    state = activated(PLAN)
    outcome = step(PLAN, state, RecordContact("hjm", ContactMethod.MAIL, ContactAnswer.KOMMER, "14:30"), actor="cvo", now=T0)
    assert isinstance(outcome, Accepted)
    outcome2 = step(PLAN, outcome.state, RecordExternal("forsyning", ExternalStatus.TILKALDT, "vandværket"), actor="cvo", now=T0)
    assert isinstance(outcome2, Accepted)
    events = [
        Event(seq=n, at=T0, crisis_id=state.id, actor="cvo", payload=p)
        for n, p in enumerate([*outcome.events, *outcome2.events], start=state.seq + 1)
    ]

    live = outcome2.state
    from_log = fold([*_history(), *events])
    assert (from_log.answers, from_log.externals, from_log.pages) == (live.answers, live.externals, live.pages)


def _history() -> list[Event]:
    """The events of ``activated(PLAN)``, as the lifecycle produced them."""
    found: list[Event] = []
    state = None
    for action, actor in (
        (RaiseAlarm("K-2026-001", "overvaagning", ("o365",), "Exchange svarer ikke"), "lak"),
        (Triage(TriageDecision.INFORM_DIRECTOR, "Alt er nede", via="teams"), "cvo"),
        (Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=T0), "jesper"),
    ):
        outcome = step(PLAN, state, action, actor=actor, now=T0)
        assert isinstance(outcome, Accepted)
        found += [Event(seq=len(found) + 1, at=T0, crisis_id="K-2026-001", actor=actor, payload=p) for p in outcome.events]
        state = outcome.state
    return found
