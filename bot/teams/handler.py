"""The bot's turn logic: remember where people are, and answer commands.

Inbound text is normalised here (mention stripped, command parsed, sender mapped to a plan
person); everything the bot says comes from ``bot.render``.
"""

import logging

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from ..clock import Clock
from ..plan.models import Plan
from ..render.cards import CONTENT_TYPE, help_card, roles_card
from ..render.texts import Lang, language, say
from ..store import Store
from .commands import CommandName, parse
from .identity import resolve_person

log = logging.getLogger(__name__)


def reference_key(teams_user_id: str) -> str:
    """Store key of the personal-chat conversation reference of a Teams user."""
    return f"teams:{teams_user_id}"


class KrisebotHandler(ActivityHandler):
    """Answers Teams activities. Holds the plan, the store and the clock; no other state."""

    def __init__(self, *, plan: Plan, store: Store, clock: Clock) -> None:
        self.plan = plan
        self.store = store
        self.clock = clock

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember_personal_chat(turn_context)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        lang = language(turn_context.activity.locale)
        text = TurnContext.remove_recipient_mention(turn_context.activity) or ""
        parsed = parse(text)
        if parsed is None:
            await turn_context.send_activity(say(lang, "unknown"))
            return
        if parsed.command.members_only:
            person = await resolve_person(turn_context, plan=self.plan, store=self.store, clock=self.clock)
            if person is None:
                await turn_context.send_activity(self._not_member(lang))
                return
        await turn_context.send_activity(self._answer(parsed.command.name, lang))

    def _answer(self, name: CommandName, lang: Lang) -> Activity | str:
        match name:
            case CommandName.HELP:
                return _card(help_card(self.plan, lang))
            case CommandName.ROLES:
                return _card(roles_card(self.plan, lang))
            case CommandName.STATUS:
                return say(lang, "status.none")

    def _not_member(self, lang: Lang) -> str:
        owner = self.plan.person_by_id[self.plan.contact_procedure.roster_owner]
        return say(lang, "not_member", owner=owner.name, owner_title=owner.title)

    async def _remember_personal_chat(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.conversation is None or activity.from_property is None:
            return
        if (activity.conversation.conversation_type or "personal") != "personal":
            return
        reference = TurnContext.get_conversation_reference(activity).serialize()
        await self.store.save_conversation_reference(
            key=reference_key(activity.from_property.id), reference=reference, at=self.clock()
        )


def _card(card: dict) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=CONTENT_TYPE, content=card))
