"""Vonage Voice API: calls placed through ``POST /v1/calls``, what they say in NCCO, and its signed webhooks.

Placing: a JSON body (``to``/``from`` as phone endpoints, digits without ``+``;
``answer_url`` and ``event_url``, each a one-URL list carrying our ``ref``, both fetched with
POST; ``machine_detection: hangup``, so a voicemail is hung up on and reported as the event
``machine``; ``ringing_timer``) with ``Authorization: Bearer`` a JWT signed RS256 with the
application's private key (``application_id``, ``iat``, ``exp``, ``jti``). The answer is 201
with the call's ``uuid``. Failures: see ``http.post``; a 400/422 whose ``invalid_parameters``
name ``to`` is permanent, any other answer transient.

Webhooks (POST, JSON) carry ``Authorization: Bearer`` a JWT signed HS256 with the account's
signature secret, whose ``payload_hash`` is the SHA-256 (hex) of the body. The JWT does not
cover the URL (our ``ref``, ``round`` and ``ask`` are trusted as https delivers them) and has no expiry:
``VonageSignature`` refuses one whose ``iat`` is more than ``FRESH`` seconds from now and one
whose ``jti`` it has already accepted, so a replayed webhook is refused.

- ``answer``: the call was picked up (Vonage tells a machine apart only as a later event);
- ``keys``: the ``input`` action's ``eventUrl``: ``dtmf.digits`` as Vonage reports them (those typed
  before ``dtmf.timed_out`` too; a number's input that ended without digits and before its time
  ended on '#', and is ``#``), the prompt's ``round`` and ``ask`` from our own query;
- ``event``: ``status`` as a ``CallUpdate``, identified by the call, the status and its ``timestamp``.

Answers to ``answer`` and ``keys`` are NCCO: a ``talk`` per sentence in the configured language,
then, when the prompt awaits keys, a DTMF ``input`` (the last ``talk`` can be interrupted by it):
one digit, or for a number ``maxDigits`` its most digits and ``submitOnHash``; without one the
call ends after the last word.
"""

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from ...clock import Clock
from ...errors import PermanentError, TransientError
from ...json_body import BadJson, parse_json
from ..http import post
from ..webhooks import WebhookRejected
from .base import Ask, CallAnswer, CallStatus, CallUpdate, KeyPress, OutgoingCall, Prompt
from .webhooks import callback_url, keys_url, query_ask, query_ref, query_round

NAME = "vonage"
GATEWAY = "Vonage"
RING_SECONDS = 30
KEY_SECONDS = 8
TOKEN_SECONDS = 300
"""Lifetime of the JWT of one API request."""
FRESH = 300
"""Seconds a webhook's ``iat`` may be from now."""
DIGITS = frozenset("0123456789*#")

_STATUSES = {
    "started": CallStatus.RINGING,
    "ringing": CallStatus.RINGING,
    "answered": CallStatus.ANSWERED,
    "human": CallStatus.ANSWERED,
    "machine": CallStatus.VOICEMAIL,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "timeout": CallStatus.NO_ANSWER,
    "unanswered": CallStatus.NO_ANSWER,
    "rejected": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "cancelled": CallStatus.FAILED,
}
"""Vonage's call statuses; the rest of its events (input, transfer, record, disconnected, …) are not for the desk."""


class VonageVoice:
    """The VoiceProvider for Vonage; its callbacks go to ``public_url``'s ``/api/voice/vonage/…``.

    ``private_key`` is the application's PEM key. The API checks a token's times against its own
    clock, so they are the machine's time, never a test clock's.
    """

    name = NAME

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, application_id: str, private_key: str, public_url: str
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/v1/calls"
        self._application_id = application_id
        self._key = private_key
        self._public_url = public_url

    def _token(self) -> str:
        now = int(time.time())
        claims = {"application_id": self._application_id, "iat": now, "exp": now + TOKEN_SECONDS, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._key, algorithm="RS256")

    async def place(self, call: OutgoingCall) -> str:
        body = {
            "to": [{"type": "phone", "number": call.to.removeprefix("+")}],
            "from": {"type": "phone", "number": call.caller_id.removeprefix("+")},
            "answer_url": [callback_url(self._public_url, NAME, "answer", ref=call.ref)], "answer_method": "POST",
            "event_url": [callback_url(self._public_url, NAME, "event", ref=call.ref)], "event_method": "POST",
            "machine_detection": "hangup", "ringing_timer": RING_SECONDS,
        }
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        answer = await post(self._session, self._url, gateway=GATEWAY, headers=headers, json=body)
        reply = answer.body if isinstance(answer.body, dict) else {}
        if answer.status < 300 and isinstance(reply.get("uuid"), str):
            return reply["uuid"]
        named = [str(p.get("name", "")) for p in reply.get("invalid_parameters") or [] if isinstance(p, dict)]
        if answer.status in (400, 422) and any(name.startswith("to") for name in named):
            raise PermanentError(f"{GATEWAY} afviste nummeret {call.to}")
        raise TransientError(f"{GATEWAY} svarede {answer.status}" + (f" ({reply['title']})" if reply.get("title") else ""))


