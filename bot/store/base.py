"""The Store protocol: what the rest of Krisebot may ask of the logbog database.

Every method is keyword-only and atomic: it either completes or leaves nothing behind
(StoreError). A PostgreSQL store implements the same protocol.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..core.events import Event, EventPayload


@dataclass(frozen=True, slots=True)
class TeamsUserLink:
    """A Teams user known to be a plan person."""

    teams_user_id: str
    aad_object_id: str | None
    upn: str | None
    person_id: str


class Store(Protocol):
    async def append(self, *, at: datetime, actor: str, payload: EventPayload, crisis_id: str | None = None) -> Event:
        """Durably append one event and return it with its sequence number."""

    async def events(self, *, crisis_id: str | None = None, after: int = 0) -> list[Event]:
        """Events with ``seq > after`` in order; only ``crisis_id``'s when given."""

    async def save_conversation_reference(self, *, key: str, reference: dict[str, Any], at: datetime) -> None:
        """Store (or replace) the conversation reference under ``key``."""

    async def conversation_reference(self, *, key: str) -> dict[str, Any] | None:
        """The reference stored under ``key``, if any."""

    async def link_teams_user(self, *, link: TeamsUserLink, at: datetime) -> None:
        """Remember which plan person a Teams user is."""

    async def teams_user(self, *, teams_user_id: str) -> TeamsUserLink | None:
        """The stored link for a Teams user id, if any."""

    async def linked_person_ids(self) -> set[str]:
        """Plan person ids that have been linked to a Teams user."""

    async def ping(self) -> None:
        """Raise StoreError unless the database answers."""

    async def close(self) -> None:
        """Release the database."""
