"""The crisis lifecycle of the plan's alarm chain as a pure state machine.

``step(plan, state, action, actor=…, now=…)`` either accepts the action, returning the events
to record, the state after them and the commands to carry out, or refuses it with a reason
and changes nothing. Repeating an action that already took effect is accepted with no
events (idempotent taps and duplicate deliveries).

    alarm → TRIAGE ─ inform director → DIRECTOR ─ activate → ACTIVATED ─ close → CLOSED
              └ not critical → DISMISSED    └ no action → DISMISSED

Closing tells everyone a page reached that nobody is to come, and brings their cards up to date; «not
critical» tells the person who raised the alarm (``bot.core.end_notices``).

The kriseleder may also close a crisis before activation (from TRIAGE or DIRECTOR), and
triages once nobody in the triage role answered (``bot.core.coverage``). A summons answered
«kommer ikke» is not an acknowledgement of the person's roles; «kommer» is.
Monitoring (a machine actor) may report on an open crisis's alarm: a repeat is logged, a
resolved alarm is logged and the IT head is told; neither changes the phase. Once the crisis
staff is activated, the crisis room may have Krisebot summon an external participant the plan
allows it to (one page, never escalated); the participant, its id the actor, answers it. Arrivals at the meeting
place are recorded once the crisis staff is activated: an arrival is a «kommer» for one who had not said so. A reporter
outside the plan is told when their alarm is dismissed, activated or closed (``bot.core.reporters``).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial, reduce

from pydantic import ValidationError

from ..clock import LOCAL_TIME
from ..plan.models import AlarmSource, Delivery, Plan
from .actions import (
    Acknowledge,
    Action,
    AddLogEntry,
    AnswerSummons,
    ChangeLevel,
    Close,
    Decide,
    Escalate,
    MoveMeeting,
    RaiseAlarm,
    RecordArrival,
    RecordContact,
    RecordExternal,
    ReportAlarm,
    SummonExternal,
    Triage,
)
from .commands import Command, PostToLog, RefreshPages, RefreshSituation, SendPage, TellReporter
from .coverage import may_triage
from .end_notices import reporter_pages, stand_down_pages
from .events import (
    Acknowledged,
    AlarmRaised,
    AlarmReported,
    AlarmStatus,
    ArrivalRecorded,
    ContactAnswer,
    ContactMethod,
    ContactRecorded,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    EscalationRequested,
    Event,
    EventPayload,
    ExternalAnswered,
    ExternalContacted,
    ExternalSummoned,
    LevelChanged,
    LogEntryAdded,
    MeetingPlaceChanged,
    PagePurpose,
    PagesRequested,
    RequestedPage,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from .permissions import Permission, may
from .reporters import reporter_news
from .state import CrisisState, Phase, apply


class Refusal(StrEnum):
    """Why an action changed nothing. The Teams and SMS layers word these for people."""

    NOT_IN_PLAN = "not_in_plan"
    NOT_PERMITTED = "not_permitted"
    WRONG_PHASE = "wrong_phase"
    CLOSED = "closed"
    NOT_PAGED = "not_paged"
    NOT_SUMMONED = "not_summoned"
    MISSING_SOURCE = "missing_source"
    UNKNOWN_PLACE = "unknown_place"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_MEMBER = "unknown_member"
    MISSING_TEXT = "missing_text"
    TOO_LONG = "too_long"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_EXTERNAL = "unknown_external"
    PERSON_NOT_PAGED = "person_not_paged"
    """NOT_PAGED of a person whose answer someone else records (``detail``: the person's name)."""
    PERSON_NOT_SUMMONED = "person_not_summoned"
    """NOT_SUMMONED of a person whose answer someone else records (``detail``: the person's name)."""
    NOT_SUMMONABLE = "not_summonable"
    """The plan does not let Krisebot summon the external participant (``detail``: its name)."""
    ALREADY_ARRIVED = "already_arrived"
    """The person was recorded as arrived before (``detail``: their name; ``at``: when)."""


@dataclass(frozen=True, slots=True)
class Accepted:
    state: CrisisState | None
    events: tuple[EventPayload, ...] = ()
    commands: tuple[Command, ...] = ()


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    permission: Permission | None = None
    detail: str = ""
    at: datetime | None = None


Outcome = Accepted | Refused


@dataclass
class _Draft:
    """Events and commands being built up by one step."""

    events: list[EventPayload] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)


