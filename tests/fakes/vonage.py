"""A fake Vonage Voice API: ``POST /v1/calls`` as a real aiohttp server, and the calls it drives.

The fake owns an application (``application_id`` and an RSA key pair: ``private_key_pem`` is
what the service is configured with). ``POST /v1/calls`` needs ``Authorization: Bearer`` a JWT
signed RS256 with that key, naming the application, with ``iat``, ``exp`` and ``jti``; its JSON
body needs ``to`` (phone endpoints, digits only), ``from``, ``answer_url`` and ``event_url``
(lists). It answers 201 ``{uuid, status: started, direction: outbound, conversation_uuid}``
and keeps a ``FakeCall`` in ``calls``. Errors: 401 without a valid token, 400 with
``invalid_parameters`` for a missing field or a number given to ``refuse_number``, and 429
from ``fail_next(429)`` (Vonage's throttling).

Webhooks go out as Vonage sends them with signed callbacks on: POST, JSON, ``Authorization:
Bearer`` a JWT (HS256, the signature secret) with ``iat``, ``jti``, ``iss``, ``api_key``,
``application_id`` and ``payload_hash`` (SHA-256 of the body, hex). ``answer`` posts to the
call's ``answer_url``, parses the NCCO answer and records what is said (``FakeCall.heard``) and
the ``input`` it waits in; ``press`` takes the keys as a caller presses them and posts the input
event Vonage would to its ``eventUrl`` (the input ends at ``maxDigits``, or with ``submitOnHash`` at
a '#', which the fake leaves out of ``dtmf.digits``; keys after that are lost), ``no_key`` one that
timed out;
``event`` posts a call status to ``event_url``. ``secret=`` signs with another secret,
``signed=False`` sends no token, ``age=`` backdates ``iat``, ``token=`` sends a given token
(a replay: ``FakeCall``'s webhooks are kept in ``posted``).
"""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.gateway import FakeGateway, WebhookAnswer, post_webhook

APPLICATION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"


@dataclass(frozen=True)
class Talk:
    text: str
    language: str | None
    barge_in: bool


@dataclass(frozen=True)
class Input:
    event_url: str
    types: list[str]
    max_digits: int | None
    time_out: int | None
    submit_on_hash: bool = False

    def ended(self, keys: str) -> tuple[str, bool]:
        """``(dtmf.digits, dtmf.timed_out)`` for ``keys`` pressed in this input (``maxDigits`` is 4 by default)."""
        digits = ""
        for key in keys:
            if key == "#" and self.submit_on_hash:
                return digits, False
            digits += key
            if len(digits) == (self.max_digits or 4):
                return digits, False
        return digits, True


@dataclass(frozen=True)
class Posted:
    url: str
    body: bytes
    token: str | None


@dataclass
class FakeCall:
    uuid: str
    to: str
    caller_id: str
    answer_url: str
    answer_method: str
    event_url: str
    event_method: str
    machine_detection: str | None
    heard: list[Talk] = field(default_factory=list)
    waiting: Input | None = None
    """The input the call waits in; None once it ended."""
    ended: bool = False

    def words(self) -> list[str]:
        return [talk.text for talk in self.heard]


