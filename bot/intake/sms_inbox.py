"""What verified SMS webhooks mean: alarms and replies that act on a crisis, and delivery reports.

Anyone may raise an alarm by texting ``ALARM <what is wrong>``; the deliveries it names are picked
out of the text. From a number the plan does not name it goes to triage marked «ubekræftet afsender»
with the number, at most ``STRANGER_ALARMS`` an hour from one number and ``STRANGER_ALARMS_TOTAL`` an
hour from all of them; such a number can do nothing else and gets no answer.

A reply counts only if its sender is a plan person's number (or that of an external participant
Krisebot may summon, which may only answer its summons), its code was given to that number, and
the sender may use the letter in the crisis as it is now (GoAlert's model). Then it runs through the
lifecycle like a card tap, and the SMS is recorded word for word with what it did, in the same
transaction. Every other SMS is kept word for word too (``SmsRecord``): free text, a wrong code, a bare
``ALARM``, ``STATUS``. Known numbers get a short answer, and at most ``HELP_LIMIT`` help answers an hour.
Provider retries and replays are recognised by the provider's message id and change nothing.

A delivery report becomes a ``PageDeliveryReported`` event of the page's crisis; a lost
page (undeliverable, expired) moves its roles' escalation on at once.
"""

import logging
from datetime import timedelta
from typing import Protocol

from ..background import Background
from ..channels.sms.base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms
from ..channels.sms.batcher import Batcher
from ..channels.sms.text import notice_text, status_text
from ..clock import Clock
from ..core.events import DeliveryState, PageDeliveryReported, PagePurpose
from ..core.lifecycle import Accepted, Outcome
from ..core.replies import (
    LABELS, STATUS, VIA, CodedReply, SmsAlarm, letter_answer, parse_reply, reply_action, reply_options,
    sms_alarm_source,
)
from ..engine.crises import Crises
from ..engine.pager import Pager
from ..plan.models import Person, Plan, Recipient
from ..render.page_words import registered, sentence
from ..render.refusals import refusal_text
from ..store import Logbog, SentPages, SmsCodes
from .limits import RateLimiter
from .sms_record import SmsRecord, received, sender

log = logging.getLogger(__name__)

HELP_LIMIT = 5
HELP_WINDOW = timedelta(hours=1)
HELP = 'Koden kendes ikke. Svar med koden og bogstavet fra sms\'en, fx "1K". STATUS giver overblik, ALARM og en tekst rejser en alarm.'
EXTERNAL_HELP = (
    'Svar med koden og bogstavet fra sms\'en fra Krisebot, fx "1K 20" (kommer om 20 minutter) eller "1N" (kommer ikke).'
)
"""The help an external participant gets: it may only answer its summons."""
STRANGER_ALARMS = 3
"""Alarms an hour that one number outside the plan may raise."""
STRANGER_ALARMS_TOTAL = 10
"""Alarms an hour that all numbers outside the plan together may raise."""
RAISED = "alarm rejst og sendt til vurdering"
_LOST = {DeliveryStatus.UNDELIVERABLE: DeliveryState.UNDELIVERABLE, DeliveryStatus.EXPIRED: DeliveryState.EXPIRED}


class InboxRecords(Logbog, SentPages, SmsCodes, Protocol):
    """What the SMS inbox asks of the store: the SMS kept in the logbog, the pages reports are about, and reply codes."""


