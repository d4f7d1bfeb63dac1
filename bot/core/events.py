"""Events of the logbog: every fact Krisebot records is one of these typed payloads.

An ``Event`` is what the store hands back: the payload with its sequence number (monotonic,
assigned by the store), its UTC time, the crisis it belongs to (if any) and the actor
(a plan person id such as ``cvo``, or ``system``). Events are never updated or deleted;
the state of a crisis is a fold over them.
"""

from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogEntryKind(StrEnum):
    """The regional log role card asks for actions, decisions and omissions."""

    HANDLING = "handling"
    BESLUTNING = "beslutning"
    UNDLADELSE = "undladelse"


class TriageDecision(StrEnum):
    """The IT head's assessment of an alarm."""

    INFORM_DIRECTOR = "inform_director"
    NOT_CRITICAL = "not_critical"


class DirectorDecision(StrEnum):
    """The director's decision once informed."""

    ACTIVATE = "activate"
    INFORM_MANAGEMENT = "inform_management"
    NO_ACTION = "no_action"


class PagePurpose(StrEnum):
    """Why someone was paged; decides which card (or SMS text) they get."""

    TRIAGE = "triage"
    DIRECTOR = "director"
    SUMMONS = "summons"
    INFORM = "inform"
    TOP_STAFF = "top_staff"
    MEETING_MOVED = "meeting_moved"
    MONITORING = "monitoring"
    UNCOVERED = "uncovered"
    """A notice to the crisis leader and the situation role that nobody answered for a role."""
    EXTERNAL = "external"
    """The summons of an external participant Krisebot may summon: its page's ``person`` is the participant's id."""
    NOT_CRITICAL = "not_critical"
    """A notice to the person who raised the alarm that it was assessed not critical."""
    STAND_DOWN = "stand_down"
    """A notice to everyone a page reached that the crisis is closed: nobody is to come."""


class AlarmStatus(StrEnum):
    """What monitoring says about an alarm: it fires, or what it alarmed about is over."""

    FIRING = "firing"
    RESOLVED = "resolved"


class OutsideReporter(_Payload):
    """Someone of the organisation's Entra tenant who is not in the plan and raised an alarm in Teams, as
    Teams names them: display name, email (or UPN) when the Connector told it, Entra object id, and the
    Teams user id their 1:1 chat with the bot is kept under (where they are told what becomes of the alarm)."""

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    aad_object_id: str = Field(min_length=1, max_length=100)
    teams_user_id: str = Field(min_length=1, max_length=200)


class AlarmRaised(_Payload):
    """A critical alarm: the start of a crisis. ``reporter`` is a plan person id when known; ``unverified_sender``:
    texted from a number the plan does not name (``reporter_phone``), so anyone may have sent it; ``via`` the channel
    a person raised it by (``teams``, ``sms``), None for a machine's alarm; ``outside_reporter`` who raised it in
    Teams when they are not in the plan."""

    type: Literal["alarm_raised"] = "alarm_raised"
    source: str
    deliveries: list[str] = []
    description: str = Field(min_length=1, max_length=4000)
    reporter: str | None = None
    reporter_phone: str | None = None
    unverified_sender: bool = False
    via: str | None = Field(default=None, max_length=20)
    outside_reporter: OutsideReporter | None = None
    fingerprint: str | None = Field(default=None, max_length=300)
    """The machine alarm's identity (``alertmanager:1a30ba71cca2921f``): a repeat joins this crisis while it is open."""


class AlarmReported(_Payload):
    """Monitoring reported again on the alarm of an open crisis: it fires again, or it is resolved.
    A resolved report is a notice to the IT head; it never closes the crisis."""

    type: Literal["alarm_reported"] = "alarm_reported"
    status: AlarmStatus
    text: str = Field(min_length=1, max_length=4000)


class RequestedPage(_Payload):
    """One person to page for ``roles`` with the message for ``purpose``."""

    person: str
    roles: list[str]
    purpose: PagePurpose


class PagesRequested(_Payload):
    """The decision just recorded pages these people; each page counts from here, before it is sent,
    so an answer that overtakes the send (or a restart) is not lost."""

    type: Literal["pages_requested"] = "pages_requested"
    pages: list[RequestedPage] = Field(min_length=1)


class PageSent(_Payload):
    """A page left Krisebot on one channel."""

    type: Literal["page_sent"] = "page_sent"
    person: str
    roles: list[str]
    purpose: PagePurpose
    channel: str
    provider_id: str | None = None


class PageFailed(_Payload):
    """A page could not be sent on one channel; ``reason`` says why in words an operator reads."""

    type: Literal["page_failed"] = "page_failed"
    person: str
    roles: list[str]
    purpose: PagePurpose
    channel: str
    reason: str


