"""A fake Twilio Programmable Voice: the Calls API as a real aiohttp server, and the calls it drives.

``POST /2010-04-01/Accounts/{AccountSid}/Calls.json`` takes a form (``To``, ``From``, ``Url``,
optional ``StatusCallback``, ``StatusCallbackEvent`` repeated, ``MachineDetection``, ``Timeout``)
with Basic auth and answers 201 with a Call resource (``sid`` ``CA…``, ``status`` ``queued``);
every call is kept as a ``FakeCall`` in ``calls``. Errors come in Twilio's shape: 401 (20003)
without the right credentials, 400 (21201/21213/21205) without ``To``, ``From`` or ``Url``,
400 (21211) for a number given to ``refuse_number``, and 429 (20429) from ``throttle``.

The test then drives a call as Twilio would, each request signed as Twilio signs
(``X-Twilio-Signature`` over the URL and the form): ``answer`` fetches ``Url`` with
``AnsweredBy`` (``human`` or ``machine_start``), parses the TwiML answer (XML) and records what
the call says (``FakeCall.heard``) and the ``<Gather>`` it waits in; ``press`` takes the keys as a
caller presses them and posts what Twilio would to that gather's action: the gather ends at its
``finishOnKey`` (default ``#``, left out of ``Digits`` and posted as ``FinishedOnKey``) or at its
``numDigits``, and keys after that are lost; ``no_key`` posts the empty ``Digits`` that
``actionOnEmptyResult`` asks for; ``status``
posts a status callback with the next ``SequenceNumber``; ``ring_out`` ends every call nobody
has picked up as Twilio does when it rang ``Timeout`` seconds (``no-answer``). ``signature=`` sends
a given (wrong) signature, ``signed=False`` none; ``repost`` sends a request again as it was (a replay).

Webhooks go to the URLs the service gave; ``serve(public_url, at=...)`` puts a proxy in front
of a service whose public URL is not where it listens: URLs under ``public_url`` are sent to
``at`` (path and query kept) and still signed as the public URL, as Twilio signed them.
"""

import itertools
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.gateway import WebhookAnswer, post_webhook
from tests.fakes.twilio import FakeTwilio


@dataclass(frozen=True)
class Said:
    text: str
    language: str | None
    voice: str | None


@dataclass(frozen=True)
class Gather:
    action: str
    num_digits: str | None
    timeout: str | None
    input: str | None
    action_on_empty_result: str | None
    finish_on_key: str | None = None

    def ended(self, keys: str) -> tuple[str, str]:
        """``(Digits, FinishedOnKey)`` as Twilio posts them for ``keys`` pressed in this gather."""
        finish = "#" if self.finish_on_key is None else self.finish_on_key
        most = int(self.num_digits) if self.num_digits else None
        digits = ""
        for key in keys:
            if finish and key == finish:
                return digits, key
            digits += key
            if most is not None and len(digits) == most:
                break
        return digits, ""


@dataclass(frozen=True)
class Posted:
    """One webhook as the fake sent it: enough to send it again."""

    url: str
    params: dict[str, str]
    signature: str


@dataclass
class FakeCall:
    sid: str
    to: str
    caller_id: str
    url: str
    status_callback: str | None
    status_events: list[str]
    machine_detection: str | None
    timeout: str | None
    heard: list[Said] = field(default_factory=list)
    """Every sentence the call said, in order."""
    gather: Gather | None = None
    """The gather the call waits in; None once it hung up."""
    hung_up: bool = False
    ended: str | None = None
    """The final status reported for the call (``ring_out``); None while it has none."""
    sequence: itertools.count = field(default_factory=itertools.count)

    def words(self) -> list[str]:
        return [said.text for said in self.heard]


