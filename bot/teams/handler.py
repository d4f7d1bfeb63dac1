"""The bot's turn logic: remember where people are, answer commands, and act on card taps.

Inbound text and taps are normalised here (mention stripped, command or verb parsed, sender
mapped to a plan person) and handed to the engine as domain actions; every word the bot
says comes from ``bot.render``.

While the logbog cannot be reached (or written), help, the roles and the hint for text the bot
does not understand are answered as usual; every other command and every card tap is answered
with ``logbog.down``: nothing was recorded, try again, call directly if it is urgent
(docs/adr/0037-teams-while-the-logbog-is-down.md).
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from ..clock import LOCAL_TIME, Clock
from ..core.actions import Action, AddLogEntry, Close, Decide, Escalate, SummonExternal
from ..core.contact_commands import BadInput, parse_arrival, parse_contact, parse_external
from ..core.events import LogEntryKind, OutsideReporter, PagePurpose
from ..core.lifecycle import Accepted, Refusal, Refused
from ..core.permissions import Permission, may
from ..core.reporters import OUTSIDE_LIMIT, next_alarm_at
from ..core.state import CrisisState
from ..core.text_commands import CommandName, parse
from ..engine.crises import Crises
from ..errors import Busy, StoreError
from ..export_links import FORMATS, ExportLinks
from ..graph.guests import UnknownAddress, named_by_address
from ..graph.users import GraphUsers
from ..plan.models import Person, Plan
from ..render.cards import CONTENT_TYPE, help_card, roles_card
from ..render.crisis_cards import alarm_form, log_entry_form, page_card, refused_card, result_card
from ..render.export import logbog_markdown
from ..render.plain import literal
from ..render.refusals import refusal_message, refusal_text
from ..render.reporters import reporter_name
from ..render.situation_cards import SituationCards
from ..render.status import status
from ..render.texts import Lang, language, say
from ..store import Chats, Logbog
from .card_actions import VIA, InvalidTap, Tap, parse_tap, to_action
from .identity import Sender, identify
from .invoke_answers import card_answer, error_activity, error_answer
from .references import LOG_CHANNEL_KEY, personal_chat_key
from .verbs import Verb

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 20_000
_CARD_OF_VERB = {
    Verb.TRIAGE_INFORM_DIRECTOR: PagePurpose.TRIAGE,
    Verb.TRIAGE_NOT_CRITICAL: PagePurpose.TRIAGE,
    Verb.DIRECTOR_ACTIVATE: PagePurpose.DIRECTOR,
    Verb.DIRECTOR_INFORM: PagePurpose.DIRECTOR,
    Verb.DIRECTOR_NO_ACTION: PagePurpose.DIRECTOR,
    Verb.SUMMONS_COMING: PagePurpose.SUMMONS,
    Verb.SUMMONS_NOT_COMING: PagePurpose.SUMMONS,
    Verb.MEETING_ALTERNATIVE: PagePurpose.SUMMONS,
}
FROM_THE_PLAN = frozenset({CommandName.HELP, CommandName.ROLES})
"""Commands answered from the plan alone, so also while the logbog cannot be reached."""


class HandlerRecords(Logbog, Chats, Protocol):
    """What the handler asks of the store: a crisis's logbog for ``eksport``, and the chats and Teams users it learns of."""