class Acknowledged(_Payload):
    """A person acknowledged their page for all the roles they were paged for."""

    type: Literal["acknowledged"] = "acknowledged"
    person: str
    roles: list[str]
    via: str


class Escalated(_Payload):
    """Nobody acknowledged in time: the page for ``role`` now also goes to ``people`` (stage 1: the
    first deputy, stage 2: everyone left in the chain)."""

    type: Literal["escalated"] = "escalated"
    role: str
    purpose: PagePurpose
    stage: int = Field(ge=1)
    people: list[str]


class EscalationRequested(_Payload):
    """The kriseleder escalated by hand: every role not yet acknowledged goes to its whole chain now."""

    type: Literal["escalation_requested"] = "escalation_requested"


class Triaged(_Payload):
    """The IT head (or deputy) assessed the alarm; ``assessment`` is empty when the answer came without one
    (a key, an SMS code alone)."""

    type: Literal["triaged"] = "triaged"
    decision: TriageDecision
    assessment: str = Field(default="", max_length=4000)


class Guest(_Payload):
    """Someone outside the plan the director informs: a user Entra found by the address given, which is their id
    in the crisis (``members``, pages)."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    name: str = Field(min_length=1, max_length=256)
    title: str = Field(default="", max_length=256)
    entra_object_id: str | None = Field(default=None, max_length=64)


class DirectorDecided(_Payload):
    """The director (or deputy) decided; ``members`` are the managers to inform: plan person ids, and the
    addresses of ``guests``, who are not in the plan."""

    type: Literal["director_decided"] = "director_decided"
    decision: DirectorDecision
    members: list[str] = []
    guests: list[Guest] = []
    meeting_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=4000)


class SummonsAnswered(_Payload):
    """A summoned role holder answered Kommer / Kommer ikke."""

    type: Literal["summons_answered"] = "summons_answered"
    person: str
    coming: bool
    eta: str = Field(default="", max_length=200)


class ContactMethod(StrEnum):
    """How a person was reached outside Krisebot (the plan: «telefonopkald, personligt eller via mail», «sms»)."""

    TELEFON = "telefon"
    PERSONLIGT = "personligt"
    MAIL = "mail"
    SMS = "sms"


class ContactAnswer(StrEnum):
    """What a person reached outside Krisebot answered: the same answers a page offers."""

    KVITTERET = "kvitteret"
    KOMMER = "kommer"
    KOMMER_IKKE = "kommer_ikke"


class ContactRecorded(_Payload):
    """The actor reached ``person`` outside Krisebot and records their answer on their behalf; the events of
    that answer (an ``Acknowledged``, a ``SummonsAnswered``) follow it, as if the person had answered a page."""

    type: Literal["contact_recorded"] = "contact_recorded"
    person: str
    how: ContactMethod
    answer: ContactAnswer
    eta: str = Field(default="", max_length=200)


class ArrivalRecorded(_Payload):
    """The actor saw ``person`` (a plan person or external participant id) arrive at the meeting place."""

    type: Literal["arrival_recorded"] = "arrival_recorded"
    person: str


class ExternalStatus(StrEnum):
    """Where a participant outside the organisation (police, emergency services …) stands."""

    KONTAKTET = "kontaktet"
    TILKALDT = "tilkaldt"


class ExternalContacted(_Payload):
    """The actor contacted or called in the plan's external participant ``external`` (not paged: by phone or in person)."""

    type: Literal["external_contacted"] = "external_contacted"
    external: str
    status: ExternalStatus
    note: str = Field(default="", max_length=4000)


class ExternalSummoned(_Payload):
    """The actor had Krisebot summon the plan's external participant ``external`` by SMS (and call): one page for
    ``EXTERNAL``, sent once and never escalated; summoning again sends it again."""

    type: Literal["external_summoned"] = "external_summoned"
    external: str
    note: str = Field(default="", max_length=4000)


class ExternalAnswered(_Payload):
    """The external participant ``external`` answered Krisebot's summons itself (SMS code or key), its id the actor."""

    type: Literal["external_answered"] = "external_answered"
    external: str
    coming: bool
    eta: str = Field(default="", max_length=200)
    via: str


class MeetingPlaceChanged(_Payload):
    type: Literal["meeting_place_changed"] = "meeting_place_changed"
    place: str


class LevelChanged(_Payload):
    """The crisis moved to another level; ``contacts`` are the people into the top crisis staff."""

    type: Literal["level_changed"] = "level_changed"
    level: str
    contacts: list[str] = []


class LogEntryAdded(_Payload):
    """A typed line in the logbog written by a person."""

    type: Literal["log_entry_added"] = "log_entry_added"
    kind: LogEntryKind
    text: str = Field(min_length=1, max_length=4000)


