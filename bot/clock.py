"""The one clock. Code that needs the time takes a ``Clock``; tests pass a fixed or stepped one."""

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(timezone.utc)
