"""The crisis lifecycle (DESIGN §3) as tables: every transition, refusal, role check and repeat.

A crisis is driven through ``step`` by a small ``Story``: it takes each step, asserts it was
accepted, records the events as the store would, and carries out ``SendPage`` commands the
way the engine does (a ``PageSent`` on Teams), so the tables read like the plan's alarm chain.
Nothing here touches the network, a database or the clock.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields
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
    ReportAlarm,
    Triage,
)
from bot.core.commands import PostToLog, RefreshPages, RefreshSituation, ReporterNews, SendPage, TellReporter
from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    AlarmReported,
    AlarmStatus,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Event,
    Guest,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    OutsideReporter,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.core.lifecycle import (
    Accepted,
    Refusal,
    Refused,
    current_level,
    current_meeting_place,
    next_crisis_id,
    step,
)
from bot.core.permissions import Permission
from bot.core.state import Answer, CrisisState, Decision, LogLine, Phase, apply
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)  # the step under test; stories stay before it
MEETING_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
VIA = "teams"
CRISIS = "K-2026-001"
ALTERNATIVE = "it-undervisningslokale"
ANNE = Guest(email="anne.andersen@struer.dk", name="Anne Andersen", title="Centerchef", entra_object_id="aad-anne")
"""A manager outside the plan, as Entra found her."""
PEOPLE = ("jesper", "emilbc", "cvo", "peter", "hjm", "lak", "marialouiserj")
KRISELEDERE = ("jesper", "emilbc")

TRIAGE, DIRECTOR, SUMMONS, INFORM, TOP_STAFF = (
    PagePurpose.TRIAGE,
    PagePurpose.DIRECTOR,
    PagePurpose.SUMMONS,
    PagePurpose.INFORM,
    PagePurpose.TOP_STAFF,
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


# ── The story helper ─────────────────────────────────────────────────────────────────


def split_commands(outcome: Accepted) -> list[SendPage]:
    """Check the command shape every accepted step has and return its pages.

    Pages come first, then what a reporter outside the plan is told, then one PostToLog per event in order, then one
    RefreshSituation, then the page cards to refresh (``refreshed``); a step without events asks for nothing at all.
    """
    if not outcome.events:
        assert outcome.commands == ()
        return []
    pages = [c for c in outcome.commands if isinstance(c, SendPage)]
    told = [c for c in outcome.commands if isinstance(c, TellReporter)]
    assert outcome.commands == (*pages, *told, *(PostToLog(e) for e in outcome.events), RefreshSituation(), *refreshed(outcome))
    requested = [RequestedPage(person=p.person, roles=list(p.roles), purpose=p.purpose) for p in pages]
    assert [e for e in outcome.events if isinstance(e, PagesRequested)] == ([PagesRequested(pages=requested)] if pages else [])
    assert not pages or outcome.events[-1] == PagesRequested(pages=requested), "the request is the step's last event"
    return pages


def refreshed(outcome: Accepted) -> tuple[RefreshPages, ...]:
    """The page cards a step asks to bring up to date in place."""
    return tuple(c for c in outcome.commands if isinstance(c, RefreshPages))


def decided(outcome: Accepted) -> tuple:
    """The step's events but its PagesRequested (``split_commands`` checks that one against the pages)."""
    return tuple(e for e in outcome.events if not isinstance(e, PagesRequested))


@dataclass
class Story:
    """One crisis driven step by step, with the logbog the store would hold."""

    plan: Plan
    state: CrisisState | None = None
    log: list[Event] = field(default_factory=list)
    now: datetime = T0

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        assert self.now < NOW
        return self.now

    def do(self, actor: str, action: Action, *, send: bool = True) -> Accepted:
        """Take a step that must be accepted; record its events and (unless not ``send``) send its pages."""
        at = self.tick()
        outcome = step(self.plan, self.state, action, actor=actor, now=at)
        assert isinstance(outcome, Accepted), f"{actor} {action}: {outcome}"
        pages = split_commands(outcome)
        self.state = outcome.state
        self._record(at, actor, outcome.events)
        for page in pages if send else ():
            self.deliver(page)
        return outcome

    def deliver(self, page: SendPage) -> None:
        """What the engine does with a SendPage: the page goes out on Teams and is recorded."""
        sent = PageSent(person=page.person, roles=list(page.roles), purpose=page.purpose, channel=VIA, provider_id="x")
        event = self._record(self.tick(), "system", [sent])[0]
        self.state = apply(self.state, event)

    def _record(self, at: datetime, actor: str, payloads) -> list[Event]:
        crisis_id = self.state.id if self.state else CRISIS
        recorded = [
            Event(seq=len(self.log) + n, at=at, crisis_id=crisis_id, actor=actor, payload=p)
            for n, p in enumerate(payloads, start=1)
        ]
        self.log += recorded
        return recorded

    def attempt(self, actor: str, action: Action) -> Accepted | Refused:
        """The step under test, at NOW; the story itself is left as it was."""
        return step(self.plan, self.state, action, actor=actor, now=NOW)


# The stories every table starts from, named as the plan's alarm chain names them.

RAISE = RaiseAlarm(CRISIS, "overvaagning", ("o365", "it-infrastruktur"), "Exchange svarer ikke")


def new(plan: Plan) -> Story:
    return Story(plan)


def alarmed(plan: Plan) -> Story:
    story = Story(plan)
    story.do("system", RAISE)
    return story


def director_informed(plan: Plan) -> Story:
    story = alarmed(plan)
    story.do("cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Mail er nede for alle", VIA))
    return story


