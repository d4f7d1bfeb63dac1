"""The one way machine alarms enter a crisis: a new alarm opens one, a repeat joins the open crisis
with the same fingerprint, a resolved alarm is logged there and the IT head is told.

An alert from a system that names one of the plan's alarm sources (by id or name, however spelt)
counts as that source. Delivery names the plan does not know are raised with the alarm and named
in the receipt.

An alert's ``key`` is stored in the crisis's AlarmRaised event, so the crisis it belongs to is
found again after a restart, and opening it is one atomic write. Alerts are handled one at a
time, so two deliveries of the same new alert can never open two crises.
"""

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum

from ..core.actions import ReportAlarm
from ..core.events import AlarmStatus
from ..core.lifecycle import Accepted, Refused
from ..core.state import CrisisState
from ..engine.crises import BUSY, DECISIONS, Crises
from ..errors import Busy, Stale
from ..render.names import clip
from .formats import Alert
from .rules import classify

log = logging.getLogger("krisebot.intake")

UNKNOWN_DELIVERY = "Ukendt leverance: ingen regel i planen passer på alarmen."
DESCRIPTION_LIMIT = 4000
"""The logbog's limit for an alarm's description."""


class ReceiptStatus(StrEnum):
    NEW = "new"
    JOINED = "joined"
    RESOLVED = "resolved"
    IGNORED = "ignored"
    LIMITED = "limited"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of one alert: the crisis it opened or joined (if any), a reason when there is none,
    and the delivery names the plan does not know (the alarm is raised with them flagged)."""

    status: ReceiptStatus
    crisis: str | None = None
    reason: str = ""
    unknown_deliveries: tuple[str, ...] = ()

    def json(self) -> dict[str, str | list[str] | None]:
        body: dict[str, str | list[str] | None] = {"crisis": self.crisis, "status": self.status.value}
        if self.reason:
            body["reason"] = self.reason
        if self.unknown_deliveries:
            body["unknown_deliveries"] = list(self.unknown_deliveries)
        return body


def actor_for(system: str) -> str:
    """How a machine is named in the logbog: ``Overvågning (Alertmanager)``."""
    return f"Overvågning ({system})"


class AlarmReceiver:
    """Turns alerts into crisis actions through ``Crises``."""

    def __init__(self, *, crises: Crises) -> None:
        self._crises = crises
        self._one_at_a_time = asyncio.Lock()

    def open_crisis(self, key: str) -> CrisisState | None:
        """The open crisis raised by the alert with ``key``, if any."""
        return next((state for state in reversed(self._crises.active()) if state.fingerprint == key), None)

    async def receive(
        self, alert: Alert, *, source: str, actor: str, request_key: str | None = None
    ) -> Receipt:
        """Open, join or report to the crisis of ``alert``, counting as ``source`` unless a plan rule says otherwise."""
        async with self._one_at_a_time:
            for _ in range(DECISIONS):
                try:
                    return await self._receive(alert, source=source, actor=actor, request_key=request_key)
                except Stale:
                    continue  # another instance opened a crisis meanwhile, perhaps this alert's: look again
            raise Busy(BUSY)

    async def _receive(self, alert: Alert, *, source: str, actor: str, request_key: str | None) -> Receipt:
        """``receive`` on the logbog as it is now; ``Stale`` if a crisis was opened elsewhere before this alert's."""
        await self._crises.refresh()  # an open crisis of the alert's may have been raised by another instance
        seen = self._crises.seen
        state = self.open_crisis(alert.key)
        if state is not None:
            outcome = await self._crises.act(
                state.id, ReportAlarm(status=alert.status, text=alert.summary), actor=actor, request_key=request_key
            )
            done = ReceiptStatus.RESOLVED if alert.status is AlarmStatus.RESOLVED else ReceiptStatus.JOINED
            return self._receipt(outcome, done, state.id)
        if alert.status is AlarmStatus.RESOLVED:
            return Receipt(ReceiptStatus.IGNORED, reason="ingen åben krise for denne alarm")
        plan = self._crises.plan
        named = plan.source_named(alert.system)
        source, deliveries = classify(
            plan, alert.labels, default_source=named.id if named else source, deliveries=alert.deliveries
        )
        outcome = await self._crises.raise_alarm(
            source=source, deliveries=deliveries, description=_description(alert, bool(deliveries)),
            reporter_phone=None, actor=actor, request_key=request_key, fingerprint=alert.key, seen=seen,
        )
        crisis = outcome.state.id if isinstance(outcome, Accepted) and outcome.state else None
        unknown = tuple(name for name in deliveries if plan.delivery_named(name) is None)
        if unknown and crisis:
            log.warning(
                "alarm %s nævner leverancer, planen ikke kender: %s", crisis, ", ".join(map(repr, unknown)),
                extra={"crisis_id": crisis},
            )
        return self._receipt(outcome, ReceiptStatus.NEW, crisis, unknown)

    @staticmethod
    def _receipt(
        outcome: Accepted | Refused, done: ReceiptStatus, crisis: str | None, unknown: tuple[str, ...] = ()
    ) -> Receipt:
        if isinstance(outcome, Refused):
            log.warning("alarm afvist af krisens forløb: %s %s", outcome.reason, outcome.detail)
            return Receipt(ReceiptStatus.REFUSED, crisis, reason=f"{outcome.reason.value} {outcome.detail}".strip())
        return Receipt(done, crisis, unknown_deliveries=unknown)


def _description(alert: Alert, mapped: bool) -> str:
    """The alarm's text for the logbog: title, description, link, and whether the plan knew the delivery."""
    parts = [alert.title, alert.description, "" if mapped else UNKNOWN_DELIVERY, alert.link]
    return clip("\n".join(part for part in parts if part), DESCRIPTION_LIMIT)
