"""People outside the plan whom a crisis pages: managers the director informs by their address. Pure.

Entra found them (``Guest``, recorded with the decision), so they are reached through Microsoft 365 only:
the Teams card (the app installed for them), the activity feed and mail; the plan has no number of
theirs. They cannot answer (Krisebot knows them from no plan), so their notice asks for nothing and goes
once. Their id in the crisis is their address.
"""

from ..plan.models import Person, Plan
from .state import CrisisState


def person_of(plan: Plan, state: CrisisState | None, person_id: str) -> Person | None:
    """The plan person ``person_id``, else the guest of the crisis with that address; None if neither."""
    person = plan.person_by_id.get(person_id)
    guest = state.guests.get(person_id) if person is None and state is not None else None
    if guest is None:
        return person
    # Validated as a Guest; a plan id could not be an address, so the plan's id rule does not apply.
    return Person.model_construct(
        id=guest.email, name=guest.name, title=guest.title or guest.email, email=guest.email, phones=[],
        entra_object_id=guest.entra_object_id,
    )