def management_informed(plan: Plan) -> Story:
    story = director_informed(plan)
    story.do("jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("emilbc", "hjm")))
    return story


def activated(plan: Plan) -> Story:
    story = director_informed(plan)
    story.do("jesper", Decide(DirectorDecision.ACTIVATE, VIA, meeting_at=MEETING_AT))
    return story


def everyone_paged(plan: Plan) -> Story:
    """Activated after informing the deputies, so every person of the plan holds a page."""
    story = director_informed(plan)
    story.do("jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("emilbc", "peter", "marialouiserj")))
    story.do("jesper", Decide(DirectorDecision.ACTIVATE, VIA, meeting_at=MEETING_AT))
    return story


def moved(plan: Plan) -> Story:
    story = activated(plan)
    story.do("jesper", MoveMeeting(ALTERNATIVE))
    return story


def at_kommune_level(plan: Plan) -> Story:
    story = activated(plan)
    story.do("emilbc", ChangeLevel("kommune"))
    return story


def answered(plan: Plan) -> Story:
    story = activated(plan)
    story.do("hjm", AnswerSummons(True, VIA, eta="10 min"))
    return story


def reported_by_lak(plan: Plan) -> Story:
    story = Story(plan)
    story.do("lak", RaiseAlarm(CRISIS, "brugere", ("hjemmeside",), "Siden er nede", via="sms"))
    return story


def dismissed_by_triage(plan: Plan) -> Story:
    story = alarmed(plan)
    story.do("cvo", Triage(TriageDecision.NOT_CRITICAL, "Kun én bruger ramt", VIA))
    return story


def dismissed_by_director(plan: Plan) -> Story:
    story = director_informed(plan)
    story.do("jesper", Decide(DirectorDecision.NO_ACTION, VIA))
    return story


def closed(plan: Plan) -> Story:
    story = activated(plan)
    story.do("jesper", Close("Mail kører igen"))
    return story


# ── 1. Every transition ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Transition:
    id: str
    given: Callable[[Plan], Story]
    actor: str
    action: Action
    phase: Phase
    events: tuple
    pages: tuple[SendPage, ...] = ()
    state: dict = field(default_factory=dict)
    refreshes: tuple[RefreshPages, ...] = ()


def summons_to_every_role(purpose: PagePurpose = PagePurpose.SUMMONS, *, but: str = "") -> tuple[SendPage, ...]:
    """A page to every role's primary, except ``but`` (who took the decision it tells of)."""
    pages = (
        SendPage("jesper", ("kriseleder",), purpose),
        SendPage("cvo", ("situationsbillede", "it"), purpose),
        SendPage("hjm", ("okonomi",), purpose),
        SendPage("lak", ("kommunikation",), purpose),
    )
    return tuple(page for page in pages if page.person != but)


TRANSITIONS = [
    Transition(
        "raise alarm from monitoring → TRIAGE, pages the IT head",
        new, "system", RAISE, Phase.TRIAGE,
        events=(AlarmRaised(source="overvaagning", deliveries=["o365", "it-infrastruktur"], description="Exchange svarer ikke"),),
        pages=(SendPage("cvo", ("it",), TRIAGE),),
        state={"id": CRISIS, "raised_by": "system", "reporter": None, "opened_at": NOW, "deliveries": ("o365", "it-infrastruktur")},
    ),
    Transition(
        "raise alarm by a plan member records the reporter",
        new, "lak", RaiseAlarm(CRISIS, "brugere", ("hjemmeside", "hjemmeside"), "  Siden er nede  ", "+4540408007", via="sms"),
        Phase.TRIAGE,
        events=(AlarmRaised(
            source="brugere", deliveries=["hjemmeside"], description="Siden er nede", reporter="lak", reporter_phone="+4540408007",
            via="sms",
        ),),
        pages=(SendPage("cvo", ("it",), TRIAGE),),
        state={"raised_by": "lak", "reporter": "lak", "description": "Siden er nede", "reported_via": "sms"},
    ),
    Transition(
        "raise alarm texted from a number outside the plan is marked unverified and goes to triage",
        new, "ubekræftet afsender (+4520998877)",
        RaiseAlarm(CRISIS, "brugere", (), "Netværket er nede", "+4520998877", unverified_sender=True), Phase.TRIAGE,
        events=(AlarmRaised(
            source="brugere", description="Netværket er nede", reporter_phone="+4520998877", unverified_sender=True
        ),),
        pages=(SendPage("cvo", ("it",), TRIAGE),),
        state={"reporter": None, "reporter_phone": "+4520998877", "unverified_sender": True},
    ),
    Transition(
        "raise alarm naming its source and deliveries by name, however spelt",
        new, "system", RaiseAlarm(CRISIS, "Brugere af kritiske systemer", ("Lønudbetaling", "O365", "o365"), "Løn og mail"),
        Phase.TRIAGE,
        events=(AlarmRaised(source="brugere", deliveries=["lonudbetaling", "o365"], description="Løn og mail"),),
        pages=(SendPage("cvo", ("it",), TRIAGE),),
    ),
    Transition(
        "raise alarm naming what the plan does not know keeps the names as written",
        new, "system", RaiseAlarm(CRISIS, " Naboen ", ("o365", " kaffe  maskine", "  "), "Røg"), Phase.TRIAGE,
        events=(AlarmRaised(source="Naboen", deliveries=["o365", "kaffe maskine"], description="Røg"),),
        pages=(SendPage("cvo", ("it",), TRIAGE),),
    ),
    Transition(
        "triage inform director → DIRECTOR, pages the kriseleder",
        alarmed, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, "  Mail er nede for alle ", VIA), Phase.DIRECTOR,
        events=(
            Acknowledged(person="cvo", roles=["it"], via=VIA),
            Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Mail er nede for alle"),
        ),
        pages=(SendPage("jesper", ("kriseleder",), DIRECTOR),),
        state={"triage": Decision("inform_director", "Mail er nede for alle", "cvo", NOW), "closed_at": None},
    ),
    Transition(
        "triage by a key or a bare SMS code carries no assessment",
        alarmed, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, None, "telefon"), Phase.DIRECTOR,
        events=(
            Acknowledged(person="cvo", roles=["it"], via="telefon"),
            Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment=""),
        ),
        pages=(SendPage("jesper", ("kriseleder",), DIRECTOR),),
        state={"triage": Decision("inform_director", "", "cvo", NOW)},
    ),
    Transition(
        "triage not critical → DISMISSED",
        alarmed, "cvo", Triage(TriageDecision.NOT_CRITICAL, "Kun én bruger ramt", VIA), Phase.DISMISSED,
        events=(
            Acknowledged(person="cvo", roles=["it"], via=VIA),
            Triaged(decision=TriageDecision.NOT_CRITICAL, assessment="Kun én bruger ramt"),
        ),
        state={"triage": Decision("not_critical", "Kun én bruger ramt", "cvo", NOW), "closed_at": NOW},
    ),
    Transition(
        "triage not critical tells the plan person who raised the alarm",
        reported_by_lak, "cvo", Triage(TriageDecision.NOT_CRITICAL, "Kun én bruger ramt", VIA), Phase.DISMISSED,
        events=(
            Acknowledged(person="cvo", roles=["it"], via=VIA),
            Triaged(decision=TriageDecision.NOT_CRITICAL, assessment="Kun én bruger ramt"),
        ),
        pages=(SendPage("lak", (), PagePurpose.NOT_CRITICAL),),
    ),
    Transition(
        "director activate → ACTIVATED, one summons per person to every role's primary",
        director_informed, "jesper", Decide(DirectorDecision.ACTIVATE, VIA, meeting_at=MEETING_AT), Phase.ACTIVATED,
        events=(
            Acknowledged(person="jesper", roles=["kriseleder"], via=VIA),
            DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=MEETING_AT),
        ),
        pages=summons_to_every_role(),
        state={"director": Decision("activate", "", "jesper", NOW), "meeting_at": MEETING_AT, "meeting_place": None},
    ),
    Transition(
        "director inform management pages the chosen members and stays DIRECTOR",
        director_informed, "jesper",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("emilbc", "hjm"), note=" Økonomi skal vide det "),
        Phase.DIRECTOR,
        events=(
            Acknowledged(person="jesper", roles=["kriseleder"], via=VIA),
            DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["emilbc", "hjm"], note="Økonomi skal vide det"),
        ),
        pages=(SendPage("emilbc", ("kriseleder", "okonomi"), INFORM), SendPage("hjm", ("okonomi",), INFORM)),
        state={"informed": ("emilbc", "hjm"), "director": Decision("inform_management", "Økonomi skal vide det", "jesper", NOW)},
    ),
    Transition(
        "director informs someone outside the plan by address: recorded with who they are, paged for no role",
        director_informed, "jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm",), guests=(ANNE,)),
        Phase.DIRECTOR,
        events=(
            Acknowledged(person="jesper", roles=["kriseleder"], via=VIA),
            DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["hjm", ANNE.email], guests=[ANNE]),
        ),
        pages=(SendPage("hjm", ("okonomi",), INFORM), SendPage(ANNE.email, (), INFORM)),
        state={"informed": ("hjm", ANNE.email), "guests": {ANNE.email: ANNE}},
    ),
    Transition(
        "director informs more members after informing some: only the new ones are paged",
        management_informed, "jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm", "lak", "lak")), Phase.DIRECTOR,
        events=(DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["lak"]),),
        pages=(SendPage("lak", ("kommunikation",), INFORM),),
        state={"informed": ("emilbc", "hjm", "lak")},
    ),
    Transition(
        "director activates after informing management",
        management_informed, "emilbc", Decide(DirectorDecision.ACTIVATE, VIA), Phase.ACTIVATED,
        events=(Acknowledged(person="emilbc", roles=["kriseleder", "okonomi"], via=VIA), DirectorDecided(decision=DirectorDecision.ACTIVATE)),
        pages=summons_to_every_role(),
        state={"director": Decision("activate", "", "emilbc", NOW), "informed": ("emilbc", "hjm")},
    ),
    Transition(
        "director no action → DISMISSED",
        director_informed, "jesper", Decide(DirectorDecision.NO_ACTION, VIA, note="Håndteres i IT"), Phase.DISMISSED,
        events=(
            Acknowledged(person="jesper", roles=["kriseleder"], via=VIA),
            DirectorDecided(decision=DirectorDecision.NO_ACTION, note="Håndteres i IT"),
        ),
        state={"director": Decision("no_action", "Håndteres i IT", "jesper", NOW), "closed_at": NOW},
    ),
    Transition(
        "answer summons: kommer, with ETA",
        activated, "hjm", AnswerSummons(True, VIA, eta=" 10 min "), Phase.ACTIVATED,
        events=(Acknowledged(person="hjm", roles=["okonomi"], via=VIA), SummonsAnswered(person="hjm", coming=True, eta="10 min")),
        state={"answers": {"hjm": Answer(True, "10 min", NOW)}},
    ),
    Transition(
        "answer summons: kommer ikke (no acknowledgement: the role's next holder is summoned)",
        activated, "lak", AnswerSummons(False, "sms"), Phase.ACTIVATED,
        events=(SummonsAnswered(person="lak", coming=False),),
        state={"answers": {"lak": Answer(False, "", NOW)}},
    ),
    Transition(
        "a changed summons answer is recorded (no second acknowledgement)",
        answered, "hjm", AnswerSummons(False, VIA), Phase.ACTIVATED,
        events=(SummonsAnswered(person="hjm", coming=False),),
        state={"answers": {"hjm": Answer(False, "", NOW)}},
    ),
    Transition(
        "move meeting place to the alternative tells everyone summoned but the director who moved it",
        activated, "jesper", MoveMeeting(ALTERNATIVE), Phase.ACTIVATED,
        events=(MeetingPlaceChanged(place=ALTERNATIVE),),
        pages=summons_to_every_role(PagePurpose.MEETING_MOVED, but="jesper"),
        state={"meeting_place": ALTERNATIVE},
        refreshes=(RefreshPages((SUMMONS, PagePurpose.MEETING_MOVED)),),
    ),
    Transition(
        "move meeting place back to the primary",
        moved, "emilbc", MoveMeeting("byraadssalen"), Phase.ACTIVATED,
        events=(MeetingPlaceChanged(place="byraadssalen"),),
        pages=summons_to_every_role(PagePurpose.MEETING_MOVED),
        state={"meeting_place": "byraadssalen"},
        refreshes=(RefreshPages((SUMMONS, PagePurpose.MEETING_MOVED)),),
    ),
    Transition(
        "change level to kommune pages the top-staff contacts but the director who changed it",
        activated, "jesper", ChangeLevel("kommune"), Phase.ACTIVATED,
        events=(LevelChanged(level="kommune", contacts=["jesper", "cvo"]),),
        pages=(SendPage("cvo", ("situationsbillede",), TOP_STAFF),),
        state={"level": "kommune", "top_staff_contacts": ("jesper", "cvo")},
    ),
    *(
        Transition(
            f"log entry {kind.value} by {actor} during {given.__name__}",
            given, actor, AddLogEntry(kind, f"  {kind.value} skrevet  "), phase,
            events=(LogEntryAdded(kind=kind, text=f"{kind.value} skrevet"),),
            state={"log": (LogLine(kind, f"{kind.value} skrevet", actor, NOW),)},
        )
        for kind, given, actor, phase in [
            (LogEntryKind.HANDLING, alarmed, "lak", Phase.TRIAGE),
            (LogEntryKind.BESLUTNING, director_informed, "jesper", Phase.DIRECTOR),
            (LogEntryKind.UNDLADELSE, activated, "peter", Phase.ACTIVATED),
        ]
    ),
    Transition(
        "close → CLOSED stands down everyone a page reached but the one who closed it, and refreshes every card",
        activated, "jesper", Close(" Mail kører igen "), Phase.CLOSED,
        events=(CrisisClosed(note="Mail kører igen"),),
        pages=tuple(SendPage(person, (), PagePurpose.STAND_DOWN) for person in ("cvo", "hjm", "lak")),
        state={"closed_at": NOW, "closing": Decision("closed", "Mail kører igen", "jesper", NOW)},
        refreshes=(RefreshPages(),),
    ),
]


