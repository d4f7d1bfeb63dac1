"""Who is writing: map a Teams user to a plan person, and cache the answer in the store.

Order: a cached link (while that person is still in the plan), the Entra object id when
the plan has it, else the UPN/email from the Connector's member lookup. Someone who is not
in the plan is described by what Teams says of them (name, Entra object id, email), so they
can raise an alarm. While the store cannot be reached, people are recognised without it (by
the plan and the member lookup) and linked the next time it can.
"""

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamsChannelAccount

from ..clock import Clock
from ..errors import StoreError
from ..plan.models import Person, Plan
from ..store import Chats, TeamsUserLink

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sender:
    """The sender of an activity: the plan person, if they are one, and what Teams says of them.

    ``email`` (else the UPN) is known when the Connector's member lookup was asked: always for people
    outside the plan; for a linked plan person it is the UPN their link was made with."""

    teams_id: str
    name: str
    aad_object_id: str | None
    email: str | None
    person: Person | None


async def identify(context: TurnContext, *, plan: Plan, store: Chats, clock: Clock, stored: bool = True) -> Sender:
    """The sender of the activity, linked to their plan person if they have one.

    Not ``stored`` (the store is known to be unreachable), or if the store fails, the sender is recognised without
    it and not linked; the store's failure is logged as a warning, and the turn goes on."""
    sender = context.activity.from_property
    aad_object_id = getattr(sender, "aad_object_id", None)
    name = (sender.name or "").strip()
    link = None
    if stored:
        try:
            link = await store.teams_user(teams_user_id=sender.id)
        except StoreError as exc:
            log.warning("Teams-brugeren genkendes uden logbogen, som ikke kan læses: %s", exc.reason)
            stored = False
    if link and link.person_id in plan.person_by_id:
        return Sender(sender.id, name, aad_object_id, link.upn, plan.person_by_id[link.person_id])
    person = plan.person_by_object_id(aad_object_id) if aad_object_id else None
    member = None if person else await _member(context, sender.id)
    upn = (member.user_principal_name or member.email) if member else None
    if person is None and upn:
        person = plan.person_by_email(upn)
    if person is not None and stored:
        await _link(store, TeamsUserLink(sender.id, aad_object_id, upn, person.id), clock)
    email = (member.email or member.user_principal_name) if member else None
    return Sender(sender.id, name or ((member.name or "") if member else ""), aad_object_id, email, person)


async def _link(store: Chats, link: TeamsUserLink, clock: Clock) -> None:
    """Remember which plan person the Teams user is; a failure is logged, and they are linked at their next turn."""
    try:
        await store.link_teams_user(link=link, at=clock())
    except StoreError as exc:
        log.warning("Teams-brugeren kunne ikke knyttes til sin person i planen: %s", exc.reason, extra={"person": link.person_id})
        return
    log.info("Teams user linked to plan person", extra={"person": link.person_id})


async def _member(context: TurnContext, user_id: str) -> TeamsChannelAccount | None:
    """What the Connector knows of the user (UPN, email, name); None if the lookup fails."""
    try:
        return await TeamsInfo.get_member(context, user_id)
    except Exception as exc:  # the Connector raises its own error types; the caller treats None as unknown
        log.warning("member lookup failed: %s", type(exc).__name__)
        return None
