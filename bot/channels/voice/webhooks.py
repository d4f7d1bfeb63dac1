"""One aiohttp handler for every voice provider's webhooks: size limit, verification, the desk, the answer.

A provider's parser turns a request into a ``CallAnswer``, ``KeyPress`` or ``CallUpdate`` (or
None: a status the desk has no use for) or raises ``WebhookRejected``; a refused request never
reaches the desk. The handler refuses bodies over 64 KB with 413, hands a ``CallAnswer`` to
``desk.answered`` and a ``KeyPress`` to ``desk.pressed`` and answers with the ``Prompt`` they
return in the provider's markup (``render``); a ``CallUpdate`` goes to ``desk.progressed`` and
is answered 200. A desk that fails answers 503 (logged): the provider ends or retries the call,
and its final status still reaches the desk.

The URL given to the parser is the public URL followed by the request's path and query as sent
(``called_url``): the URL the provider was given and signed, behind a proxy too.
"""

import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import web

from ...http_errors import read_limited, refuse
from ..webhooks import Handler, WebhookRejected, called_url
from .base import CallAnswer, CallDesk, CallUpdate, KeyPress, Prompt

log = logging.getLogger("krisebot.voice")

PREFIX = "/api/voice/"
MAX_BODY = 64 * 1024

Event = CallAnswer | KeyPress | CallUpdate
Parse = Callable[[str, Mapping[str, str], bytes], Event | None]
"""``(url, headers, body) -> event``: the URL the provider called (the public one), as it signed it."""
Render = Callable[[Prompt, str], web.Response]
"""``(prompt, ref) -> answer``: the prompt in the provider's markup, its keys going to call ``ref``'s keys webhook."""


def callback_url(public_url: str, provider: str, hook: str, **query: str | int) -> str:
    """The absolute URL of ``provider``'s ``hook`` webhook, with ``query`` (``ref``, ``round``) in it."""
    return f"{public_url.rstrip('/')}{PREFIX}{provider}/{hook}?{urlencode(query)}"


def query_ref(url: str) -> str:
    """The ``ref`` in ``url``'s query; 400 without one."""
    refs = parse_qs(urlsplit(url).query).get("ref")
    if not refs or not refs[0]:
        raise WebhookRejected(400, "ref mangler i adressen")
    return refs[0]


def query_round(url: str) -> int:
    """The prompt ``round`` in ``url``'s query; 400 without a whole number."""
    rounds = parse_qs(urlsplit(url).query).get("round", [""])
    if not rounds[0].isascii() or not rounds[0].isdigit() or len(rounds[0]) > 6:
        raise WebhookRejected(400, "round mangler i adressen eller er ikke et tal")
    return int(rounds[0])


def voice_webhook(parse: Parse, desk: CallDesk, *, endpoint: str, public_url: str, render: Render) -> Handler:
    """The handler for one webhook route of a provider; ``endpoint`` names it in logs."""

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"forespørgslen er større end {MAX_BODY // 1024} KB")
        try:
            event = parse(called_url(request, public_url), request.headers, body)
        except WebhookRejected as exc:
            return refuse(request, exc.status, exc.reason)
        try:
            if isinstance(event, CallAnswer):
                return render(await desk.answered(event), event.ref)
            if isinstance(event, KeyPress):
                return render(await desk.pressed(event), event.ref)
            if event is not None:
                await desk.progressed(event)
        except Exception:
            log.exception("%s: webhook kunne ikke behandles", endpoint)
            return web.json_response({"error": "midlertidig fejl, prøv igen"}, status=503)
        return web.Response(status=200)

    return handle
