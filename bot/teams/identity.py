"""Who is writing: map a Teams user to a plan person, and cache the answer in the store.

Order: a cached link (while that person is still in the plan), the Entra object id when
the plan has it, else the UPN/email from the Connector's member lookup.
"""

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from ..clock import Clock
from ..plan.models import Person, Plan
from ..store import Store, TeamsUserLink

log = logging.getLogger(__name__)


async def resolve_person(context: TurnContext, *, plan: Plan, store: Store, clock: Clock) -> Person | None:
    """The plan person behind the activity's sender, or None if they are not in the plan."""
    sender = context.activity.from_property
    link = await store.teams_user(teams_user_id=sender.id)
    if link and link.person_id in plan.person_by_id:
        return plan.person_by_id[link.person_id]
    aad_object_id = getattr(sender, "aad_object_id", None)
    person = plan.person_by_object_id(aad_object_id) if aad_object_id else None
    upn = None
    if person is None:
        upn = await _member_upn(context, sender.id)
        person = plan.person_by_email(upn) if upn else None
    if person is not None:
        await store.link_teams_user(
            link=TeamsUserLink(sender.id, aad_object_id, upn, person.id), at=clock()
        )
        log.info("Teams user linked to plan person", extra={"person": person.id})
    return person


async def _member_upn(context: TurnContext, user_id: str) -> str | None:
    """The user's UPN (or email) from the Connector; None if the lookup fails."""
    try:
        member = await TeamsInfo.get_member(context, user_id)
    except Exception as exc:  # the Connector raises its own error types; the caller treats None as unknown
        log.warning("member lookup failed: %s", type(exc).__name__)
        return None
    return member.user_principal_name or member.email