class FakeTwilioVoice(FakeTwilio):
    """FakeTwilio with the Calls API (its Messages API stays)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls: list[FakeCall] = []
        self.posted: list[Posted] = []
        self._proxies: dict[str, str] = {}

    def serve(self, public_url: str, *, at: str) -> None:
        """Send webhooks for URLs under ``public_url`` to ``at`` instead (signed as sent to ``public_url``)."""
        self._proxies[public_url.rstrip("/")] = at.rstrip("/")

    def _address(self, url: str) -> str:
        """Where a webhook for ``url`` is sent: behind the proxy that serves its public URL, if any."""
        for public, at in self._proxies.items():
            if url.startswith(public + "/"):
                return at + url[len(public):]
        return url

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self._calls)

    def throttle(self, count: int = 1, retry_after: int | None = 1) -> None:
        """Answer the next ``count`` requests 429 with Twilio's error 20429."""
        self.fail_next(429, count=count, retry_after=retry_after)

    async def _calls(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return self.error(401, "Authenticate", code=20003)
        form = await request.post()
        values = {name: form.getall(name) for name in set(form.keys())}
        single = {name: str(found[0]) for name, found in values.items()}
        for name, code in (("To", 21201), ("From", 21213), ("Url", 21205)):
            if not single.get(name):
                return self.error(400, f"No '{name}' number is specified" if name != "Url" else "Url parameter is required.", code=code)
        if single["To"] in self._refused:
            return self.error(400, f"The 'To' number {single['To']} is not a valid phone number.", code=21211)
        call = FakeCall(
            sid="CA" + uuid.uuid4().hex, to=single["To"], caller_id=single["From"], url=single["Url"],
            status_callback=single.get("StatusCallback"), status_events=[str(v) for v in values.get("StatusCallbackEvent", [])],
            machine_detection=single.get("MachineDetection"), timeout=single.get("Timeout"),
        )
        self.calls.append(call)
        self.authorizations.append(request.headers["Authorization"])
        return web.json_response({
            "sid": call.sid, "account_sid": self.account_sid, "to": call.to, "from": call.caller_id, "status": "queued",
            "direction": "outbound-api", "api_version": "2010-04-01", "answered_by": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call.sid}.json",
        }, status=201)

    # -- driving a call ---------------------------------------------------------------------

    def _params(self, call: FakeCall, **extra: str) -> dict[str, str]:
        return {
            "CallSid": call.sid, "AccountSid": self.account_sid, "From": call.caller_id, "To": call.to,
            "Direction": "outbound-api", "ApiVersion": "2010-04-01", **extra,
        }

    async def _post(self, url: str, params: dict[str, str], *, signature: str | None = None, signed: bool = True) -> WebhookAnswer:
        sent = signature or self.signature(url, params)
        self.posted.append(Posted(url, params, sent))
        headers = {"X-Twilio-Signature": sent} if signed else {}
        return await post_webhook(self._address(url), headers=headers, data=urlencode(params).encode(), content_type="application/x-www-form-urlencoded")

    async def repost(self, posted: Posted) -> WebhookAnswer:
        """Send a webhook again exactly as it was sent (a replay: the signature still verifies)."""
        return await post_webhook(
            self._address(posted.url), headers={"X-Twilio-Signature": posted.signature}, data=urlencode(posted.params).encode(),
            content_type="application/x-www-form-urlencoded",
        )

    def _follow(self, call: FakeCall, answer: WebhookAnswer) -> None:
        """Do what the TwiML answer says, as far as a test can hear it."""
        if answer.status != 200:
            return
        assert answer.content_type in ("text/xml", "application/xml"), answer.content_type
        root = ET.fromstring(answer.text)
        assert root.tag == "Response", root.tag
        call.gather = None
        for verb in root:
            if verb.tag == "Say":
                call.heard.append(_said(verb))
            elif verb.tag == "Gather":
                assert verb.get("action"), "a Gather without action would post to the answer URL"
                for nested in verb:
                    assert nested.tag == "Say", f"<{nested.tag}> in <Gather>"
                    call.heard.append(_said(nested))
                call.gather = Gather(
                    action=verb.attrib["action"], num_digits=verb.get("numDigits"), timeout=verb.get("timeout"),
                    input=verb.get("input"), action_on_empty_result=verb.get("actionOnEmptyResult"),
                    finish_on_key=verb.get("finishOnKey"),
                )
                return  # Twilio waits here for the keys
            elif verb.tag == "Hangup":
                call.hung_up = True
                return
            else:
                raise AssertionError(f"unexpected TwiML verb <{verb.tag}>")
        call.hung_up = True  # the end of the document ends the call

    async def answer(self, call: FakeCall, *, machine: bool = False, **options: Any) -> WebhookAnswer:
        """The call is picked up (by a machine: ``AnsweredBy=machine_start``): fetch ``Url`` and follow the TwiML."""
        params = self._params(call, CallStatus="in-progress", AnsweredBy="machine_start" if machine else "human")
        answer = await self._post(call.url, params, **options)
        self._follow(call, answer)
        return answer

    async def press(self, call: FakeCall, keys: str, **options: Any) -> WebhookAnswer:
        """``keys`` pressed in the gather the call waits in (``""``: none before its timeout): post ``Digits`` and
        ``FinishedOnKey`` to its action and follow the TwiML."""
        assert call.gather is not None, "the call waits for no key"
        digits, finished = call.gather.ended(keys)
        if not digits:
            assert call.gather.action_on_empty_result == "true", "without actionOnEmptyResult Twilio would not post"
        params = self._params(call, CallStatus="in-progress", Digits=digits, FinishedOnKey=finished)
        answer = await self._post(call.gather.action, params, **options)
        self._follow(call, answer)
        return answer

    async def no_key(self, call: FakeCall, **options: Any) -> WebhookAnswer:
        """The gather timed out: with ``actionOnEmptyResult`` Twilio posts an empty ``Digits``."""
        return await self.press(call, "", **options)

    async def status(self, call: FakeCall, status: str, *, answered_by: str | None = None, **options: Any) -> WebhookAnswer:
        """A status callback (``CallStatus`` ``status``) with the call's next ``SequenceNumber``."""
        assert call.status_callback, "the call was placed without StatusCallback"
        params = self._params(
            call, CallStatus=status, SequenceNumber=str(next(call.sequence)), CallbackSource="call-progress-events",
            Timestamp="Sat, 28 Nov 2026 09:30:00 +0000",
        )
        if answered_by:
            params["AnsweredBy"] = answered_by
        return await self._post(call.status_callback, params, **options)

    async def ring_out(self) -> list[FakeCall]:
        """Every call nobody picked up stops ringing: its status callback says ``no-answer``. The calls rung out."""
        ringing = [call for call in self.calls if not call.heard and call.ended is None]
        for call in ringing:
            call.ended = "no-answer"
            answer = await self.status(call, "no-answer")
            assert answer.status == 200, answer
        return ringing


def _said(element: ET.Element) -> Said:
    return Said(text=element.text or "", language=element.get("language"), voice=element.get("voice"))
