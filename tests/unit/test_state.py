"""The crisis state is a fold over its events: the logbog is the source of truth (DESIGN §3).

Whole runs are driven through ``lifecycle.step``; the events each step returns, plus the
``PageSent``/``PageFailed`` the engine would record for its pages, are kept as the store
keeps them. Folding that log must give exactly the state the last step returned.
"""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.actions import (
    Acknowledge,
    Action,
    AddLogEntry,
    AnswerSummons,
    ChangeLevel,
    Close,
    Decide,
    MoveMeeting,
    RaiseAlarm,
    Triage,
)
from bot.core.commands import SendPage
from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Escalated,
    Event,
    EventPayload,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.core.lifecycle import Accepted, step
from bot.core.state import Answer, CrisisState, Decision, Phase, apply, fold
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
MEETING_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
CRISIS = "K-2026-001"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


# ── Whole runs ───────────────────────────────────────────────────────────────────────

Script = list[tuple[str, Action]]

ACTIVATED_RUN: Script = [
    ("lak", RaiseAlarm(CRISIS, "brugere", ("o365",), "Outlook åbner ikke", "+4540408007")),
    ("cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Hele O365 er nede", "sms")),
    ("jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, "teams", members=("emilbc", "hjm"), note="Orienter")),
    ("emilbc", Acknowledge("teams")),
    ("jesper", Decide(DirectorDecision.ACTIVATE, "teams", meeting_at=MEETING_AT)),
    ("hjm", AnswerSummons(True, "teams", eta="15 min")),
    ("lak", AnswerSummons(False, "sms")),
    ("cvo", AnswerSummons(True, "teams", eta="5 min")),
    ("hjm", AnswerSummons(False, "teams")),
    ("jesper", MoveMeeting("it-undervisningslokale")),
    ("emilbc", ChangeLevel("kommune")),
    ("peter", AddLogEntry(LogEntryKind.HANDLING, "Nødmail sendt")),
    ("jesper", AddLogEntry(LogEntryKind.BESLUTNING, "Borgerservice lukker")),
    ("lak", AddLogEntry(LogEntryKind.UNDLADELSE, "Ingen pressemeddelelse")),
    ("jesper", Acknowledge("teams")),
    ("jesper", Close("O365 kører igen")),
]

DISMISSED_BY_TRIAGE: Script = [
    ("system", RaiseAlarm(CRISIS, "overvaagning", ("it-udstyr",), "En iPad er offline")),
    ("peter", AddLogEntry(LogEntryKind.HANDLING, "Tjekket")),
    ("peter", Triage(TriageDecision.NOT_CRITICAL, "Kun én enhed", "teams")),
]

DISMISSED_BY_DIRECTOR: Script = [
    ("system", RaiseAlarm(CRISIS, "cfcs", (), "Varsel om phishing")),
    ("cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Bør kendes af direktionen", "teams")),
    ("cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Gentaget tryk", "teams")),
    ("emilbc", Decide(DirectorDecision.NO_ACTION, "teams", note="Ingen handling")),
]

RUNS = [
    pytest.param(ACTIVATED_RUN, id="activated, moved, kommune level, closed"),
    pytest.param(DISMISSED_BY_TRIAGE, id="dismissed by triage"),
    pytest.param(DISMISSED_BY_DIRECTOR, id="dismissed by the director"),
]


class Run:
    """Drives a script through ``step`` and keeps the log the store would hold."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.state: CrisisState | None = None
        self.log: list[Event] = []
        self.now = T0

    def record(self, actor: str, payloads: list[EventPayload] | tuple[EventPayload, ...], at: datetime) -> list[Event]:
        events = [
            Event(seq=len(self.log) + n, at=at, crisis_id=CRISIS, actor=actor, payload=p)
            for n, p in enumerate(payloads, start=1)
        ]
        self.log += events
        return events

    def do(self, actor: str, action: Action) -> None:
        self.now += timedelta(minutes=1)
        outcome = step(self.plan, self.state, action, actor=actor, now=self.now)
        assert isinstance(outcome, Accepted), f"{actor} {action}: {outcome}"
        self.state = outcome.state
        self.record(actor, outcome.events, self.now)
        for page in (c for c in outcome.commands if isinstance(c, SendPage)):
            self.send(page)

    def send(self, page: SendPage) -> None:
        """The engine's part: Teams, plus SMS for a summons (which fails without a mobile number)."""
        self.now += timedelta(seconds=10)
        common = {"person": page.person, "roles": list(page.roles), "purpose": page.purpose}
        payloads: list[EventPayload] = [PageSent(channel="teams", provider_id="activity-1", **common)]
        if page.purpose is PagePurpose.SUMMONS:
            if self.plan.person_by_id[page.person].mobile:
                payloads.append(PageSent(channel="sms", provider_id="sms-1", **common))
            else:
                payloads.append(PageFailed(channel="sms", reason="intet mobilnummer", **common))
        for event in self.record("system", payloads, self.now):
            self.state = apply(self.state, event)