class FakeVonage(FakeGateway):
    def __init__(self, *, signature_secret: str = "vonage-signature-secret-of-32-bytes", api_key: str = "abcd1234") -> None:
        super().__init__()
        self.application_id = APPLICATION_ID
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self._public_key = key.public_key()
        self.signature_secret = signature_secret
        self.api_key = api_key
        self.number = "4578787878"
        self.calls: list[FakeCall] = []
        self.tokens: list[dict[str, Any]] = []
        self.posted: list[Posted] = []
        self._refused: set[str] = set()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/calls", self._create)

    def refuse_number(self, number: str) -> None:
        """Answer 400 naming ``to`` for calls to ``number`` (digits, as Vonage gets them)."""
        self._refused.add(number)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
        titles = {400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests"}
        body = {"type": f"https://developer.nexmo.com/api-errors#{status}", "title": titles.get(status, "Error"),
                "detail": message, "instance": str(uuid.uuid4()), **extra}
        return web.json_response(body, status=status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"], options={"require": ["iat", "exp", "jti"]})
        except jwt.InvalidTokenError as exc:
            return self.error(401, f"Invalid token: {exc}")
        if scheme != "Bearer" or claims.get("application_id") != self.application_id:
            return self.error(401, "Invalid application")
        self.tokens.append(claims)
        body = await request.json()
        missing = [name for name in ("to", "from", "answer_url", "event_url") if not body.get(name)]
        if missing:
            return self.error(400, "Invalid parameters", invalid_parameters=[{"name": n, "reason": "missing"} for n in missing])
        to = body["to"][0]
        if to.get("type") != "phone" or not str(to.get("number", "")).isdigit() or to["number"] in self._refused:
            return self.error(400, "Invalid parameters", invalid_parameters=[{"name": "to[0].number", "reason": "invalid"}])
        assert isinstance(body["answer_url"], list) and isinstance(body["event_url"], list), "URLs go as lists"
        call = FakeCall(
            uuid=str(uuid.uuid4()), to=to["number"], caller_id=body["from"]["number"], answer_url=body["answer_url"][0],
            answer_method=body.get("answer_method", "GET"), event_url=body["event_url"][0],
            event_method=body.get("event_method", "POST"), machine_detection=body.get("machine_detection"),
        )
        self.calls.append(call)
        return web.json_response(
            {"uuid": call.uuid, "status": "started", "direction": "outbound", "conversation_uuid": f"CON-{uuid.uuid4()}"},
            status=201,
        )

    # -- driving a call ---------------------------------------------------------------------

    def token(self, body: bytes, *, secret: str | None = None, age: float = 0) -> str:
        """The JWT Vonage signs a webhook with."""
        claims = {
            "iat": int(time.time() - age), "jti": str(uuid.uuid4()), "iss": "Vonage", "api_key": self.api_key,
            "application_id": self.application_id, "payload_hash": hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(claims, secret or self.signature_secret, algorithm="HS256")

    async def _post(
        self, url: str, data: dict[str, Any], *, secret: str | None = None, signed: bool = True, age: float = 0,
        token: str | None = None,
    ) -> WebhookAnswer:
        body = json.dumps(data, separators=(",", ":")).encode()
        token = token or (self.token(body, secret=secret, age=age) if signed else None)
        self.posted.append(Posted(url, body, token))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await post_webhook(url, headers=headers, data=body, content_type="application/json")

    async def repost(self, posted: Posted) -> WebhookAnswer:
        """Send a webhook again exactly as it was sent, token and all (a replay)."""
        headers = {"Authorization": f"Bearer {posted.token}"} if posted.token else {}
        return await post_webhook(posted.url, headers=headers, data=posted.body, content_type="application/json")

    def _follow(self, call: FakeCall, answer: WebhookAnswer) -> None:
        """Run the NCCO answer as far as a test can hear it."""
        if answer.status != 200:
            return
        assert answer.content_type == "application/json", answer.content_type
        actions = json.loads(answer.text)
        assert isinstance(actions, list), "an NCCO is a JSON list"
        call.waiting = None
        for action in actions:
            if action["action"] == "talk":
                call.heard.append(Talk(action["text"], action.get("language"), bool(action.get("bargeIn"))))
            elif action["action"] == "input":
                dtmf = action.get("dtmf", {})
                call.waiting = Input(
                    event_url=action["eventUrl"][0], types=action["type"], max_digits=dtmf.get("maxDigits"),
                    time_out=dtmf.get("timeOut"), submit_on_hash=dtmf.get("submitOnHash") is True,
                )
                return
            else:
                raise AssertionError(f"unexpected NCCO action {action['action']!r}")
        call.ended = True

    def _base(self, call: FakeCall) -> dict[str, Any]:
        return {"from": self.number, "to": call.to, "uuid": call.uuid, "conversation_uuid": f"CON-{call.uuid}"}

    async def answer(self, call: FakeCall, **options: Any) -> WebhookAnswer:
        """The call is picked up: Vonage fetches its ``answer_url`` and runs the NCCO."""
        assert call.answer_method == "POST", "a GET answer webhook carries no body to sign"
        answer = await self._post(call.answer_url, self._base(call), **options)
        self._follow(call, answer)
        return answer

    async def press(self, call: FakeCall, keys: str, **options: Any) -> WebhookAnswer:
        """``keys`` pressed in the input the call waits in (``""``: none before its timeout): post the input event
        to its ``eventUrl``."""
        assert call.waiting is not None, "the call waits for no input"
        digits, timed_out = call.waiting.ended(keys)
        data = {**self._base(call), "dtmf": {"digits": digits, "timed_out": timed_out}, "speech": {},
                "timestamp": "2026-11-28T09:30:05.000Z"}
        answer = await self._post(call.waiting.event_url, data, **options)
        self._follow(call, answer)
        return answer

    async def no_key(self, call: FakeCall, **options: Any) -> WebhookAnswer:
        return await self.press(call, "", **options)

    async def event(self, call: FakeCall, status: str, *, timestamp: str = "2026-11-28T09:30:00.000Z", **options: Any) -> WebhookAnswer:
        """A call event (``status`` ``started``, ``ringing``, ``answered``, ``machine``, ``completed``, …) to ``event_url``."""
        data = {**self._base(call), "status": status, "direction": "outbound", "timestamp": timestamp}
        if status in ("human", "machine"):
            data = {"call_uuid": call.uuid, "status": status, "conversation_uuid": f"CON-{call.uuid}", "timestamp": timestamp}
        return await self._post(call.event_url, data, **options)
