"""The channels one page uses, first and as the fallback. Pure.

The plan's contact order for the page's purpose, except: a notice of a crisis's end goes on the channels
``bot.core.end_notices`` picks, and someone outside the plan (``bot.core.guests``) is paged only on the
channels that can reach them (the plan has no number of theirs: no call or SMS is tried and logged failed).
"""

from collections.abc import Callable

from ..plan.contact import Channel, ContactOrder
from ..plan.models import Plan
from .end_notices import notice_order
from .events import PagePurpose
from .state import CrisisState


def page_order(
    plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, *,
    confirms: Callable[[Channel], bool], reaches: Callable[[Channel], bool],
) -> ContactOrder:
    """The contact order of a page for ``purpose`` to ``person``. ``confirms`` says whether a sent page on a channel
    has reached the person (a call has not); ``reaches`` whether the channel can try to reach this person at all."""
    order = notice_order(plan, state, purpose, person, confirms=confirms, reaches=reaches)
    if person in plan.person_by_id:
        return order
    first = tuple(channel for channel in order.first if reaches(channel))
    then = tuple(channel for channel in order.then if reaches(channel))
    return ContactOrder(first=first, then=then) if first else ContactOrder(first=then) if then else order