def step(plan: Plan, state: CrisisState | None, action: Action, *, actor: str, now: datetime) -> Outcome:
    """Decide ``action`` by ``actor`` (a plan person id, or a system name for alarms) at ``now``."""
    if isinstance(action, RaiseAlarm):
        if state is not None:
            raise ValueError("en alarm åbner en ny krise")
        crisis_id, decide = action.crisis_id, partial(_raise, plan, action, actor)
    else:
        if state is None:
            raise ValueError("handlingen kræver en krise")
        if not _acts(plan, action, actor):
            return Refused(Refusal.NOT_IN_PLAN)
        if not state.phase.open:
            return Refused(Refusal.CLOSED)
        crisis_id, decide = state.id, partial(_decide, plan, state, action, actor)
    try:
        outcome = decide()
    except ValidationError:  # an event refused its text: too long for the logbog
        return Refused(Refusal.TOO_LONG)
    return outcome if isinstance(outcome, Refused) else _finish(state, outcome, crisis_id, actor, now)


def _acts(plan: Plan, action: Action, actor: str) -> bool:
    """May ``actor`` act in a crisis at all? Plan people may; monitoring reports on its alarm; an external participant
    Krisebot may summon answers its summons."""
    if actor in plan.person_by_id or isinstance(action, ReportAlarm):
        return True
    return isinstance(action, AnswerSummons) and plan.recipient(actor) is not None


def _finish(state: CrisisState | None, draft: _Draft, crisis_id: str, actor: str, now: datetime) -> Accepted:
    if not draft.events:
        return Accepted(state)
    pages = [
        RequestedPage(person=c.person, roles=list(c.roles), purpose=c.purpose)
        for c in draft.commands if isinstance(c, SendPage)
    ]
    if pages:
        draft.events.append(PagesRequested(pages=pages))
    recorded = [Event(seq=0, at=now, crisis_id=crisis_id, actor=actor, payload=p) for p in draft.events]
    new_state = reduce(apply, recorded, state)
    sends = [c for c in draft.commands if isinstance(c, SendPage)]
    refreshes = [c for c in draft.commands if not isinstance(c, SendPage)]
    told = reporter_news(draft.events) if new_state is not None and new_state.outside_reporter else ()
    commands = (
        *sends, *(TellReporter(news) for news in told), *(PostToLog(p) for p in draft.events), RefreshSituation(),
        *refreshes,
    )
    return Accepted(new_state, tuple(draft.events), commands)


def _raise(plan: Plan, action: RaiseAlarm, actor: str) -> _Draft | Refused:
    """Source and deliveries are matched by id or name, however spelt; a name the plan does not know is
    kept as written (the cards and the logbog flag it): an alarm is never lost over a name."""
    if not action.source.strip():
        return Refused(Refusal.MISSING_SOURCE)
    if not action.description.strip():
        return Refused(Refusal.MISSING_TEXT)
    deliveries = [_id_or_name(plan.delivery_named(name), name) for name in action.deliveries if name.strip()]
    draft = _Draft()
    draft.events.append(
        AlarmRaised(
            source=_id_or_name(plan.source_named(action.source), action.source),
            deliveries=list(dict.fromkeys(deliveries)),
            description=action.description.strip(),
            reporter=actor if actor in plan.person_by_id else None,
            reporter_phone=action.reporter_phone,
            unverified_sender=action.unverified_sender,
            outside_reporter=action.outside_reporter,
            fingerprint=action.fingerprint,
            via=action.via,
        )
    )
    _page_primaries(plan, draft, [plan.alarm_chain.triage_role], PagePurpose.TRIAGE)
    return draft


