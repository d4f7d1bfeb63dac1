"""A clock a test moves by hand (the app's injected clock)."""

from datetime import datetime, timezone


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now
