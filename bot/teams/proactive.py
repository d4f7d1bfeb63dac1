"""Proactive Bot Connector calls: send into a stored conversation, or run any turn logic there."""

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference

from ..render.cards import CONTENT_TYPE


def card_activity(card: dict[str, Any], *, summary: str, channel_data: dict[str, Any] | None = None) -> Activity:
    """A message carrying one Adaptive Card."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
        channel_data=channel_data,
    )


class TeamsSender:
    """Continues stored conversations through the adapter; errors propagate to the caller."""

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id or None

    async def send(self, reference: ConversationReference, activity: Activity) -> str | None:
        """Post ``activity`` into the conversation; the Connector's id for it."""
        sent: list[str | None] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id if response else None)

        await self.run(reference, send)
        if not sent:
            raise RuntimeError("the Connector accepted no activity")
        return sent[0]

    async def run(self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[Any]]) -> None:
        """Run ``logic`` in a proactive turn of the conversation."""
        await self._adapter.continue_conversation(reference, logic, self._app_id)
