"""Plan ids as people read them, on cards and in the exported logbog.

Every lookup is tolerant: an id the plan no longer has (it changed since the crisis) is
shown as recorded, never an error; an alarm's source or delivery the plan does not know is
flagged as such.
"""

from collections.abc import Iterable

from ..plan.models import Plan


def person_name(plan: Plan, actor: str) -> str:
    """A person's name from a plan person id (or ``person:<id>``), or an external participant's from the id it is paged
    and answers under (``Plan.recipient``); any other actor as recorded."""
    recipient = plan.recipient(actor.removeprefix("person:"))
    return recipient.name if recipient else actor


def role_names(plan: Plan, role_ids: Iterable[str], separator: str = ", ") -> str:
    return separator.join(plan.role_by_id[r].name if r in plan.role_by_id else r for r in role_ids)


def external_name(plan: Plan, external_id: str) -> str:
    """``Indsatsleder fra politiet``: an external participant's name from its id."""
    return next((e.name for e in plan.external_participants if e.id == external_id), external_id)


def delivery_names(plan: Plan, delivery_ids: Iterable[str], unknown: str = "ukendt leverance") -> str:
    """``O365, IT-infrastruktur``; a name the plan does not know as written, flagged: ``Vandværk (ukendt leverance)``."""
    names = {d.id: d.name for d in plan.deliveries}
    return ", ".join(names[d] if d in names else f"{d} ({unknown})" for d in delivery_ids)


def source_name(plan: Plan, source_id: str, unknown: str = "ukendt alarmkilde") -> str:
    """``Overvågningssystemer``; a source the plan does not know as written, flagged: ``Naboen (ukendt alarmkilde)``."""
    source = next((s for s in plan.alarm_sources if s.id == source_id), None)
    return source.name if source else f"{source_id} ({unknown})"


def place_text(plan: Plan, place_id: str) -> str:
    """``Byrådssalen, Struer Rådhus``."""
    place = plan.place_by_id.get(place_id)
    return f"{place.name}, {place.address}" if place else place_id


def level_name(plan: Plan, level_id: str) -> str:
    level = plan.level_by_id.get(level_id)
    return level.name if level else level_id


def clip(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (unchanged without a limit)."""
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"
