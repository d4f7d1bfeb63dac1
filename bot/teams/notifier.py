"""The Teams notifier: a page as a proactive 1:1 card with an activity-feed alert.

The card goes through the Bot Connector into the person's 1:1 chat with the bot, whose
conversation reference is stored when they first talk to it (or install it); with Graph,
the app is installed for someone who never did (``ChatInstaller``). The activity is posted
straight to the Connector (``ConnectorPoster``), which sorts refusals into transient
(throttled, unavailable: try again) and permanent ones.
"""

from typing import Any

from ..channels.base import Capabilities, Channel, PageRequest, PermanentError
from ..clock import Clock
from ..plan.models import Plan
from ..render.cards import CONTENT_TYPE
from ..render.crisis_cards import page_card
from ..store import Store
from .chat_install import ChatInstaller
from .connector_post import ConnectorPoster, proactive_activity
from .references import person_chat_key, personal_chat_key


class TeamsNotifier:
    """Sends pages as Adaptive Cards into each person's 1:1 chat with the bot."""

    channel = Channel.TEAMS
    capabilities = Capabilities(cards=True, alerts=True, replies=True)

    def __init__(
        self, *, plan: Plan, store: Store, clock: Clock, poster: ConnectorPoster, installer: ChatInstaller | None = None
    ) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._poster = poster
        self._installer = installer

    async def send(self, page: PageRequest) -> str | None:
        reference = await self._personal_chat(page.person.id)
        if reference is None and self._installer is not None:
            reference = await self._installer.reference(page.person)
        if reference is None:
            raise PermanentError("personen har endnu ikke skrevet til botten i Teams")
        card = page_card(
            self._plan, page.state, "da", person=page.person.id, purpose=page.purpose, now=self._clock(), roles=page.roles
        )
        message = {
            "type": "message",
            "summary": f"Krise {page.state.id}",
            "attachments": [{"contentType": CONTENT_TYPE, "content": card}],
            "channelData": {"notification": {"alert": True}, "krisebot": {"page": page.key}},
        }
        return await self._poster.post(proactive_activity(reference, message))

    async def _personal_chat(self, person_id: str) -> dict[str, Any] | None:
        """The chat the person wrote to the bot from, else the one found through Graph."""
        keys = [personal_chat_key(link.teams_user_id) for link in await self._store.teams_users_of(person_id=person_id)]
        for key in [*keys, person_chat_key(person_id)]:
            stored = await self._store.conversation_reference(key=key)
            if stored is not None:
                return stored
        return None
