"""The SMS notifier: a page as a text message to the person's mobile, with a reply code.

Each page gets a code scoped to the recipient's number (``bot.store`` keeps it; the codes of
the pages sent at the same moment are written in one transaction), and the
text lists only the replies the person may use (``bot.core.replies``). Messages go to the
provider through a ``Batcher``, so a summons to many people is handed over in few requests.
"""

from collections.abc import Callable

from ...clock import Clock
from ...core.replies import reply_options
from ...errors import PermanentError
from ...gathered import Gathered
from ...plan.models import Plan
from ...store import CodeRequest, SmsCodes
from ...plan.phones import PhoneKind
from ..base import Channel, ChannelPolicy, PageRequest
from .base import OutgoingSms
from .batcher import Batcher
from .text import ReplyRoute, page_text


class SmsNotifier:
    channel = Channel.SMS
    policy = ChannelPolicy(concurrency=5000, order=1, numbers=(PhoneKind.MOBILE,))
    """Sends are gathered into batched gateway requests (``Batcher``), so many may wait for one batch."""

    def __init__(
        self, *, plan: Plan, store: SmsCodes, clock: Clock, batcher: Batcher, route: ReplyRoute,
        open_crises: Callable[[], set[str]], caller_id: str = "",
    ) -> None:
        """``caller_id`` is the number calls come from: an SMS after an unanswered call names it."""
        self._plan = plan
        self._store = store
        self._clock = clock
        self._batcher = batcher
        self._route = route
        self._open_crises = open_crises
        self._caller_id = caller_id
        self._codes: Gathered[CodeRequest, int] = Gathered(self._codes_of)

    async def send(self, page: PageRequest) -> str | None:
        mobile = self.policy.numbers_of(page.person)
        if not mobile:
            raise PermanentError("planen har intet mobilnummer til personen")
        code = await self._codes(CodeRequest(mobile[0], page.state.id, page.purpose.value, page.person.id))
        replies = reply_options(self._plan, page.state, page.purpose, page.person.id)
        text = page_text(
            self._plan, page.state, purpose=page.purpose, person=page.person.id, roles=page.roles, code=code,
            replies=replies,
            route=self._route, called_from=self._caller_id if page.after_call else "",
        )
        return await self._batcher.send(OutgoingSms(to=mobile[0], text=text, ref=page.key))

    async def _codes_of(self, pages: list[CodeRequest]) -> list[int]:
        return await self._store.sms_codes(pages=pages, at=self._clock(), open_crises=self._open_crises())