def _id_or_name(found: Delivery | AlarmSource | None, name: str) -> str:
    """The id of what ``name`` names in the plan, else the name as written (white space collapsed)."""
    return found.id if found else " ".join(name.split())


def _decide(plan: Plan, state: CrisisState, action: Action, actor: str) -> _Draft | Refused:
    match action:
        case ReportAlarm():
            return _report(plan, state, action)
        case Acknowledge(via=via):
            return _acknowledge(state, actor, via)
        case Triage():
            return _triage(plan, state, action, actor)
        case Decide():
            return _director(plan, state, action, actor)
        case AnswerSummons() if actor not in plan.person_by_id:
            return _external_answer(state, action, actor)
        case AnswerSummons():
            return _answer(state, action, actor)
        case RecordContact():
            return _record_contact(plan, state, action, actor)
        case RecordArrival():
            return _record_arrival(plan, state, action, actor)
        case RecordExternal():
            return _record_external(plan, state, action, actor)
        case SummonExternal():
            return _summon_external(plan, state, action, actor)
        case MoveMeeting(place=place):
            return _move(plan, state, place, actor)
        case ChangeLevel(level=level):
            return _level(plan, state, level, actor)
        case AddLogEntry(kind=kind, text=text):
            if not text.strip():
                return Refused(Refusal.MISSING_TEXT)
            return _Draft([LogEntryAdded(kind=kind, text=text.strip())])
        case Escalate():
            if not may(plan, actor, Permission.ACTIVATE):
                return Refused(Refusal.NOT_PERMITTED, Permission.ACTIVATE)
            return _Draft([EscalationRequested()])
        case Close(note=note):
            if not may(plan, actor, Permission.CLOSE):
                return Refused(Refusal.NOT_PERMITTED, Permission.CLOSE)
            return _Draft([CrisisClosed(note=note.strip())], [*stand_down_pages(state, actor), RefreshPages()])
    raise TypeError(f"ukendt handling {action!r}")


def _report(plan: Plan, state: CrisisState, action: ReportAlarm) -> _Draft | Refused:
    """A repeat is a log line; a resolved alarm is a log line and a notice to the IT head (once until it fires again)."""
    if not action.text.strip():
        return Refused(Refusal.MISSING_TEXT)
    resolved = action.status is AlarmStatus.RESOLVED
    if resolved and state.resolved_at is not None:
        return _Draft()
    draft = _Draft([AlarmReported(status=action.status, text=action.text.strip())])
    if resolved:
        _page_primaries(plan, draft, [plan.alarm_chain.triage_role], PagePurpose.MONITORING)
    return draft


def _acknowledge(state: CrisisState, actor: str, via: str) -> _Draft | Refused:
    if not any(p.person == actor for p in state.pages):
        return Refused(Refusal.NOT_PAGED)
    return _Draft(_ack_events(state, actor, via))


def _ack_events(state: CrisisState, actor: str, via: str) -> list[EventPayload]:
    """An Acknowledged event for the actor's open pages, if any."""
    open_pages = state.open_pages(actor)
    if not open_pages:
        return []
    roles = list(dict.fromkeys(role for page in open_pages for role in page.unacknowledged_roles))
    return [Acknowledged(person=actor, roles=roles, via=via)]


def _triage(plan: Plan, state: CrisisState, action: Triage, actor: str) -> _Draft | Refused:
    if not may_triage(plan, state, actor):
        return Refused(Refusal.NOT_PERMITTED, Permission.TRIAGE)
    if state.phase is not Phase.TRIAGE:
        return _already(state, state.triage is not None and state.triage.value == action.decision.value)
    assessment = "" if action.assessment is None else action.assessment.strip()
    if action.assessment is not None and not assessment:
        return Refused(Refusal.MISSING_TEXT)
    draft = _Draft([*_ack_events(state, actor, action.via), Triaged(decision=action.decision, assessment=assessment)])
    if action.decision is TriageDecision.INFORM_DIRECTOR:
        _page_primaries(plan, draft, [plan.alarm_chain.director_role], PagePurpose.DIRECTOR)
    else:
        draft.commands += reporter_pages(state, actor)
    return draft


