"""What the webhooks of a call mean: the call picked up, a key pressed, how the call ended.

The desk is the voice channel's reply inbox (a plan person's calls and an external participant's summons alike).
A key counts only in a call Krisebot placed
(``ref`` is random and stored before the call went out), only as one of the keys the person
may press in the crisis as it is now (``bot.core.replies.keypad``, the same answers as the
SMS codes and the card buttons), and then runs through the lifecycle like a card tap, recorded
word for word (``KeyPressed``) with what it did, in the same transaction. Only a key press
acknowledges: a voicemail, a hang-up or an answered call without a key does not, and moves the
page on at once (``Pager.not_reached``: the fallback now, the next number, else the deputy).

«Kommer» on a summons is recorded as the key is pressed; the call then asks for the minutes
until arrival (a number prompt, ``Ask.NUMBER``). Minutes count only in a call whose acted-on key
(the call's stored ``digits``) was «kommer», while the crisis has the person coming, and once per
call: they become the arrival of a new «kommer», as ``1K 20`` by SMS does; '#' alone keeps the
«kommer» without a time. The minutes are recorded word for word too, whatever they did.

Every status a provider reports is a ``CallReported`` event; retried or replayed reports are
recognised by the provider's report id and change nothing.
"""

import logging

from ..channels.voice.base import Ask, CallAnswer, CallUpdate, KeyPress, Prompt
from ..clock import Clock
from ..core.events import CallReported, CallStatus, KeyPressed, PagePurpose
from ..core.lifecycle import Accepted, Refused
from ..core.replies import KEYED_DIGITS, REPEAT_KEY, Answer, key_action, key_answer, keyed_arrival, keyed_eta, keypad
from ..core.state import CrisisState
from ..plan.models import Plan
from ..render import page_words as words
from ..render.refusals import refusal_text
from ..store import CallRecord, Calls
from ..engine.crises import Crises
from ..engine.pager import Pager

log = logging.getLogger(__name__)

ROUNDS = 2
"""The message is said once and repeated once when no key is pressed."""
UNKNOWN_CALL = ("Dette opkald kendes ikke af Krisebot.", "Farvel.")


