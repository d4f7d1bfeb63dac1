"""One aiohttp handler for every SMS gateway's webhooks: size limit, verification, hand-off, answer.

A gateway's parser turns a request into events or raises ``WebhookRejected``. The handler
(``bot.channels.webhooks.webhook``) refuses bodies over 64 KB with 413, hands each event to the inbox (``reply`` for an ``InboundSms``, ``report`` for a
``DeliveryReport``) and answers 200. The events carry the provider's ids, so the inbox can
recognise a replayed or retried webhook. A refused request changes nothing.

The inbox must return quickly (record and hand off): the handler waits for it, so that a
failure there answers 503 and the gateway delivers the webhook again.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from aiohttp import web

from ..webhooks import Handler, webhook
from .base import DeliveryReport, InboundSms

log = logging.getLogger("krisebot.sms")

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
    """The handler for one gateway's webhook route (``bot.channels.webhooks.webhook``): each event to the inbox,
    then ``ok()``. ``endpoint`` names the gateway in logs."""

    async def hand_on(events: list[Event]) -> web.StreamResponse:
        for event in events:
            await (inbox.reply(event) if isinstance(event, InboundSms) else inbox.report(event))
        return ok()

    return webhook(parse, hand_on, endpoint=endpoint, public_url=public_url, log=log)
