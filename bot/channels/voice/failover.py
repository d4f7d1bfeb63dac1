"""Two voice providers as one: a call the primary could not place for a passing reason goes to the backup.

A ``TransientError`` (or a timeout) of the primary hands the call to the backup; a
``PermanentError`` (this number cannot be called) does not. The id returned comes from the
provider that placed the call. Both failing is transient unless both failures were permanent.
"""

from ...errors import PermanentError
from ..failover import attempt, both_failed
from .base import OutgoingCall, VoiceProvider


class FailoverVoice:
    """A VoiceProvider that places with ``primary`` and, when that fails transiently, with ``backup``."""

    def __init__(self, primary: VoiceProvider, backup: VoiceProvider) -> None:
        self.primary = primary
        self.backup = backup
        self.name = f"{primary.name}+{backup.name}"

    async def place(self, call: OutgoingCall) -> str:
        first = await attempt(self.primary.name, self.primary.place(call))
        if isinstance(first, str):
            return first
        if isinstance(first, PermanentError):
            raise first
        second = await attempt(self.backup.name, self.backup.place(call))
        if isinstance(second, str):
            return second
        raise both_failed(first, second, self.backup.name)
