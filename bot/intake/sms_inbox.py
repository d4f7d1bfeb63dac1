"""What verified SMS webhooks mean: alarms and replies that act on a crisis, and delivery reports.

A plan person may raise an alarm by texting ``ALARM <what is wrong>``; the deliveries it
names are picked out of the text.

A reply counts only if its sender is a plan person's number, its code was given to that
number, and the person may use the letter in the crisis as it is now (GoAlert's model).
Then it runs through the lifecycle like a card tap, and the SMS is recorded word for word
with what it did, in the same transaction. Unknown numbers get no answer at all; known
numbers get a short answer, and at most ``HELP_LIMIT`` help answers an hour. Provider
retries and replays are recognised by the provider's message id and change nothing.

A delivery report becomes a ``PageDeliveryReported`` event of the page's crisis; a lost
page (undeliverable, expired) moves its roles' escalation on at once.
"""

import asyncio
import logging
from datetime import timedelta

from ..channels.sms.base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms
from ..channels.sms.batcher import Batcher
from ..channels.sms.text import notice_text, status_text
from ..clock import Clock
from ..core.events import DeliveryState, PageDeliveryReported, PagePurpose, SmsReceived
from ..core.lifecycle import Accepted
from ..core.replies import (
    LABELS, STATUS, CodedReply, SmsAlarm, letter_answer, parse_reply, reply_action, reply_options,
    sms_alarm_source,
)
from ..engine.crises import Crises
from ..engine.pager import Pager
from ..plan.models import Person, Plan
from ..render.refusals import refusal_text
from ..store import Store

log = logging.getLogger(__name__)

HELP_LIMIT = 5
HELP_WINDOW = timedelta(hours=1)
HELP = 'Koden kendes ikke. Svar med koden og bogstavet fra sms\'en, fx "1K". STATUS giver overblik, ALARM og en tekst rejser en alarm.'
_LOST = {DeliveryStatus.UNDELIVERABLE: DeliveryState.UNDELIVERABLE, DeliveryStatus.EXPIRED: DeliveryState.EXPIRED}


