"""The console SMS provider for local runs: every SMS goes to the log and to a file, replies come from the command line.

``ConsoleSms`` logs each SMS whole at INFO (locally the text is the point) and appends it as
one line to a file a newcomer can ``tail -f``. ``krisebot sms-reply FROM TEXT`` calls
``send_reply``, which posts the reply to the running service's ``POST /api/sms/console``
(served only with this provider, only to direct requests from this machine and never with a
public URL; the service's reason is shown when it refuses); ``ConsoleWebhook`` parses it.
"""

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from ...clock import LOCAL_TIME, Clock
from ...json_body import BadJson, parse_json
from ...plan.phones import to_e164
from ..console import append_private, post_to_service
from ..webhooks import WebhookRejected
from .base import InboundSms, OutgoingSms
from .gsm import fit
from .replies import strip_keyword
from .webhooks import Event

NAME = "console"
PATH = "/api/sms/console"
NO_ROUTE = "ingen console-udbyder: KRISEBOT_SMS_PROVIDER er ikke console"

log = logging.getLogger("krisebot.sms")


class ConsoleSms:
    """The SmsProvider that sends nothing: ids are ``console-<uuid>``, unique across restarts."""

    name = NAME

    def __init__(self, path: Path, *, clock: Clock) -> None:
        self.path = path
        self._clock = clock

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        ids = [f"{NAME}-{uuid.uuid4().hex}" for _ in messages]
        sent_at = self._clock().astimezone(LOCAL_TIME).isoformat(timespec="seconds")
        lines = []
        for sms, sms_id in zip(messages, ids, strict=True):
            text = fit(sms.text)
            log.info("sms til %s (%s): %s", sms.to, sms_id, text)
            lines.append(f"{sent_at}\t{sms.to}\t{sms_id}\t{sms.ref}\t{text.replace(chr(10), ' / ')}\n")
        await asyncio.to_thread(append_private, self.path, "".join(lines))
        return ids



class ConsoleWebhook:
    """Parser for ``POST /api/sms/console``: ``{"from": number, "text": reply}`` as an InboundSms (number parsed with region DK)."""

    def __init__(self, *, clock: Clock, keyword: str = "") -> None:
        self._clock = clock
        self._keyword = keyword

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> list[Event]:
        try:
            data = parse_json(body)
            sender, text = data["from"], data["text"]
        except (BadJson, TypeError, KeyError):
            raise WebhookRejected(400, 'kroppen skal være JSON med "from" og "text"') from None
        if not isinstance(sender, str) or not isinstance(text, str):
            raise WebhookRejected(400, '"from" og "text" skal være tekst')
        try:
            number = to_e164(sender)
        except ValueError as exc:
            raise WebhookRejected(400, str(exc)) from None
        return [InboundSms(
            provider=NAME, id=uuid.uuid4().hex, sender=number, text=strip_keyword(text, self._keyword),
            received_at=self._clock(), raw=text,
        )]


async def send_reply(base_url: str, sender: str, text: str) -> None:
    """Post a simulated reply from ``sender`` to the service at ``base_url`` (see ``console.service_url``)."""
    await post_to_service(base_url, PATH, {"from": sender, "text": text}, not_served=NO_ROUTE)
