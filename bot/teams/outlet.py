"""The Teams outlet: pages as proactive 1:1 cards, and the crisis thread in the log channel.

Every bot post goes through the Bot Connector (Graph cannot post chat or channel messages
app-only). A page without a stored 1:1 conversation, or one the Connector refuses, comes
back as a PageFailed fact, so it is recorded and never silently dropped.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationParameters, ConversationReference

from ..clock import Clock
from ..core.commands import SendPage
from ..core.events import Event, EventPayload, PageFailed, PageSent
from ..core.state import CrisisState
from ..plan.models import Plan
from ..render.cards import CONTENT_TYPE
from ..render.crisis_cards import page_card
from ..render.situation_cards import SituationCards
from ..render.log_lines import log_line
from ..store import Store
from .references import LOG_CHANNEL_KEY, personal_chat_key

log = logging.getLogger(__name__)

CHANNEL = "teams"


def card_activity(card: dict[str, Any], *, summary: str, alert: bool = False) -> Activity:
    """A message carrying one Adaptive Card; ``alert`` raises a Teams activity-feed notification."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
        channel_data={"notification": {"alert": True}} if alert else None,
    )


class TeamsOutlet:
    """Carries out the engine's commands through the Bot Connector."""

    def __init__(
        self, *, plan: Plan, store: Store, clock: Clock, adapter: CloudAdapter, app_id: str, situations: SituationCards
    ) -> None:
        self._plan = plan
        self._situations = situations
        self._store = store
        self._clock = clock
        self._adapter = adapter
        self._app_id = app_id

    async def page(self, state: CrisisState, command: SendPage) -> list[EventPayload]:
        facts = dict(person=command.person, roles=list(command.roles), purpose=command.purpose, channel=CHANNEL)
        reference = await self._personal_chat(command.person)
        if reference is None:
            return [PageFailed(**facts, reason="personen har endnu ikke skrevet til botten i Teams")]
        card = page_card(self._plan, state, "da", person=command.person, purpose=command.purpose, now=self._clock())
        activity = card_activity(card, summary=f"Krise {state.id}", alert=True)
        try:
            sent_id = await self._send(reference, activity)
        except Exception as exc:  # the Connector's errors (HTTP, auth, network) all mean: not delivered
            log.warning("Teams page to %s failed: %s", command.person, type(exc).__name__)
            return [PageFailed(**facts, reason=f"Teams afviste beskeden ({type(exc).__name__})")]
        return [PageSent(**facts, provider_id=sent_id)]

    async def post_to_log(self, state: CrisisState, event: Event) -> None:
        thread = await self._thread(state)
        if thread is not None:
            await self._send(thread, Activity(type=ActivityTypes.message, text=log_line(self._plan, event)))

    async def refresh_situation(self, state: CrisisState) -> None:
        stored = await self._store.thread(crisis_id=state.id)
        if stored is None:
            await self._thread(state)
            return
        reference = ConversationReference().deserialize(await self._log_channel() or {})
        reference.conversation.id = stored.conversation_id
        activity = card_activity(self._situations.card(state, "da"), summary=f"Situationsbillede {state.id}")
        activity.id = stored.activity_id
        await self._continue(reference, lambda context: context.update_activity(activity))

    async def _thread(self, state: CrisisState) -> ConversationReference | None:
        """The crisis's thread in the log channel, started with the situation card if new; None without a channel."""
        channel = await self._log_channel()
        if channel is None:
            return None
        reference = ConversationReference().deserialize(channel)
        stored = await self._store.thread(crisis_id=state.id)
        if stored is None:
            root = card_activity(self._situations.card(state, "da"), summary=f"Situationsbillede {state.id}")
            channel_id = reference.conversation.id.split(";")[0]
            started: dict[str, Any] = {}

            async def start(context: TurnContext) -> None:
                connector = context.turn_state[context.adapter.BOT_CONNECTOR_CLIENT_KEY]
                created = await connector.conversations.create_conversation(
                    ConversationParameters(is_group=True, channel_data={"channel": {"id": channel_id}}, activity=root)
                )
                started.update(conversation_id=created.id, activity_id=created.activity_id)

            await self._continue(reference, start)
            await self._store.save_thread(crisis_id=state.id, at=self._clock(), **started)
            stored = await self._store.thread(crisis_id=state.id)
        reference.conversation.id = stored.conversation_id
        return reference

    async def _log_channel(self) -> dict[str, Any] | None:
        return await self._store.conversation_reference(key=LOG_CHANNEL_KEY)

    async def _personal_chat(self, person_id: str) -> ConversationReference | None:
        for link in await self._store.teams_users_of(person_id=person_id):
            stored = await self._store.conversation_reference(key=personal_chat_key(link.teams_user_id))
            if stored is not None:
                return ConversationReference().deserialize(stored)
        return None

    async def _send(self, reference: ConversationReference, activity: Activity) -> str | None:
        sent: list[str | None] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id if response else None)

        await self._continue(reference, send)
        if not sent:
            raise RuntimeError("the Connector accepted no activity")
        return sent[0]

    async def _continue(self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[Any]]) -> None:
        await self._adapter.continue_conversation(reference, logic, self._app_id or None)
