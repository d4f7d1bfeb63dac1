"""The console voice provider for local runs: every call goes to the log and to a file, keys come from the command line.

``ConsoleVoice.place`` writes the call to the log (INFO) and to a file a newcomer can ``tail
-f`` (``krisebot-calls.log``), and then, like a phone picked up by a person, reports it
answered to the desk and writes every sentence the call says. A prompt that awaits keys waits
until ``krisebot call-reply NUMBER DIGITS`` presses them: ``send_keys`` posts them to the running
service's ``POST /api/voice/console`` (served only with this provider, only to direct requests
from this machine and never with a public URL), which presses them on the latest call to that
number and writes and answers what the call says next. ``DIGITS`` is one key, or for a prompt
that awaits a number, up to its most digits and the '#' that ends them as on a phone (``20#``,
``#``). An empty ``DIGITS`` is a prompt that timed out; a prompt nobody answers times out by
itself after ``KEY_WAIT`` seconds, as on a real phone, so an unanswered console call ends and
the page moves on. A prompt without keys ends the call.

The calls waiting for a key are kept in memory, in one ``Exchange`` per call file, which the
provider and the route share; a restart forgets them.
"""

import asyncio
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from ...background import Background
from ...clock import LOCAL_TIME, Clock
from ...http_errors import read_limited, refuse
from ...json_body import BadJson, parse_json
from ...plan.phones import to_e164
from ..console import append_private, post_to_service
from ..webhooks import Handler
from .base import Ask, CallAnswer, CallDesk, CallStatus, CallUpdate, KeyPress, OutgoingCall, Prompt

NAME = "console"
PATH = "/api/voice/console"
NO_ROUTE = "ingen console-udbyder: KRISEBOT_VOICE_PROVIDER er ikke console"
MAX_BODY = 1024
KEYS = frozenset("0123456789*#")
MOST_KEYS = 20
"""More keys than any prompt takes: refused before a call is looked up."""
KEY_WAIT = 20.0
"""Seconds a console prompt waits for ``krisebot call-reply`` before it times out (a message read aloud, then a pause)."""

log = logging.getLogger("krisebot.voice")


class KeysRefused(Exception):
    """Keys the prompt waiting in the call cannot take; the message says which it can, in Danish."""


def unfit(prompt: Prompt, digits: str) -> str | None:
    """Why a phone could not send ``digits`` to ``prompt`` (in Danish), or None when it could: one key, or a number
    of at most ``prompt.digits`` digits ended by '#' (or not, as when the time runs out); ``""`` always fits."""
    if prompt.ask is Ask.NUMBER:
        if re.fullmatch(rf"[0-9*]{{0,{prompt.digits}}}#?", digits):
            return None
        return f"tast højst {prompt.digits} tal og afslut med # (eller ingen, som når tiden løber ud)"
    return None if len(digits) <= 1 else "tast én tast: 0-9, * eller # (eller ingen, som når tiden løber ud)"


@dataclass
class _Call:
    number: str
    call_id: str
    ref: str
    waiting: Prompt | None = None
    """The prompt awaiting keys; None while none does."""
    timeout: asyncio.Task[None] | None = None