def _director(plan: Plan, state: CrisisState, action: Decide, actor: str) -> _Draft | Refused:
    if not may(plan, actor, Permission.ACTIVATE):
        return Refused(Refusal.NOT_PERMITTED, Permission.ACTIVATE)
    if state.phase is not Phase.DIRECTOR:
        return _already(state, state.director is not None and state.director.value == action.decision.value)
    guests = {guest.email: guest for guest in action.guests}
    members = list(dict.fromkeys([*action.members, *guests]))
    unknown = [m for m in members if m not in plan.person_by_id and m not in guests and m not in state.guests]
    if unknown:
        return Refused(Refusal.UNKNOWN_MEMBER, detail=", ".join(unknown))
    if action.decision is DirectorDecision.INFORM_MANAGEMENT:
        if not members:
            return Refused(Refusal.UNKNOWN_MEMBER, detail="ingen valgt")
        members = [m for m in members if m not in state.informed]
        if not members:
            return _Draft()  # all of them were informed already: a repeated tap
    decided = DirectorDecided(
        decision=action.decision, members=members, guests=[guests[m] for m in members if m in guests],
        meeting_at=action.meeting_at, note=action.note.strip(),
    )
    draft = _Draft([*_ack_events(state, actor, action.via), decided])
    if action.decision is DirectorDecision.ACTIVATE:
        _page_primaries(plan, draft, [role.id for role in plan.roles], PagePurpose.SUMMONS)
    elif action.decision is DirectorDecision.INFORM_MANAGEMENT:
        for member in members:
            roles = tuple(role.id for role in plan.roles_of(member))
            draft.commands.append(SendPage(member, roles, PagePurpose.INFORM))
    return draft


def _answer(state: CrisisState, action: AnswerSummons, actor: str) -> _Draft | Refused:
    if state.phase is not Phase.ACTIVATED:
        return Refused(Refusal.WRONG_PHASE)
    if state.page(actor, PagePurpose.SUMMONS) is None:
        return Refused(Refusal.NOT_SUMMONED)
    previous = state.answers.get(actor)
    if previous and (previous.coming, previous.eta) == (action.coming, action.eta.strip()):
        return _Draft()
    answered = SummonsAnswered(person=actor, coming=action.coming, eta=action.eta.strip())
    if not action.coming:  # not an acknowledgement: the role's next holder is summoned (``bot.core.escalation``)
        return _Draft([answered])
    return _Draft([*_ack_events(state, actor, action.via), answered])


CONTACT_VIA = {
    ContactMethod.TELEFON: "registreret pr. telefon",
    ContactMethod.PERSONLIGT: "registreret personligt",
    ContactMethod.MAIL: "registreret pr. mail",
    ContactMethod.SMS: "registreret pr. sms",
}
"""The ``via`` of an answer recorded on a person's behalf (their own answers say ``teams``, ``sms``, ``telefon``)."""
_ON_BEHALF = {Refusal.NOT_PAGED: Refusal.PERSON_NOT_PAGED, Refusal.NOT_SUMMONED: Refusal.PERSON_NOT_SUMMONED}


def _record_contact(plan: Plan, state: CrisisState, action: RecordContact, actor: str) -> _Draft | Refused:
    """A ``ContactRecorded``, then the events of the person's own answer: decided as if they had answered."""
    if not may(plan, actor, Permission.RECORD_CONTACT):
        return Refused(Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT)
    person = plan.person_by_id.get(action.person)
    if person is None:
        return Refused(Refusal.UNKNOWN_PERSON, detail=", ".join(plan.person_by_id))
    via = CONTACT_VIA[action.how]
    eta = action.eta.strip() if action.answer is ContactAnswer.KOMMER else ""
    own: Action = (
        Acknowledge(via=via) if action.answer is ContactAnswer.KVITTERET
        else AnswerSummons(coming=action.answer is ContactAnswer.KOMMER, via=via, eta=eta)
    )
    answered = _decide(plan, state, own, person.id)
    if isinstance(answered, Refused):
        reason = _ON_BEHALF.get(answered.reason)
        return Refused(reason, detail=person.name) if reason else answered
    recorded = ContactRecorded(person=person.id, how=action.how, answer=action.answer, eta=eta)
    return _Draft([recorded, *answered.events], answered.commands)