@pytest.mark.parametrize("case", TRANSITIONS, ids=lambda c: c.id)
def test_transition(plan: Plan, case: Transition) -> None:
    story = case.given(plan)

    outcome = story.attempt(case.actor, case.action)

    assert isinstance(outcome, Accepted), outcome
    assert tuple(split_commands(outcome)) == case.pages
    assert refreshed(outcome) == case.refreshes
    assert decided(outcome) == case.events
    assert outcome.state.phase is case.phase
    for name, value in case.state.items():
        assert getattr(outcome.state, name) == value, name


def test_activation_pages_cvo_once_for_both_his_roles(plan: Plan) -> None:
    story = director_informed(plan)

    outcome = story.do("jesper", Decide(DirectorDecision.ACTIVATE, VIA))

    to_cvo = [c for c in outcome.commands if isinstance(c, SendPage) and c.person == "cvo"]
    assert to_cvo == [SendPage("cvo", ("situationsbillede", "it"), SUMMONS)]
    assert {p.person for p in story.state.pages_for(SUMMONS)} == {"jesper", "cvo", "hjm", "lak"}


def test_moving_the_meeting_reaches_everyone_summoned(plan: Plan) -> None:
    story = activated(plan)
    assert current_meeting_place(plan, story.state) == "byraadssalen"

    outcome = story.do("jesper", MoveMeeting(ALTERNATIVE))

    told = {(c.person, c.roles, c.purpose) for c in outcome.commands if isinstance(c, SendPage)}
    summoned = {(p.person, p.roles, PagePurpose.MEETING_MOVED) for p in story.state.pages_for(SUMMONS)}
    assert told == {page for page in summoned if page[0] != "jesper"}, "everyone summoned but the one who moved it"
    assert current_meeting_place(plan, story.state) == ALTERNATIVE