class DeliveryState(StrEnum):
    """What a provider reported about a page it carried (SMS delivery reports), or that an attempt
    ended on every channel without reaching the person: a call was made but no key pressed
    (``unanswered``), or nothing could be sent at all (``unreachable``)."""

    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    EXPIRED = "expired"
    UNANSWERED = "unanswered"
    UNREACHABLE = "unreachable"

    @property
    def lost(self) -> bool:
        return self is not DeliveryState.DELIVERED


class PageDeliveryReported(_Payload):
    """The provider told what became of a page; a lost page escalates its roles at once."""

    type: Literal["page_delivery_reported"] = "page_delivery_reported"
    person: str
    roles: list[str]
    purpose: PagePurpose
    channel: str
    provider_id: str
    status: DeliveryState
    detail: str = Field(default="", max_length=200)


class RoleUncovered(_Payload):
    """Every holder of ``role`` was tried for ``purpose`` and none answered (the schedule ran out, or
    each was unreachable or said «kommer ikke»): the crisis leader and the situation role are told."""

    type: Literal["role_uncovered"] = "role_uncovered"
    role: str
    purpose: PagePurpose


class SmsReceived(_Payload):
    """An SMS to Krisebot, word for word, with what it did (``outcome``, for the logbog); ``person`` is the plan
    person (or the external participant Krisebot summoned) whose number sent it, None for a number the plan does
    not name. Recorded in the crisis it belongs to, or outside any crisis (``crisis_id`` None) when there is none
    (``bot.core.sms_home``)."""

    type: Literal["sms_received"] = "sms_received"
    person: str | None
    number: str
    text: str = Field(max_length=1600)
    outcome: str = Field(max_length=400)


class CallStatus(StrEnum):
    """How a call got on, as every voice provider's statuses map onto it."""

    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    """Answered and ended (whether a key was pressed, ``KeyPressed`` says)."""
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    VOICEMAIL = "voicemail"

    @property
    def final(self) -> bool:
        return self not in (CallStatus.RINGING, CallStatus.ANSWERED)


class CallReported(_Payload):
    """A call of a page got on: it rang, was answered, or ended (placing it is its ``PageSent``)."""

    type: Literal["call_reported"] = "call_reported"
    person: str
    roles: list[str]
    purpose: PagePurpose
    number: str
    provider_id: str = ""
    status: CallStatus
    detail: str = Field(default="", max_length=200)


class KeyPressed(_Payload):
    """A key pressed in a call by a plan person (or an external participant Krisebot summoned), with what it did
    (``outcome``, for the logbog)."""

    type: Literal["key_pressed"] = "key_pressed"
    person: str
    number: str
    digits: str = Field(max_length=20)
    outcome: str = Field(max_length=400)


class BreakerChanged(_Payload):
    """A dependency (Entra, Graph, Bot Connector) stopped or started answering; while one is down pages go by SMS."""

    type: Literal["breaker_changed"] = "breaker_changed"
    dependency: str
    open: bool
    reason: str = Field(default="", max_length=400)


class CrisisClosed(_Payload):
    type: Literal["crisis_closed"] = "crisis_closed"
    note: str = Field(default="", max_length=4000)


EventPayload = Annotated[
    AlarmRaised
    | AlarmReported
    | PagesRequested
    | PageSent
    | PageFailed
    | Acknowledged
    | Escalated
    | EscalationRequested
    | Triaged
    | DirectorDecided
    | SummonsAnswered
    | ContactRecorded
    | ArrivalRecorded
    | ExternalContacted
    | ExternalSummoned
    | ExternalAnswered
    | MeetingPlaceChanged
    | LevelChanged
    | LogEntryAdded
    | PageDeliveryReported
    | RoleUncovered
    | SmsReceived
    | CallReported
    | KeyPressed
    | BreakerChanged
    | CrisisClosed,
    Field(discriminator="type"),
]
payload_adapter: TypeAdapter[EventPayload] = TypeAdapter(EventPayload)
PAYLOAD_TYPES: frozenset[str] = frozenset(model.model_fields["type"].default for model in get_args(get_args(EventPayload)[0]))
"""Every ``type`` this version can read back from the logbog."""


class Event(BaseModel):
    """One stored event of the logbog."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: AwareDatetime
    crisis_id: str | None
    actor: str
    payload: EventPayload


def utc(moment: datetime) -> datetime:
    """Require an aware datetime and express it in UTC (the logbog's time zone)."""
    if moment.tzinfo is None:
        raise ValueError("tidspunkter i logbogen skal have tidszone")
    return moment.astimezone(timezone.utc)
