"""One aiohttp handler for every SMS gateway's webhooks: size limit, verification, hand-off, answer.

A gateway's parser turns a request into events or raises ``WebhookRejected``: 401 for a missing
or wrong signature, 400 for a malformed request. The handler refuses bodies over 64 KB with
413, hands each event to the inbox (``reply`` for an ``InboundSms``, ``report`` for a
``DeliveryReport``) and answers 200. The events carry the provider's ids, so the inbox can
recognise a replayed or retried webhook. A refused request changes nothing.

The inbox must return quickly (record and hand off): the handler waits for it, so that a
failure there answers 503 and the gateway delivers the webhook again.

``local_only`` keeps a route (the console provider's) to requests made on this machine: with a
public URL configured, from another host, or through a proxy (``Forwarded``, ``X-Forwarded-*``,
``X-Real-IP``; behind nginx every request comes from 127.0.0.1) it answers 404.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from ipaddress import ip_address
from typing import Protocol

from aiohttp import web

from ...http_errors import read_limited, refuse
from .base import DeliveryReport, InboundSms

log = logging.getLogger("krisebot.sms")

MAX_BODY = 64 * 1024

Event = InboundSms | DeliveryReport
Parse = Callable[[str, Mapping[str, str], bytes], list[Event]]
"""``(url, headers, body) -> events``: the URL the gateway called (the public one), as it signed it."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookRejected(Exception):
    """A webhook request that must be refused; ``reason`` is Danish and holds no secret or message text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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
    to ``parse`` is ``public_url`` followed by the request's path and query (what the gateway
    signed, behind a proxy too), or the request's own URL without a public URL. ``ok`` builds
    the 200 answer.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"forespørgslen er større end {MAX_BODY // 1024} KB")
        url = public_url.rstrip("/") + request.path_qs if public_url else str(request.url)
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


PROXY_HEADERS = ("Forwarded", "X-Real-IP")
"""Headers a proxy adds, besides every ``X-Forwarded-*``."""
NOT_HERE = "sms-konsollen tager kun imod forespørgsler direkte fra denne maskine, uden proxy og uden KRISEBOT_PUBLIC_URL"


def local_only(handler: Handler, *, public: bool) -> Handler:
    """``handler`` for direct requests from this machine; 404 for every request when ``public``
    (a public URL is configured) and for one from another host or through a proxy."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if public or not _direct_from_loopback(request):
            return refuse(request, 404, NOT_HERE)
        return await handler(request)

    return handle


def _direct_from_loopback(request: web.Request) -> bool:
    headers = request.headers
    if any(name in headers for name in PROXY_HEADERS) or any(name.upper().startswith("X-FORWARDED-") for name in headers):
        return False
    try:
        return ip_address(request.remote or "").is_loopback
    except ValueError:
        return False