ARRIVAL_VIA = CONTACT_VIA[ContactMethod.PERSONLIGT]
"""The ``via`` of the «kommer» an arrival gives for one who had not answered it: the crisis room saw them in person."""


def _record_arrival(plan: Plan, state: CrisisState, action: RecordArrival, actor: str) -> _Draft | Refused:
    """An ``ArrivalRecorded`` of a plan person or external participant once the crisis staff is activated, by whoever
    may record contacts or by the person themself; once per person. One summoned who had not answered «kommer» has now:
    that answer comes first, decided as if they had given it (their roles are acknowledged, a summons ends)."""
    person = action.person
    if person != actor and not may(plan, actor, Permission.RECORD_CONTACT):
        return Refused(Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT)
    recipient = plan.person_by_id.get(person) or plan.external_by_id.get(person)
    if recipient is None:
        return Refused(Refusal.UNKNOWN_PERSON, detail=", ".join([*plan.person_by_id, *plan.external_by_id]))
    if state.phase is not Phase.ACTIVATED:
        return Refused(Refusal.WRONG_PHASE)
    arrived = state.arrivals.get(person)
    if arrived is not None:
        return Refused(Refusal.ALREADY_ARRIVED, detail=recipient.name, at=arrived)
    answered = _Draft() if _coming(plan, state, person) else _decide(plan, state, AnswerSummons(True, ARRIVAL_VIA), person)
    if isinstance(answered, Refused):
        return answered
    return _Draft([*answered.events, ArrivalRecorded(person=person)], answered.commands)


def _coming(plan: Plan, state: CrisisState, person: str) -> bool:
    """Has ``person`` answered their summons «kommer», or is there no summons of theirs to answer?"""
    if person in plan.person_by_id:
        purpose, answer = PagePurpose.SUMMONS, state.answers.get(person)
    else:
        external = state.externals.get(person)
        purpose, answer = PagePurpose.EXTERNAL, external.answer if external else None
    return state.page(person, purpose) is None or (answer is not None and answer.coming)


def _record_external(plan: Plan, state: CrisisState, action: RecordExternal, actor: str) -> _Draft | Refused:
    if not may(plan, actor, Permission.RECORD_CONTACT):
        return Refused(Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT)
    known = [external.id for external in plan.external_participants]
    if action.external not in known:
        return Refused(Refusal.UNKNOWN_EXTERNAL, detail=", ".join(known))
    current = state.externals.get(action.external)
    note = action.note.strip()
    if current and (current.status, current.note) == (action.status, note):
        return _Draft()
    return _Draft([ExternalContacted(external=action.external, status=action.status, note=note)])


def _summon_external(plan: Plan, state: CrisisState, action: SummonExternal, actor: str) -> _Draft | Refused:
    """An ``ExternalSummoned`` and its page, by whoever may record externals, once the crisis staff is activated (the
    summons says where and when to meet); again each time it is asked for."""
    if not may(plan, actor, Permission.RECORD_CONTACT):
        return Refused(Refusal.NOT_PERMITTED, Permission.RECORD_CONTACT)
    external = plan.external_by_id.get(action.external)
    if external is None:
        return Refused(Refusal.UNKNOWN_EXTERNAL, detail=", ".join(plan.external_by_id))
    if not external.summon:
        return Refused(Refusal.NOT_SUMMONABLE, detail=external.name)
    if state.phase is not Phase.ACTIVATED:
        return Refused(Refusal.WRONG_PHASE)
    draft = _Draft([ExternalSummoned(external=external.id, note=action.note.strip())])
    draft.commands.append(SendPage(external.id, (), PagePurpose.EXTERNAL))
    return draft


