"""A fake Twilio: the Messages API as a real aiohttp server, and its signed webhooks.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` takes a form (``To``, ``From``,
``Body``, optional ``StatusCallback``) with Basic auth (account SID, auth token) and answers
201 with a Message resource (``sid`` ``SM…``, ``status`` ``queued``); every message is kept
as a ``SentSms`` in ``sent``. Errors come in Twilio's shape (``code``, ``message``,
``more_info``, ``status``): 401 (20003) without the right credentials or for another
account, 400 (21604/21602) without ``To`` or ``Body``, 400 (21211) for a number given to
``refuse_number``, 429 (20429) from ``fail_next(429)``.

Webhooks are forms signed in ``X-Twilio-Signature`` with the auth token over the URL
Twilio was configured with (``signed_url``, by default the URL posted to; ``port_form``
adds the scheme's default port as Twilio sometimes does). ``signature=`` sends a given
(wrong) signature, ``signed=False`` none. Posting the same sid twice is a replay.
"""

import base64
import hashlib
import hmac
import itertools
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from tests.fakes.gateway import FakeGateway, WebhookAnswer, post_webhook

ACCOUNT_SID = "AC" + "0" * 32


@dataclass(frozen=True)
class SentSms:
    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None


class FakeTwilio(FakeGateway):
    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = "tw-auth-token", number: str = "+4578787878") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        """The account's phone number: replies are sent to it."""
        self.sent: list[SentSms] = []
        self.authorizations: list[str] = []
        self._refused: set[str] = set()
        self._inbound = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)

    def refuse_number(self, number: str) -> None:
        """Answer 400 (21211, invalid 'To') for messages to ``number``."""
        self._refused.add(number)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None, *, code: int | None = None) -> web.Response:
        """Twilio's error body; a 429 is its error 20429 (Too Many Requests)."""
        code = code or (20429 if status == 429 else 20500)
        body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
        return web.json_response(body, status=status, headers=headers)

    def authorized(self, request: web.Request) -> bool:
        """Basic auth with this account's SID and auth token, for this account's resources."""
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected and request.match_info["sid"] == self.account_sid

    async def _messages(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return self.error(401, "Authenticate", code=20003)
        form = await request.post()
        to, body = form.get("To"), form.get("Body")
        if not isinstance(to, str) or not to:
            return self.error(400, "A 'To' phone number is required.", code=21604)
        if not isinstance(body, str) or not body:
            return self.error(400, "A text message body or media urls must be specified.", code=21602)
        if to in self._refused:
            return self.error(400, f"The 'To' number {to} is not a valid phone number.", code=21211)
        sid = "SM" + uuid.uuid4().hex
        callback = form.get("StatusCallback")
        sent = SentSms(
            sid=sid, to=to, sender=str(form.get("From", "")), body=body,
            status_callback=callback if isinstance(callback, str) else None,
        )
        self.sent.append(sent)
        self.authorizations.append(request.headers["Authorization"])
        return web.json_response({
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": sent.sender, "body": body,
            "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01", "num_segments": "1",
            "error_code": None, "error_message": None, "price": None, "price_unit": "USD",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }, status=201)

    # -- webhooks --------------------------------------------------------------------------

    def signature(self, url: str, params: dict[str, str]) -> str:
        payload = url + "".join(name + value for name, value in sorted(params.items()))
        return base64.b64encode(hmac.new(self.auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()

    async def post_event(
        self, url: str, params: dict[str, str], *, signed_url: str | None = None, port_form: bool = False,
        signature: str | None = None, signed: bool = True,
    ) -> WebhookAnswer:
        """POST ``params`` as Twilio does: a form, signed over ``signed_url`` (default ``url``)."""
        signed_over = signed_url or url
        if port_form:
            signed_over = _with_default_port(signed_over)
        headers = {"X-Twilio-Signature": signature or self.signature(signed_over, params)} if signed else {}
        return await post_webhook(
            url, headers=headers, data=urlencode(params).encode(), content_type="application/x-www-form-urlencoded"
        )

    def inbound_params(self, sender: str, body: str, *, sid: str | None = None) -> dict[str, str]:
        """An incoming SMS from ``sender`` to the account's number (a new ``MessageSid`` unless given)."""
        sid = sid or f"SM{next(self._inbound):032x}"
        return {
            "MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid,
            "From": sender, "To": self.number, "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }

    async def inbound(self, url: str, sender: str, body: str, **options: Any) -> WebhookAnswer:
        return await self.post_event(url, self.inbound_params(sender, body), **options)

    async def status_callback(
        self, sms: SentSms, status: str = "delivered", *, error_code: str | None = None, **options: Any
    ) -> WebhookAnswer:
        """Report ``status`` for ``sms`` to its ``StatusCallback``."""
        assert sms.status_callback, "the message was sent without StatusCallback"
        params = {
            "MessageSid": sms.sid, "SmsSid": sms.sid, "AccountSid": self.account_sid, "From": sms.sender, "To": sms.to,
            "MessageStatus": status, "SmsStatus": status, "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return await self.post_event(sms.status_callback, params, **options)


def _with_default_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{443 if parts.scheme == 'https' else 80}"))