class SmsInbox:
    def __init__(
        self, *, plan: Plan, store: Store, clock: Clock, crises: Crises, pager: Pager, batcher: Batcher
    ) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._crises = crises
        self._pager = pager
        self._batcher = batcher
        self._people = {phone.number: person for person in plan.people for phone in person.phones if phone.takes_sms}
        self._answers: set[asyncio.Task] = set()

    async def reply(self, sms: InboundSms) -> None:
        person = self._people.get(sms.sender)
        if person is None:
            log.warning("sms fra et nummer, der ikke er i planen, er ignoreret (slutter på %s)", sms.sender[-2:])
            return
        key = f"sms:{sms.provider}:{sms.id}"
        parsed = parse_reply(sms.text)
        if isinstance(parsed, CodedReply):
            await self._coded(person, sms, parsed, key)
        elif isinstance(parsed, SmsAlarm):
            await self._alarm(person, sms, parsed, key)
        elif await self._store.first_time(key=key, at=self._clock()):
            if parsed == STATUS:
                self._answer(person, status_text(self._plan, self._crises.active()))
            else:
                await self._help(person)

    async def report(self, report: DeliveryReport) -> None:
        state = _LOST.get(report.status) or (DeliveryState.DELIVERED if report.status is DeliveryStatus.DELIVERED else None)
        if state is None:
            return  # still under way
        page = await self._store.sent_page(key=report.ref) if report.ref else None
        page = page or await self._store.sent_page(channel="sms", provider_id=report.id)
        if page is None:
            log.warning("leveringsrapport for en ukendt sms (%s %s)", report.provider, report.id)
            return
        event = PageDeliveryReported(
            person=page.person, roles=list(page.roles), purpose=PagePurpose(page.purpose), channel=page.channel,
            provider_id=report.id, status=state, detail=report.detail[:200],
        )
        recorded = await self._crises.record(
            page.crisis_id, [event], request_key=f"sms-report:{report.provider}:{report.report_id}"
        )
        if recorded and state.lost:
            self._pager.poke()

    async def _coded(self, person: Person, sms: InboundSms, parsed: CodedReply, key: str) -> None:
        coded = await self._store.sms_code_page(number=sms.sender, code=parsed.code)
        state = self._crises.get(coded.crisis_id) if coded and coded.person == person.id else None
        if coded is None or state is None:
            if await self._store.first_time(key=key, at=self._clock()):
                await self._help(person)
            return
        raw = sms.raw.strip()[:1600]

        def received(outcome: str) -> SmsReceived:
            return SmsReceived(person=person.id, number=sms.sender, text=raw, outcome=outcome)

        if not state.phase.open:
            if await self._crises.record(state.id, [received("koden er lukket")], actor=person.id, request_key=key):
                self._answer(person, f"Krise {state.id} er allerede afsluttet.")
            return
        purpose = PagePurpose(coded.purpose)
        action = reply_action(self._plan, state, purpose, parsed, raw)
        if action is None or parsed.reply not in reply_options(self._plan, state, purpose, person.id):
            allowed = ", ".join(f"{parsed.code}{r.value}" for r in reply_options(self._plan, state, purpose, person.id))
            refusal = f"{parsed.code}{parsed.reply.value} kan ikke bruges her" + (f"; du kan svare {allowed}" if allowed else "")
            if await self._crises.record(state.id, [received(f"afvist: {refusal}")], actor=person.id, request_key=key):
                self._answer(person, f"{state.id}: {refusal}.")
            return
        label = LABELS[letter_answer(purpose, parsed.reply)]
        outcome = await self._crises.act(
            state.id, action, actor=person.id, request_key=key, preface=[received(f"udført: {label}")]
        )
        if isinstance(outcome, Accepted) and outcome.events:
            self._answer(person, f"{state.id}: modtaget - {label}.")
            return
        if isinstance(outcome, Accepted):
            said = "allerede registreret"
        else:
            said = f"afvist: {refusal_text(self._plan, outcome, 'da')}"
        if await self._crises.record(state.id, [received(said)], actor=person.id, request_key=key):
            self._answer(person, f"{state.id}: {label} - {said}.")

    async def _alarm(self, person: Person, sms: InboundSms, alarm: SmsAlarm, key: str) -> None:
        outcome = await self._crises.raise_alarm(
            source=sms_alarm_source(self._plan), deliveries=self._plan.deliveries_mentioned(alarm.description),
            description=alarm.description[:4000], reporter_phone=sms.sender, actor=person.id, request_key=key,
        )
        if isinstance(outcome, Accepted) and outcome.events and outcome.state is not None:
            self._answer(person, f"Alarm {outcome.state.id} er modtaget og sendt til vurdering.")
        elif not isinstance(outcome, Accepted):
            self._answer(person, f"Alarmen blev ikke modtaget: {refusal_text(self._plan, outcome, 'da')}.")

    async def _help(self, person: Person) -> None:
        number = person.mobile.number if person.mobile else ""
        now = self._clock()
        if await self._store.help_replies_allowed(number=number, at=now, since=now - HELP_WINDOW, limit=HELP_LIMIT):
            self._answer(person, HELP)

    def _answer(self, person: Person, message: str) -> None:
        """Answer the person by SMS in the background (the webhook must be answered at once)."""
        if person.mobile is None:
            return
        sms = OutgoingSms(to=person.mobile.number, text=notice_text(message), ref=f"svar:{person.id}")
        task = asyncio.create_task(self._send(sms))
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _send(self, sms: OutgoingSms) -> None:
        try:
            await self._batcher.send(sms)
        except Exception:
            log.warning("svar-sms kunne ikke sendes", exc_info=True)

    async def drain(self) -> None:
        """Wait for answers still being sent (tests, shutdown)."""
        while self._answers:
            await asyncio.gather(*list(self._answers), return_exceptions=True)
