"""What the failover providers (SMS, voice) share: one attempt as a value, and the error when both providers failed."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from ..errors import ChannelError, PermanentError, TransientError

T = TypeVar("T")


async def attempt(provider: str, work: Awaitable[T]) -> T | ChannelError:
    """``work``'s result, or the ChannelError it raised; a timeout is a TransientError naming ``provider``."""
    try:
        return await work
    except ChannelError as exc:
        return exc
    except (asyncio.TimeoutError, TimeoutError):
        return TransientError(f"{provider} svarede ikke i tide")


def both_failed(first: ChannelError, second: ChannelError, backup: str) -> ChannelError:
    """The primary failed with ``first`` and the backup named ``backup`` with ``second``: permanent only when both
    were, else transient (the backup may still work later) with the longest ``retry_after`` either asked for."""
    reason = f"{first.reason}; {backup}: {second.reason}"
    if isinstance(first, PermanentError) and isinstance(second, PermanentError):
        return PermanentError(reason)
    waits = [e.retry_after for e in (first, second) if isinstance(e, TransientError) and e.retry_after is not None]
    return TransientError(reason, retry_after=max(waits, default=None))
