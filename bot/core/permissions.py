"""Who may do what: decided by the roles in the plan (a role's primary or any deputy)."""

from enum import StrEnum

from ..plan.models import Plan


class Permission(StrEnum):
    """The decisions the plan restricts (``[permissions]`` in the plan file)."""

    TRIAGE = "triage"
    ACTIVATE = "activate"
    LEVEL_CHANGE = "level_change"
    MEETING_PLACE = "meeting_place"
    CLOSE = "close"
    RECORD_CONTACT = "record_contact"


def allowed_roles(plan: Plan, permission: Permission) -> list[str]:
    """Role ids whose holders may take ``permission``."""
    return list(getattr(plan.permissions, permission.value))


def may(plan: Plan, person_id: str, permission: Permission) -> bool:
    """True if the person holds (as primary or deputy) a role allowed ``permission``."""
    return any(person_id in plan.role_by_id[role].chain for role in allowed_roles(plan, permission))


def who_may(plan: Plan, permission: Permission) -> str:
    """``"Kriseleder (Jesper Thyrring Møller eller Emil B. Christensen)"``, for refusals."""
    parts = []
    for role_id in allowed_roles(plan, permission):
        role = plan.role_by_id[role_id]
        names = [plan.person_by_id[p].name for p in role.chain]
        parts.append(f"{role.name} ({' eller '.join(names)})")
    return "; ".join(parts)