def test_level_change_names_the_top_staff_contacts(plan: Plan) -> None:
    story = activated(plan)
    assert current_level(plan, story.state) == "center"

    story.do("emilbc", ChangeLevel("kommune"))

    assert current_level(plan, story.state) == "kommune"
    assert story.state.top_staff_contacts == ("jesper", "cvo")
    assert {(p.person, p.roles) for p in story.state.pages_for(TOP_STAFF)} == {
        ("jesper", ("kriseleder",)),
        ("cvo", ("situationsbillede",)),
    }



# ── 2. Every refused transition ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class Refusing:
    id: str
    given: Callable[[Plan], Story]
    actor: str
    action: Action
    reason: Refusal
    permission: Permission | None = None
    detail: str | None = None  # None: not checked


REFUSALS = [
    # Wrong phase
    Refusing("activate during TRIAGE", alarmed, "jesper", Decide(DirectorDecision.ACTIVATE, VIA), Refusal.WRONG_PHASE, detail="triage"),
    Refusing("no action during TRIAGE", alarmed, "emilbc", Decide(DirectorDecision.NO_ACTION, VIA), Refusal.WRONG_PHASE),
    Refusing(
        "inform management during TRIAGE", alarmed, "jesper",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm",)), Refusal.WRONG_PHASE,
    ),
    Refusing("answer summons during TRIAGE", alarmed, "cvo", AnswerSummons(True, VIA), Refusal.WRONG_PHASE),
    Refusing("answer summons before activation", director_informed, "jesper", AnswerSummons(True, VIA), Refusal.WRONG_PHASE),
    Refusing("change level before activation", director_informed, "jesper", ChangeLevel("kommune"), Refusal.WRONG_PHASE),
    Refusing("change level during TRIAGE", alarmed, "emilbc", ChangeLevel("kommune"), Refusal.WRONG_PHASE),
    Refusing("move meeting before activation", director_informed, "jesper", MoveMeeting(ALTERNATIVE), Refusal.WRONG_PHASE),
    Refusing(
        "a different triage after informing the director", director_informed, "cvo",
        Triage(TriageDecision.NOT_CRITICAL, "Alligevel ikke", VIA), Refusal.WRONG_PHASE, detail="director",
    ),
    Refusing(
        "a different director decision after activation", activated, "jesper",
        Decide(DirectorDecision.NO_ACTION, VIA), Refusal.WRONG_PHASE, detail="activated",
    ),
    Refusing(
        "inform management after activation", activated, "emilbc",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm",)), Refusal.WRONG_PHASE, detail="activated",
    ),
    # Unknown things
    Refusing("alarm without a source", new, "system", RaiseAlarm(CRISIS, "  ", ("o365",), "Røg"), Refusal.MISSING_SOURCE),
    Refusing("move to an unknown place", activated, "jesper", MoveMeeting("kantinen"), Refusal.UNKNOWN_PLACE, detail="kantinen"),
    Refusing("change to an unknown level", activated, "jesper", ChangeLevel("region"), Refusal.UNKNOWN_LEVEL, detail="region"),
    Refusing(
        "inform an unknown member", director_informed, "jesper",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm", "politi")), Refusal.UNKNOWN_MEMBER, detail="politi",
    ),
    Refusing(
        "inform management without members", director_informed, "jesper",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA), Refusal.UNKNOWN_MEMBER,
    ),
    # Empty texts
    Refusing("alarm without description", new, "lak", RaiseAlarm(CRISIS, "brugere", (), "   "), Refusal.MISSING_TEXT),
    Refusing("triage without assessment", alarmed, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, " \n ", VIA), Refusal.MISSING_TEXT),
    Refusing("dismiss without assessment", alarmed, "peter", Triage(TriageDecision.NOT_CRITICAL, "", VIA), Refusal.MISSING_TEXT),
    Refusing("empty log entry", activated, "hjm", AddLogEntry(LogEntryKind.HANDLING, "  "), Refusal.MISSING_TEXT),
    # Who
    Refusing("ack by someone never paged", alarmed, "hjm", Acknowledge(VIA), Refusal.NOT_PAGED),
    Refusing("ack by a deputy whose primary was paged", alarmed, "peter", Acknowledge(VIA), Refusal.NOT_PAGED),
    Refusing("answer by someone not summoned (a deputy)", activated, "emilbc", AnswerSummons(True, VIA), Refusal.NOT_SUMMONED),
    Refusing("answer by someone only informed", everyone_paged, "peter", AnswerSummons(True, VIA), Refusal.NOT_SUMMONED),
    *(
        Refusing(f"{type(action).__name__} by someone not in the plan", activated, "mallory", action, Refusal.NOT_IN_PLAN)
        for action in (
            Acknowledge(VIA),
            AddLogEntry(LogEntryKind.HANDLING, "Hej"),
            Close(),
            AnswerSummons(True, VIA),
        )
    ),
    Refusing("the monitoring system closing a crisis", activated, "system", Close(), Refusal.NOT_IN_PLAN),
    Refusing("someone not in the plan on a closed crisis", closed, "mallory", Close(), Refusal.NOT_IN_PLAN),
]