def _external_answer(state: CrisisState, action: AnswerSummons, external: str) -> _Draft | Refused:
    """The answer of an external participant to its summons (any answer ends the summons); a repeat changes nothing."""
    if state.page(external, PagePurpose.EXTERNAL) is None:
        return Refused(Refusal.NOT_SUMMONED)
    current = state.externals.get(external)
    answer = current.answer if current else None
    eta = action.eta.strip() if action.coming else ""
    if answer and (answer.coming, answer.eta) == (action.coming, eta):
        return _Draft()
    return _Draft([ExternalAnswered(external=external, coming=action.coming, eta=eta, via=action.via)])


def _move(plan: Plan, state: CrisisState, place: str, actor: str) -> _Draft | Refused:
    if not may(plan, actor, Permission.MEETING_PLACE):
        return Refused(Refusal.NOT_PERMITTED, Permission.MEETING_PLACE)
    if place not in plan.place_by_id:
        return Refused(Refusal.UNKNOWN_PLACE, detail=place)
    if state.phase is not Phase.ACTIVATED:
        return Refused(Refusal.WRONG_PHASE)
    if place == current_meeting_place(plan, state):
        return _Draft()
    draft = _Draft([MeetingPlaceChanged(place=place)])
    for page in state.pages_for(PagePurpose.SUMMONS):
        if page.person != actor:  # nobody is paged about their own decision
            draft.commands.append(SendPage(page.person, page.roles, PagePurpose.MEETING_MOVED))
    draft.commands.append(RefreshPages((PagePurpose.SUMMONS, PagePurpose.MEETING_MOVED)))  # no card names the old place
    return draft


def _level(plan: Plan, state: CrisisState, level: str, actor: str) -> _Draft | Refused:
    if not may(plan, actor, Permission.LEVEL_CHANGE):
        return Refused(Refusal.NOT_PERMITTED, Permission.LEVEL_CHANGE)
    if level not in plan.level_by_id:
        return Refused(Refusal.UNKNOWN_LEVEL, detail=level)
    if state.phase is not Phase.ACTIVATED:
        return Refused(Refusal.WRONG_PHASE)
    if level == current_level(plan, state):
        return _Draft()
    contacts = _primaries(plan, plan.levels.top_staff_contacts)
    draft = _Draft([LevelChanged(level=level, contacts=list(contacts))])
    for person, roles in contacts.items():
        if person != actor:  # the contact who changed the level knows it
            draft.commands.append(SendPage(person, roles, PagePurpose.TOP_STAFF))
    return draft


def _already(state: CrisisState, same_decision: bool) -> _Draft | Refused:
    """A decision that was already taken: a repeat is a no-op, a different one is refused."""
    return _Draft() if same_decision else Refused(Refusal.WRONG_PHASE, detail=state.phase.value)


def _primaries(plan: Plan, role_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """Each role's primary holder, once per person, with all the roles they are paged for."""
    people: dict[str, tuple[str, ...]] = {}
    for role_id in role_ids:
        person = plan.role_by_id[role_id].primary
        people[person] = (*people.get(person, ()), role_id)
    return people


def _page_primaries(plan: Plan, draft: _Draft, role_ids: list[str], purpose: PagePurpose) -> None:
    for person, roles in _primaries(plan, role_ids).items():
        draft.commands.append(SendPage(person, roles, purpose))


def current_level(plan: Plan, state: CrisisState) -> str:
    """The crisis's level id; a new crisis is at the plan's first level."""
    return state.level or plan.levels.order[0].id


def current_meeting_place(plan: Plan, state: CrisisState) -> str:
    """The meeting place id; the plan's primary place until the director moves it."""
    return state.meeting_place or plan.primary_meeting_place.id


def next_crisis_id(existing: list[str], now: datetime) -> str:
    """``K-<year>-<nnn>``: the next number in ``now``'s Danish year after those in ``existing``."""
    prefix = f"K-{now.astimezone(LOCAL_TIME).year}-"
    suffixes = [cid.removeprefix(prefix) for cid in existing if cid.startswith(prefix)]
    numbers = [int(n) for n in suffixes if n.isascii() and n.isdigit()]  # "²".isdigit() is True too
    return f"{prefix}{max(numbers, default=0) + 1:03d}"
