"""Which source an incoming alarm counts as and which critical deliveries it affects, by the plan's
``[[alarm_rules]]``. Pure."""

from collections.abc import Iterable, Mapping

from ..plan.models import Plan


def classify(
    plan: Plan, labels: Mapping[str, str], *, default_source: str, deliveries: Iterable[str] = ()
) -> tuple[str, tuple[str, ...]]:
    """(source, deliveries): ``deliveries`` given plus those of every matching rule, in plan order;
    the source of the first matching rule that names one, else ``default_source``."""
    matching = [rule for rule in plan.alarm_rules if all(labels.get(k) == v for k, v in rule.match.items())]
    found = [*deliveries, *(delivery for rule in matching for delivery in rule.deliveries)]
    source = next((rule.source for rule in matching if rule.source), default_source)
    return source, tuple(dict.fromkeys(found))


def sender_labels(address: str) -> dict[str, str]:
    """The labels alarm mail is matched on: ``sender`` and ``sender_domain``, lower case."""
    address = address.strip().lower()
    return {"sender": address, "sender_domain": address.rpartition("@")[2]}
