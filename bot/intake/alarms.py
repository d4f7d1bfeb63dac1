"""``POST /api/alarms``: monitoring webhooks (Alertmanager, Grafana, generic JSON) become crisis alarms.

Token, size, format and the rate limits (per source and overall) are checked first; each alert
then goes through the ``AlarmReceiver``, which never refuses an alert over a name it does not know. The answer is 202 with what became
of the alert (one alert: an object, several: a list), or 429 with ``Retry-After`` when the
source, or all sources together, sent more than the limit: the alerts that passed are in the
answer, the others are to be sent again, each with the reason. Nothing waits for paging: pages
go out through the outbox after the answer. A logbog that cannot be written answers 503 (the
app's guard middleware).
"""

from dataclasses import dataclass

from aiohttp import web

from ..engine.foreground import Foreground
from ..http_errors import read_limited, refuse
from ..json_body import refuse_too_deep
from ..plan.models import Plan
from .auth import refused
from .formats import Alert, FormatError, parse
from .limits import RateLimiter
from .receiver import AlarmReceiver, Receipt, ReceiptStatus, actor_for

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class AlarmEndpoint:
    """What the alarms route needs."""

    plan: Plan
    tokens: list[str]
    receiver: AlarmReceiver
    limiter: RateLimiter
    foreground: Foreground

    async def handle(self, request: web.Request) -> web.Response:
        with self.foreground.serving():
            return await self._handle(request)

    async def _handle(self, request: web.Request) -> web.Response:
        refusal = refused(request, self.tokens)
        if refusal is not None:
            return refusal
        intake = self.plan.alarm_intake
        if intake is None:
            return refuse(request, 503, "planen har ingen [alarm_intake]: alarmer fra overvågning modtages ikke")
        body = await read_limited(request, MAX_BODY, screen=refuse_too_deep)
        if body is None:
            return refuse(request, 413, f"kroppen er større end {MAX_BODY // 1024} KB")
        try:
            alerts = parse(body)
        except FormatError as exc:
            return refuse(request, 400, exc.reason)
        receipts = [await self._receive(alert, intake.monitoring_source) for alert in alerts]
        answer = receipts[0].json() if len(receipts) == 1 else [receipt.json() for receipt in receipts]
        limited = [alert.system for alert, r in zip(alerts, receipts) if r.status is ReceiptStatus.LIMITED]
        if limited:
            headers = {"Retry-After": str(self.limiter.retry_after(limited[0]))}
            return web.json_response(answer, status=429, headers=headers)
        return web.json_response(answer, status=202)

    async def _receive(self, alert: Alert, source: str) -> Receipt:
        if not self.limiter.take(alert.system):
            return Receipt(ReceiptStatus.LIMITED, reason=self.limiter.reason(alert.system))
        return await self.receiver.receive(alert, source=source, actor=actor_for(alert.system))