class SmsInbox:
    def __init__(
        self, *, plan: Plan, store: InboxRecords, clock: Clock, crises: Crises, pager: Pager, batcher: Batcher
    ) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._crises = crises
        self._pager = pager
        self._batcher = batcher
        self._record = SmsRecord(store=store, clock=clock, crises=crises)
        self._strangers = RateLimiter(
            rate=STRANGER_ALARMS, total=STRANGER_ALARMS_TOTAL, period=timedelta(hours=1), clock=clock,
            shown=lambda number: f"nummeret, der slutter på {number[-2:]}",
        )
        senders: list[Recipient] = [*plan.everyone, *(external for external in plan.external_participants if external.summon)]
        self._senders = {phone.number: sender for sender in senders for phone in sender.phones if phone.takes_sms}
        self._answers = Background()

    async def reply(self, sms: InboundSms) -> None:
        key = f"sms:{sms.provider}:{sms.id}"
        await self._crises.refresh()  # the crises as the logbog holds them now, whichever instance recorded what
        parsed = parse_reply(sms.text)
        known = self._senders.get(sms.sender)
        if known is None:
            await self._stranger(sms, parsed, key)
        elif isinstance(parsed, CodedReply):
            await self._coded(known, sms, parsed, key)
        elif isinstance(parsed, SmsAlarm) and isinstance(known, Person):
            await self._alarm(known, sms, parsed, key)
        elif parsed == STATUS and isinstance(known, Person):
            if await self._record.keep(sms, known, "overblik sendt", key=key):
                self._answer(known, status_text(self._plan, self._crises.active()))
        elif await self._record.keep(sms, known, "ikke forstået: intet udført", key=key):
            await self._help(known)

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

    async def _coded(self, person: Recipient, sms: InboundSms, parsed: CodedReply, key: str) -> None:
        coded = await self._store.sms_code_page(number=sms.sender, code=parsed.code)
        state = self._crises.get(coded.crisis_id) if coded and coded.person == person.id else None
        if coded is None or state is None:
            unknown = f"koden {parsed.code} kendes ikke på nummeret: intet udført"
            if await self._record.keep(sms, person, unknown, key=key):
                await self._help(person)
            return
        if not state.phase.open:
            closed = [received(sms, person, "koden er lukket")]
            if await self._crises.record(state.id, closed, actor=person.id, request_key=key):
                self._answer(person, f"Krise {state.id} er allerede afsluttet.")
            return
        purpose = PagePurpose(coded.purpose)
        action = reply_action(self._plan, state, purpose, parsed)
        if action is None or parsed.reply not in reply_options(self._plan, state, purpose, person.id):
            allowed = ", ".join(f"{parsed.code}{r.value}" for r in reply_options(self._plan, state, purpose, person.id))
            refusal = f"{parsed.code}{parsed.reply.value} kan ikke bruges her" + (f"; du kan svare {allowed}" if allowed else "")
            refused = [received(sms, person, f"afvist: {refusal}")]
            if await self._crises.record(state.id, refused, actor=person.id, request_key=key):
                self._answer(person, f"{state.id}: {refusal}.")
            return
        answer = letter_answer(purpose, parsed.reply)
        label = LABELS[answer]
        outcome = await self._crises.act(
            state.id, action, actor=person.id, request_key=key, preface=[received(sms, person, f"udført: {label}")]
        )
        if isinstance(outcome, Accepted) and outcome.events:
            self._answer(person, f"{state.id}: modtaget - {registered(answer)}.")
            return
        if isinstance(outcome, Accepted):
            said = "allerede registreret"
        else:
            said = f"afvist: {refusal_text(self._plan, outcome, 'da')}"
        if await self._crises.record(state.id, [received(sms, person, said)], actor=person.id, request_key=key):
            self._answer(person, sentence(f"{state.id}: {label} - {said}"))

    async def _alarm(self, person: Person, sms: InboundSms, alarm: SmsAlarm, key: str) -> None:
        outcome = await self._raise(sms, person, alarm, key)
        if isinstance(outcome, Accepted) and outcome.events and outcome.state is not None:
            self._answer(person, f"Alarm {outcome.state.id} er modtaget og sendt til vurdering.")
        elif not isinstance(outcome, Accepted):
            reason = refusal_text(self._plan, outcome, "da")
            if await self._record.keep(sms, person, f"ingen alarm: {reason}", key=key):
                self._answer(person, sentence(f"Alarmen blev ikke modtaget: {reason}"))

    async def _stranger(self, sms: InboundSms, parsed: CodedReply | SmsAlarm | str | None, key: str) -> None:
        """A number the plan does not name: its ``ALARM`` goes to triage within the limits; anything else is kept
        and does nothing. It gets no answer."""
        log.warning("sms fra et nummer, der ikke er i planen (slutter på %s)", sms.sender[-2:])
        outcome = "intet udført: nummeret er ikke i planen"
        if isinstance(parsed, SmsAlarm):
            if not self._strangers.take(sms.sender):
                outcome = (
                    f"ingen alarm: over {STRANGER_ALARMS} i timen fra nummeret eller {STRANGER_ALARMS_TOTAL} i timen "
                    "fra numre uden for planen"
                )
            elif not isinstance(raised := await self._raise(sms, None, parsed, key), Accepted):
                outcome = f"ingen alarm: {refusal_text(self._plan, raised, 'da')}"
            else:
                return
        await self._record.keep(sms, None, outcome, key=key)

    async def _raise(self, sms: InboundSms, person: Person | None, alarm: SmsAlarm, key: str) -> Outcome:
        """Raise the alarm ``sms`` asks for (from a number the plan does not name when ``person`` is None), the SMS
        kept with it."""
        unverified = person is None
        return await self._crises.raise_alarm(
            source=sms_alarm_source(self._plan), deliveries=self._plan.deliveries_mentioned(alarm.description),
            description=alarm.description[:4000], reporter_phone=sms.sender, actor=sender(sms, person),
            request_key=key, unverified_sender=unverified, via=VIA,
            postscript=[received(sms, person, f"{RAISED} (ubekræftet afsender)" if unverified else RAISED)],
        )

    async def _help(self, person: Recipient) -> None:
        number = person.mobile.number if person.mobile else ""
        now = self._clock()
        if await self._store.help_replies_allowed(number=number, at=now, since=now - HELP_WINDOW, limit=HELP_LIMIT):
            self._answer(person, HELP if isinstance(person, Person) else EXTERNAL_HELP)

    def _answer(self, person: Recipient, message: str) -> None:
        """Answer the person by SMS in the background (the webhook must be answered at once)."""
        if person.mobile is None:
            return
        sms = OutgoingSms(to=person.mobile.number, text=notice_text(message), ref=f"svar:{person.id}")
        self._answers.start(self._send(sms))

    async def _send(self, sms: OutgoingSms) -> None:
        try:
            await self._batcher.send(sms)
        except Exception:
            log.warning("svar-sms kunne ikke sendes", exc_info=True)

    async def drain(self) -> None:
        """Wait for answers still being sent (tests, shutdown)."""
        await self._answers.drain()
