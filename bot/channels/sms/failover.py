"""Two SMS providers as one: what the primary could not hand over goes to the backup.

Every batch tries the primary first (the engine's circuit breakers decide when a provider is
down); messages it failed, transiently or permanently, go to the backup. The ids in the
result come from whichever provider sent each message (their formats differ: GatewayAPI
numbers, Twilio ``SM…``). A message both failed is transient if either failure was (the
backup may still work later), permanent only when both were.
"""

from collections.abc import Sequence

from ...errors import ChannelError
from ..failover import attempt, both_failed
from .base import OutgoingSms, SendResult, SmsProvider, outcome, results_of


async def _attempt(provider: SmsProvider, messages: Sequence[OutgoingSms]) -> list[SendResult]:
    result = await attempt(provider.name, provider.send(messages))
    return results_of(result, len(messages)) if isinstance(result, ChannelError) else list(result)


class FailoverSms:
    """An SmsProvider that sends with ``primary`` and, for what failed there, with ``backup``."""

    def __init__(self, primary: SmsProvider, backup: SmsProvider) -> None:
        self.primary = primary
        self.backup = backup
        self.name = f"{primary.name}+{backup.name}"

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        results = await _attempt(self.primary, messages)
        failed = {i: result for i, result in enumerate(results) if isinstance(result, ChannelError)}
        if failed:
            retried = await _attempt(self.backup, [messages[i] for i in failed])
            combined: dict[tuple[int, int], ChannelError] = {}
            for (i, first), second in zip(failed.items(), retried, strict=True):
                if isinstance(second, str):
                    results[i] = second
                else:
                    key = (id(first), id(second))
                    if key not in combined:
                        combined[key] = both_failed(first, second, self.backup.name)
                    results[i] = combined[key]
        return outcome(results)
