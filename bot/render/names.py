"""Plan ids as people read them, on cards and in the exported logbog.

Every lookup is tolerant: an id the plan no longer has (it changed since the crisis) is
shown as recorded, never an error; an alarm's source or delivery the plan does not know is
flagged as such.
"""

from collections.abc import Iterable, Mapping

from ..core.events import Guest
from ..plan.contact import Channel
from ..plan.models import Plan

CHANNEL_NAMES: dict[str, str] = {
    Channel.TEAMS: "Teams", Channel.FEED: "aktivitetsfeed", Channel.MAIL: "mail", Channel.SMS: "sms", Channel.VOICE: "opkald",
}


def person_name(plan: Plan, actor: str, guests: Mapping[str, Guest] | None = None) -> str:
    """A person's name from a plan person id (or ``person:<id>``), or an external participant's from its id (the one
    Krisebot may summon is paged and answers under it; anyone's arrival is recorded by it), or ``Name (address)`` for one
    of ``guests`` (the people outside the plan a crisis informed, by address); any other actor as recorded."""
    key = actor.removeprefix("person:")
    recipient = plan.person_by_id.get(key) or plan.external_by_id.get(key)
    guest = (guests or {}).get(actor)
    return recipient.name if recipient else f"{guest.name} ({guest.email})" if guest else actor


def role_names(plan: Plan, role_ids: Iterable[str], separator: str = ", ", *, in_sentence: bool = False) -> str:
    """``Kriseleder, Ansvarlig for økonomi``; ``in_sentence``: each as it reads inside a sentence (``inside_sentence``)."""
    names = (plan.role_by_id[r].name if r in plan.role_by_id else r for r in role_ids)
    return separator.join(map(inside_sentence, names) if in_sentence else names)


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


def level_name(plan: Plan, level_id: str, *, in_sentence: bool = False) -> str:
    """``Kommuneniveau``; ``in_sentence``: ``kommuneniveau``."""
    level = plan.level_by_id.get(level_id)
    name = level.name if level else level_id
    return inside_sentence(name) if in_sentence else name


def inside_sentence(name: str) -> str:
    """A role's or level's name as Danish writes it inside a sentence: ``Ansvarlig for IT`` → ``ansvarlig for IT``,
    ``Kommuneniveau`` → ``kommuneniveau``. A first word with no lower-case letter after its first (``IT-udstyr``,
    ``O365``, ``DPO``) is an abbreviation or a name and keeps its capital."""
    first = name.split(" ", 1)[0]
    return name[:1].lower() + name[1:] if first[1:].islower() else name


def channel_name(channel: str) -> str:
    """``Teams``, ``sms``, ``opkald``: a channel, or the ``via`` of an answer, as a Danish text names it; anything else as recorded."""
    return CHANNEL_NAMES.get(channel, channel)


def clip(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (unchanged without a limit)."""
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"
