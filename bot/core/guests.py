"""People outside the plan whom a crisis pages: managers the director informs by their address. Pure.

Entra found them (``Guest``, recorded with the decision), so they are reached through Microsoft 365 only:
the Teams card (the app installed for them), the activity feed and mail; the plan has no number of
theirs. They cannot answer (Krisebot knows them from no plan), so their notice asks for nothing and goes
once. Their id in the crisis is their address.
"""

from ..plan.models import Person, Plan, Recipient
from .state import CrisisState


def person_of(plan: Plan, state: CrisisState | None, person_id: str) -> Recipient | None:
    """Whom a page to ``person_id`` goes to: the plan person or external participant (``Plan.recipient``), else the
    guest of the crisis with that address; None if none."""
    recipient = plan.recipient(person_id)
    guest = state.guests.get(person_id) if recipient is None and state is not None else None
    if guest is None:
        return recipient
    # Validated as a Guest; a plan id could not be an address, so the plan's id rule does not apply.
    return Person.model_construct(
        id=guest.email, name=guest.name, title=guest.title or guest.email, email=guest.email, phones=[],
        entra_object_id=guest.entra_object_id,
    )
