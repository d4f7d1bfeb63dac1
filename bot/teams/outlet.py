"""The Teams outlet: the crisis thread in the log channel, with the situation card at its root, and the
notices to an alarm's reporter outside the plan in their 1:1 chat.

Every bot post goes through the Bot Connector (Graph cannot post chat or channel messages
app-only). Without a chosen log channel there is nothing to mirror into.
"""

import logging
from collections.abc import Collection, Sequence
from typing import Any, Protocol

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationParameters, ConversationReference

from ..clock import Clock
from ..channels.base import Channel
from ..core.commands import ReporterNews
from ..core.events import Event, PagePurpose
from ..engine.outlet import LogPost
from ..core.state import CrisisState
from ..errors import StoreError
from ..plan.models import Plan
from ..render.crisis_cards import page_card
from ..render.log_thread import thread_posts
from ..render.reporters import reporter_notice
from ..render.situation_cards import SituationCards
from ..store import Chats, LogThreads, SentPages
from .connector_errors import connector_errors
from .proactive import TeamsSender, card_activity
from .personal_chats import personal_chats
from .references import LOG_CHANNEL_KEY, personal_chat_key

log = logging.getLogger(__name__)

LATE = " _(registreret under udfald; sendt til Teams, da forbindelsen kom igen)_"


class OutletRecords(Chats, LogThreads, SentPages, Protocol):
    """What the outlet asks of the store: where to write (chats, the crisis's thread) and the cards it sent."""


class TeamsOutlet:
    """Mirrors crises into the log channel through the Bot Connector."""

    def __init__(
        self, *, plan: Plan, store: OutletRecords, clock: Clock, sender: TeamsSender, situations: SituationCards
    ) -> None:
        self._plan = plan
        self._situations = situations
        self._store = store
        self._clock = clock
        self._sender = sender

    async def ready(self) -> bool:
        return await self._log_channel() is not None

    def log_posts(self, logbog: Sequence[Event]) -> Sequence[LogPost]:
        """One post per event people did or must know, one summary per alarmering wave (``bot.render.log_thread``)."""
        return thread_posts(self._plan, logbog)

    async def post_to_log(self, state: CrisisState, post: LogPost, *, late: bool) -> str | None:
        with connector_errors():
            thread = await self._thread(state)
            if thread is None:
                return None
            return await self._sender.send(thread, _message(post.text, late)) or ""

    async def edit_in_log(self, state: CrisisState, activity_id: str, post: LogPost, *, late: bool) -> None:
        with connector_errors():
            thread = await self._thread(state)
            if thread is not None:
                await self._update(thread, activity_id, _message(post.text, late))

    async def refresh_situation(self, state: CrisisState) -> None:
        with connector_errors():
            stored = await self._store.thread(crisis_id=state.id)
            if stored is None:
                await self._thread(state)
                return
            reference = ConversationReference().deserialize(await self._log_channel() or {})
            reference.conversation.id = stored.conversation_id
            activity = card_activity(self._situations.card(state, "da"), summary=f"Situationsbillede {state.id}")
            await self._update(reference, stored.activity_id, activity)

    async def refresh_pages(self, state: CrisisState, purposes: Collection[PagePurpose] = ()) -> None:
        """Replace each page card sent in the crisis for ``purposes`` (all if empty) by its current state (answers
        given by SMS meanwhile, a moved meeting, the end of the crisis)."""
        with connector_errors():
            pages = [
                page for page in await self._store.sent_pages(crisis_id=state.id, channel=Channel.TEAMS.value)
                if not purposes or page.purpose in purposes
            ]
            chats = await personal_chats(self._store, sorted({page.person for page in pages}))
            for page in pages:
                stored = chats.get(page.person)
                if stored is None or page.person not in self._plan.person_by_id or not page.provider_id:
                    continue
                reference = ConversationReference().deserialize(stored)
                card = page_card(
                    self._plan, state, "da", person=page.person, purpose=PagePurpose(page.purpose), now=self._clock(),
                    roles=page.roles,
                )
                await self._update(reference, page.provider_id, card_activity(card, summary=f"Krise {state.id}"))

    async def tell_reporter(self, state: CrisisState, news: ReporterNews) -> None:
        """A message in the 1:1 chat the reporter outside the plan raised the alarm from (or last wrote from)."""
        reporter = state.outside_reporter
        if reporter is None:
            return
        with connector_errors():
            stored = await self._store.conversation_reference(key=personal_chat_key(reporter.teams_user_id))
            if stored is None:
                log.warning(
                    "anmelderen af %s kan ikke få besked: ingen 1:1-chat med Krisebot", state.id, extra={"crisis_id": state.id}
                )
                return
            text = reporter_notice(self._plan, state, news)
            await self._sender.send(ConversationReference().deserialize(stored), Activity(type=ActivityTypes.message, text=text))

    async def _update(self, reference: ConversationReference, activity_id: str, activity: Activity) -> None:
        activity.id = activity_id
        await self._sender.run(reference, lambda context: context.update_activity(activity))

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

            await self._sender.run(reference, start)
            await self._store.save_thread(crisis_id=state.id, at=self._clock(), **started)
            stored = await self._store.thread(crisis_id=state.id)
        if stored is None:
            raise StoreError(f"log-tråden for {state.id} blev ikke gemt")
        reference.conversation.id = stored.conversation_id
        return reference

    async def _log_channel(self) -> dict[str, Any] | None:
        return await self._store.conversation_reference(key=LOG_CHANNEL_KEY)


def _message(text: str, late: bool) -> Activity:
    """A post of the log thread; ``late`` says that what it tells was recorded during an outage."""
    return Activity(type=ActivityTypes.message, text=text + (LATE if late else ""))
