"""The Teams notifier: a page as a proactive 1:1 card with an activity-feed alert.

The card goes through the Bot Connector into the person's 1:1 chat with the bot, whose
conversation reference is stored when they first talk to it (or install it); with Graph,
the app is installed for someone who never did (``ChatInstaller``). The activity is posted
straight to the Connector (``ConnectorPoster``), which sorts refusals into transient
(throttled, unavailable: try again) and permanent ones.
"""

from ..channels.base import Channel, ChannelPolicy, PageRequest, plan_person
from ..clock import Clock
from ..errors import PermanentError
from ..plan.models import Plan
from ..render.cards import CONTENT_TYPE
from ..render.crisis_cards import page_card
from ..store import Chats
from .chat_install import ChatInstaller
from .connector_post import ConnectorPoster, proactive_activity
from .personal_chats import PersonalChats


class TeamsNotifier:
    """Sends pages as Adaptive Cards into each person's 1:1 chat with the bot."""

    channel = Channel.TEAMS
    policy = ChannelPolicy(concurrency=100, order=0, cards=True)

    def __init__(
        self, *, plan: Plan, store: Chats, clock: Clock, poster: ConnectorPoster, installer: ChatInstaller | None = None
    ) -> None:
        self._plan = plan
        self._clock = clock
        self._poster = poster
        self._installer = installer
        self._chats = PersonalChats(store)

    async def send(self, page: PageRequest) -> str | None:
        person = plan_person(page)
        reference = await self._chats.reference(person.id)
        if reference is None and self._installer is not None:
            reference = await self._installer.reference(person)
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