EVERY_ACTION = [
    Acknowledge(VIA),
    Triage(TriageDecision.INFORM_DIRECTOR, "Igen", VIA),
    Decide(DirectorDecision.ACTIVATE, VIA),
    AnswerSummons(True, VIA),
    MoveMeeting(ALTERNATIVE),
    ChangeLevel("kommune"),
    AddLogEntry(LogEntryKind.UNDLADELSE, "Efterskrift"),
    Close(),
]

REFUSALS += [
    Refusing(f"{type(action).__name__} by {actor} on a crisis {given.__name__}", given, actor, action, Refusal.CLOSED)
    for given in (dismissed_by_triage, dismissed_by_director, closed)
    for action in EVERY_ACTION
    for actor in ("jesper", "cvo")
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_refused(plan: Plan, case: Refusing) -> None:
    story = case.given(plan)
    before = story.state

    outcome = story.attempt(case.actor, case.action)

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is case.reason
    assert outcome.permission is case.permission
    if case.detail is not None:
        assert outcome.detail == case.detail
    assert story.state is before


def test_a_refusal_carries_no_events_or_commands() -> None:
    assert {f.name for f in fields(Refused)} == {"reason", "permission", "detail", "at"}


def test_an_action_other_than_an_alarm_needs_a_crisis(plan: Plan) -> None:
    with pytest.raises(ValueError):
        step(plan, None, Close(), actor="jesper", now=NOW)


# ── 3. Every role check ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Guarded:
    name: str
    given: Callable[[Plan], Story]
    action: Action
    permission: Permission
    allowed: tuple[str, ...]


GUARDED = [
    Guarded("triage", alarmed, Triage(TriageDecision.INFORM_DIRECTOR, "Alvorligt", VIA), Permission.TRIAGE, ("cvo", "peter")),
    Guarded("dismiss", alarmed, Triage(TriageDecision.NOT_CRITICAL, "Ufarligt", VIA), Permission.TRIAGE, ("cvo", "peter")),
    Guarded("activate", director_informed, Decide(DirectorDecision.ACTIVATE, VIA), Permission.ACTIVATE, KRISELEDERE),
    Guarded(
        "inform management", director_informed,
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("lak",)), Permission.ACTIVATE, KRISELEDERE,
    ),
    Guarded("no action", director_informed, Decide(DirectorDecision.NO_ACTION, VIA), Permission.ACTIVATE, KRISELEDERE),
    Guarded("change level", activated, ChangeLevel("kommune"), Permission.LEVEL_CHANGE, KRISELEDERE),
    Guarded("move meeting", activated, MoveMeeting(ALTERNATIVE), Permission.MEETING_PLACE, KRISELEDERE),
    Guarded("close", activated, Close(), Permission.CLOSE, KRISELEDERE),
]


