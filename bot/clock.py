"""The one clock. Code that needs the time takes a ``Clock``; tests pass a fixed or stepped one."""

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
"""The time zone people read times in: cards, SMS and the exported logbog."""


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(timezone.utc)
