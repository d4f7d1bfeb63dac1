"""GatewayAPI: SMS out through ``POST /rest/mtsms``, delivery reports and replies in through signed webhooks.

Sending: one message object per SMS (its ``userref`` is our ``OutgoingSms.ref``), a JSON list
of up to ``CHUNK`` objects per request, the chunks of a large batch sent concurrently. The
answer's ``ids`` are the ids of the objects, in order. ``msisdn`` is the number's digits
without ``+``. Failures: see ``http.post``; a 400/422 whose ``variables`` name numbers of the
chunk fails those messages permanently and the rest of the chunk is sent again without
them; any other 4xx is transient (the backup provider can still take the page).

Webhooks: the event is the claims of the HS256 JWT in ``X-Gwapi-Signature``, signed with the
webhook secret; the body is ignored. A token with any non-ASCII character is invalid (a JWT is
ASCII). A token has no expiry: replays are recognised by the
event's ``id`` downstream.
"""

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
import jwt

from ...errors import ChannelError, PermanentError, TransientError
from ..http import post
from ..webhooks import WebhookRejected
from .base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms, SendResult, outcome
from .gsm import fit
from .replies import strip_keyword
from .webhooks import Event

NAME = "gatewayapi"
GATEWAY = "GatewayAPI"
CHUNK = 1000
"""Message objects per request: GatewayAPI's own bound for a multi-message request (``/mobile/multi``)."""
SIGNATURE_HEADER = "X-Gwapi-Signature"

_STATUSES = {
    "DELIVERED": DeliveryStatus.DELIVERED,
    "UNDELIVERABLE": DeliveryStatus.UNDELIVERABLE,
    "REJECTED": DeliveryStatus.UNDELIVERABLE,
    "DELETED": DeliveryStatus.UNDELIVERABLE,
    "SKIPPED": DeliveryStatus.UNDELIVERABLE,
    "EXPIRED": DeliveryStatus.EXPIRED,
}
"""Final states; every other status (UNKNOWN, SCHEDULED, BUFFERED, ENROUTE, ACCEPTED, new ones) is pending."""


def msisdn(number: str) -> int:
    """``"+4512345678"`` → ``4512345678``."""
    return int(number.removeprefix("+"))


class GatewayApiSms:
    """The SmsProvider for GatewayAPI. ``callback_url`` (with a public URL) receives the delivery reports."""

    name = NAME

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, token: str, sender: str, callback_url: str | None = None
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/rest/mtsms"
        self._headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self._sender = sender
        self._callback_url = callback_url

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        chunks = [list(messages[start:start + CHUNK]) for start in range(0, len(messages), CHUNK)]
        answers = await asyncio.gather(*(self._send_chunk(chunk) for chunk in chunks))
        return outcome([result for answer in answers for result in answer])

    async def _send_chunk(self, chunk: list[OutgoingSms]) -> list[SendResult]:
        """One request for ``chunk``; numbers the gateway refuses fail, and the rest goes again without them."""
        results: dict[int, SendResult] = {}
        pending = list(range(len(chunk)))
        while pending:
            try:
                ids: list[SendResult] = list(await self._post([chunk[i] for i in pending]))
            except _RecipientsRefused as exc:
                for i in pending:
                    if msisdn(chunk[i].to) in exc.numbers:
                        results[i] = PermanentError(f"{GATEWAY} afviste nummeret {chunk[i].to}")
                pending = [i for i in pending if i not in results]
                continue
            except ChannelError as exc:
                ids = [exc] * len(pending)
            results.update(zip(pending, ids, strict=True))
            break
        return [results[i] for i in range(len(chunk))]

    async def _post(self, chunk: list[OutgoingSms]) -> list[str]:
        answer = await post(
            self._session, self._url, gateway=GATEWAY, headers=self._headers, json=[self._object(sms) for sms in chunk]
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status in (400, 422):
            named = {int(v) for v in body.get("variables") or [] if str(v).lstrip("+").isdigit()}
            if named & {msisdn(sms.to) for sms in chunk}:
                raise _RecipientsRefused(named)
        ids = body.get("ids")
        if answer.status >= 300 or not isinstance(ids, list) or len(ids) != len(chunk):
            raise TransientError(f"{GATEWAY} svarede {answer.status} uden id'er for {len(chunk)} sms'er")
        return [str(i) for i in ids]

    def _object(self, sms: OutgoingSms) -> dict[str, Any]:
        message: dict[str, Any] = {
            "sender": self._sender, "message": fit(sms.text), "recipients": [{"msisdn": msisdn(sms.to)}], "userref": sms.ref,
        }
        if self._callback_url:
            message["callback_url"] = self._callback_url
        return message


class _RecipientsRefused(Exception):
    def __init__(self, numbers: set[int]) -> None:
        super().__init__(numbers)
        self.numbers = numbers


class GatewayApiWebhook:
    """Parser for ``POST /api/sms/gatewayapi``: the verified claims as a DeliveryReport or an InboundSms."""

    def __init__(self, *, secret: str, keyword: str = "") -> None:
        self._secret = secret
        self._keyword = keyword

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> list[Event]:
        token = headers.get(SIGNATURE_HEADER)
        if not token:
            raise WebhookRejected(401, f"{SIGNATURE_HEADER} mangler")
        if not token.isascii():
            raise WebhookRejected(401, f"{SIGNATURE_HEADER} er ugyldig")
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise WebhookRejected(401, f"{SIGNATURE_HEADER} er ugyldig") from None
        try:
            return [self._event(claims)]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise WebhookRejected(400, "hændelsen mangler felter eller har ugyldige værdier") from None

    def _event(self, claims: dict[str, Any]) -> Event:
        message_id, number = str(int(claims["id"])), f"+{int(claims['msisdn'])}"
        if "status" in claims:
            status = str(claims["status"])
            at = datetime.fromtimestamp(int(claims["time"]), UTC)
            detail = " ".join(str(claims[key]) for key in ("status", "code", "error") if claims.get(key))
            return DeliveryReport(
                provider=NAME, report_id=f"{message_id}:{status}:{int(claims['time'])}", id=message_id,
                ref=str(claims["userref"]) if claims.get("userref") else None,
                status=_STATUSES.get(status, DeliveryStatus.PENDING), at=at, detail=detail,
            )
        text = claims["message"]
        if not isinstance(text, str):
            raise TypeError("message")
        return InboundSms(
            provider=NAME, id=message_id, sender=number, text=strip_keyword(text, self._keyword),
            received_at=datetime.fromtimestamp(int(claims["senttime"]), UTC), raw=text,
        )
