"""Bot Connector failures as channel errors: transient (throttled, unavailable, unreachable) or permanent."""

from collections.abc import Iterator
from contextlib import contextmanager

from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError

from ..errors import PermanentError, TransientError

PERMANENT_STATUSES = frozenset({400, 401, 403, 404})


@contextmanager
def connector_errors() -> Iterator[None]:
    """Raise ``PermanentError`` for a refusal a retry cannot change, ``TransientError`` for the rest."""
    try:
        yield
    except ErrorResponseException as exc:
        status = getattr(exc.response, "status_code", None)
        reason = f"Teams svarede {status}"
        if status in PERMANENT_STATUSES:
            raise PermanentError(reason) from exc
        retry_after = (exc.response.headers or {}).get("Retry-After") if exc.response is not None else None
        raise TransientError(reason, float(retry_after) if retry_after and retry_after.isdigit() else None) from exc
    except (ClientRequestError, OSError) as exc:
        raise TransientError(f"Teams kunne ikke nås ({type(exc).__name__})") from exc
