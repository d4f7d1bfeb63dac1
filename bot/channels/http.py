"""The HTTP call every SMS and voice gateway makes, with the failures all of them share mapped to TransientError.

A gateway that cannot be reached, answers too slowly, throttles (429), fails (5xx) or refuses
our credentials (401/403) is a transient failure: the page goes to the backup provider and is
tried again later, never silently dropped because of a misconfigured token. Other answers
are returned for the provider to read (a 4xx naming a number is its business).
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..errors import TransientError

TIMEOUT = aiohttp.ClientTimeout(total=10, sock_connect=5)
"""Long enough for a gateway under load, short enough to fail over while a page is still fresh."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    """The parsed JSON body, or None when there was none or it was not JSON."""


async def post(session: aiohttp.ClientSession, url: str, *, gateway: str, **request: Any) -> Answer:
    """POST to ``url`` (``request`` as for ``session.post``); the answer unless it is a transient failure."""
    try:
        async with session.post(url, timeout=TIMEOUT, **request) as response:
            text = await response.text()
            status = response.status
            retry_after = _seconds(response.headers.get("Retry-After"))
    except (asyncio.TimeoutError, TimeoutError):
        raise TransientError(f"{gateway} svarede ikke inden {TIMEOUT.total:.0f} s") from None
    except aiohttp.ClientError as exc:
        raise TransientError(f"kan ikke nå {gateway}: {type(exc).__name__}") from None
    if status == 429 or status >= 500:
        raise TransientError(f"{gateway} svarede {status}", retry_after=retry_after)
    if status in (401, 403):
        raise TransientError(f"{gateway} afviste Krisebots adgangsnøgle ({status}): ret indstillingerne")
    return Answer(status, _json(text))


def _seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds when it is a number of seconds (the HTTP-date form is ignored)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
