"""Events of the logbog: every fact Krisebot records is one of these typed payloads.

An ``Event`` is what the store hands back: the payload with its sequence number (monotonic,
assigned by the store), its UTC time, the crisis it belongs to (if any) and the actor
(``person:<id>``, ``teams:<user id>``, ``system`` …). Events are never updated or deleted;
the state of a crisis is a fold over them.
"""

from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogEntryKind(StrEnum):
    """The regional log role card asks for actions, decisions and omissions."""

    HANDLING = "handling"
    BESLUTNING = "beslutning"
    UNDLADELSE = "undladelse"


class AlarmRaised(_Payload):
    """A critical alarm: the start of a crisis."""

    type: Literal["alarm_raised"] = "alarm_raised"
    source: str
    deliveries: list[str] = []
    description: str
    reporter_phone: str | None = None


class LogEntryAdded(_Payload):
    """A typed line in the logbog written by a person."""

    type: Literal["log_entry_added"] = "log_entry_added"
    kind: LogEntryKind
    text: str = Field(min_length=1, max_length=4000)


class PageSent(_Payload):
    """A page left Krisebot on one channel."""

    type: Literal["page_sent"] = "page_sent"
    person: str
    roles: list[str]
    channel: str
    provider_id: str | None = None


class Acknowledged(_Payload):
    """A person acknowledged a page for all the roles they were paged for."""

    type: Literal["acknowledged"] = "acknowledged"
    person: str
    roles: list[str]
    via: str


EventPayload = Annotated[
    AlarmRaised | LogEntryAdded | PageSent | Acknowledged,
    Field(discriminator="type"),
]
payload_adapter: TypeAdapter[EventPayload] = TypeAdapter(EventPayload)


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
