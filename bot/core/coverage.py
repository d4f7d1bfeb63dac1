"""Who is told when nobody answers for a role, and who assesses an alarm then. Pure.

A role is uncovered (``RoleUncovered``, ``CrisisState.uncovered``) once its escalation chain
is exhausted (``bot.core.escalation.new_uncovered``). The primaries of the plan's director role
(the crisis leader) and situation role are then paged with an ``UNCOVERED`` notice, except
a holder of the uncovered role itself, who has just been paged about it. When the triage role
is uncovered for triage, the crisis leader's role is paged to triage instead (its whole chain,
as any role's page): the plan informs the director «alt efter omfang», and an IT head nobody
reaches is the largest extent there is.
"""

from collections.abc import Sequence

from ..plan.models import Plan
from .events import PagePurpose, RequestedPage, RoleUncovered
from .permissions import Permission, may
from .state import CrisisState


def uncovered_pages(plan: Plan, uncovered: Sequence[RoleUncovered]) -> list[RequestedPage]:
    """The pages that tell of ``uncovered`` roles: one notice per person, and the triage to the crisis leader."""
    chain = plan.alarm_chain
    pages: dict[tuple[str, PagePurpose], RequestedPage] = {}
    for event in uncovered:
        holders = set(plan.role_by_id[event.role].chain) if event.role in plan.role_by_id else set()
        told = [chain.director_role, *([chain.situation_role] if chain.situation_role else [])]
        if triage_to_leader(plan, event):
            told.remove(chain.director_role)
            leader = plan.role_by_id[chain.director_role].primary
            pages[leader, PagePurpose.TRIAGE] = RequestedPage(person=leader, roles=[chain.director_role], purpose=PagePurpose.TRIAGE)
        for role in told:
            person = plan.role_by_id[role].primary
            if person not in holders:
                pages.setdefault((person, PagePurpose.UNCOVERED), RequestedPage(person=person, roles=[], purpose=PagePurpose.UNCOVERED))
    return list(pages.values())


def triage_to_leader(plan: Plan, event: RoleUncovered) -> bool:
    """Does this uncovered role send the alarm's triage to the crisis leader's role?"""
    chain = plan.alarm_chain
    return event.purpose is PagePurpose.TRIAGE and event.role == chain.triage_role != chain.director_role


def assessing_role(plan: Plan, state: CrisisState) -> str:
    """The role that assesses the alarm: the triage role, or the crisis leader's once triage went to them."""
    chain = plan.alarm_chain
    return chain.director_role if _leader_paged_to_triage(plan, state) else chain.triage_role


def may_triage(plan: Plan, state: CrisisState, person: str) -> bool:
    """May ``person`` triage the alarm: a holder of a role the plan allows, or of the crisis leader's role once
    triage went to it."""
    if may(plan, person, Permission.TRIAGE):
        return True
    return _leader_paged_to_triage(plan, state) and person in plan.role_by_id[plan.alarm_chain.director_role].chain


def uncovered_roles(state: CrisisState) -> list[str]:
    """The roles nobody answers for now, oldest first, each once (whatever the purpose)."""
    return list(dict.fromkeys(role for _, role in state.uncovered))


def _leader_paged_to_triage(plan: Plan, state: CrisisState) -> bool:
    """Was the crisis leader's role paged to triage (only ``uncovered_pages`` does that)?"""
    director = plan.alarm_chain.director_role
    return any(director in page.roles for page in state.pages_for(PagePurpose.TRIAGE))
