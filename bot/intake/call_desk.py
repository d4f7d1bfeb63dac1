"""What the webhooks of a call mean: the call picked up, a key pressed, how the call ended.

The desk is the voice channel's reply inbox (a plan person's calls and an external participant's summons alike).
A key counts only in a call Krisebot placed
(``ref`` is random and stored before the call went out), only as one of the keys the person
may press in the crisis as it is now (``bot.core.replies.keypad``, the same answers as the
SMS codes and the card buttons), and then runs through the lifecycle like a card tap, recorded
word for word (``KeyPressed``) with what it did, in the same transaction. Only a key press
acknowledges: a voicemail, a hang-up or an answered call without a key does not, and moves the
page on at once (``Pager.not_reached``: the fallback now, the next number, else the deputy).

Every status a provider reports is a ``CallReported`` event; retried or replayed reports are
recognised by the provider's report id and change nothing.
"""

import logging

from ..channels.voice.base import CallAnswer, CallUpdate, KeyPress, Prompt
from ..clock import Clock
from ..core.events import CallReported, CallStatus, KeyPressed, PagePurpose
from ..core.lifecycle import Accepted
from ..core.replies import REPEAT_KEY, Answer, key_action, keypad
from ..core.state import CrisisState
from ..plan.models import Plan
from ..render import page_words as words
from ..render.refusals import refusal_text
from ..store import CallRecord, Store
from ..engine.crises import Crises
from ..engine.pager import Pager

log = logging.getLogger(__name__)

ROUNDS = 2
"""The message is said once and repeated once when no key is pressed."""
UNKNOWN_CALL = ("Dette opkald kendes ikke af Krisebot.", "Farvel.")


class CallDesk:
    def __init__(self, *, plan: Plan, store: Store, clock: Clock, crises: Crises, pager: Pager) -> None:
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
        """A key, or none, at the end of prompt ``keys.round``: act on it and say what happened."""
        found = await self._call(keys.ref)
        if found is None:
            return Prompt(UNKNOWN_CALL)
        call, state = found
        if not state.phase.open:
            return Prompt(tuple(words.crisis_closed(self._plan, state)))
        digit = keys.digits[:1]
        if not digit:
            if keys.round < ROUNDS:
                return self._message(call, state, round=keys.round + 1)
            return Prompt(tuple(words.no_key(PagePurpose(call.purpose))))
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
            preface=[KeyPressed(person=call.person, number=call.number, digits=digit, outcome=words.key_logged(key))],
        )
        await self._store.call_keyed(ref=call.ref, digits=digit)
        if isinstance(outcome, Accepted) and outcome.events and outcome.state is not None:
            offered_now = keypad(self._plan, outcome.state, purpose, call.person)
            more = [k for k in offered_now if k.answer not in (None, Answer.ACKNOWLEDGE, key.answer)]
            said = tuple(words.key_accepted(key.answer, more))
            return Prompt(said, gather=True, round=keys.round) if more else Prompt(said)
        if isinstance(outcome, Accepted):
            return Prompt(tuple(words.key_already_registered(key.answer)))
        reason = refusal_text(self._plan, outcome, "da")
        await self._crises.record(
            state.id, [KeyPressed(person=call.person, number=call.number, digits=digit, outcome=f"afvist: {reason}")],
            actor=call.person, request_key=f"voice:{call.ref}:{digit}:afvist",
        )
        return Prompt(tuple(words.key_refused(reason)))

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
        state = self._crises.get(call.crisis_id) if call else None
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
