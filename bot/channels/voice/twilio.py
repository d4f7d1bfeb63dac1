"""Twilio Programmable Voice: calls placed through the Calls API, what they say in TwiML, and its signed webhooks.

Placing: ``POST {base}/2010-04-01/Accounts/{sid}/Calls.json``, a form: ``To``, ``From`` (the
caller id), ``Url`` (the answer webhook, fetched when the call is picked up),
``StatusCallback`` with ``StatusCallbackEvent`` initiated, ringing, answered and completed,
``MachineDetection=Enable`` (Twilio tells a machine before it fetches ``Url``: ``AnsweredBy``)
and ``Timeout`` (seconds it rings). Every callback URL carries our ``ref``. Failures: see
``bot.channels.twilio.created``; an invalid or blocked number is permanent.

Webhooks (POST forms, signed as ``bot.channels.twilio`` checks):

- ``answer``: ``AnsweredBy`` ``machine_*`` or ``fax`` → ``CallAnswer(machine=True)``;
- ``keys``: the ``<Gather>`` action: ``Digits`` followed by ``FinishedOnKey`` (the '#' that ended a
  number, which Twilio leaves out of ``Digits``), so ``20#``, ``#`` alone, or empty when no key came
  (``actionOnEmptyResult``); the prompt's ``round`` and ``ask`` from our own query;
- ``status``: ``CallStatus`` as a ``CallUpdate``, identified by ``CallSid`` and
  ``SequenceNumber`` (the status without one). A signature does not expire, so a replayed
  callback verifies and reaches the desk with the same ``event_id``: the desk deduplicates.

Answers to ``answer`` and ``keys`` are TwiML: each sentence a ``<Say>`` in the configured
language and voice, inside a ``<Gather>`` when the prompt awaits keys (one digit; for a number
``numDigits`` its most digits and ``finishOnKey="#"``), else followed by ``<Hangup/>``.
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp import web

from ...clock import Clock
from ...errors import ChannelError
from ..http import post
from ..twilio import GATEWAY, auth_headers, created, verified_form
from ..webhooks import WebhookRejected
from .base import Ask, CallAnswer, CallStatus, CallUpdate, KeyPress, OutgoingCall, Prompt
from .webhooks import callback_url, keys_url, query_ask, query_ref, query_round

NAME = "twilio"
RING_SECONDS = 30
"""How long a call rings before it counts as not answered (Twilio's default is 60; a voicemail takes over sooner)."""
KEY_SECONDS = 8
"""How long a prompt waits for a key after its last word."""
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
NUMBER_ERRORS = frozenset({21211, 21216, 21217})
"""Twilio error codes about the number called: invalid 'To', blocked by Twilio, not a valid phone number."""
DIGITS = frozenset("0123456789*#")

_STATUSES = {
    "queued": CallStatus.RINGING,
    "initiated": CallStatus.RINGING,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.ANSWERED,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.FAILED,
}
"""Twilio's call statuses; queued and initiated are on their way, as ringing is."""


def machine(answered_by: str) -> bool:
    """Whether Twilio's ``AnsweredBy`` is a machine (``machine_start``, ``machine_end_beep``, …, ``fax``)."""
    return answered_by.startswith("machine") or answered_by == "fax"


class TwilioVoice:
    """The VoiceProvider for Twilio; its callbacks go to ``public_url``'s ``/api/voice/twilio/…``."""

    name = NAME

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, account_sid: str, auth_token: str, public_url: str
    ) -> None:
        self._session = session
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Calls.json"
        self._headers = auth_headers(account_sid, auth_token)
        self._public_url = public_url

    async def place(self, call: OutgoingCall) -> str:
        form = [
            ("To", call.to), ("From", call.caller_id),
            ("Url", callback_url(self._public_url, NAME, "answer", ref=call.ref)),
            ("StatusCallback", callback_url(self._public_url, NAME, "status", ref=call.ref)),
            *(("StatusCallbackEvent", event) for event in STATUS_EVENTS),
            ("MachineDetection", "Enable"), ("Timeout", str(RING_SECONDS)),
        ]
        answer = await post(self._session, self._url, gateway=GATEWAY, headers=self._headers, data=form)
        result = created(answer, to=call.to, number_errors=NUMBER_ERRORS)
        if isinstance(result, ChannelError):
            raise result
        return result


