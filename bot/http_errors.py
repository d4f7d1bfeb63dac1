"""One shape for every refused HTTP request: a 4xx with ``{"error": reason}``, logged as a warning
and counted in the app's metrics by route and status.

``Refused`` lets code deep inside a handler refuse the request; the app's guard middleware
(``http_guard``) answers it with ``refuse``. ``read_limited`` reads a body up to a size, within
the app's body deadline (``BODY_DEADLINE``): a client that sends slower than that is refused
with 408 and the connection is closed; a body cut off or garbled on the way (a lost connection,
bad chunked encoding) with 400. A refusal sent before the whole body was read closes the
connection, and the rest of the body is neither read nor parsed (the server would otherwise read
it on, up to a gigabyte for a Content-Length that says so): the kernel's socket buffers take what
arrives, and TCP's flow control stops the sender once they are full. The connection stays open
``LINGER`` seconds, so a client whose body fits in those buffers (any ordinary request) gets the
answer rather than a reset; one that sends on beyond them is reset when it closes.

A flood of bad requests must not flood the log: within ``REFUSAL_LOG_WINDOW`` only the first
refusal of each route and status is logged, and the next one logged says how many like it
were left out (``/metrics`` counts every one).
"""

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import web

from .logs import REFUSED, printable
from .metrics import METRICS

log = logging.getLogger("krisebot.http")

BODY_DEADLINE = web.AppKey("body_deadline", float)
DEFAULT_BODY_DEADLINE = 10.0
"""Seconds a request body may take to arrive, whole (the largest, 1 MB, takes well under a second on a slow line)."""
UNROUTED = "(ingen rute)"
"""The metrics' route label of a request that matched no route (the path is the client's choice)."""
LINGER = 2.0
"""Seconds the server keeps a refused request's connection open for the rest of its body to arrive (and be dropped)."""
SCREENED = 16 * 1024
"""Bytes of a body ``read_limited`` shows its screen first."""
REFUSAL_LOG_WINDOW = 60.0
"""Seconds in which a route and status has one refusal logged."""


class RefusalLog:
    """Which refusals to log: the first of each (route, status) in a window, then one per window."""

    def __init__(self, window: float = REFUSAL_LOG_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self.clock = clock
        self._logged: dict[tuple[str, int], tuple[float, int]] = {}  # (when last logged, left out since)

    def admit(self, route: str, status: int) -> int | None:
        """How many refusals of ``route`` and ``status`` were left out since the last one logged, if this one is to be
        logged; None to leave it out."""
        now = self.clock()
        last = self._logged.get((route, status))
        if last is not None and now - last[0] < self._window:
            self._logged[route, status] = (last[0], last[1] + 1)
            return None
        self._logged[route, status] = (now, 0)
        return last[1] if last else 0


REFUSALS = web.AppKey("refusals", RefusalLog)


class Refused(Exception):
    """Refuse the request being handled with ``status`` and a Danish ``reason`` (no secret, no message text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def refuse(request: web.Request, status: int, reason: str) -> web.Response:
    """Log (``RefusalLog``) and answer a refused request. ``reason`` must hold no secret and no message text."""
    resource = request.match_info.route.resource
    route = resource.canonical if resource else UNROUTED
    refusals = request.app.get(REFUSALS)
    left_out = refusals.admit(route, status) if refusals is not None else 0
    if left_out is not None:
        more = f" (og {left_out} lignende afvist siden sidst)" if left_out else ""
        method, path = printable(request.method, 20), printable(request.path)
        log.warning("refused %s %s: %s %s%s", method, path, status, printable(reason), more)
    if (metrics := request.app.get(METRICS)) is not None:
        metrics.webhook_rejected(route, status)
    response = web.json_response({"error": reason}, status=status)
    response[REFUSED] = True
    if not request.content.at_eof():
        response.force_close()
        request.protocol.close()  # the rest of the body is never parsed,
        request.content.read_nowait()  # what arrived with the head is dropped (this resumes reading),
        if request.transport is not None:  # and the rest is not read: the kernel's buffers take it, TCP stops the sender
            request.transport.pause_reading()
    return response


async def read_limited(
    request: web.Request, limit: int, *, screen: Callable[[bytes], None] | None = None
) -> bytes | None:
    """The body, or None when it is larger than ``limit`` bytes (read no further than that).

    ``screen`` sees the first ``SCREENED`` bytes of a longer body and may raise ``Refused``
    for what the rest cannot mend: the rest is then never read. Raises ``Refused``: 408 when the
    body has not arrived within the app's ``BODY_DEADLINE``, 400 when it was cut off or garbled on
    the way.
    """
    if request.content_length is not None and request.content_length > limit:
        return None
    deadline = request.app.get(BODY_DEADLINE, DEFAULT_BODY_DEADLINE)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(deadline):
            while size <= limit:  # read() returns what has arrived so far, not up to n bytes
                screening = None if chunks else screen  # the first chunk only
                chunk = await request.content.read(min(SCREENED, limit + 1) if screening else limit + 1 - size)
                if not chunk:
                    break
                if screening is not None and not request.content.at_eof():
                    screening(chunk)
                chunks.append(chunk)
                size += len(chunk)
    except TimeoutError:
        raise Refused(408, f"kroppen kom ikke inden for {deadline:g} s") from None
    except (ConnectionError, web.RequestPayloadError):
        raise Refused(400, "kroppen kom ikke hel frem") from None
    if size > limit:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # one copy at most: a large body costs the loop little
