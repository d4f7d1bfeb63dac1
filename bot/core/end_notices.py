"""Who is told when a crisis ends, and on which channels. Pure.

Two notices follow the end of a crisis and ask for no answer, so each goes once (``ONCE``):

- ``STAND_DOWN``: the crisis leader closed the crisis; everyone a page reached (paged or summoned, on any
  channel) is told, except the one who closed it. It goes on the channels that reached them: those that
  confirm delivery (a card, the feed, a mail, an SMS) again, and instead of a call the plan's fallback
  channels that reach them (an SMS); a call only when nothing else ever reached them.
- ``NOT_CRITICAL``: the alarm was assessed not critical; the plan person who raised it is told, on the
  channel they raised it by (``AlarmRaised.via``), with the plan's fallback channels after it.
"""

from collections.abc import Callable

from ..plan.contact import Channel, ContactOrder
from ..plan.models import Plan
from .commands import SendPage
from .events import PagePurpose
from .state import CrisisState

END_NOTICES = frozenset({PagePurpose.STAND_DOWN, PagePurpose.NOT_CRITICAL})
"""Notices of a crisis that is over: they go although it is over, ask for no answer, and go once."""
CHANNELS = frozenset(Channel)
"""Every channel's text: a recorded channel outside it (from an older version) is not one to send on."""


def stand_down_pages(state: CrisisState, actor: str) -> list[SendPage]:
    """A stand-down to everyone a page of the crisis reached, once each, but ``actor`` (who closed it)."""
    reached = dict.fromkeys(page.person for page in state.pages if page.channels and page.purpose not in END_NOTICES)
    return [SendPage(person, (), PagePurpose.STAND_DOWN) for person in reached if person != actor]


def reporter_pages(state: CrisisState, actor: str) -> list[SendPage]:
    """The notice that the alarm is not critical, to the plan person who raised it (unless they assessed it)."""
    if state.reporter is None or state.reporter == actor:
        return []
    return [SendPage(state.reporter, (), PagePurpose.NOT_CRITICAL)]


def notice_order(
    plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, *,
    confirms: Callable[[Channel], bool], reaches: Callable[[Channel], bool],
) -> ContactOrder:
    """The contact order of a notice of the end (``purpose`` in ``END_NOTICES``) to ``person``; the plan's for any
    other purpose. ``confirms`` says whether a sent page on a channel has reached the person (a call has not);
    ``reaches`` whether the channel can try to reach this person at all."""
    order = plan.contact_procedure.channels.for_purpose(purpose)
    if purpose is PagePurpose.STAND_DOWN:
        first = _stand_down_channels(state, person, order, confirms=confirms, reaches=reaches)
    elif purpose is PagePurpose.NOT_CRITICAL and state.reported_via in CHANNELS:
        first = [Channel(state.reported_via)]
    elif purpose is PagePurpose.NOT_CRITICAL:
        first = [channel for channel in order.first if confirms(channel)] or list(order.first)
    else:
        return order
    if not first:
        return order
    return ContactOrder(first=tuple(first), then=tuple(channel for channel in order.then if channel not in first))


def _stand_down_channels(
    state: CrisisState, person: str, order: ContactOrder, *,
    confirms: Callable[[Channel], bool], reaches: Callable[[Channel], bool],
) -> list[Channel]:
    """The channels that reached ``person`` in the crisis; the fallback channels instead of a call."""
    reached = [
        Channel(channel)
        for channel in dict.fromkeys(
            channel for page in state.pages if page.person == person and page.purpose not in END_NOTICES
            for channel in page.channels
        )
        if channel in CHANNELS
    ]
    kept = [channel for channel in reached if confirms(channel)]
    called = [channel for channel in reached if not confirms(channel)]
    if not called:
        return kept
    instead = [channel for channel in order.then if reaches(channel) and channel not in kept]
    return kept + instead if kept or instead else called
