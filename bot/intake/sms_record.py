"""Every SMS to Krisebot is kept word for word with what it did: an ``SmsReceived`` in the logbog.

``received`` makes the event, ``sender`` its actor. An SMS that acts on a crisis is recorded with the action
(``SmsInbox``); ``SmsRecord.keep`` records any other: from a plan person in the crisis it belongs to
(``bot.core.sms_home``), else (no crisis open, or a number the plan does not name) outside every crisis,
where ``krisebot export sms`` shows it (``docs/adr/0023-every-sms-is-kept.md``). Keeping is idempotent on
the SMS's request key, so a provider's retry or replay is kept once.
"""

import logging

from ..channels.sms.base import InboundSms
from ..clock import Clock
from ..core.events import SmsReceived
from ..core.sms_home import home_crisis
from ..engine.crises import Crises
from ..plan.models import Recipient
from ..render.export import UNVERIFIED
from ..store import Logbog

log = logging.getLogger(__name__)

TEXT_LIMIT = 1600
"""Characters of an SMS kept (ten concatenated segments; more is no SMS a phone sends)."""


def received(sms: InboundSms, person: Recipient | None, outcome: str) -> SmsReceived:
    """``sms`` as the logbog keeps it: its whole text as it arrived (keyword and all) and ``outcome``."""
    return SmsReceived(
        person=person.id if person else None, number=sms.sender, text=sms.raw.strip()[:TEXT_LIMIT], outcome=outcome[:400]
    )


def sender(sms: InboundSms, person: Recipient | None) -> str:
    """The actor of what ``sms`` records: the plan person, else ``ubekræftet afsender (+4520998877)``."""
    return person.id if person else f"{UNVERIFIED} ({sms.sender})"


class SmsRecord:
    def __init__(self, *, store: Logbog, clock: Clock, crises: Crises) -> None:
        self._store = store
        self._clock = clock
        self._crises = crises

    async def keep(self, sms: InboundSms, person: Recipient | None, outcome: str, *, key: str) -> bool:
        """Keep ``sms`` (from ``person``, None for a number the plan does not name) with ``outcome``; False when
        ``key`` was recorded before (a replay: do nothing more)."""
        event, actor = received(sms, person, outcome), sender(sms, person)
        home = home_crisis(self._crises.active(), person.id) if person else None
        if home is not None:
            return bool(await self._crises.record(home.id, [event], actor=actor, request_key=key))
        kept = await self._store.append_all(at=self._clock(), actor=actor, payloads=[event], request_key=key)
        if kept:
            log.info("sms uden for en krise er gemt (nr. %d): %s", kept[0].seq, outcome)
        return bool(kept)
