"""Twilio: SMS out through the Messages API, delivery reports and replies in through signed webhooks.

Sending: ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json``, a form (``To``, ``From``,
``Body``, ``StatusCallback``) with Basic auth (account SID, auth token). Twilio has no batch
endpoint, so a batch is sent as concurrent requests, at most ``CONCURRENCY`` at a time. The
status callback URL carries our ``ref`` in its query, so reports name the outbox item.
Failures: see ``http.post``; a 400 whose Twilio error code is about the number (invalid, not
a mobile, unsubscribed, unroutable) is permanent, any other 4xx transient.

Webhooks are signed as ``bot.channels.twilio`` checks.
"""

import asyncio
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
from aiohttp import web

from ...clock import Clock
from ...errors import ChannelError
from ..http import post
from ..twilio import GATEWAY, auth_headers, created, verified_form
from ..webhooks import WebhookRejected
from .base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms, SendResult, outcome
from .gsm import fit
from .replies import strip_keyword
from .webhooks import Event

NAME = "twilio"
CONCURRENCY = 20

NUMBER_ERRORS = frozenset({21211, 21610, 21612, 21614})
"""Twilio error codes that are about the recipient: invalid 'To', unsubscribed, unroutable, not a mobile."""

_STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERABLE,
    "failed": DeliveryStatus.UNDELIVERABLE,
    "canceled": DeliveryStatus.UNDELIVERABLE,
}
"""Final states; every other status (accepted, scheduled, queued, sending, sent, ...) is pending."""


class TwilioSms:
    """The SmsProvider for Twilio. ``callback_url`` (with a public URL) receives the status callbacks."""

    name = NAME

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, account_sid: str, auth_token: str, sender: str,
        callback_url: str | None = None,
    ) -> None:
        self._session = session
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._headers = auth_headers(account_sid, auth_token)
        self._sender = sender
        self._callback_url = callback_url
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        return outcome(list(await asyncio.gather(*(self._send_one(sms) for sms in messages))))

    async def _send_one(self, sms: OutgoingSms) -> SendResult:
        form = {"To": sms.to, "From": self._sender, "Body": fit(sms.text)}
        if self._callback_url:
            form["StatusCallback"] = f"{self._callback_url}?ref={quote(sms.ref, safe='')}"
        async with self._slots:
            try:
                answer = await post(self._session, self._url, gateway=GATEWAY, headers=self._headers, data=form)
            except ChannelError as exc:
                return exc
        return created(answer, to=sms.to, number_errors=NUMBER_ERRORS)


class TwilioWebhook:
    """Parser for ``POST /api/sms/twilio``: an incoming message as InboundSms, a status callback as DeliveryReport.

    Twilio sends no time with an incoming message; ``clock`` gives the time it was received.
    """

    def __init__(self, *, auth_token: str, clock: Clock, keyword: str = "") -> None:
        self._token = auth_token
        self._clock = clock
        self._keyword = keyword

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> list[Event]:
        fields = verified_form(self._token, url, headers, body)
        if not fields.get("MessageSid"):
            raise WebhookRejected(400, "MessageSid mangler")
        return [self._event(url, fields)]

    def _event(self, url: str, fields: dict[str, str]) -> Event:
        status = fields.get("MessageStatus") or fields.get("SmsStatus") or ""
        if status == "received" or (not status and "Body" in fields):
            if not fields.get("From") or "Body" not in fields:
                raise WebhookRejected(400, "From eller Body mangler")
            return InboundSms(
                provider=NAME, id=fields["MessageSid"], sender=fields["From"],
                text=strip_keyword(fields["Body"], self._keyword), received_at=self._clock(), raw=fields["Body"],
            )
        if not status:
            raise WebhookRejected(400, "MessageStatus mangler")
        ref = parse_qs(urlsplit(url).query).get("ref", [None])[0]
        error = fields.get("ErrorCode")
        return DeliveryReport(
            provider=NAME, report_id=f"{fields['MessageSid']}:{status}", id=fields["MessageSid"], ref=ref,
            status=_STATUSES.get(status, DeliveryStatus.PENDING), at=self._clock(),
            detail=status + (f" {error}" if error else ""),
        )


def twiml_ok() -> web.Response:
    """The answer Twilio expects to a webhook: empty TwiML (no reply SMS)."""
    return web.Response(text="<Response/>", content_type="text/xml")