def without_seq(state: CrisisState) -> CrisisState:
    """``step`` records its events with seq 0 (the store numbers them), so seq is compared apart."""
    return replace(state, seq=0)


@pytest.mark.parametrize("script", RUNS)
def test_fold_of_the_log_is_the_state_after_every_step(plan: Plan, script: Script) -> None:
    run = Run(plan)
    for actor, action in script:
        run.do(actor, action)

        folded = fold(run.log)

        assert without_seq(folded) == without_seq(run.state)
        assert folded.seq == run.log[-1].seq
        assert folded.acknowledged == {(p.purpose, role) for p in folded.pages for role in p.acknowledged_roles}


@pytest.mark.parametrize("script", RUNS)
def test_fold_survives_the_stores_json(plan: Plan, script: Script) -> None:
    run = Run(plan)
    for actor, action in script:
        run.do(actor, action)

    reread = [Event.model_validate_json(event.model_dump_json()) for event in run.log]

    assert fold(reread) == fold(run.log)


def test_the_activated_run_as_the_logbog_tells_it(plan: Plan) -> None:
    run = Run(plan)
    for actor, action in ACTIVATED_RUN:
        run.do(actor, action)
    state = fold(run.log)

    assert state.phase is Phase.CLOSED
    assert (state.raised_by, state.reporter, state.reporter_phone) == ("lak", "lak", "+4540408007")
    assert state.triage.value == "inform_director" and state.triage.actor == "cvo"
    assert state.director.value == "activate" and state.director.actor == "jesper"
    assert state.informed == ("emilbc", "hjm")
    assert state.meeting_at == MEETING_AT
    assert state.meeting_place == "it-undervisningslokale"
    assert (state.level, state.top_staff_contacts) == ("kommune", ("jesper", "cvo"))
    assert {p: (a.coming, a.eta) for p, a in state.answers.items()} == {
        "hjm": (False, ""),
        "lak": (False, ""),
        "cvo": (True, "5 min"),
    }
    assert [(line.kind, line.actor) for line in state.log] == [
        (LogEntryKind.HANDLING, "peter"),
        (LogEntryKind.BESLUTNING, "jesper"),
        (LogEntryKind.UNDLADELSE, "lak"),
    ]
    cvo = state.page("cvo", PagePurpose.SUMMONS)
    assert cvo.roles == ("situationsbillede", "it")
    assert cvo.channels == ("teams",) and cvo.failures == ("sms: intet mobilnummer",)
    assert state.page("cvo", PagePurpose.MEETING_MOVED).channels == ("teams",)
    assert state.page("lak", PagePurpose.SUMMONS).channels == ("teams", "sms")
    # Nobody acknowledged the top-staff page to cvo, nor the moved meeting: those stay open, to be repeated;
    # «kommer ikke» acknowledged nothing either. The stand-downs of the closing ask for no answer.
    still_open = {(p.person, p.purpose) for p in state.pages if p.acknowledged_at is None}
    assert ("cvo", PagePurpose.TOP_STAFF) in still_open
    assert {purpose for _, purpose in still_open} == {
        PagePurpose.TOP_STAFF, PagePurpose.MEETING_MOVED, PagePurpose.SUMMONS, PagePurpose.STAND_DOWN,
    }
    assert state.closing is not None and state.closing.actor == "jesper"
    assert {person for person, purpose in still_open if purpose is PagePurpose.SUMMONS} == {"lak"}


# ── apply and fold at the edges ──────────────────────────────────────────────────────


def event(payload: EventPayload, *, seq: int = 1, minutes: int = 0, actor: str = "system", crisis_id: str | None = CRISIS) -> Event:
    return Event(seq=seq, at=T0 + timedelta(minutes=minutes), crisis_id=crisis_id, actor=actor, payload=payload)


