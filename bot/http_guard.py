"""The app's guard middleware: what every route refuses before its handler runs, and the last word
on whatever a handler raises.

Before the handler: a ``Host`` header no URL can be built from gets 400, and a body with a
``Content-Encoding`` other than ``identity`` gets 415 (the app's server never inflates a body:
``handler_args``), so a small compressed body cannot cost seconds of CPU on the event loop.

After it: ``Refused`` becomes its refusal (408 closes the connection); ``StoreError`` becomes
503 with a reason (``Busy``'s own: others are changing the crisis) and ``Retry-After``, the
failure logged as an error; any other exception is logged with its traceback and answered 500
with a reason and no traceback. Refusals go through ``http_errors.refuse``; every answer here
has the shape ``{"error": reason}``.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from .errors import Busy, StoreError
from .http_errors import LINGER, Refused, refuse
from .logs import printable, server_logger

log = logging.getLogger("krisebot.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RETRY_AFTER = "30"
"""Seconds a sender is told to wait after the logbog failed."""


def handler_args() -> dict[str, Any]:
    """aiohttp server options for the app: bodies stay as sent, and unparsable requests are logged without their raw lines."""
    return {"auto_decompress": False, "logger": server_logger(), "lingering_time": LINGER}


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Screen the request, run the handler, and answer whatever it raises with a reason."""
    refusal = _screened(request)
    if refusal is not None:
        return refusal
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Refused as exc:
        response = refuse(request, exc.status, exc.reason)
        if exc.status == 408:
            response.force_close()
        return response
    except StoreError as exc:
        log.error("logbogen fejlede under %s %s: %s", printable(request.method, 20), printable(request.path), exc)
        reason = exc.reason if isinstance(exc, Busy) else "logbogen kan ikke skrives lige nu: prøv igen om lidt"
        response = refuse(request, 503, reason)
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    except Exception:
        log.exception("uventet fejl under %s %s", printable(request.method, 20), printable(request.path))
        return web.json_response({"error": "intern fejl i Krisebot: fejlen er skrevet i tjenestens log"}, status=500)


def _screened(request: web.Request) -> web.Response | None:
    """The refusal of a request no route should see, or None."""
    try:
        request.url  # noqa: B018 - built from Host; a bad one raises here, not deep inside a handler
        urlsplit(f"{request.scheme}://{request.host}/")  # as strict as the webhooks' signature checks ("[::1")
    except (ValueError, UnicodeError):
        return refuse(request, 400, "ugyldig Host-header")
    headers = request.headers.getall("Content-Encoding", [])
    encodings = {coding.strip().lower() for header in headers for coding in header.split(",")}
    if encodings - {"identity", ""}:
        response = refuse(request, 415, "komprimerede kroppe modtages ikke: send kroppen uden Content-Encoding")
        response.headers["Accept-Encoding"] = "identity"
        return response
    return None