@pytest.mark.parametrize(
    ("guarded", "actor"),
    [
        pytest.param(g, actor, id=f"{g.name} by {actor}: {'allowed' if actor in g.allowed else 'refused'}")
        for g in GUARDED
        for actor in PEOPLE
    ],
)
def test_role_check(plan: Plan, guarded: Guarded, actor: str) -> None:
    outcome = guarded.given(plan).attempt(actor, guarded.action)

    if actor in guarded.allowed:
        assert isinstance(outcome, Accepted), outcome
        assert outcome.events
    else:
        assert outcome == Refused(Refusal.NOT_PERMITTED, guarded.permission)


@pytest.mark.parametrize("kind", list(LogEntryKind), ids=str)
@pytest.mark.parametrize("actor", PEOPLE)
def test_any_plan_member_may_write_the_log(plan: Plan, actor: str, kind: LogEntryKind) -> None:
    outcome = activated(plan).attempt(actor, AddLogEntry(kind, "Noteret"))

    assert isinstance(outcome, Accepted)
    assert outcome.events == (LogEntryAdded(kind=kind, text="Noteret"),)


@pytest.mark.parametrize(
    ("actor", "roles"),
    [
        ("jesper", ["kriseleder"]),
        ("emilbc", ["kriseleder", "okonomi"]),
        ("cvo", ["situationsbillede", "it"]),
        ("peter", ["situationsbillede", "it"]),
        ("hjm", ["okonomi"]),
        ("lak", ["kommunikation"]),
        ("marialouiserj", ["kommunikation"]),
    ],
)
def test_any_paged_plan_member_may_acknowledge(plan: Plan, actor: str, roles: list[str]) -> None:
    story = everyone_paged(plan)
    assert story.state.open_pages(actor)

    outcome = story.do(actor, Acknowledge("sms"))

    assert outcome.events == (Acknowledged(person=actor, roles=roles, via="sms"),)
    assert outcome.commands == (PostToLog(outcome.events[0]), RefreshSituation())
    assert story.state.open_pages(actor) == []


# ── 4. Idempotency ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Repeat:
    id: str
    given: Callable[[Plan], Story]
    actor: str
    action: Action


