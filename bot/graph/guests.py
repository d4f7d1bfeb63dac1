"""The addresses the director gives on «Underret ledelsen»: whom they name.

A plan person (or one of the plan's rest of the management) is found by their work address; anyone
else is looked up in Entra by UPN through Graph and becomes a ``Guest`` of the crisis. Without Graph
only the plan's people can be named by address.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ..core.events import Guest
from ..errors import ChannelError
from ..plan.models import Plan
from .users import GraphUsers


class UnknownAddress(Exception):
    """An address nobody could be found for; ``reason`` says why, in Danish."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Named:
    """Whom the addresses name: plan person ids, and people outside the plan."""

    members: tuple[str, ...]
    guests: tuple[Guest, ...]


async def named_by_address(plan: Plan, users: GraphUsers | None, addresses: Sequence[str]) -> Named:
    """The people ``addresses`` name; UnknownAddress for the first address nobody is found for (or when
    Graph fails)."""
    members: list[str] = []
    guests: list[Guest] = []
    for address in addresses:
        person = plan.person_by_email(address)
        if person is not None:
            members.append(person.id)
            continue
        if users is None:
            raise UnknownAddress(f"{address} er ikke i planen, og Entra kan ikke slås op (Microsoft Graph er ikke sat op)")
        try:
            user = await users.find(address)
        except ChannelError as exc:
            raise UnknownAddress(f"Entra kunne ikke slås op: {exc.reason}") from None
        if user is None:
            raise UnknownAddress(f"hverken planen eller Entra kender {address}")
        name = (user.display_name or "").strip() or address
        guests.append(Guest(email=address, name=name, title=(user.job_title or "").strip(), entra_object_id=user.id))
    return Named(tuple(members), tuple(guests))