class Exchange:
    """The console's telephone network for one call file: the latest call to each number, and the file."""

    def __init__(self, path: Path, *, clock: Clock, key_wait: float = KEY_WAIT) -> None:
        self.path = path
        self._clock = clock
        self._key_wait = key_wait
        self._calls: dict[str, _Call] = {}
        self._answering = Background()

    async def _write(self, call: _Call, texts: Sequence[str]) -> None:
        at = self._clock().astimezone(LOCAL_TIME).isoformat(timespec="seconds")
        for text in texts:
            log.info("opkald til %s (%s): %s", call.number, call.call_id, text)
        lines = "".join(f"{at}\t{call.number}\t{call.call_id}\t{call.ref}\t{text}\n" for text in texts)
        await asyncio.to_thread(append_private, self.path, lines)

    async def ring(self, outgoing: OutgoingCall, call_id: str, desk: CallDesk) -> None:
        """Write the call, then answer it as a person would, once ``place`` has returned."""
        call = _Call(outgoing.to, call_id, outgoing.ref)
        self._calls[call.number] = call
        caller = f"fra {outgoing.caller_id}" if outgoing.caller_id else "uden afsendernummer (KRISEBOT_VOICE_CALLER_ID er ikke sat)"
        await self._write(call, [f"ringer op {caller}"])
        self._answering.start(self._answer(call, desk))

    async def _answer(self, call: _Call, desk: CallDesk) -> None:
        try:
            await desk.progressed(self._update(call, CallStatus.ANSWERED))
            await self._speak(call, desk, await desk.answered(CallAnswer(provider=NAME, call_id=call.call_id, ref=call.ref)))
        except Exception:
            log.exception("opkald til %s (%s): besvarelsen kunne ikke behandles", call.number, call.call_id)
            self._calls.pop(call.number, None)
            await self._write(call, ["opkaldet fejlede: se tjenestens log"])

    async def press(self, number: str, digits: str, desk: CallDesk) -> Prompt | None:
        """Press ``digits`` on the latest call to ``number``; what it says next, or None when no call there awaits
        keys. Raises ``KeysRefused`` for keys its prompt cannot take (``unfit``)."""
        call = self._calls.get(number)
        if call is None or call.waiting is None:
            return None
        waiting = call.waiting
        if (reason := unfit(waiting, digits)) is not None:
            raise KeysRefused(reason)
        if call.timeout is not None and call.timeout is not asyncio.current_task():
            call.timeout.cancel()
        call.timeout = None
        keys = KeyPress(
            provider=NAME, call_id=call.call_id, ref=call.ref, digits=digits, round=waiting.round, ask=waiting.ask
        )
        await self._write(call, [f"tast {digits}" if digits else "ingen tast"])
        prompt = await desk.pressed(keys)
        await self._speak(call, desk, prompt)
        return prompt

    async def _speak(self, call: _Call, desk: CallDesk, prompt: Prompt) -> None:
        said = [f"siger: «{sentence}»" for sentence in prompt.say]
        if prompt.gather:
            call.waiting = prompt
            awaited = (
                f'op til {prompt.digits} tal og #: krisebot call-reply {call.number} "TAL#"' if prompt.ask is Ask.NUMBER
                else f"en tast: krisebot call-reply {call.number} TAST"
            )
            await self._write(call, [*said, f"venter på {awaited}"])
            call.timeout = asyncio.create_task(self._time_out(call, desk))
            return
        call.waiting = None
        if self._calls.get(call.number) is call:
            del self._calls[call.number]
        await self._write(call, [*said, "lægger på"])
        await desk.progressed(self._update(call, CallStatus.COMPLETED))

    async def _time_out(self, call: _Call, desk: CallDesk) -> None:
        """No key within ``key_wait`` seconds: the prompt times out, as it does on a phone."""
        await asyncio.sleep(self._key_wait)
        if self._calls.get(call.number) is call:
            await self.press(call.number, "", desk)

    def _update(self, call: _Call, status: CallStatus) -> CallUpdate:
        return CallUpdate(
            provider=NAME, call_id=call.call_id, ref=call.ref, status=status, event_id=f"{call.call_id}:{status}",
            at=self._clock(),
        )

    async def aclose(self) -> None:
        """Wait for the calls being answered, then stop the prompts' timeouts (at shutdown, and in tests)."""
        await self._answering.drain()
        for call in self._calls.values():
            if call.timeout is not None:
                call.timeout.cancel()


_EXCHANGES: dict[Path, Exchange] = {}


def exchange(path: Path, *, clock: Clock) -> Exchange:
    """The one Exchange of call file ``path`` in this process (the provider and the route meet there)."""
    return _EXCHANGES.setdefault(path.resolve(), Exchange(path, clock=clock))


class ConsoleVoice:
    """The VoiceProvider that calls nobody: ids are ``console-<uuid>``, unique across restarts."""

    name = NAME

    def __init__(self, path: Path, desk: CallDesk, *, clock: Clock) -> None:
        self.exchange = exchange(path, clock=clock)
        self._desk = desk

    async def place(self, call: OutgoingCall) -> str:
        call_id = f"{NAME}-{uuid.uuid4().hex}"
        await self.exchange.ring(call, call_id, self._desk)
        return call_id


def console_keys(path: Path, desk: CallDesk, *, clock: Clock) -> Handler:
    """The handler of ``POST /api/voice/console``: ``{"number": ..., "digits": ...}`` (digits: what the waiting
    prompt takes, see ``unfit``, or ``""``; the number parsed with region DK); answers ``{"say": [...], "gather":
    bool, "round": int, "ask": "key" | "number"}``, 409 when no call to the number awaits keys, 400 for keys its
    prompt cannot take."""
    line = exchange(path, clock=clock)

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"forespørgslen er større end {MAX_BODY} bytes")
        try:
            data = parse_json(body)
            number, digits = data["number"], data["digits"]
        except (BadJson, TypeError, KeyError):
            return refuse(request, 400, 'kroppen skal være JSON med "number" og "digits"')
        if not isinstance(number, str) or not isinstance(digits, str):
            return refuse(request, 400, '"number" og "digits" skal være tekst')
        if len(digits) > MOST_KEYS or not set(digits) <= KEYS:
            return refuse(request, 400, "tast kun 0-9, * og # (eller ingen, som når tiden løber ud)")
        try:
            number = to_e164(number)
        except ValueError as exc:
            return refuse(request, 400, str(exc))
        try:
            prompt = await line.press(number, digits, desk)
        except KeysRefused as refused:
            return refuse(request, 400, str(refused))
        except Exception:
            log.exception("%s: tasten kunne ikke behandles", PATH)
            return web.json_response({"error": "midlertidig fejl, prøv igen"}, status=503)
        if prompt is None:
            return refuse(request, 409, f"intet opkald til {number} venter på en tast")
        return web.json_response(
            {"say": list(prompt.say), "gather": prompt.gather, "round": prompt.round, "ask": prompt.ask.value}
        )

    return handle


async def send_keys(base_url: str, number: str, digits: str) -> dict[str, Any]:
    """Press ``digits`` on the latest call to ``number`` at the service at ``base_url`` (see ``console.service_url``);
    what the call says next, as the route answers it."""
    answer = await post_to_service(base_url, PATH, {"number": number, "digits": digits}, not_served=NO_ROUTE)
    return answer if isinstance(answer, dict) else {}
