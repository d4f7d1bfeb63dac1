"""Calls placed no faster than the provider allows (``KRISEBOT_VOICE_CALLS_PER_SECOND``; Twilio's default is 1)."""

import asyncio
from collections.abc import Awaitable, Callable

from .base import OutgoingCall, VoiceProvider


class PacedVoice:
    """A VoiceProvider that starts ``place`` calls at least ``1 / per_second`` seconds apart, in the order they come;
    ``now`` and ``sleep`` are the event loop's unless given."""

    def __init__(
        self, provider: VoiceProvider, *, per_second: float, now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self.name = provider.name
        self._gap = 1 / per_second
        self._now = now
        self._sleep = sleep
        self._turn = asyncio.Lock()
        self._next: float | None = None

    async def place(self, call: OutgoingCall) -> str:
        async with self._turn:
            now = self._now() if self._now else asyncio.get_running_loop().time()
            if self._next is not None and now < self._next:
                await self._sleep(self._next - now)
                now = self._next
            self._next = now + self._gap
        return await self.provider.place(call)