class TwilioVoiceWebhooks:
    """Parsers for ``POST /api/voice/twilio/{answer,keys,status}``. Twilio's status callbacks carry a
    ``Timestamp``; ``clock`` gives the time of one without."""

    def __init__(self, *, auth_token: str, clock: Clock) -> None:
        self._token = auth_token
        self._clock = clock

    def _form(self, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        fields = verified_form(self._token, url, headers, body)
        if not fields.get("CallSid"):
            raise WebhookRejected(400, "CallSid mangler")
        return fields

    def answer(self, url: str, headers: Mapping[str, str], body: bytes) -> CallAnswer:
        fields = self._form(url, headers, body)
        return CallAnswer(
            provider=NAME, call_id=fields["CallSid"], ref=query_ref(url), machine=machine(fields.get("AnsweredBy", ""))
        )

    def keys(self, url: str, headers: Mapping[str, str], body: bytes) -> KeyPress:
        fields = self._form(url, headers, body)
        digits, finished = fields.get("Digits", ""), fields.get("FinishedOnKey", "")
        if not set(digits) <= DIGITS:
            raise WebhookRejected(400, "Digits må kun være 0-9, * og #")
        if len(finished) > 1 or not set(finished) <= DIGITS:
            raise WebhookRejected(400, "FinishedOnKey må kun være én af 0-9, * og #")
        return KeyPress(
            provider=NAME, call_id=fields["CallSid"], ref=query_ref(url), digits=digits + finished,
            round=query_round(url), ask=query_ask(url),
        )

    def status(self, url: str, headers: Mapping[str, str], body: bytes) -> CallUpdate | None:
        fields = self._form(url, headers, body)
        reported = fields.get("CallStatus", "")
        status = _STATUSES.get(reported)
        if status is None:
            return None
        answered_by = fields.get("AnsweredBy", "")
        if status is CallStatus.COMPLETED and machine(answered_by):
            status = CallStatus.VOICEMAIL
        sequence = fields.get("SequenceNumber") or reported
        detail = " ".join(part for part in (reported, answered_by, fields.get("ErrorCode", "")) if part)
        return CallUpdate(
            provider=NAME, call_id=fields["CallSid"], ref=query_ref(url), status=status,
            event_id=f"{fields['CallSid']}:{sequence}", at=self._time(fields.get("Timestamp")), detail=detail,
        )

    def _time(self, stamp: str | None) -> datetime:
        """Twilio's ``Timestamp`` (RFC 2822), or now."""
        try:
            return parsedate_to_datetime(stamp) if stamp else self._clock()
        except (TypeError, ValueError):
            return self._clock()


def twiml(prompt: Prompt, keys_url: str, *, language: str, voice: str) -> str:
    """``prompt`` as TwiML: ``<Say>`` per sentence, in a ``<Gather>`` posting to ``keys_url`` (one digit, or a
    number ended by '#') or before ``<Hangup/>``."""
    response = ET.Element("Response")
    if prompt.gather:
        most = {"numDigits": str(prompt.digits), "finishOnKey": "#"} if prompt.ask is Ask.NUMBER else {"numDigits": "1"}
        speaker = ET.SubElement(response, "Gather", {
            "input": "dtmf", **most, "timeout": str(KEY_SECONDS), "actionOnEmptyResult": "true",
            "action": keys_url, "method": "POST",
        })
    else:
        speaker = response
    attributes = {"language": language} | ({"voice": voice} if voice else {})
    for sentence in prompt.say:
        ET.SubElement(speaker, "Say", attributes).text = sentence
    if not prompt.gather:
        ET.SubElement(response, "Hangup")
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


class TwimlRender:
    """Renders a Prompt as the TwiML answer to a webhook, its keys going to the call's keys webhook."""

    def __init__(self, public_url: str, *, language: str, voice: str) -> None:
        self._public_url = public_url
        self._language = language
        self._voice = voice

    def __call__(self, prompt: Prompt, ref: str) -> web.Response:
        keys = keys_url(self._public_url, NAME, prompt, ref)
        return web.Response(
            text=twiml(prompt, keys, language=self._language, voice=self._voice), content_type="text/xml", charset="utf-8"
        )
