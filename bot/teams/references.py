"""Keys under which conversation references are stored, and the lookup of a person's 1:1 chat."""

from botbuilder.schema import ConversationReference

from ..store import Store

LOG_CHANNEL_KEY = "log-channel"


def person_chat_key(person_id: str) -> str:
    """Store key of a plan person's chat with the bot, found through Graph."""
    return f"person:{person_id}"


def personal_chat_key(teams_user_id: str) -> str:
    """Store key of the personal-chat conversation reference of a Teams user."""
    return f"teams:{teams_user_id}"


async def personal_chat(store: Store, person_id: str) -> ConversationReference | None:
    """The 1:1 chat the person wrote to the bot from, else the one found through Graph."""
    keys = [personal_chat_key(link.teams_user_id) for link in await store.teams_users_of(person_id=person_id)]
    for key in [*keys, person_chat_key(person_id)]:
        stored = await store.conversation_reference(key=key)
        if stored is not None:
            return ConversationReference().deserialize(stored)
    return None
