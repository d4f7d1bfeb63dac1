"""Card taps into domain actions: a verb plus the card's data and inputs becomes a ``bot.core`` action.

Pure: ``parse_tap`` validates the Universal Action (or legacy Action.Submit) payload with
pydantic, ``to_action`` maps it. Bad input is an ``InvalidTap`` with a Danish reason. The addresses
typed on «Underret ledelsen» (``Tap.addresses``) are for the handler to look up.
"""

import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clock import LOCAL_TIME
from ..core.actions import (
    Acknowledge,
    Action,
    AddLogEntry,
    AnswerSummons,
    ChangeLevel,
    Close,
    Decide,
    MoveMeeting,
    RecordArrival,
    RecordContact,
    RecordExternal,
    SummonExternal,
    Triage,
)
from ..core.contact_commands import SUMMON
from ..core.events import ContactAnswer, ContactMethod, DirectorDecision, ExternalStatus, LogEntryKind, TriageDecision
from .verbs import Verb

VIA = "teams"
E = TypeVar("E", bound=StrEnum)
_SEPARATORS = re.compile(r"[\s,;]+")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidTap(Exception):
    """A tap whose payload cannot be acted on; ``reason`` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Tap(BaseModel):
    """What a card button sends: the verb and the button data merged with the card's inputs."""

    model_config = ConfigDict(extra="allow")

    verb: Verb
    crisis: str | None = Field(default=None, max_length=40)

    def text(self, name: str, limit: int = 4000) -> str:
        """The input or data field ``name`` as stripped text ('' when absent)."""
        value = (self.model_extra or {}).get(name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidTap(f"feltet «{name}» er ugyldigt")
        return value.strip()

    def ids(self, name: str) -> tuple[str, ...]:
        """A multi-select input: Teams sends the chosen values comma-separated."""
        return tuple(part.strip() for part in self.text(name).split(",") if part.strip())

    def addresses(self, name: str) -> tuple[str, ...]:
        """E-mail addresses typed in the input ``name``, separated by commas, semicolons or spaces; lower case, each
        once."""
        found = [part.lower() for part in _SEPARATORS.split(self.text(name, 1000)) if part]
        bad = [part for part in found if len(part) > 254 or not _ADDRESS.fullmatch(part)]
        if bad:
            raise InvalidTap(f"«{bad[0]}» er ikke en e-mailadresse")
        return tuple(dict.fromkeys(found))


def parse_tap(value: Any) -> Tap:
    """The tap in an ``adaptiveCard/action`` invoke value or an Action.Submit message value."""
    if isinstance(value, dict) and isinstance(value.get("action"), dict):
        action = value["action"]
        if action.get("type") not in (None, "Action.Execute", "Action.Submit"):
            raise InvalidTap("knaptypen understøttes ikke")
        payload = {**(action.get("data") or {}), "verb": action.get("verb") or (action.get("data") or {}).get("verb")}
    elif isinstance(value, dict):
        payload = value
    else:
        raise InvalidTap("knappen sendte ingen data")
    try:
        return Tap.model_validate(payload)
    except ValidationError:
        raise InvalidTap("knappen er ukendt eller mangler oplysninger") from None


def to_action(tap: Tap, *, now: datetime) -> Action:
    """The domain action for a crisis tap (every verb but raise_alarm and refresh)."""
    match tap.verb:
        case Verb.ACKNOWLEDGE:
            return Acknowledge(via=VIA)
        case Verb.TRIAGE_INFORM_DIRECTOR | Verb.TRIAGE_NOT_CRITICAL:
            decision = TriageDecision.INFORM_DIRECTOR if tap.verb is Verb.TRIAGE_INFORM_DIRECTOR else TriageDecision.NOT_CRITICAL
            return Triage(decision=decision, assessment=tap.text("assessment"), via=VIA)
        case Verb.DIRECTOR_ACTIVATE:
            return Decide(DirectorDecision.ACTIVATE, VIA, meeting_at=meeting_time(tap.text("meeting_time"), now), note=tap.text("note"))
        case Verb.DIRECTOR_INFORM:
            return Decide(DirectorDecision.INFORM_MANAGEMENT, VIA, members=tap.ids("members"), note=tap.text("note"))
        case Verb.DIRECTOR_NO_ACTION:
            return Decide(DirectorDecision.NO_ACTION, VIA, note=tap.text("note"))
        case Verb.SUMMONS_COMING | Verb.SUMMONS_NOT_COMING:
            return AnswerSummons(coming=tap.verb is Verb.SUMMONS_COMING, via=VIA, eta=tap.text("eta", 200))
        case Verb.MEETING_ALTERNATIVE:
            return MoveMeeting(place=tap.text("place", 64))
        case Verb.LEVEL_CHANGE:
            return ChangeLevel(level=tap.text("level", 64))
        case Verb.ADD_LOG_ENTRY:
            try:
                kind = LogEntryKind(tap.text("kind", 20) or LogEntryKind.HANDLING)
            except ValueError:
                raise InvalidTap("vælg handling, beslutning eller undladelse") from None
            return AddLogEntry(kind=kind, text=tap.text("text"))
        case Verb.CLOSE:
            return Close(note=tap.text("note"))
        case Verb.RECORD_CONTACT:
            how = _choice(tap, "how", ContactMethod, "vælg telefon, personligt, mail eller sms")
            answer = _choice(tap, "answer", ContactAnswer, "vælg kvitteret, kommer eller kommer ikke")
            return RecordContact(tap.text("person", 64), how, answer, tap.text("eta", 200))
        case Verb.RECORD_ARRIVAL:
            return RecordArrival(tap.text("person", 64))
        case Verb.RECORD_EXTERNAL if tap.text("status", 20) == SUMMON:
            return SummonExternal(tap.text("external", 64), tap.text("note"))
        case Verb.RECORD_EXTERNAL:
            status = _choice(tap, "status", ExternalStatus, "vælg kontaktet, tilkaldt eller indkald")
            return RecordExternal(tap.text("external", 64), status, tap.text("note"))
    raise InvalidTap("knappen hører ikke til en krise")


def _choice(tap: Tap, name: str, choices: type[E], reason: str) -> E:
    """The input ``name`` as one of ``choices``; ``InvalidTap(reason)`` otherwise."""
    try:
        return choices(tap.text(name, 20))
    except ValueError:
        raise InvalidTap(reason) from None


def meeting_time(text: str, now: datetime) -> datetime | None:
    """``"09:30"`` as the next such Danish local time at or after ``now`` (today or tomorrow); None if empty."""
    if not text:
        return None
    try:
        clock = time.fromisoformat(text[:5])
    except ValueError:
        raise InvalidTap("mødetidspunktet skal skrives som TT:MM") from None
    local_now = now.astimezone(LOCAL_TIME)
    moment = datetime.combine(local_now.date(), clock, tzinfo=LOCAL_TIME)
    if moment < local_now - timedelta(minutes=30):
        moment += timedelta(days=1)
    return moment