ALARM = AlarmRaised(source="dpo", description="Persondata sendt forkert")


def page_sent(person: str, purpose: PagePurpose, channel: str = "teams", roles: tuple[str, ...] = ("it",)) -> PageSent:
    return PageSent(person=person, roles=list(roles), purpose=purpose, channel=channel)


@pytest.mark.parametrize(
    "payload",
    [
        page_sent("cvo", PagePurpose.TRIAGE),
        PageFailed(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", reason="x"),
        Acknowledged(person="cvo", roles=["it"], via="teams"),
        Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="x"),
        DirectorDecided(decision=DirectorDecision.ACTIVATE),
        SummonsAnswered(person="cvo", coming=True),
        MeetingPlaceChanged(place="byraadssalen"),
        LevelChanged(level="kommune"),
        LogEntryAdded(kind=LogEntryKind.HANDLING, text="x"),
        CrisisClosed(),
    ],
    ids=lambda p: p.type,
)
def test_a_crisis_must_begin_with_an_alarm(payload: EventPayload) -> None:
    with pytest.raises(ValueError, match="begynder med en alarm"):
        apply(None, event(payload))
    with pytest.raises(ValueError):
        fold([event(payload), event(ALARM, seq=2)])


def test_an_alarm_belongs_to_a_crisis() -> None:
    with pytest.raises(ValueError, match="begynder med en alarm"):
        apply(None, event(ALARM, crisis_id=None))


def test_a_second_alarm_is_not_part_of_the_crisis() -> None:
    with pytest.raises(ValueError):
        fold([event(ALARM), event(ALARM, seq=2)])


def test_fold_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        fold([])


def test_the_alarm_opens_the_crisis_in_triage() -> None:
    state = apply(None, event(ALARM, seq=7, actor="person:hjm"))

    assert state == CrisisState(
        id=CRISIS,
        phase=Phase.TRIAGE,
        opened_at=T0,
        raised_by="person:hjm",
        source="dpo",
        deliveries=(),
        description="Persondata sendt forkert",
        reporter=None,
        reporter_phone=None,
        seq=7,
    )


