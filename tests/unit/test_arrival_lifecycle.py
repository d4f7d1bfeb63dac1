"""Arrivals at the meeting place, decided by the lifecycle on the bundled plan (and on a plan that lets Krisebot
summon an external participant): who records whose, when, once, and what an arrival answers."""

from datetime import timedelta

from bot.core.actions import Action, AnswerSummons, Close, Decide, RaiseAlarm, RecordArrival, SummonExternal, Triage
from bot.core.events import ArrivalRecorded, DirectorDecision, Event, ExternalAnswered, TriageDecision
from bot.core.lifecycle import ARRIVAL_VIA, Accepted, Refusal, Refused, step
from bot.core.permissions import Permission
from bot.core.state import fold
from bot.plan import load_plan
from bot.render.refusals import refusal_text
from bot.resources import default_plan_path
from tests.plans import summoning_plan
from tests.stories import T0, activated, at_director, raised, run

PLAN = load_plan(default_plan_path())
LATER = T0 + timedelta(minutes=40)


def test_an_arrival_of_one_who_said_kommer_keeps_their_stated_arrival() -> None:
    state = run(PLAN, activated(PLAN), AnswerSummons(coming=True, via="teams", eta="20 min"), "hjm")

    outcome = step(PLAN, state, RecordArrival("hjm"), actor="cvo", now=LATER)

    assert isinstance(outcome, Accepted)
    assert outcome.events == (ArrivalRecorded(person="hjm"),)
    assert outcome.state.arrivals == {"hjm": LATER}
    assert (outcome.state.answers["hjm"].eta, outcome.state.answers["hjm"].at) == ("20 min", T0), "the stated arrival stays"


def test_an_arrival_of_one_who_had_not_answered_is_their_kommer() -> None:
    state = activated(PLAN)

    arrival = step(PLAN, state, RecordArrival("lak"), actor="jesper", now=T0)
    own = step(PLAN, state, AnswerSummons(coming=True, via=ARRIVAL_VIA), actor="lak", now=T0)

    assert isinstance(arrival, Accepted) and isinstance(own, Accepted)
    assert arrival.events == (*own.events, ArrivalRecorded(person="lak"))
    assert arrival.state.role_acknowledged("kommunikation", "summons"), "the role's escalation stops"
    assert arrival.state.answers == own.state.answers


def test_one_who_said_kommer_ikke_and_came_anyway_is_coming() -> None:
    state = run(PLAN, activated(PLAN), AnswerSummons(coming=False, via="teams"), "hjm")

    arrived = run(PLAN, state, RecordArrival("hjm"), "cvo")

    assert arrived.answers["hjm"].coming and "hjm" in arrived.arrivals


def test_anyone_in_the_plan_records_their_own_arrival_and_the_crisis_room_records_anyones() -> None:
    state = activated(PLAN)

    assert "hjm" in run(PLAN, state, RecordArrival("hjm"), "hjm").arrivals
    assert step(PLAN, state, RecordArrival("lak"), actor="hjm", now=T0) == Refused(Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT)
    for actor in ("jesper", "emilbc", "cvo", "peter"):
        assert "lak" in run(PLAN, state, RecordArrival("lak"), actor).arrivals


def test_one_not_summoned_is_recorded_as_arrived_and_answers_nothing() -> None:
    outcome = step(PLAN, activated(PLAN), RecordArrival("emilbc"), actor="jesper", now=T0)

    assert isinstance(outcome, Accepted)
    assert outcome.events == (ArrivalRecorded(person="emilbc"),)
    assert "emilbc" not in outcome.state.answers


def test_a_second_arrival_is_refused_with_the_first_time_and_changes_nothing() -> None:
    state = run(PLAN, activated(PLAN), RecordArrival("hjm"), "cvo")  # 09:00 in Struer

    refused = step(PLAN, state, RecordArrival("hjm"), actor="jesper", now=LATER)

    assert refused == Refused(Refusal.ALREADY_ARRIVED, detail="Henrik Jebjerg Mogensen", at=T0)
    assert refusal_text(PLAN, refused, "da") == "Henrik Jebjerg Mogensen er allerede registreret ankommet kl. 09:00; intet er ændret."
    assert refusal_text(PLAN, refused, "en") == "Henrik Jebjerg Mogensen is already recorded as arrived at 09:00; nothing was changed."


def test_arrivals_are_recorded_only_in_an_activated_crisis_of_people_the_plan_knows() -> None:
    assert step(PLAN, raised(PLAN), RecordArrival("cvo"), actor="cvo", now=T0) == Refused(Refusal.WRONG_PHASE)
    assert step(PLAN, at_director(PLAN), RecordArrival("cvo"), actor="jesper", now=T0) == Refused(Refusal.WRONG_PHASE)
    closed = run(PLAN, activated(PLAN), Close(), "jesper")
    assert step(PLAN, closed, RecordArrival("cvo"), actor="jesper", now=T0) == Refused(Refusal.CLOSED)
    assert step(PLAN, activated(PLAN), RecordArrival("mallory"), actor="jesper", now=T0) == Refused(
        Refusal.UNKNOWN_PERSON, detail="jesper, emilbc, cvo, peter, hjm, lak, marialouiserj, politi, beredskab, forsyning, myndigheder"
    )
    assert step(PLAN, activated(PLAN), RecordArrival("hjm"), actor="mallory", now=T0) == Refused(Refusal.NOT_IN_PLAN)


def test_an_external_participant_called_by_hand_is_recorded_as_arrived() -> None:
    outcome = step(PLAN, activated(PLAN), RecordArrival("politi"), actor="cvo", now=T0)

    assert isinstance(outcome, Accepted)
    assert outcome.events == (ArrivalRecorded(person="politi"),)
    assert outcome.state.arrivals == {"politi": T0}


def test_an_external_participant_krisebot_summoned_answers_kommer_by_arriving() -> None:
    plan = summoning_plan()
    state = run(plan, activated(plan), SummonExternal("vagtchef"), "jesper")

    outcome = step(plan, state, RecordArrival("vagtchef"), actor="cvo", now=T0)

    assert isinstance(outcome, Accepted)
    assert outcome.events == (
        ExternalAnswered(external="vagtchef", coming=True, via=ARRIVAL_VIA), ArrivalRecorded(person="vagtchef"),
    )
    answer = outcome.state.externals["vagtchef"].answer
    assert answer is not None and answer.coming


def test_the_arrivals_are_rebuilt_from_the_logbog() -> None:
    history: list[Event] = []
    state = None
    for action, actor in [*_activation(), (RecordArrival("lak"), "cvo"), (RecordArrival("cvo"), "cvo")]:
        outcome = step(PLAN, state, action, actor=actor, now=T0 + timedelta(minutes=len(history)))
        assert isinstance(outcome, Accepted), outcome
        history += [Event(seq=len(history) + n, at=T0 + timedelta(minutes=len(history)), crisis_id="K-2026-001", actor=actor, payload=p)
                    for n, p in enumerate(outcome.events, start=1)]
        state = outcome.state

    rebuilt = fold(history)
    assert state is not None and (rebuilt.arrivals, rebuilt.answers, rebuilt.pages) == (state.arrivals, state.answers, state.pages)
    assert set(rebuilt.arrivals) == {"lak", "cvo"}


def _activation() -> list[tuple[Action, str]]:
    return [
        (RaiseAlarm("K-2026-001", "overvaagning", ("o365",), "Exchange svarer ikke"), "lak"),
        (Triage(TriageDecision.INFORM_DIRECTOR, "Alt er nede", via="teams"), "cvo"),
        (Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=T0), "jesper"),
    ]
