"""People's 1:1 chats with the bot, looked up together for everyone asked about at the same moment.

A page's first step is finding the person's chat; a summons asks for a hundred people at once.
``PersonalChats`` gathers the people asked for in one turn of the event loop (``Gathered``) and
looks them all up with two queries, instead of two or more per person. Nothing is cached: every
answer comes from a query that started after it was asked for.
"""

from typing import Any

from ..gathered import Gathered
from ..store import Chats
from .references import person_chat_key, personal_chat_key

Reference = dict[str, Any]


async def personal_chats(store: Chats, person_ids: list[str]) -> dict[str, Reference | None]:
    """Each person's stored chat reference: the chat they last wrote to the bot from, else the one found
    through Graph, else None."""
    keys: dict[str, list[str]] = {person_id: [] for person_id in person_ids}
    for link in await store.teams_users_of_people(person_ids=person_ids):
        keys[link.person_id].append(personal_chat_key(link.teams_user_id))
    for person_id, person_keys in keys.items():
        person_keys.append(person_chat_key(person_id))
    stored = await store.conversation_references(keys=[key for person_keys in keys.values() for key in person_keys])
    return {
        person_id: next((stored[key] for key in person_keys if key in stored), None)
        for person_id, person_keys in keys.items()
    }


class PersonalChats:
    """``reference(person_id)``, answered in batches."""

    def __init__(self, store: Chats) -> None:
        self._store = store
        self._lookup: Gathered[str, Reference | None] = Gathered(self._look_up)

    async def reference(self, person_id: str) -> Reference | None:
        """The person's stored chat reference (see ``personal_chats``), or None."""
        return await self._lookup(person_id)

    async def _look_up(self, person_ids: list[str]) -> list[Reference | None]:
        found = await personal_chats(self._store, sorted(set(person_ids)))
        return [found[person_id] for person_id in person_ids]
