"""What every provider's webhook routes share: one handler (size limit, verification, hand-off), the URL a
provider signed, the refusal a parser raises, and the guard of the console routes.

``webhook`` reads at most ``MAX_BODY`` (413 beyond), gives the parser the URL the provider signed
(``called_url``), answers a ``WebhookRejected`` with its status (nothing reaches the service) and
otherwise answers what ``act`` makes of the parsed request; an ``act`` that fails answers 503
(logged): the provider sends the webhook again, or ends the call.

``WebhookRejected`` is raised by a parser for a request that must be refused: 401 for a missing
or wrong signature, 400 for a malformed request; the route answers it through
``http_errors.refuse``.

``local_only`` keeps a route (a console provider's) to requests made on this machine: with a
public URL configured, from another host, or through a proxy (``Forwarded``, ``X-Forwarded-*``,
``X-Real-IP``; behind nginx every request comes from 127.0.0.1) it answers 404.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from ipaddress import ip_address
from typing import TypeVar

from aiohttp import web

from ..http_errors import read_limited, refuse

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 64 * 1024
Parsed = TypeVar("Parsed")


class WebhookRejected(Exception):
    """A webhook request that must be refused; ``reason`` is Danish and holds no secret or message text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def webhook(
    parse: Callable[[str, Mapping[str, str], bytes], Parsed], act: Callable[[Parsed], Awaitable[web.StreamResponse]],
    *, endpoint: str, public_url: str | None, log: logging.Logger,
) -> Handler:
    """The handler of one provider's webhook route; ``parse(url, headers, body)`` verifies, ``act`` hands it on.
    ``endpoint`` names the route in ``log``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"forespørgslen er større end {MAX_BODY // 1024} KB")
        try:
            parsed = parse(called_url(request, public_url), request.headers, body)
        except WebhookRejected as exc:
            return refuse(request, exc.status, exc.reason)
        try:
            return await act(parsed)
        except Exception:
            log.exception("%s: webhook kunne ikke behandles; udbyderen sender den igen", endpoint)
            return web.json_response({"error": "midlertidig fejl, prøv igen"}, status=503)

    return handle


def called_url(request: web.Request, public_url: str | None) -> str:
    """The URL the provider called, as it signed it: ``public_url`` (behind a proxy too) or this request's
    scheme and host, followed by the path and query exactly as sent (a ``%2F`` in our ``ref`` stays one)."""
    base = public_url.rstrip("/") if public_url else f"{request.scheme}://{request.host}"
    return base + request.raw_path


PROXY_HEADERS = ("Forwarded", "X-Real-IP")
"""Headers a proxy adds, besides every ``X-Forwarded-*``."""
NOT_HERE = "konsollen tager kun imod forespørgsler direkte fra denne maskine, uden proxy og uden KRISEBOT_PUBLIC_URL"


def local_only(handler: Handler, *, public: bool) -> Handler:
    """``handler`` for direct requests from this machine; 404 for every request when ``public``
    (a public URL is configured) and for one from another host or through a proxy."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if public or not _direct_from_loopback(request):
            return refuse(request, 404, NOT_HERE)
        return await handler(request)

    return handle


def _direct_from_loopback(request: web.Request) -> bool:
    headers = request.headers
    if any(name in headers for name in PROXY_HEADERS) or any(name.upper().startswith("X-FORWARDED-") for name in headers):
        return False
    try:
        return ip_address(request.remote or "").is_loopback
    except ValueError:
        return False
