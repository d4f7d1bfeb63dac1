"""One shape for every refused HTTP request: a 4xx with ``{"error": reason}``, logged as a warning
and counted in the app's metrics by route and status."""

import logging

from aiohttp import web

from .metrics import METRICS

log = logging.getLogger("krisebot.http")


def refuse(request: web.Request, status: int, reason: str) -> web.Response:
    """Log and answer a refused request. ``reason`` must hold no secret and no message text."""
    log.warning("refused %s %s: %s %s", request.method, request.path, status, reason)
    if (metrics := request.app.get(METRICS)) is not None:
        resource = request.match_info.route.resource
        metrics.webhook_rejected(resource.canonical if resource else request.path, status)
    return web.json_response({"error": reason}, status=status)


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` bytes (read no further than that)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while len(body) <= limit:  # read() returns what has arrived so far, not up to n bytes
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return None if len(body) > limit else bytes(body)
