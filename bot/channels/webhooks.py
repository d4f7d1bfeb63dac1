"""What every provider's webhook routes share: the URL a provider signed, the refusal a parser raises, and the
guard of the console routes.

``WebhookRejected`` is raised by a parser for a request that must be refused: 401 for a missing
or wrong signature, 400 for a malformed request; the route answers it through
``http_errors.refuse``.

``local_only`` keeps a route (a console provider's) to requests made on this machine: with a
public URL configured, from another host, or through a proxy (``Forwarded``, ``X-Forwarded-*``,
``X-Real-IP``; behind nginx every request comes from 127.0.0.1) it answers 404.
"""

from collections.abc import Awaitable, Callable
from ipaddress import ip_address

from aiohttp import web

from ..http_errors import refuse

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookRejected(Exception):
    """A webhook request that must be refused; ``reason`` is Danish and holds no secret or message text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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
