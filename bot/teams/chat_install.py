"""Reach someone who never wrote to the bot: install the app for them through Graph and use that chat.

The app is installed by its catalog id (``CatalogApp``: from settings, or looked up by the
manifest's id). The chat id comes from Graph; the Bot Connector's service URL does not, so the one of a
conversation the bot already knows (Teams uses one per region) is used. The reference is
stored under the person, so the next page goes straight there.
"""

from typing import Any

from msgraph import GraphServiceClient

from ..clock import Clock
from ..errors import PermanentError
from ..graph.catalog import CatalogApp
from ..graph.install import ensure_chat
from ..graph.users import GraphUsers
from ..plan.models import Person
from ..store import Chats
from .references import person_chat_key


class ChatInstaller:
    """Finds (and remembers) a person's 1:1 chat with the bot through Graph."""

    def __init__(
        self, *, client: GraphServiceClient, store: Chats, clock: Clock, catalog: CatalogApp, tenant_id: str,
        bot_app_id: str,
    ) -> None:
        self._client = client
        self._users = GraphUsers(client)
        self._store = store
        self._clock = clock
        self._catalog = catalog
        self._tenant_id = tenant_id
        self._bot_app_id = bot_app_id

    async def reference(self, person: Person) -> dict[str, Any]:
        """The person's chat with the bot (a stored conversation reference), installing the app for
        them if needed; ChannelError if not possible."""
        service_url = await self._store.latest_service_url()
        if service_url is None:
            raise PermanentError("ingen Teams-samtale kendt endnu, så Teams' adresse kendes ikke")
        user_id = person.entra_object_id or await self._user_id(person)
        chat_id = await ensure_chat(self._client, user_id, catalog_id=await self._catalog.id())
        reference: dict[str, Any] = {
            "serviceUrl": service_url,
            "channelId": "msteams",
            "conversation": {"id": chat_id, "conversationType": "personal", "tenantId": self._tenant_id},
            "bot": {"id": f"28:{self._bot_app_id}"},
            "user": {"id": user_id, "aadObjectId": user_id},
        }
        await self._store.save_conversation_reference(key=person_chat_key(person.id), reference=reference, at=self._clock())
        return reference

    async def _user_id(self, person: Person) -> str:
        user = await self._users.resolve(person)
        if user is None:
            raise PermanentError("brugeren findes ikke i Entra")
        return user.id