def test_pages_keep_first_time_channels_once_and_failures() -> None:
    state = fold([
        event(ALARM),
        event(page_sent("cvo", PagePurpose.TRIAGE), seq=2, minutes=1),
        event(PageFailed(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", reason="ingen mobil"), seq=3, minutes=1),
        event(page_sent("cvo", PagePurpose.TRIAGE, "teams"), seq=4, minutes=6),
        event(page_sent("cvo", PagePurpose.TRIAGE, "mail"), seq=5, minutes=7),
        event(PageFailed(person="peter", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", reason="ingen mobil"), seq=6, minutes=11),
    ])

    cvo = state.page("cvo", PagePurpose.TRIAGE)
    assert (cvo.first_sent_at, cvo.channels, cvo.failures) == (T0 + timedelta(minutes=1), ("teams", "mail"), ("sms: ingen mobil",))
    peter = state.page("peter", PagePurpose.TRIAGE)
    assert (peter.first_sent_at, peter.channels, peter.failures) == (None, (), ("sms: ingen mobil",))
    assert state.page("cvo", PagePurpose.SUMMONS) is None
    assert [p.person for p in state.pages_for(PagePurpose.TRIAGE)] == ["cvo", "peter"]
    assert state.seq == 6


def test_an_acknowledgement_marks_only_that_persons_open_pages() -> None:
    state = fold([
        event(ALARM),
        event(page_sent("cvo", PagePurpose.TRIAGE), seq=2),
        event(Acknowledged(person="cvo", roles=["it"], via="sms"), seq=3, minutes=2),
        event(page_sent("cvo", PagePurpose.SUMMONS, roles=("situationsbillede", "it")), seq=4, minutes=3),
        event(page_sent("hjm", PagePurpose.SUMMONS, roles=("okonomi",)), seq=5, minutes=3),
        event(page_sent("lak", PagePurpose.SUMMONS, roles=("kommunikation",)), seq=6, minutes=3),
        event(Acknowledged(person="cvo", roles=["situationsbillede", "it"], via="teams"), seq=7, minutes=4),
    ])

    triage, summons = state.page("cvo", PagePurpose.TRIAGE), state.page("cvo", PagePurpose.SUMMONS)
    assert (triage.acknowledged_at, triage.acknowledged_via) == (T0 + timedelta(minutes=2), "sms")
    assert (summons.acknowledged_at, summons.acknowledged_via) == (T0 + timedelta(minutes=4), "teams")
    assert state.open_pages("cvo") == []
    assert [p.person for p in state.open_pages("hjm") + state.open_pages("lak")] == ["hjm", "lak"]
    assert state.open_pages("peter") == []


def test_requested_and_escalated_pages_wait_before_they_are_sent() -> None:
    requested = PagesRequested(pages=[RequestedPage(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE)])
    escalated = Escalated(role="it", purpose=PagePurpose.TRIAGE, stage=1, people=["cvo", "peter"])
    state = fold([event(ALARM), event(requested, seq=2), event(escalated, seq=3, minutes=10)])

    assert [(p.person, p.roles, p.first_sent_at) for p in state.pages] == [("cvo", ("it",), None), ("peter", ("it",), None)]
    assert [p.person for p in state.open_pages("peter")] == ["peter"]
    acknowledged = apply(state, event(Acknowledged(person="peter", roles=["it"], via="teams"), seq=4, minutes=11))
    sent = apply(acknowledged, event(page_sent("peter", PagePurpose.TRIAGE), seq=5, minutes=11))
    assert sent.page("peter", PagePurpose.TRIAGE).acknowledged_roles == ("it",)
    assert sent.page("peter", PagePurpose.TRIAGE).first_sent_at == T0 + timedelta(minutes=11)
    assert sent.role_acknowledged("it", PagePurpose.TRIAGE)


@pytest.mark.parametrize(
    ("decision", "phase", "closed"),
    [
        (Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Stort"), Phase.DIRECTOR, False),
        (Triaged(decision=TriageDecision.NOT_CRITICAL, assessment="Lille"), Phase.DISMISSED, True),
    ],
    ids=lambda v: getattr(v, "decision", v),
)
def test_triage_decisions(decision: Triaged, phase: Phase, closed: bool) -> None:
    state = fold([event(ALARM), event(decision, seq=2, minutes=3, actor="cvo")])

    assert state.phase is phase
    assert state.triage == Decision(decision.decision.value, decision.assessment, "cvo", T0 + timedelta(minutes=3))
    assert state.closed_at == (T0 + timedelta(minutes=3) if closed else None)


def test_director_decisions_and_the_rest() -> None:
    informed = fold([
        event(ALARM),
        event(Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Stort"), seq=2),
        event(DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["hjm", "lak"]), seq=3),
        event(DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["lak", "emilbc"], note="Flere"), seq=4, minutes=1),
    ])
    assert informed.phase is Phase.DIRECTOR
    assert informed.informed == ("hjm", "lak", "emilbc")
    assert informed.director == Decision("inform_management", "Flere", "system", T0 + timedelta(minutes=1))

    activated = apply(informed, event(DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=MEETING_AT), seq=5))
    assert (activated.phase, activated.meeting_at, activated.informed) == (Phase.ACTIVATED, MEETING_AT, informed.informed)

    later = fold([
        *[event(p, seq=n) for n, p in enumerate([
            ALARM,
            Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Stort"),
            DirectorDecided(decision=DirectorDecision.ACTIVATE),
            SummonsAnswered(person="hjm", coming=True, eta="5 min"),
            SummonsAnswered(person="hjm", coming=False),
            MeetingPlaceChanged(place="it-undervisningslokale"),
            LevelChanged(level="kommune", contacts=["jesper", "cvo"]),
            LevelChanged(level="center", contacts=["jesper"]),
        ], start=1)],
    ])
    assert later.answers == {"hjm": Answer(False, "", T0)}
    assert later.meeting_place == "it-undervisningslokale"
    assert (later.level, later.top_staff_contacts) == ("center", ("jesper",))

    closed = apply(later, event(CrisisClosed(note="Slut"), seq=9, minutes=30))
    assert (closed.phase, closed.closed_at) == (Phase.CLOSED, T0 + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("phase", "is_open"),
    [(Phase.TRIAGE, True), (Phase.DIRECTOR, True), (Phase.ACTIVATED, True), (Phase.DISMISSED, False), (Phase.CLOSED, False)],
    ids=str,
)
def test_which_phases_are_open(phase: Phase, is_open: bool) -> None:
    assert phase.open is is_open
