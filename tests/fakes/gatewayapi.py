"""A fake GatewayAPI: ``POST /rest/mtsms`` as a real aiohttp server, and its signed webhooks.

Sending accepts what GatewayAPI documents: ``Authorization: Token <token>`` (or Basic with
the token as user name), a JSON body that is one message object or a list of them, each
with ``message`` and ``recipients`` (``msisdn`` as digits, number or string). It answers
``{"ids": [...], "usage": {...}}`` with one integer id per message object, in order, and
keeps every recipient as a ``SentSms`` in ``sent``. Errors come in GatewayAPI's shape
(``message``, ``incident_uuid``, optional ``code`` and ``variables``): 401 without the token,
422 for a body that is not JSON, 400 for a message without text or recipients, and 400
naming the number for a number given to ``refuse_number``.

Webhooks carry their event as the claims of an HS256 JWT in ``X-Gwapi-Signature``:
``delivery_report`` and ``inbound`` sign with the webhook secret unless told otherwise
(``secret=`` a wrong one, ``signed=False``), and ``body=`` sends a body that differs from
the claims. Sending the same claims twice is a replay.
"""

import base64
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from tests.fakes.gateway import FakeGateway, WebhookAnswer, post_webhook

Json = dict[str, Any]


@dataclass(frozen=True)
class SentSms:
    """One recipient of one accepted message object."""

    id: int
    msisdn: int
    message: str
    sender: str | None
    userref: str | None
    callback_url: str | None


class FakeGatewayApi(FakeGateway):
    def __init__(self, *, token: str = "gw-token", webhook_secret: str = "gw-webhook-secret-of-32-bytes-at-least") -> None:
        super().__init__()
        self.token = token
        self.webhook_secret = webhook_secret
        self.sent: list[SentSms] = []
        self.requests: list[Any] = []
        """The parsed JSON body of every accepted request, in order."""
        self.authorizations: list[str] = []
        self._refused: set[int] = set()
        self._ids = itertools.count(421332671)
        self._inbound_ids = itertools.count(1000001)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/rest/mtsms", self._mtsms)

    def refuse_number(self, msisdn: int) -> None:
        """Answer 400 naming ``msisdn`` for any request that sends to it."""
        self._refused.add(msisdn)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
        return web.json_response({"incident_uuid": str(uuid.uuid4()), "message": message, **extra}, status=status, headers=headers)

    # -- sending ---------------------------------------------------------------------------

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "token":
            return value == self.token
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(value).decode() in (f"{self.token}:", self.token)
            except ValueError:
                return False
        return False

    async def _mtsms(self, request: web.Request) -> web.Response:
        if not self._authorized(request.headers.get("Authorization", "")):
            return self.error(401, "Unauthorized")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return self.error(422, "Invalid JSON")
        messages = body if isinstance(body, list) else [body]
        problem = next((p for p in map(_problem, messages) if p), None)
        if problem or not messages:
            return self.error(400, problem or "No messages")
        numbers = {int(r["msisdn"]) for m in messages for r in m["recipients"]}
        refused = sorted(numbers & self._refused)
        if refused:
            return self.error(400, "Invalid recipient: %1", variables=[str(refused[0])])
        ids = []
        for message in messages:
            message_id = next(self._ids)
            ids.append(message_id)
            for recipient in message["recipients"]:
                self.sent.append(SentSms(
                    id=message_id, msisdn=int(recipient["msisdn"]), message=message["message"],
                    sender=message.get("sender"), userref=message.get("userref"), callback_url=message.get("callback_url"),
                ))
        self.requests.append(body)
        self.authorizations.append(request.headers["Authorization"])
        return web.json_response({
            "ids": ids, "usage": {"countries": {"DK": len(numbers)}, "currency": "DKK", "total_cost": 0.12 * len(numbers)},
        })

    # -- webhooks --------------------------------------------------------------------------

    def report_claims(self, sms: SentSms, status: str = "DELIVERED", **extra: Any) -> Json:
        """The claims of a delivery status notification for ``sms``."""
        claims = {"id": sms.id, "msisdn": sms.msisdn, "time": int(time.time()), "status": status, "userref": sms.userref}
        return {**claims, "country_code": "DK", "country_prefix": 45, **extra}

    def inbound_claims(self, msisdn: int, message: str, *, receiver: int = 451204) -> Json:
        """The claims of an incoming SMS (``message`` includes any keyword), with a new id."""
        return {
            "id": next(self._inbound_ids), "msisdn": msisdn, "receiver": receiver, "message": message,
            "senttime": int(time.time()), "webhook_label": "krisebot", "country_code": "DK", "country_prefix": 45,
        }

    async def post_event(
        self, url: str, claims: Json, *, secret: str | None = None, signed: bool = True, body: Json | None = None
    ) -> WebhookAnswer:
        """POST ``claims`` as GatewayAPI does: JSON body, claims signed in ``X-Gwapi-Signature``."""
        headers = {"X-Gwapi-Signature": jwt.encode(claims, secret or self.webhook_secret, algorithm="HS256")} if signed else {}
        data = json.dumps(body if body is not None else claims).encode()
        return await post_webhook(url, headers=headers, data=data, content_type="application/json")

    async def delivery_report(self, sms: SentSms, status: str = "DELIVERED", **options: Any) -> WebhookAnswer:
        """Report ``status`` for ``sms`` to its ``callback_url``."""
        assert sms.callback_url, "the message was sent without callback_url"
        return await self.post_event(sms.callback_url, self.report_claims(sms, status), **options)

    async def inbound(self, url: str, msisdn: int, message: str, **options: Any) -> WebhookAnswer:
        """An SMS from ``msisdn`` to the leased keyword, posted to ``url``."""
        return await self.post_event(url, self.inbound_claims(msisdn, message), **options)


def _problem(message: Any) -> str | None:
    if not isinstance(message, dict) or not isinstance(message.get("message"), str) or not message["message"]:
        return "message is required"
    recipients = message.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        return "recipients is required"
    if len(recipients) > 10_000:
        return "Too many recipients"
    if not all(isinstance(r, dict) and str(r.get("msisdn", "")).isdigit() for r in recipients):
        return "msisdn must be digits"
    return None