class VonageSignature:
    """Checks the JWT of a Vonage webhook: signature, ``payload_hash``, freshness of ``iat``, and ``jti`` not seen before.

    Accepted ``jti``s are remembered for ``FRESH`` seconds past their ``iat``: an older token
    is refused as stale anyway. The memory is this process's: a restart forgets it, and a
    replay within ``FRESH`` seconds of a restart reaches the desk with the same event id.
    """

    def __init__(self, *, secret: str, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock
        self._seen: dict[str, float] = {}

    def __call__(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            raise WebhookRejected(401, "Authorization mangler eller er ikke «Bearer <token>»")
        if not token.isascii():
            raise WebhookRejected(401, "Authorization er ugyldig")
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"],
                options={"require": ["iat", "jti", "payload_hash"], "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
            issued = float(claims["iat"])
        except (jwt.InvalidTokenError, TypeError, ValueError):
            raise WebhookRejected(401, "Authorization er ugyldig") from None
        digest = hashlib.sha256(body).hexdigest()
        if not hmac.compare_digest(str(claims["payload_hash"]).lower().encode(errors="surrogatepass"), digest.encode()):
            raise WebhookRejected(401, "kroppen passer ikke til signaturen (payload_hash)")
        now = self._clock().timestamp()
        if abs(now - issued) > FRESH:
            raise WebhookRejected(401, f"signaturen er udstedt mere end {FRESH // 60} minutter fra nu")
        self._seen = {jti: at for jti, at in self._seen.items() if now - at <= FRESH}
        jti = str(claims["jti"])
        if jti in self._seen:
            raise WebhookRejected(401, "signaturen er brugt før (genafspillet webhook)")
        self._seen[jti] = issued
        return claims


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = parse_json(body)
    except BadJson:
        raise WebhookRejected(400, "kroppen er ikke gyldig JSON") from None
    if not isinstance(data, dict):
        raise WebhookRejected(400, "kroppen skal være et JSON-objekt")
    return data


def _call_id(data: dict[str, Any]) -> str:
    """The call's ``uuid`` (``call_uuid`` in the machine detection events)."""
    call_id = data.get("uuid") or data.get("call_uuid")
    if not isinstance(call_id, str) or not call_id:
        raise WebhookRejected(400, "uuid mangler")
    return call_id


class VonageVoiceWebhooks:
    """Parsers for ``POST /api/voice/vonage/{answer,keys,event}``; ``clock`` gives the time of an event without one."""

    def __init__(self, *, signature_secret: str, clock: Clock) -> None:
        self._verify = VonageSignature(secret=signature_secret, clock=clock)
        self._clock = clock

    def answer(self, url: str, headers: Mapping[str, str], body: bytes) -> CallAnswer:
        self._verify(headers, body)
        return CallAnswer(provider=NAME, call_id=_call_id(_json(body)), ref=query_ref(url))

    def keys(self, url: str, headers: Mapping[str, str], body: bytes) -> KeyPress:
        self._verify(headers, body)
        data = _json(body)
        dtmf = data.get("dtmf")
        digits = dtmf.get("digits") if isinstance(dtmf, dict) else None
        if not isinstance(dtmf, dict) or not isinstance(digits, str) or not set(digits) <= DIGITS:
            raise WebhookRejected(400, "dtmf.digits mangler eller er ikke 0-9, * og #")
        ask = query_ask(url)
        if ask is Ask.NUMBER and not digits and dtmf.get("timed_out") is False:
            digits = "#"  # without a digit, only the '#' ends a number's input before its time (``submitOnHash``)
        return KeyPress(
            provider=NAME, call_id=_call_id(data), ref=query_ref(url), digits=digits, round=query_round(url), ask=ask,
        )

    def event(self, url: str, headers: Mapping[str, str], body: bytes) -> CallUpdate | None:
        self._verify(headers, body)
        data = _json(body)
        reported = data.get("status")
        status = _STATUSES.get(reported) if isinstance(reported, str) else None
        if status is None:
            return None
        call_id, stamp = _call_id(data), data.get("timestamp")
        detail = " ".join(str(data[key]) for key in ("status", "sub_state", "detail") if data.get(key))
        return CallUpdate(
            provider=NAME, call_id=call_id, ref=query_ref(url), status=status,
            event_id=f"{call_id}:{reported}:{stamp or ''}", at=self._time(stamp), detail=detail,
        )

    def _time(self, stamp: object) -> datetime:
        """Vonage's ``timestamp`` (ISO 8601), or now."""
        try:
            return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else self._clock()
        except ValueError:
            return self._clock()


def ncco(prompt: Prompt, keys_url: str, *, language: str) -> list[dict[str, Any]]:
    """``prompt`` as an NCCO: a ``talk`` per sentence, then, when it awaits keys, an ``input`` posting to
    ``keys_url`` (one digit, or a number sent on '#')."""
    actions: list[dict[str, Any]] = [{"action": "talk", "text": sentence, "language": language} for sentence in prompt.say]
    if prompt.gather:
        if actions:
            actions[-1]["bargeIn"] = True
        dtmf = {"maxDigits": prompt.digits, "submitOnHash": True} if prompt.ask is Ask.NUMBER else {"maxDigits": 1}
        actions.append({
            "action": "input", "type": ["dtmf"], "dtmf": {**dtmf, "timeOut": KEY_SECONDS},
            "eventUrl": [keys_url], "eventMethod": "POST",
        })
    return actions


class NccoRender:
    """Renders a Prompt as the NCCO answer to a webhook, its keys going to the call's keys webhook."""

    def __init__(self, public_url: str, *, language: str) -> None:
        self._public_url = public_url
        self._language = language

    def __call__(self, prompt: Prompt, ref: str) -> web.Response:
        return web.json_response(ncco(prompt, keys_url(self._public_url, NAME, prompt, ref), language=self._language))
