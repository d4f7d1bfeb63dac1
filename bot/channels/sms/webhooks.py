"""One aiohttp handler for every SMS gateway's webhooks: size limit, verification, hand-off, answer.

A gateway's parser turns a request into events or raises ``WebhookRejected``. The handler
refuses bodies over 64 KB with 413, hands each event to the inbox (``reply`` for an ``InboundSms``, ``report`` for a
``DeliveryReport``) and answers 200. The events carry the provider's ids, so the inbox can
recognise a replayed or retried webhook. A refused request changes nothing.

The inbox must return quickly (record and hand off): the handler waits for it, so that a
failure there answers 503 and the gateway delivers the webhook again.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from aiohttp import web

from ...http_errors import read_limited, refuse
from ..webhooks import Handler, WebhookRejected, called_url
from .base import DeliveryReport, InboundSms

log = logging.getLogger("krisebot.sms")

MAX_BODY = 64 * 1024

Event = InboundSms | DeliveryReport
Parse = Callable[[str, Mapping[str, str], bytes], list[Event]]
"""``(url, headers, body) -> events``: the URL the gateway called (the public one), as it signed it."""


class Inbox(Protocol):
    async def reply(self, sms: InboundSms) -> None:
        """Take a verified reply (dedupe on ``sms.provider`` + ``sms.id``)."""

    async def report(self, report: DeliveryReport) -> None:
        """Take a verified delivery report (dedupe on ``report.provider`` + ``report.report_id``)."""


def _empty_ok() -> web.Response:
    return web.Response(status=200)


def sms_webhook(
    parse: Parse,
    inbox: Inbox,
    *,
    endpoint: str,
    public_url: str | None = None,
    ok: Callable[[], web.Response] = _empty_ok,
) -> Handler:
    """The handler for one gateway's webhook route.

    ``endpoint`` names the gateway in logs. Refusals go through ``http_errors.refuse``, which
    logs them and counts them in the app's metrics by route and status. The URL given
    to ``parse`` is ``called_url``'s: what the gateway signed. ``ok`` builds
    the 200 answer.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"forespørgslen er større end {MAX_BODY // 1024} KB")
        url = called_url(request, public_url)
        try:
            events = parse(url, request.headers, body)
        except WebhookRejected as exc:
            return refuse(request, exc.status, exc.reason)
        try:
            for event in events:
                await (inbox.reply(event) if isinstance(event, InboundSms) else inbox.report(event))
        except Exception:
            log.exception("%s: webhook kunne ikke behandles; udbyderen sender den igen", endpoint)
            return web.json_response({"error": "midlertidig fejl, prøv igen"}, status=503)
        return ok()

    return handle
