"""One shape for every refused HTTP request: a 4xx with ``{"error": reason}``, logged as a warning
and counted in the app's metrics by route and status.

``Refused`` lets code deep inside a handler refuse the request; the app's guard middleware
(``http_guard``) answers it with ``refuse``. ``read_limited`` reads a body up to a size, within
the app's body deadline (``BODY_DEADLINE``): a client that sends slower than that is refused
with 408 and the connection is closed; a body cut off or garbled on the way (a lost connection,
bad chunked encoding) with 400. A refusal sent before the whole body was read closes the
connection: the rest of the body is never read (the server would otherwise drain it, up to a
gigabyte for a Content-Length that says so).
"""

import asyncio
import logging

from aiohttp import web

from .logs import printable
from .metrics import METRICS

log = logging.getLogger("krisebot.http")

BODY_DEADLINE = web.AppKey("body_deadline", float)
DEFAULT_BODY_DEADLINE = 10.0
"""Seconds a request body may take to arrive, whole (the largest, 1 MB, takes well under a second on a slow line)."""
UNROUTED = "(ingen rute)"
"""The metrics' route label of a request that matched no route (the path is the client's choice)."""


class Refused(Exception):
    """Refuse the request being handled with ``status`` and a Danish ``reason`` (no secret, no message text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def refuse(request: web.Request, status: int, reason: str) -> web.Response:
    """Log and answer a refused request. ``reason`` must hold no secret and no message text."""
    log.warning("refused %s %s: %s %s", printable(request.method, 20), printable(request.path), status, printable(reason))
    if (metrics := request.app.get(METRICS)) is not None:
        resource = request.match_info.route.resource
        metrics.webhook_rejected(resource.canonical if resource else UNROUTED, status)
    response = web.json_response({"error": reason}, status=status)
    if not request.content.at_eof():
        response.force_close()
    return response


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` bytes (read no further than that).

    Raises ``Refused``: 408 when the body has not arrived within the app's ``BODY_DEADLINE``, 400
    when it was cut off or garbled on the way.
    """
    if request.content_length is not None and request.content_length > limit:
        return None
    deadline = request.app.get(BODY_DEADLINE, DEFAULT_BODY_DEADLINE)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(deadline):
            while size <= limit:  # read() returns what has arrived so far, not up to n bytes
                chunk = await request.content.read(limit + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except TimeoutError:
        raise Refused(408, f"kroppen kom ikke inden for {deadline:g} s") from None
    except (ConnectionError, web.RequestPayloadError):
        raise Refused(400, "kroppen kom ikke hel frem") from None
    if size > limit:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # one copy at most: a large body costs the loop little