REPEATS = [
    Repeat("the same triage decision", director_informed, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Igen", VIA)),
    Repeat("the same triage decision by the deputy", director_informed, "peter", Triage(TriageDecision.INFORM_DIRECTOR, "x", VIA)),
    Repeat("the triage decision once activated", activated, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Igen", VIA)),
    Repeat("the same director decision", activated, "jesper", Decide(DirectorDecision.ACTIVATE, VIA)),
    Repeat("the same director decision by the deputy", activated, "emilbc", Decide(DirectorDecision.ACTIVATE, VIA)),
    Repeat(
        "informing the same members again", management_informed, "jesper",
        Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm", "emilbc")),
    ),
    Repeat("the same summons answer", answered, "hjm", AnswerSummons(True, VIA, eta="10 min")),
    Repeat("the same summons answer, spaced", answered, "hjm", AnswerSummons(True, "sms", eta=" 10 min ")),
    Repeat("an acknowledgement already given", answered, "hjm", Acknowledge(VIA)),
    Repeat("an acknowledgement after deciding", director_informed, "cvo", Acknowledge("sms")),
    Repeat("moving to the primary place it is at", activated, "jesper", MoveMeeting("byraadssalen")),
    Repeat("moving to the alternative it was moved to", moved, "emilbc", MoveMeeting(ALTERNATIVE)),
    Repeat("changing to the first level it is at", activated, "jesper", ChangeLevel("center")),
    Repeat("changing to the level it was changed to", at_kommune_level, "jesper", ChangeLevel("kommune")),
]


@pytest.mark.parametrize("case", REPEATS, ids=lambda c: c.id)
def test_repeat_is_accepted_and_changes_nothing(plan: Plan, case: Repeat) -> None:
    story = case.given(plan)

    outcome = story.attempt(case.actor, case.action)

    assert outcome == Accepted(story.state)


# ── 5. Acknowledgement stops only that person's roles ───────────────────────────────


def test_an_ack_marks_only_that_persons_pages(plan: Plan) -> None:
    story = everyone_paged(plan)
    open_before = {person: story.state.open_pages(person) for person in PEOPLE}

    story.do("cvo", Acknowledge("sms"))

    assert story.state.open_pages("cvo") == []
    cvo_summons = story.state.page("cvo", SUMMONS)
    assert (cvo_summons.roles, cvo_summons.acknowledged_via) == (("situationsbillede", "it"), "sms")
    for person in PEOPLE:
        if person != "cvo":
            assert story.state.open_pages(person) == open_before[person], person
    assert story.state.page("cvo", TRIAGE).acknowledged_via == VIA  # from the triage, kept


@dataclass(frozen=True)
class Deciding:
    id: str
    given: Callable[[Plan], Story]
    actor: str
    action: Action
    roles: list[str]
    decision: type


DECIDING = [
    Deciding("triage", alarmed, "cvo", Triage(TriageDecision.NOT_CRITICAL, "Lille", "sms"), ["it"], Triaged),
    Deciding("director", director_informed, "jesper", Decide(DirectorDecision.NO_ACTION, "sms"), ["kriseleder"], DirectorDecided),
    Deciding("answering summons", activated, "cvo", AnswerSummons(True, "sms"), ["situationsbillede", "it"], SummonsAnswered),
    Deciding(
        "deputy informed then activating", management_informed, "emilbc",
        Decide(DirectorDecision.ACTIVATE, "sms"), ["kriseleder", "okonomi"], DirectorDecided,
    ),
]


@pytest.mark.parametrize("case", DECIDING, ids=lambda c: c.id)
def test_deciding_acknowledges_the_deciders_pages_first(plan: Plan, case: Deciding) -> None:
    story = case.given(plan)
    assert story.state.open_pages(case.actor)
    others = {p: story.state.open_pages(p) for p in PEOPLE if p != case.actor}

    outcome = story.attempt(case.actor, case.action)

    assert isinstance(outcome, Accepted)
    assert outcome.events[0] == Acknowledged(person=case.actor, roles=case.roles, via="sms")
    assert isinstance(outcome.events[1], case.decision)
    assert outcome.state.open_pages(case.actor) == []
    for person, pages in others.items():  # untouched (the decision may request new pages beside them)
        assert all(page in outcome.state.open_pages(person) for page in pages), person


@pytest.mark.parametrize("case", DECIDING, ids=lambda c: c.id)
def test_an_answer_that_overtakes_its_page_being_sent_still_acknowledges(plan: Plan, case: Deciding) -> None:
    """The card (or SMS) reached the person before the engine recorded PageSent: the request counts."""
    story = case.given(plan)
    story.log.clear()
    story.state = None
    for event in _replayed_without_sends(plan, case):
        story.state = apply(story.state, event)

    outcome = story.do(case.actor, case.action)

    assert outcome.events[0] == Acknowledged(person=case.actor, roles=case.roles, via="sms")
    assert outcome.state.open_pages(case.actor) == []


def _replayed_without_sends(plan: Plan, case: Deciding) -> list[Event]:
    """The logbog of ``case.given`` as it is before any page's PageSent is recorded."""
    return [event for event in case.given(plan).log if not isinstance(event.payload, PageSent)]


def test_a_page_sent_after_its_acknowledgement_stays_acknowledged(plan: Plan) -> None:
    story = director_informed(plan)
    story.do("jesper", Decide(DirectorDecision.ACTIVATE, VIA, meeting_at=MEETING_AT), send=False)
    story.do("cvo", AnswerSummons(True, VIA, eta="10 min"))

    story.deliver(SendPage("cvo", ("situationsbillede", "it"), SUMMONS))

    page = story.state.page("cvo", SUMMONS)
    assert page.first_sent_at is not None and page.acknowledged_roles == ("situationsbillede", "it")
    assert story.state.role_acknowledged("it", SUMMONS)


def test_a_deputy_deciding_unpaged_records_no_acknowledgement(plan: Plan) -> None:
    story = alarmed(plan)

    outcome = story.do("peter", Triage(TriageDecision.INFORM_DIRECTOR, "Stort", VIA))

    assert [type(e) for e in decided(outcome)] == [Triaged]
    assert [p.purpose for p in story.state.open_pages("cvo")] == [TRIAGE]


# ── 7. Crisis ids ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("existing", "now", "expected"),
    [
        pytest.param([], NOW, "K-2026-001", id="first of the year"),
        pytest.param(["K-2026-001"], NOW, "K-2026-002", id="increments"),
        pytest.param(["K-2026-002", "K-2026-007", "K-2026-003"], NOW, "K-2026-008", id="after the highest"),
        pytest.param(["K-2026-999"], NOW, "K-2026-1000", id="past three digits"),
        pytest.param(["K-2025-041"], NOW, "K-2026-001", id="a new year starts over"),
        pytest.param(["K-2026-004"], datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "K-2027-001", id="new year in Copenhagen before UTC"),
        pytest.param(["K-2026-004"], datetime(2026, 12, 31, 22, 59, tzinfo=timezone.utc), "K-2026-005", id="still the old year in Copenhagen"),
        pytest.param(
            ["K-2027-002"], datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5))), "K-2027-003",
            id="any aware time zone",
        ),
        pytest.param(
            ["K-2026-abc", "K-2026-", "X-2026-009", "K-2026-005x", "k-2026-009", "K-2026--09", "K-2026-²", "K-2026-٩"],
            NOW, "K-2026-001", id="ignores malformed ids",
        ),
        pytest.param(["K-2026-abc", "K-2026-002"], NOW, "K-2026-003", id="malformed beside well formed"),
    ],
)
def test_next_crisis_id(existing: list[str], now: datetime, expected: str) -> None:
    assert next_crisis_id(existing, now) == expected


@pytest.mark.parametrize(
    "actor, action",
    [
        ("cvo", AddLogEntry(LogEntryKind.HANDLING, "x" * 4001)),
        ("cvo", Triage(TriageDecision.INFORM_DIRECTOR, "x" * 4001, VIA)),
    ],
    ids=["log entry", "assessment"],
)
def test_a_text_too_long_for_the_logbog_is_refused_not_a_crash(plan: Plan, actor: str, action: Action) -> None:
    outcome = alarmed(plan).attempt(actor, action)

    assert outcome == Refused(Refusal.TOO_LONG)


# ── Monitoring reports on an open crisis ─────────────────────────────────────────────

MONITOR = "Overvågning (Alertmanager)"
FIRING_AGAIN = ReportAlarm(AlarmStatus.FIRING, "Alertmanager: ExchangeOnlineDown")
RESOLVED = ReportAlarm(AlarmStatus.RESOLVED, "Alertmanager: ExchangeOnlineDown")
TOLD = SendPage("cvo", ("it",), PagePurpose.MONITORING)