class CallDesk:
    def __init__(self, *, plan: Plan, store: Calls, clock: Clock, crises: Crises, pager: Pager) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._crises = crises
        self._pager = pager

    async def answered(self, answer: CallAnswer) -> Prompt:
        """The call was picked up: its message with the keys; a machine gets a short message and the page moves on."""
        found = await self._call(answer.ref)
        if found is None:
            return Prompt(UNKNOWN_CALL)
        call, state = found
        purpose = PagePurpose(call.purpose)
        if answer.machine:
            await self._ended(call, CallStatus.VOICEMAIL, answer.call_id, f"{answer.provider}:{answer.call_id}:machine")
            recipient = self._plan.recipient(call.person)
            sms = recipient is not None and recipient.mobile is not None
            return Prompt(tuple(words.voicemail(self._plan, state, purpose, call.person, sms=sms)))
        await self._report(call, CallStatus.ANSWERED, answer.call_id, f"{answer.provider}:{answer.call_id}:answered")
        return self._message(call, state, round=1)

    async def pressed(self, keys: KeyPress) -> Prompt:
        """Keys, or none, at the end of prompt ``keys.round``: a key of the call's message, or the minutes asked
        for after «kommer» (``Ask.NUMBER``); act on them and say what happened."""
        found = await self._call(keys.ref)
        if found is None:
            return Prompt(UNKNOWN_CALL)
        call, state = found
        if not state.phase.open:
            return Prompt(tuple(words.crisis_closed(self._plan, state)))
        if keys.ask is Ask.NUMBER:
            return await self._arrival(call, state, keys.digits)
        digit = keys.digits  # a one-key prompt's keys: more than one key is no key it offers
        if not digit:
            if keys.round < ROUNDS:
                return self._message(call, state, round=keys.round + 1)
            return Prompt(tuple(words.no_key(self._plan, PagePurpose(call.purpose), call.person)))
        if digit == REPEAT_KEY:
            return self._message(call, state, round=keys.round)
        purpose = PagePurpose(call.purpose)
        offered = keypad(self._plan, state, purpose, call.person)
        key = next((k for k in offered if k.digit == digit and k.answer is not None), None)
        action = key_action(self._plan, state, purpose, digit) if key else None
        if key is None or key.answer is None or action is None:
            return Prompt(tuple(words.key_unusable(digit, offered)), gather=True, round=keys.round)
        outcome = await self._crises.act(
            state.id, action, actor=call.person, request_key=f"voice:{call.ref}:{digit}",
            preface=[self._keyed(call, digit, words.key_logged(key))],
        )
        await self._store.call_keyed(ref=call.ref, digits=digit)
        if isinstance(outcome, Accepted) and key.answer is Answer.COMING:
            asked = tuple(words.coming_ask_arrival(already=not outcome.events))
            return Prompt(asked, gather=True, ask=Ask.NUMBER, digits=KEYED_DIGITS)
        if isinstance(outcome, Accepted) and outcome.events and outcome.state is not None:
            offered_now = keypad(self._plan, outcome.state, purpose, call.person)
            more = [k for k in offered_now if k.answer not in (None, Answer.ACKNOWLEDGE, key.answer)]
            said = tuple(words.key_accepted(key.answer, more))
            return Prompt(said, gather=True, round=keys.round) if more else Prompt(said)
        if isinstance(outcome, Accepted):
            return Prompt(tuple(words.key_already_registered(key.answer)))
        return await self._refused(call, state, outcome, digit, f"voice:{call.ref}:{digit}:afvist")

    async def _arrival(self, call: CallRecord, state: CrisisState, typed: str) -> Prompt:
        """The minutes typed after «kommer» in this call: the arrival of a new «kommer», or nothing changed."""
        answer = state.answers.get(call.person)
        keyed = key_answer(PagePurpose(call.purpose), call.digits) if call.digits else None
        if keyed is not Answer.COMING or answer is None or not answer.coming:
            return Prompt(tuple(words.key_refused("Du har ikke svaret, at du kommer, i dette opkald")))
        request_key = f"voice:{call.ref}:ankomst"
        eta = keyed_eta(typed)
        if not eta:  # None: no keys in time, or no minutes; "": '#' alone, coming without a time
            if typed:
                said = words.arrival_unusable_logged() if eta is None else words.arrival_logged(eta)
                await self._crises.record(state.id, [self._keyed(call, typed, said)], actor=call.person, request_key=request_key)
            return Prompt(tuple(words.arrival_unusable(typed) if eta is None else words.arrival_noted(eta, answer.at)))
        outcome = await self._crises.act(
            state.id, keyed_arrival(eta), actor=call.person, request_key=request_key,
            preface=[self._keyed(call, typed, words.arrival_logged(eta))],
        )
        if isinstance(outcome, Accepted) and outcome.events and outcome.state is not None:
            return Prompt(tuple(words.arrival_noted(eta, outcome.state.answers[call.person].at)))
        if isinstance(outcome, Accepted):
            return Prompt(tuple(words.key_already_registered(Answer.COMING)))
        return await self._refused(call, state, outcome, typed, f"{request_key}:afvist")

    async def _refused(self, call: CallRecord, state: CrisisState, outcome: Refused, typed: str, key: str) -> Prompt:
        """Keys the crisis refused: recorded with the reason (once per ``key``), and the reason said."""
        reason = refusal_text(self._plan, outcome, "da")
        await self._crises.record(
            state.id, [self._keyed(call, typed, f"afvist: {reason}")], actor=call.person, request_key=key
        )
        return Prompt(tuple(words.key_refused(reason)))

    @staticmethod
    def _keyed(call: CallRecord, typed: str, outcome: str) -> KeyPressed:
        return KeyPressed(person=call.person, number=call.number, digits=typed[:20], outcome=outcome)

    async def progressed(self, update: CallUpdate) -> None:
        """Record a status once (its event's request key is the report's id); a final one in a call where no
        key was acted on moves the page on."""
        found = await self._call(update.ref)
        if found is None:
            log.warning("status for et ukendt opkald (%s %s)", update.provider, update.call_id)
            return
        call, _ = found
        if update.status.final:
            await self._ended(call, update.status, update.call_id, f"{update.provider}:{update.event_id}", update.detail)
        else:
            await self._report(call, update.status, update.call_id, f"{update.provider}:{update.event_id}", update.detail)

    async def _call(self, ref: str) -> tuple[CallRecord, CrisisState] | None:
        call = await self._store.call(ref=ref)
        state = await self._crises.find(call.crisis_id) if call else None
        return (call, state) if call and state else None

    def _message(self, call: CallRecord, state: CrisisState, *, round: int) -> Prompt:
        purpose = PagePurpose(call.purpose)
        keys = keypad(self._plan, state, purpose, call.person)
        if not keys:
            return Prompt(tuple(words.crisis_closed(self._plan, state)))
        script = words.call_script(self._plan, state, purpose, call.person, call.roles, keys)
        return Prompt(tuple(script), gather=True, round=round)

    async def _report(self, call: CallRecord, status: CallStatus, call_id: str, key: str, detail: str = "") -> None:
        event = CallReported(
            person=call.person, roles=list(call.roles), purpose=PagePurpose(call.purpose), number=call.number,
            provider_id=call_id, status=status, detail=detail[:200],
        )
        await self._crises.record(call.crisis_id, [event], request_key=f"voice:{key}")

    async def _ended(self, call: CallRecord, status: CallStatus, call_id: str, key: str, detail: str = "") -> None:
        """The call's first final status: recorded, and without a key acted on, the page moves on."""
        if not await self._store.call_ended(ref=call.ref, outcome=status.value, at=self._clock()):
            return
        await self._report(call, status, call_id, key, detail)
        current = await self._store.call(ref=call.ref)
        if current is None or current.digits is None:
            await self._pager.not_reached(call.outbox_key)
