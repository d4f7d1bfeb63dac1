"""The Teams notifier: a page as a proactive 1:1 card with an activity-feed alert.

The card goes through the Bot Connector into the person's 1:1 chat with the bot, whose
conversation reference is stored when they first talk to it (or install it); with Graph,
the app is installed for someone who never did (``ChatInstaller``). Connector
refusals are sorted into transient (throttled, unavailable: try again) and permanent ones.
"""

from typing import Any

from botbuilder.schema import ConversationReference, ErrorResponseException
from msrest.exceptions import ClientRequestError

from ..channels.base import Capabilities, Channel, PageRequest, PermanentError, TransientError
from ..clock import Clock
from ..plan.models import Plan
from ..render.crisis_cards import page_card
from ..store import Store
from .chat_install import ChatInstaller
from .proactive import TeamsSender, card_activity
from .references import person_chat_key, personal_chat_key

PERMANENT_STATUSES = frozenset({400, 401, 403, 404})


class TeamsNotifier:
    """Sends pages as Adaptive Cards into each person's 1:1 chat with the bot."""

    channel = Channel.TEAMS
    capabilities = Capabilities(cards=True, alerts=True, replies=True)

    def __init__(
        self, *, plan: Plan, store: Store, clock: Clock, sender: TeamsSender, installer: ChatInstaller | None = None
    ) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._sender = sender
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
        channel_data: dict[str, Any] = {"notification": {"alert": True}, "krisebot": {"page": page.key}}
        activity = card_activity(card, summary=f"Krise {page.state.id}", channel_data=channel_data)
        try:
            return await self._sender.send(reference, activity)
        except ErrorResponseException as exc:
            status = getattr(exc.response, "status_code", None)
            reason = f"Teams svarede {status}"
            if status in PERMANENT_STATUSES:
                raise PermanentError(reason) from exc
            retry_after = (exc.response.headers or {}).get("Retry-After") if exc.response is not None else None
            raise TransientError(reason, float(retry_after) if retry_after and retry_after.isdigit() else None) from exc
        except (ClientRequestError, OSError) as exc:
            raise TransientError(f"Teams kunne ikke nås ({type(exc).__name__})") from exc

    async def _personal_chat(self, person_id: str) -> ConversationReference | None:
        """The chat the person wrote to the bot from, else the one found through Graph."""
        keys = [personal_chat_key(link.teams_user_id) for link in await self._store.teams_users_of(person_id=person_id)]
        for key in [*keys, person_chat_key(person_id)]:
            stored = await self._store.conversation_reference(key=key)
            if stored is not None:
                return ConversationReference().deserialize(stored)
        return None
