"""The alarm mailbox: new mail in a mailbox's inbox from a listed sender becomes an alarm in triage.

Read with Graph's delta query on ``/users/{mailbox}/mailFolders/inbox/messages/delta``: a round
follows ``@odata.nextLink`` pages until an ``@odata.deltaLink``, which the next round starts
from. The first round asks only for mail received from then on. The link is stored after each
page, and each mail raises its alarm with the message id as request key, so a restart in the
middle of a round reads on from the last page and never raises an alarm twice. Mail from other
senders is ignored. The plan's deliveries the subject names (``O365 er nede``, however spelt) are
the alarm's deliveries, with those of the plan's rules.
"""

import asyncio
import logging
from datetime import timezone

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.message import Message
from msgraph.generated.users.item.mail_folders.item.messages.delta.delta_request_builder import DeltaRequestBuilder

from ..clock import LOCAL_TIME, Clock
from ..core.events import AlarmStatus
from ..errors import ChannelError, TransientError
from ..graph.errors import GraphRefused, graph_call
from ..plan.models import Plan
from ..store import Monitoring
from .formats import Alert
from .receiver import AlarmReceiver
from .rules import sender_labels

log = logging.getLogger("krisebot.intake")

SYSTEM = "Mail"
FIELDS = ["subject", "from", "receivedDateTime", "webLink", "bodyPreview"]


def listed(address: str, senders: list[str]) -> bool:
    """Is ``address`` one of ``senders`` (addresses, or ``@domain`` for a whole domain)?"""
    address = address.strip().lower()
    domain = "@" + address.rpartition("@")[2]
    return any(sender == address or sender == domain for sender in senders)


def mail_alert(message: Message, plan: Plan) -> Alert:
    """The alarm of one mail: its subject, sender and link, and the plan's deliveries the subject names."""
    subject = (message.subject or "(intet emne)").strip()[:1000]
    sender = message.from_.email_address if message.from_ else None
    name, address = (sender.name or "", sender.address or "") if sender else ("", "")
    received = f"{message.received_date_time.astimezone(LOCAL_TIME):%Y-%m-%d kl. %H:%M}" if message.received_date_time else ""
    return Alert(
        system=SYSTEM, fingerprint=message.id or "", status=AlarmStatus.FIRING,
        title=subject,
        description="\n".join(p for p in (f"Fra: {name} <{address}>", f"Modtaget: {received}" if received else "") if p),
        labels=sender_labels(address), deliveries=plan.deliveries_mentioned(subject), link=message.web_link or "",
    )


class MailboxReader:
    """Reads one mailbox's inbox for alarm mail."""

    def __init__(
        self, *, client: GraphServiceClient, plan: Plan, store: Monitoring, clock: Clock, receiver: AlarmReceiver,
        mailbox: str, senders: list[str], source: str, interval: float,
    ) -> None:
        self._inbox = client.users.by_user_id(mailbox).mail_folders.by_mail_folder_id("inbox").messages.delta
        self._store = store
        self._clock = clock
        self._receiver = receiver
        self._plan = plan
        self._mailbox = mailbox
        self._senders = senders
        self._source = source
        self._interval = interval
        self._started = clock()

    async def read(self) -> int:
        """One round: every page up to the next delta link. How many mails from listed senders it handled."""
        raised = 0
        link = await self._store.mailbox_cursor(mailbox=self._mailbox)
        while True:
            try:
                page = await graph_call(self._inbox.with_url(link).get() if link else self._inbox.get(self._first_round()))
            except GraphRefused as exc:
                if exc.status != 410 or link is None:
                    raise
                log.warning("alarmpostkassens delta-link er udløbet: læser igen fra tjenestens start (kendte mails giver ingen ny alarm)")
                link = None
                continue
            if page is None:
                raise TransientError("Microsoft Graph gav et tomt svar fra alarmpostkassen")
            for message in page.value or []:
                raised += await self._take(message)
            link = page.odata_next_link or page.odata_delta_link
            if link:
                await self._store.save_mailbox_cursor(mailbox=self._mailbox, link=link, at=self._clock())
            if not page.odata_next_link:
                return raised

    async def run(self) -> None:
        """Read every ``interval`` seconds, the first time ``interval`` after start; forever."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.read()
            except ChannelError as exc:
                log.warning("alarmpostkassen %s kunne ikke læses: %s", self._mailbox, exc.reason)
            except Exception:  # the reader must survive anything one round runs into
                log.exception("reading the alarm mailbox failed")

    def _first_round(self) -> RequestConfiguration:
        """The query of the first round ever (or after an expired link): mail received since the service started."""
        since = self._started.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            change_type="created", select=FIELDS, filter=f"receivedDateTime ge {since}"
        )
        return RequestConfiguration(query_parameters=query)

    async def _take(self, message: Message) -> int:
        """Raise the alarm of one mail from a listed sender; 1 if it did."""
        address = message.from_.email_address.address if message.from_ and message.from_.email_address else None
        if not message.id or not address or not listed(address, self._senders):
            return 0
        receipt = await self._receiver.receive(
            mail_alert(message, self._plan), source=self._source, actor=f"Alarmpostkasse ({address.lower()})",
            request_key=f"mail:{self._mailbox.lower()}:{message.id}",
        )
        log.info("alarmmail fra %s: %s %s", address, receipt.status.value, receipt.crisis or "")
        return 1