class KrisebotHandler(ActivityHandler):
    """Answers Teams activities. Holds the plan, the store, the clock and the engine, and remembers
    which chat references it has already stored."""

    def __init__(
        self, *, plan: Plan, store: HandlerRecords, clock: Clock, crises: Crises, situations: SituationCards, exports: ExportLinks,
        users: GraphUsers | None = None,
    ) -> None:
        """``users`` looks up in Entra (with Graph) the people the director informs by an address the plan lacks."""
        self.plan = plan
        self.users = users
        self.exports = exports
        self.situations = situations
        self.store = store
        self.clock = clock
        self.crises = crises
        self._saved_chats: dict[str, dict[str, Any]] = {}
        self._turning_away = False  # the last turn was turned away because the logbog failed

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Answer the activity: on the crises as the logbog holds them now, whichever instance recorded what; if the
        logbog fails under it (nothing was recorded), with ``logbog.down`` instead (``_logbog_down``)."""
        await self._remember_personal_chat(turn_context)
        try:
            await super().on_turn(turn_context)
        except StoreError as exc:
            await self._logbog_down(turn_context, exc)
        else:
            self._turning_away = False

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        await self._sender(turn_context)  # link the person now, so the first page reaches them

    async def on_members_added_activity(self, members_added, turn_context: TurnContext) -> None:
        if any(member.id == turn_context.activity.from_property.id for member in members_added):
            await self._sender(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        lang = language(activity.locale)
        if activity.value and not (activity.text or "").strip():
            await self._legacy_submit(turn_context, lang)
            return
        parsed = parse(TurnContext.remove_recipient_mention(activity) or "")
        if parsed is not None and parsed.command.name not in FROM_THE_PLAN:
            await self.crises.refresh_or_fail()
        linking = _personal(activity) or (parsed is not None and parsed.command.members_only)
        sender = await self._sender(turn_context) if linking else None
        if parsed is None:  # a plan person who writes anything in the 1:1 chat is linked above, so pages reach them
            await turn_context.send_activity(say(lang, "unknown"))
            return
        if parsed.command.members_only and (sender is None or sender.person is None):
            await turn_context.send_activity(self._not_member(lang))
            return
        await turn_context.send_activity(await self._command(turn_context, parsed.command.name, parsed.argument, sender, lang))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        lang = language(turn_context.activity.locale)
        try:
            tap = parse_tap(turn_context.activity.value)
        except InvalidTap as exc:
            return error_answer(say(lang, "tap.invalid", reason=exc.reason))
        return card_answer(await self._tap(turn_context, tap, lang))

    # -- commands -----------------------------------------------------------------------

    async def _command(
        self, turn_context: TurnContext, name: CommandName, argument: str, sender: Sender | None, lang: Lang
    ) -> Activity | str:
        """The answer to a command. Anyone gets help and the alarm form (unless they may not raise an alarm
        now); only plan people get here with the other commands. ``sender`` is None for a command that needs
        nobody's identity, written in a channel."""
        if name is CommandName.ALARM:
            outside = self._outsider(sender, lang) if sender is not None and sender.person is None else None
            return outside if isinstance(outside, str) else _card(alarm_form(self.plan, lang))
        person = sender.person if sender is not None else None
        if name is CommandName.HELP or person is None:
            return _card(help_card(self.plan, lang))
        match name:
            case CommandName.ROLES:
                return _card(roles_card(self.plan, lang))
            case CommandName.STATUS:
                answer = status(self.situations, self.crises.active(), lang)
                if not answer.cards:
                    return say(lang, "status.none")
                return MessageFactory.list([_attachment(card) for card in answer.cards], text=answer.rest)
            case CommandName.LOG:
                return await self._log(turn_context, argument, person, lang)
            case CommandName.CLOSE:
                return await self._on_active(turn_context, argument, person, lang, Close, "closed")
            case CommandName.ESCALATE:
                return await self._on_active(turn_context, argument, person, lang, lambda _: Escalate(), "escalated")
            case CommandName.CONTACT:
                return await self._record(turn_context, argument, person, lang, parse_contact, "contact")
            case CommandName.EXTERNAL:
                return await self._record(turn_context, argument, person, lang, parse_external, "external")
            case CommandName.ARRIVAL:
                arrival = partial(parse_arrival, writer=person.id)
                return await self._record(turn_context, _crisis_first(argument), person, lang, arrival, "arrival")
            case CommandName.EXPORT:
                return await self._export(argument, lang)
            case CommandName.LOG_CHANNEL:
                return await self._choose_log_channel(turn_context, person, lang)

    async def _log(self, turn_context: TurnContext, argument: str, person: Person, lang: Lang) -> Activity | str:
        state, text = self._pick(argument, active_only=True, lang=lang)
        if state is None:
            return text
        if not text:
            return _card(log_entry_form(self.plan, state, lang))
        return await self._act(turn_context, state, person, lang, AddLogEntry(LogEntryKind.HANDLING, text), "log.added")

    async def _on_active(
        self, turn_context: TurnContext, argument: str, person: Person, lang: Lang,
        action: Callable[[str], Action], done: str,
    ) -> str:
        """Run ``action(rest of the text)`` on the crisis the argument names (or the only active one)."""
        state, rest = self._pick(argument, active_only=True, lang=lang)
        if state is None:
            return rest
        return await self._act(turn_context, state, person, lang, action(rest), done)

    async def _record(
        self, turn_context: TurnContext, argument: str, person: Person, lang: Lang,
        read: Callable[[Plan, str], Action | BadInput], command: str,
    ) -> str:
        """``kontakt``, ``ekstern`` and ``ankommet``: the rest of the text read into an action on the crisis it names
        (``ekstern … indkald`` has Krisebot summon the participant), or why not."""
        state, rest = self._pick(argument, active_only=True, lang=lang)
        if state is None:
            return rest
        action = read(self.plan, rest)
        if isinstance(action, BadInput):
            problem = say(lang, f"{command}.bad.{action.problem.value}", given=action.given, choices=", ".join(action.choices))
            return literal(f"{problem} {say(lang, f'{command}.usage')}")
        done = "external.summoned" if isinstance(action, SummonExternal) else f"{command}.recorded"
        return await self._act(turn_context, state, person, lang, action, done)

    async def _act(
        self, turn_context: TurnContext, state: CrisisState, person: Person, lang: Lang, action: Action, done: str
    ) -> str:
        """Act on the crisis from a chat command; the refusal, or the sentence ``done``."""
        outcome = await self.crises.act(state.id, action, actor=person.id, request_key=turn_context.activity.id)
        return refusal_message(self.plan, outcome, lang) if isinstance(outcome, Refused) else say(lang, done, id=state.id)

    async def _export(self, argument: str, lang: Lang) -> str:
        state, problem = self._pick(argument, active_only=False, lang=lang)
        if state is None:
            return problem
        events = await self.store.events(crisis_id=state.id)
        text = logbog_markdown(self.plan, events, numbering=await self.store.numbering())
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS].rsplit("\n", 1)[0] + "\n\n" + say(lang, "export.truncated")
        links = say(lang, "export.links", **{fmt: self.exports.link(state.id, fmt) for fmt in FORMATS})
        return f"{links}\n\n{text}"

    async def _choose_log_channel(self, turn_context: TurnContext, person: Person, lang: Lang) -> str:
        activity = turn_context.activity
        if activity.conversation.conversation_type != "channel":
            return say(lang, "log_channel.not_channel")
        if not may(self.plan, person.id, Permission.TRIAGE):
            return refusal_message(self.plan, Refused(Refusal.NOT_PERMITTED, Permission.TRIAGE), lang)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        await self.store.save_conversation_reference(key=LOG_CHANNEL_KEY, reference=reference, at=self.clock())
        return say(lang, "log_channel.set")

    def _pick(self, argument: str, *, active_only: bool, lang: Lang) -> tuple[CrisisState | None, str]:
        """The crisis ``argument`` names (``K-2026-003 rest``), else the only active (or latest) one, and the rest.

        Without such a crisis: ``(None, the sentence to answer with)``.
        """
        first, _, rest = argument.partition(" ")
        if first.upper().startswith("K-"):
            state = self.crises.get(first.upper())
            return (state, rest.strip()) if state else (None, say(lang, "crisis.unknown", id=literal(first.upper())))
        candidates = self.crises.active() if active_only else self.crises.all()
        if not candidates:
            return None, say(lang, "status.none" if active_only else "crisis.none")
        if active_only and len(candidates) > 1:
            ids = ", ".join(s.id for s in candidates)
            return None, say(lang, "crisis.several", ids=ids, example=f"log {candidates[-1].id} …")
        return candidates[-1], argument.strip()

    # -- taps ---------------------------------------------------------------------------

    async def _tap(self, turn_context: TurnContext, tap: Tap, lang: Lang) -> dict[str, Any]:
        """The card a tap answers with; anyone may raise an alarm, only plan people act on a crisis."""
        await self.crises.refresh_or_fail()
        sender = await self._sender(turn_context)
        now = self.clock()
        request_key = turn_context.activity.id
        if tap.verb is Verb.RAISE_ALARM:
            return await self._raise(tap, sender, lang, request_key)
        person = sender.person
        if person is None:
            return refused_card(lang, self._not_member(lang))
        state = self.crises.get(tap.crisis or "")
        if state is None:
            return refused_card(lang, say(lang, "crisis.unknown", id=tap.crisis or "?"))
        if tap.verb is not Verb.REFRESH:
            try:
                action = to_action(tap, now=now)
                if isinstance(action, Decide) and tap.verb is Verb.DIRECTOR_INFORM:
                    named = await named_by_address(self.plan, self.users, tap.addresses("emails"))
                    action = replace(action, members=(*action.members, *named.members), guests=named.guests)
            except InvalidTap as exc:
                return refused_card(lang, say(lang, "tap.invalid", reason=exc.reason))
            except UnknownAddress as exc:
                return refused_card(lang, say(lang, "inform.unknown", reason=exc.reason))
            outcome = await self.crises.act(state.id, action, actor=person.id, request_key=request_key)
            if isinstance(outcome, Refused):
                await turn_context.send_activity(refusal_message(self.plan, outcome, lang))
        return self._card_after(tap, self.crises.get(state.id) or state, person, lang, now)

    async def _raise(self, tap: Tap, sender: Sender, lang: Lang, request_key: str | None) -> dict[str, Any]:
        reporter: OutsideReporter | None = None
        if sender.person is not None:
            actor = sender.person.id
        else:
            outside = self._outsider(sender, lang)
            if isinstance(outside, str):
                return refused_card(lang, outside)
            actor, reporter = reporter_name(outside), outside
        try:
            outcome = await self.crises.raise_alarm(
                source=tap.text("source", 64), deliveries=tap.ids("deliveries"), description=tap.text("description"),
                reporter_phone=tap.text("phone", 40) or None, actor=actor, request_key=request_key, via=VIA,
                outside_reporter=reporter,
            )
        except InvalidTap as exc:
            return refused_card(lang, say(lang, "tap.invalid", reason=exc.reason))
        if isinstance(outcome, Refused):
            return refused_card(lang, refusal_text(self.plan, outcome, lang))
        if not isinstance(outcome, Accepted) or outcome.state is None:
            return refused_card(lang, say(lang, "tap.invalid", reason="alarmen er allerede sendt"))
        text = say(lang, "alarm.sent.text_outside" if reporter else "alarm.sent.text", name=self._triage_holder().name)
        return result_card(lang, say(lang, "alarm.sent.title", id=outcome.state.id), text)

    def _outsider(self, sender: Sender, lang: Lang) -> OutsideReporter | str:
        """The sender, who is not in the plan, as the reporter of an alarm; or why they may not raise one now.

        Only a signed-in member of the organisation's Entra tenant may (the endpoint refuses other tenants),
        at most ``OUTSIDE_LIMIT`` times an hour."""
        if not sender.aad_object_id:
            return say(lang, "alarm.not_staff", org=self.plan.organisation.name)
        reporter = OutsideReporter(
            name=sender.name[:200] or say(lang, "alarm.unnamed"), email=(sender.email or "")[:320] or None,
            aad_object_id=sender.aad_object_id, teams_user_id=sender.teams_id,
        )
        again = next_alarm_at(self.crises.all(), reporter, self.clock())
        if again is None:
            return reporter
        holder = self._triage_holder()
        time = f"{again.astimezone(LOCAL_TIME):%H:%M}"
        return say(lang, "alarm.limited", count=OUTSIDE_LIMIT, time=time, name=holder.name, title=holder.title)

    def _triage_holder(self) -> Person:
        return self.plan.person_by_id[self.plan.role_by_id[self.plan.alarm_chain.triage_role].primary]

    def _card_after(self, tap: Tap, state: CrisisState, person: Person, lang: Lang, now: datetime) -> dict[str, Any]:
        """The tapped card as it looks now, so a second tap cannot act twice."""
        purpose = _CARD_OF_VERB.get(tap.verb)
        if purpose is None and tap.verb in (Verb.ACKNOWLEDGE, Verb.REFRESH):
            mine = [p for p in state.pages if p.person == person.id]
            purpose = mine[-1].purpose if mine else None
        if purpose is None:
            return self.situations.card(state, lang)
        return page_card(self.plan, state, lang, person=person.id, purpose=purpose, now=now)

    async def _legacy_submit(self, turn_context: TurnContext, lang: Lang) -> None:
        """An Action.Submit payload (older clients): act on it and answer with the new card as a message."""
        try:
            tap = parse_tap(turn_context.activity.value)
        except InvalidTap as exc:
            await turn_context.send_activity(say(lang, "tap.invalid", reason=exc.reason))
            return
        await turn_context.send_activity(_card(await self._tap(turn_context, tap, lang)))

    # -- people -------------------------------------------------------------------------

    async def _sender(self, turn_context: TurnContext) -> Sender:
        """Who is writing; recognised without the store while the logbog is known to be unreachable."""
        return await identify(turn_context, plan=self.plan, store=self.store, clock=self.clock, stored=self.crises.reachable)

    def _not_member(self, lang: Lang) -> str:
        owner = self.plan.person_by_id[self.plan.contact_procedure.roster_owner]
        return say(lang, "not_member", owner=owner.name, owner_title=owner.title)

    async def _remember_personal_chat(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.from_property is None or not _personal(activity):
            return
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference.pop("activityId", None)  # changes with every message; proactive sends don't use it
        key = personal_chat_key(activity.from_property.id)
        if self._saved_chats.get(key) == reference or not self.crises.reachable:
            return  # saved already; or saved at a turn once the logbog can be reached again
        try:
            await self.store.save_conversation_reference(key=key, reference=reference, at=self.clock())
        except StoreError as exc:
            log.warning("den personlige chat kunne ikke gemmes; det prøves igen ved næste besked: %s", exc.reason)
            return
        self._saved_chats[key] = reference

    async def _logbog_down(self, turn_context: TurnContext, error: StoreError) -> None:
        """Tell the sender that the logbog cannot be reached, that nothing was recorded and what to do: on the card
        for a card tap, else as a message (an activity that asked nothing, such as an installation, gets no answer).
        ``Busy`` (the logbog works, but other requests kept changing the crisis) is told to try again in a moment.

        Logged once as an error, without a traceback: by the crises when they cannot read the logbog, else (a write
        refused) here, for the first turn turned away after one that was answered; every turn turned away at info level.
        """
        activity = turn_context.activity
        lang = language(activity.locale)
        if isinstance(error, Busy):
            log.info("Teams-aktiviteten (%s) er besvaret med «prøv igen»: %s", activity.type, error.reason)
            await self._turned_away(turn_context, say(lang, "logbog.busy"))
            return
        if self.crises.reachable and not self._turning_away:
            log.error("logbogen fejlede under en Teams-aktivitet (%s): %s", activity.type, error)
        self._turning_away = True
        log.info("Teams-aktiviteten (%s) er besvaret med, at logbogen ikke kan nås: %s", activity.type, error.reason)
        holder = self._triage_holder()
        phone = say(lang, "logbog.down.phone", number=holder.phones[0].display()) if holder.phones else ""
        await self._turned_away(turn_context, say(lang, "logbog.down", name=holder.name, title=holder.title, phone=phone))

    @staticmethod
    async def _turned_away(turn_context: TurnContext, text: str) -> None:
        """Answer a turn that recorded nothing with ``text``: on the card for a card tap, else as a message."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.invoke:
            await turn_context.send_activity(error_activity(text))
        elif activity.type == ActivityTypes.message:
            await turn_context.send_activity(text)


def _crisis_first(argument: str) -> str:
    """``hjm K-2026-003`` as ``K-2026-003 hjm``: a crisis id may also end the command."""
    words = argument.split()
    if len(words) > 1 and words[-1].upper().startswith("K-") and not words[0].upper().startswith("K-"):
        return " ".join([words[-1], *words[:-1]])
    return argument


def _personal(activity: Activity) -> bool:
    """Is the activity from a 1:1 chat with the bot?"""
    return activity.conversation is not None and (activity.conversation.conversation_type or "personal") == "personal"


def _card(card: dict) -> Activity:
    return MessageFactory.attachment(_attachment(card))


def _attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CONTENT_TYPE, content=card)
