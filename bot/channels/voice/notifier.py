"""The voice notifier: a page as a phone call, to the person's mobile first, then their direct line.

Each send places one call, to the number of its ``step`` (the pager moves on to the next
number when a call ends without a key). The call is stored under a random ``ref`` before it
is placed, so its webhooks find it, and a page sent again after a restart finds the call
already placed instead of ringing twice: only a call whose placing was cut off is placed again.
The call is placed at the channel's turn (``page.turn``), once it is stored.
A call does not reach anyone by being placed (``confirms`` is False): only a key press does.
"""

import secrets

from ...clock import Clock
from ...plan.contact import Channel
from ...store import CallRecord, Calls
from ...errors import PermanentError
from ..base import PageRequest
from .base import OutgoingCall, VoiceProvider
from .policy import voice_policy


class VoiceNotifier:
    channel = Channel.VOICE

    def __init__(self, *, provider: VoiceProvider, store: Calls, clock: Clock, caller_id: str, rate: float) -> None:
        self.policy = voice_policy(rate)
        self._provider = provider
        self._store = store
        self._clock = clock
        self._caller_id = caller_id

    async def send(self, page: PageRequest) -> str | None:
        numbers = self.policy.numbers_of(page.person)
        if not numbers:
            raise PermanentError("planen har intet telefonnummer til personen")
        if page.step >= len(numbers):
            raise PermanentError("alle personens numre er prøvet")
        ref = secrets.token_urlsafe(16)
        placed = await self._store.save_call(call=CallRecord(
            ref=ref, outbox_key=page.key, crisis_id=page.state.id, person=page.person.id, roles=page.roles,
            purpose=page.purpose.value, number=numbers[page.step], created_at=self._clock(),
        ))
        if placed is not None:
            return placed.provider_id
        await page.turn()
        provider_id = await self._provider.place(OutgoingCall(to=numbers[page.step], caller_id=self._caller_id, ref=ref))
        await self._store.call_placed(ref=ref, provider=self._provider.name, provider_id=provider_id)
        return provider_id
