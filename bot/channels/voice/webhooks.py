"""One aiohttp handler for every voice provider's webhooks: size limit, verification, the desk, the answer.

A provider's parser turns a request into a ``CallAnswer``, ``KeyPress`` or ``CallUpdate`` (or
None: a status the desk has no use for) or raises ``WebhookRejected``; a refused request never
reaches the desk. The handler (``bot.channels.webhooks.webhook``) refuses bodies over 64 KB with 413, hands a ``CallAnswer`` to
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

from ..webhooks import Handler, WebhookRejected, webhook
from .base import Ask, CallAnswer, CallDesk, CallUpdate, KeyPress, Prompt

log = logging.getLogger("krisebot.voice")

PREFIX = "/api/voice/"

Event = CallAnswer | KeyPress | CallUpdate
Parse = Callable[[str, Mapping[str, str], bytes], Event | None]
"""``(url, headers, body) -> event``: the URL the provider called (the public one), as it signed it."""
Render = Callable[[Prompt, str], web.Response]
"""``(prompt, ref) -> answer``: the prompt in the provider's markup, its keys going to call ``ref``'s keys webhook."""


def callback_url(public_url: str, provider: str, hook: str, **query: str | int) -> str:
    """The absolute URL of ``provider``'s ``hook`` webhook, with ``query`` (``ref``, ``round``, ``ask``) in it."""
    return f"{public_url.rstrip('/')}{PREFIX}{provider}/{hook}?{urlencode(query)}"


def keys_url(public_url: str, provider: str, prompt: Prompt, ref: str) -> str:
    """Where ``provider`` posts the keys of ``prompt`` in call ``ref``: its ``keys`` webhook with the prompt's
    ``round``, and its ``ask`` unless it awaits one key."""
    ask = {"ask": prompt.ask.value} if prompt.ask is not Ask.KEY else {}
    return callback_url(public_url, provider, "keys", ref=ref, round=prompt.round, **ask)


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


def query_ask(url: str) -> Ask:
    """What the prompt whose keys ``url`` receives awaited (``ask`` in its query; one key without it); 400 for
    another value."""
    asks = parse_qs(urlsplit(url).query).get("ask", [Ask.KEY.value])
    try:
        return Ask(asks[0])
    except ValueError:
        raise WebhookRejected(400, "ask i adressen er hverken key eller number") from None


def voice_webhook(parse: Parse, desk: CallDesk, *, endpoint: str, public_url: str, render: Render) -> Handler:
    """The handler for one webhook route of a provider (``bot.channels.webhooks.webhook``); ``endpoint`` names it
    in logs."""

    async def hand_on(event: Event | None) -> web.StreamResponse:
        if isinstance(event, CallAnswer):
            return render(await desk.answered(event), event.ref)
        if isinstance(event, KeyPress):
            return render(await desk.pressed(event), event.ref)
        if event is not None:
            await desk.progressed(event)
        return web.Response(status=200)

    return webhook(parse, hand_on, endpoint=endpoint, public_url=public_url, log=log)