@dataclass(frozen=True)
class Report:
    id: str
    given: Callable[[Plan], Story]
    before: tuple[ReportAlarm, ...]
    action: ReportAlarm
    events: tuple
    pages: tuple[SendPage, ...]


REPORTS = [
    Report("repeat-is-logged", alarmed, (), FIRING_AGAIN,
           (AlarmReported(status=AlarmStatus.FIRING, text=FIRING_AGAIN.text),), ()),
    Report("resolved-tells-the-it-head", alarmed, (), RESOLVED,
           (AlarmReported(status=AlarmStatus.RESOLVED, text=RESOLVED.text),), (TOLD,)),
    Report("resolved-again-is-a-no-op", alarmed, (RESOLVED,), RESOLVED, (), ()),
    Report("resolved-after-firing-again-tells-again", alarmed, (RESOLVED, FIRING_AGAIN), RESOLVED,
           (AlarmReported(status=AlarmStatus.RESOLVED, text=RESOLVED.text),), (TOLD,)),
    Report("activated-crisis-takes-reports", activated, (), RESOLVED,
           (AlarmReported(status=AlarmStatus.RESOLVED, text=RESOLVED.text),), (TOLD,)),
]


@pytest.mark.parametrize("case", REPORTS, ids=[case.id for case in REPORTS])
def test_monitoring_report(plan: Plan, case: Report) -> None:
    story = case.given(plan)
    for earlier in case.before:
        story.do(MONITOR, earlier)
    phase = story.state.phase
    outcome = story.attempt(MONITOR, case.action)
    assert isinstance(outcome, Accepted), outcome
    assert tuple(split_commands(outcome)) == case.pages
    assert decided(outcome) == case.events
    assert outcome.state.phase is phase


def test_a_second_resolved_notice_must_be_acknowledged_afresh(plan: Plan) -> None:
    story = alarmed(plan)
    story.do(MONITOR, RESOLVED)
    story.do("cvo", Acknowledge(VIA))
    assert story.state.role_acknowledged("it", PagePurpose.MONITORING)
    story.do(MONITOR, FIRING_AGAIN)
    story.do(MONITOR, RESOLVED)
    assert not story.state.role_acknowledged("it", PagePurpose.MONITORING)


@pytest.mark.parametrize(
    ("given", "action", "reason"),
    [(closed, RESOLVED, Refusal.CLOSED), (alarmed, ReportAlarm(AlarmStatus.FIRING, "  "), Refusal.MISSING_TEXT)],
    ids=["closed-crisis", "empty-text"],
)
def test_monitoring_report_refused(plan: Plan, given, action: ReportAlarm, reason: Refusal) -> None:
    outcome = given(plan).attempt(MONITOR, action)
    assert isinstance(outcome, Refused) and outcome.reason is reason


def test_a_machine_may_only_report(plan: Plan) -> None:
    outcome = alarmed(plan).attempt(MONITOR, AddLogEntry(LogEntryKind.HANDLING, "Genstartet"))
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.NOT_IN_PLAN


def test_the_fingerprint_of_a_machine_alarm_is_kept(plan: Plan) -> None:
    story = Story(plan)
    story.do(MONITOR, RaiseAlarm(CRISIS, "overvaagning", ("o365",), "Exchange svarer ikke", fingerprint="alertmanager:1a"))
    assert story.state.fingerprint == "alertmanager:1a"
    assert story.state.raised_by == MONITOR and story.state.reporter is None


ANNE = OutsideReporter(name="Anne Andersen", email="anne@example.org", aad_object_id="aad-anne", teams_user_id="29:1anne")


def told(outcome: Accepted | Refused) -> list[ReporterNews]:
    assert isinstance(outcome, Accepted), outcome
    return [command.news for command in outcome.commands if isinstance(command, TellReporter)]


@pytest.mark.parametrize(
    ("given", "actor", "action", "news"),
    [
        (alarmed, "cvo", Triage(TriageDecision.NOT_CRITICAL, "Kun én bruger", VIA), [ReporterNews.NOT_CRITICAL]),
        (alarmed, "cvo", Triage(TriageDecision.INFORM_DIRECTOR, "Alvorligt", VIA), []),
        (alarmed, "cvo", Acknowledge(VIA), []),
        (director_informed, "jesper", Decide(DirectorDecision.ACTIVATE, VIA), [ReporterNews.ACTIVATED]),
        (director_informed, "jesper", Decide(DirectorDecision.NO_ACTION, VIA), [ReporterNews.CLOSED]),
        (director_informed, "jesper", Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=("hjm",)), []),
        (activated, "jesper", Close("Løst"), [ReporterNews.CLOSED]),
        (activated, "jesper", AddLogEntry(LogEntryKind.HANDLING, "Ringet til KMD"), []),
    ],
    ids=["not critical", "to the director", "acknowledged", "activated", "no action", "management informed", "closed", "logged"],
)
def test_a_reporter_outside_the_plan_is_told_what_becomes_of_the_alarm_and_a_plan_reporter_is_not(
    plan: Plan, given: Callable[[Plan], Story], actor: str, action: Action, news: list[ReporterNews]
) -> None:
    outside = Story(plan)
    outside.do("Anne Andersen (anne@example.org)", RaiseAlarm(CRISIS, "brugere", ("lonudbetaling",), "Løn", outside_reporter=ANNE))
    for taken in given(plan).log[1:]:  # the same decisions, on Anne's alarm
        outside.state = apply(outside.state, taken)

    assert told(outside.attempt(actor, action)) == news
    assert told(given(plan).attempt(actor, action)) == []
    assert outside.state.outside_reporter == ANNE and outside.state.reporter is None
