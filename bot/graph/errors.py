"""One Graph request, bounded in time, its failures mapped to the channel errors.

``graph_call`` awaits a msgraph-sdk request and raises only ``TransientError`` (try again:
408, 412, 429, 5xx, timeouts, network and token failures, malformed or unexpected answers)
or ``PermanentError`` (any other 4xx: the same request cannot succeed later) as the
``GraphRefused`` subclass carrying the status, so a caller can treat 404 or 409 apart.
Reasons are Danish and name the HTTP status and Graph's error code, never its message.
"""

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import TypeVar

import httpx
from azure.core.exceptions import AzureError
from kiota_abstractions.api_error import APIError

from ..errors import PermanentError, TokenError, TransientError

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
"""Seconds one Graph call may take, the SDK's own retries included."""

_TRANSIENT_STATUS = frozenset({408, 412, 429})
log = logging.getLogger(__name__)


class GraphRefused(PermanentError):
    """Graph refused the request with a 4xx ``status`` that a retry cannot change."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


async def graph_call(request: Awaitable[T], *, reasons: Mapping[int, str] = {}, timeout: float = DEFAULT_TIMEOUT) -> T:
    """Await ``request`` within ``timeout`` seconds; ``reasons`` give the Danish reason per HTTP status."""
    try:
        async with asyncio.timeout(timeout):
            return await request
    except TimeoutError:
        raise TransientError(f"Microsoft Graph svarede ikke inden for {timeout:g} sekunder") from None
    except APIError as exc:
        raise _from_status(exc, reasons) from exc
    except (httpx.HTTPError, OSError) as exc:
        raise TransientError(f"ingen forbindelse til Microsoft Graph ({type(exc).__name__})") from exc
    except AzureError as exc:
        raise TokenError(f"kunne ikke hente adgangstoken til Microsoft Graph ({type(exc).__name__})") from exc
    except Exception as exc:  # a malformed answer must never take the engine down
        log.warning("Uventet svar fra Microsoft Graph", exc_info=True)
        raise TransientError(f"Microsoft Graph gav et ugyldigt svar ({type(exc).__name__})") from exc


def _from_status(exc: APIError, reasons: Mapping[int, str]) -> TransientError | GraphRefused:
    status = exc.response_status_code
    code = getattr(getattr(exc, "error", None), "code", None)
    detail = f"HTTP {status}" + (f" {code}" if code else "")
    if status is None or not 400 <= status < 500 or status in _TRANSIENT_STATUS:
        return TransientError(f"Microsoft Graph svarede {detail}", retry_after=_retry_after(exc.response_headers))
    reason = reasons.get(status, "Microsoft Graph afviste kaldet")
    return GraphRefused(f"{reason} ({detail})", status)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The ``Retry-After`` header in seconds, if it is a number (Graph sends seconds)."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
